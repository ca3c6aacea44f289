import { parseHomeCursor } from "../../surfaces/home.ts";
import type { ListenerDeps } from "../deps.ts";
import type { ButtonHandler } from "./clicker.ts";

/** "Next page" / "Previous page" in the Home tab: the button carries the cursor of the page to show. */
export function showHomePage(deps: ListenerDeps): ButtonHandler {
  return async ({ ack, body, action }) => {
    await ack();
    await deps.home.publish(body.user.id, parseHomeCursor(action.value));
  };
}
