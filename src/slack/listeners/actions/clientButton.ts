import type { ModalView } from "@slack/types";
import type { ClientForRequest } from "../../../requests/clientRequests.ts";
import { StoreUnavailableError } from "../../../requests/ports.ts";
import { noticeModal, readingClientModal } from "../../surfaces/clientModals.ts";
import { clientRefusalText, UNREACHABLE_DATABASE_TEXT } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { type ButtonArgs, type ButtonHandler, requestIdOf } from "./clicker.ts";

/** A client the clicker may ask about, read from the tenant just now. */
type ReadableEntry = Extract<ClientForRequest, { ok: true }>["entry"];

/**
 * The client a button in the clients list is about: its value is the number of the request that
 * created it; the domain checks the clicker may manage it (its requester, or an approver of its
 * tenant) and reads it from the tenant now. Anyone else is told, as for a client that does not
 * exist, that it cannot be found.
 */
async function clientOfButton(deps: ListenerDeps, createdBy: number, userId: string): Promise<ClientForRequest> {
  const origin = await deps.reads.get(createdBy);
  if (origin?.kind !== "create" || origin.status !== "created" || !origin.createdClientId) {
    return { ok: false, refusal: "not_found" };
  }
  return deps.service.clientForRequest(origin.tenant, origin.createdClientId, userId);
}

/** Where the click happened: the channel an ephemeral note of the form's outcome can reach. */
export function channelOf(body: ButtonArgs["body"]): string | undefined {
  return body.channel?.id ?? body.container?.channel_id;
}

/**
 * A button that opens a form about a client: a modal opens at once (the trigger_id lasts 3 s and
 * the tenant may take longer to answer), then shows the form `build` makes from the client as
 * read now, or what stands in its way.
 */
export function clientFormButton(
  deps: ListenerDeps,
  title: string,
  build: (entry: ReadableEntry, args: ButtonArgs) => ModalView,
): ButtonHandler {
  return async (args) => {
    await args.ack();
    const id = requestIdOf(args.action);
    if (id === undefined) return;
    const opened = await args.client.views.open({ trigger_id: args.body.trigger_id, view: readingClientModal(title) });
    let view: ModalView;
    try {
      const found = await clientOfButton(deps, id, args.body.user.id);
      view = found.ok ? build(found.entry, args) : noticeModal(title, clientRefusalText(found.refusal));
    } catch (error) {
      // The modal is open already: it says what went wrong rather than reading on for ever.
      if (!(error instanceof StoreUnavailableError)) throw error;
      view = noticeModal(title, UNREACHABLE_DATABASE_TEXT);
    }
    if (opened.view?.id) await args.client.views.update({ view_id: opened.view.id, view });
  };
}
