import { errorMessage } from "../../../errorMessage.ts";
import type { Drift } from "../../../requests/clientRequests.ts";
import type { Request } from "../../../requests/request.ts";
import { asClientRequest } from "../../surfaces/clientRequest.ts";
import { driftMessage, driftModal } from "../../surfaces/drift.ts";
import { channelLink } from "../../surfaces/format.ts";
import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonArgs, type ButtonHandler, refreshHome, requestIdOf, tellClicker } from "./clicker.ts";
import { askDeleteConfirmation } from "./deleteConfirmation.ts";

/**
 * What changed in the tenant since the request, to the approver who clicked: an ephemeral message
 * with Apply anyway / Send back where there is a channel; a modal in the Home tab (which has none),
 * or a plain note if the modal can no longer be opened.
 */
async function showDrift(args: ButtonArgs, deps: ListenerDeps, request: Request, drift: Drift): Promise<void> {
  const r = asClientRequest(request);
  if (!r) return;
  const note = driftMessage(r, drift);
  if (args.body.view?.type === "home") {
    try {
      await args.client.views.open({ trigger_id: args.body.trigger_id, view: driftModal(r, drift) });
      return;
    } catch (error) {
      deps.log.event("warn", "drift_modal_failed", { request: r.id, error: errorMessage(error) });
      // The Home tab shows text only: the choice is made on the approval message.
      const where = channelLink(r.approvalChannelId ?? deps.approvalChannelId);
      await tellClicker(args, deps, `${note.text} Choose on its approval message in ${where}.`);
      return;
    }
  }
  await tellClicker(args, deps, note);
}

/**
 * Approve: the domain checks the clicker, re-reads a client a request is about (drift), and
 * starts the creation or the change; a Home tab shows the new state. A delete asks the approver to
 * type the client's name first (the delete confirmation), once the clicker is known to be one
 * who may decide.
 */
export function approve(deps: ListenerDeps): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const result = await deps.service.approve(id, args.body.user.id);
    if (!result.ok) {
      if (result.refusal === "drift") await showDrift(args, deps, result.request, result.drift);
      else if (result.refusal === "name_unconfirmed" && result.request) {
        await askDeleteConfirmation(args, deps, result.request);
      } else await tellClicker(args, deps, refusalText(result.refusal, result.request));
      return;
    }
    await refreshHome(args, deps);
  };
}
