import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, decisionButton, refreshHome } from "./clicker.ts";

/** Cancel: the requester withdraws their own pending request (from the DM or the Home tab). */
export function cancel(deps: ListenerDeps): ButtonHandler {
  return decisionButton(
    deps,
    (id, user) => deps.service.cancel(id, user),
    (args) => refreshHome(args, deps),
  );
}
