import { deleteConfirmModal } from "../../surfaces/clientModals.ts";
import { asClientRequest } from "../../surfaces/clientRequest.ts";
import { refusalText } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonArgs, tellClicker } from "./clicker.ts";

/**
 * A delete is approved only by typing the client's name, whichever button asked (Approve, or
 * Apply anyway after drift): once the clicker is known to be one who may decide, the confirmation
 * opens (in place of a modal the click came from).
 */
export async function askDeleteConfirmation(
  args: ButtonArgs,
  deps: ListenerDeps,
  id: number,
  options: { despiteDrift?: boolean } = {},
): Promise<void> {
  const user = args.body.user.id;
  const checked = await deps.service.canDeny(id, user);
  if (!checked.ok) {
    await tellClicker(args, deps, refusalText(checked.refusal, checked.request));
    return;
  }
  if (checked.request.approvedBy.includes(user)) {
    await tellClicker(args, deps, refusalText("already_approved", checked.request));
    return;
  }
  const r = asClientRequest(checked.request);
  if (!r) return;
  const view = deleteConfirmModal(r, deps.tenantLabel(r.tenant), options);
  if (args.body.view?.type === "modal") {
    await args.client.views.update({ view_id: args.body.view.id, view });
    return;
  }
  await args.client.views.open({ trigger_id: args.body.trigger_id, view });
}
