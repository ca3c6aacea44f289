import { denyModal } from "../../surfaces/denyModal.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, decisionButton } from "./clicker.ts";

/** Deny: checks the clicker first (a refused person never sees the form), then asks for the reason. */
export function deny(deps: ListenerDeps): ButtonHandler {
  return decisionButton(
    deps,
    (id, user) => deps.service.canDeny(id, user),
    async (args, request) => {
      await args.client.views.open({ trigger_id: args.body.trigger_id, view: denyModal(request) });
    },
  );
}
