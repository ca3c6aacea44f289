import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, refreshHome, requestIdOf, tellClicker } from "./clicker.ts";

/** Cancel: the requester withdraws their own pending request (from the DM or the Home tab). */
export function cancel(deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.cancel(id, args.body.user.id);
    if (!result.ok) {
      await tellClicker(args, deps, refusalText(result.refusal, result.request));
      return;
    }
    await refreshHome(args, deps);
  };
}
