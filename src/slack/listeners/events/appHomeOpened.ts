import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import type { ListenerDeps } from "../deps.ts";

/** The Home tab opened: draw it (approvers also see what waits for them). */
export function appHomeOpened(deps: ListenerDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs): Promise<void> => {
    // The event also fires for the Messages tab; only the Home tab is ours to draw.
    if (event.tab !== "home") return;
    await deps.home.publish(event.user);
  };
}
