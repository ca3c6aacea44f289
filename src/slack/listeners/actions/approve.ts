import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, refreshHome, requestIdOf, tellClicker } from "./clicker.ts";

/** Approve: the domain checks the clicker and starts the creation; a refusal is told to the clicker only. */
export function approve(deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.approve(id, args.body.user.id);
    if (!result.ok) await tellClicker(args, deps, refusalText(result.refusal, result.request));
    else await refreshHome(args, deps);
  };
}
