import { denyModal } from "../../surfaces/denyModal.ts";
import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, requestIdOf, tellClicker } from "./clicker.ts";

/** Deny: checks the clicker first (a refused person never sees the form), then asks for the reason. */
export function deny(deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const checked = await deps.service.canDeny(id, args.body.user.id);
    if (!checked.ok) {
      await tellClicker(args, deps, refusalText(checked.refusal, checked.request));
      return;
    }
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: denyModal(checked.request) });
  };
}
