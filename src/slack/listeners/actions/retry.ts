import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, decisionButton } from "./clicker.ts";

/** Retry a failed creation (approvers only); it can never create a second client. */
export function retry(deps: ListenerDeps): ButtonHandler {
  return decisionButton(deps, (id, user) => deps.service.retry(id, user));
}
