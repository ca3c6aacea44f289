import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { HOME_ACTIONS, parseHomeCursor } from "../../views/home.ts";
import type { ListenerDeps } from "../deps.ts";
import { HomeTab } from "./homeTab.ts";

/**
 * App Home: the event that opens the tab, and the buttons that page through "My requests" (they
 * live only in the Home tab, so they are kept here with it). Approve / Deny / Cancel clicked in
 * the tab are the ordinary action listeners (listeners/actions).
 */
export function register(app: App, deps: ListenerDeps, home: HomeTab = new HomeTab(app.client, deps)): void {
  app.event("app_home_opened", async ({ event }) => {
    // The event also fires for the Messages tab; only the Home tab is ours to draw.
    if (event.tab !== "home") return;
    await home.publish(event.user);
  });

  for (const actionId of [HOME_ACTIONS.older, HOME_ACTIONS.newer]) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
      await ack();
      await home.publish(body.user.id, parseHomeCursor(action.value));
    });
  }
}
