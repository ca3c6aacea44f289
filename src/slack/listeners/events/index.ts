import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../deps.ts";
import { appHomeOpened } from "./appHomeOpened.ts";

/**
 * Every event the bot subscribes to (manifest.yml), and its handler. Buttons clicked in the Home
 * tab, paging included, are ordinary actions (listeners/actions).
 */
export function register(app: App, deps: ListenerDeps): void {
  app.event("app_home_opened", appHomeOpened(deps));
}
