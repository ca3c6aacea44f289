import { fullRequestModal } from "../../surfaces/fullRequest.ts";
import { approversUnknownReadText, notVisibleText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonHandler, requestIdOf, tellClicker } from "./clicker.ts";

/**
 * View full request: opens everything Approve would create, to the requester and the approvers
 * (anyone else is told, as `status` tells them, that it cannot be shown).
 */
export function viewRequest(deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const request = await deps.reads.get(id);
    const readable = await deps.service.mayRead(request, args.body.user.id);
    if (readable === "unknown") {
      await tellClicker(args, deps, approversUnknownReadText(`#${id}`));
      return;
    }
    if (!request || !readable) {
      await tellClicker(args, deps, notVisibleText(`#${id}`));
      return;
    }
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: fullRequestModal(request, deps.tenantLabel(request.tenant)),
    });
  };
}
