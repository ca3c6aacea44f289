import type { Request } from "../../../requests/request.ts";
import { deleteConfirmModal } from "../../surfaces/clientModals.ts";
import { asClientRequest } from "../../surfaces/clientRequest.ts";
import type { ListenerDeps } from "../deps.ts";
import type { ButtonArgs } from "./clicker.ts";

/**
 * The domain approves a delete only with the client's name typed ("name_unconfirmed"), whichever
 * button asked (Approve, or Apply anyway after drift), after checking the clicker may decide: the
 * confirmation that asks for it opens (in place of a modal the click came from).
 */
export async function askDeleteConfirmation(
  args: ButtonArgs,
  deps: ListenerDeps,
  request: Request,
  options: { despiteDrift?: boolean } = {},
): Promise<void> {
  const r = asClientRequest(request);
  if (!r) return;
  const view = deleteConfirmModal(r, deps.tenantLabel(r.tenant), options);
  if (args.body.view?.type === "modal") {
    await args.client.views.update({ view_id: args.body.view.id, view });
    return;
  }
  await args.client.views.open({ trigger_id: args.body.trigger_id, view });
}
