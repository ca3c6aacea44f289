import type { App } from "@slack/bolt";
import * as actions from "./actions/index.ts";
import * as commands from "./commands/index.ts";
import type { ListenerDeps } from "./deps.ts";
import * as events from "./events/index.ts";
import * as views from "./views/index.ts";

/** Registers every listener: commands, view submissions, button clicks and events. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  commands.register(app, deps);
  views.register(app, deps);
  actions.register(app, deps);
  events.register(app, deps);
}
