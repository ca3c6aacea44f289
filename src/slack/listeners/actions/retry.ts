import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, requestIdOf, tellClicker } from "./clicker.ts";

/** Retry a failed creation (approvers only); it can never create a second client. */
export function retry(deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.retry(id, args.body.user.id);
    if (!result.ok) await tellClicker(args, deps, refusalText(result.refusal, result.request));
  };
}
