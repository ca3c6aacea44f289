import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, decisionButton, refreshHome } from "./clicker.ts";

/** Approve: the domain checks the clicker and starts the creation; a Home tab shows the new state. */
export function approve(deps: ListenerDeps): ButtonHandler {
  return decisionButton(
    deps,
    (id, user) => deps.service.approve(id, user),
    (args) => refreshHome(args, deps),
  );
}
