import type { ModalView } from "@slack/types";
import { errorMessage } from "../../../errorMessage.ts";
import { namesMatch } from "../../../requests/clients.ts";
import { StoreUnavailableError } from "../../../requests/ports.ts";
import type { DecisionResult } from "../../../requests/service.ts";
import { BLOCKS } from "../../ids.ts";
import { noticeModal, parseDeleteConfirmMetadata, readingClientModal } from "../../surfaces/clientModals.ts";
import { asClientRequest } from "../../surfaces/clientRequest.ts";
import { driftModal } from "../../surfaces/drift.ts";
import { refusalText, UNREACHABLE_DATABASE_TEXT } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { OUT_OF_DATE } from "./clientSubmission.ts";
import { typedText } from "./readForm.ts";
import type { SubmissionHandler } from "./requestSubmitted.ts";

const TITLE = "Delete a client";

/** What the modal says once the domain decided: counted, approved, or why not (drift shows itself). */
function outcomeView(result: DecisionResult) {
  if (result.ok) {
    const r = result.request;
    const text =
      r.status === "pending"
        ? `Your approval of request #${r.id} is counted (${r.approvedBy.length} of ${r.requiredApprovals}). The client is deleted at the last approval.`
        : `Request #${r.id} is approved: the client is being deleted. The approval message and its thread follow it.`;
    return noticeModal(TITLE, `:white_check_mark: ${text}`);
  }
  if (result.refusal === "drift") {
    const r = asClientRequest(result.request);
    if (r) return driftModal(r, result.drift);
  }
  return noticeModal(
    TITLE,
    refusalText(result.refusal === "drift" ? "already_decided" : result.refusal, result.request),
  );
}

/**
 * The name typed to approve a delete: a wrong name is answered in the form; the right one is
 * taken as the approval. The client is read again before it counts (drift), which may take a
 * moment, so the modal says it is checking, then shows what happened.
 */
export function deleteConfirmSubmitted(deps: ListenerDeps): SubmissionHandler {
  return async ({ ack, body, view, client }) => {
    const metadata = parseDeleteConfirmMetadata(view.private_metadata);
    if (metadata === undefined) {
      await ack({ response_action: "errors", errors: { [BLOCKS.confirmName]: OUT_OF_DATE } });
      return;
    }
    const id = metadata.requestId;
    const inForm = (text: string) => ack({ response_action: "errors", errors: { [BLOCKS.confirmName]: text } });
    // Who may decide is checked before the name, so the form tells nobody else whether a name is right.
    let checked: DecisionResult;
    try {
      checked = await deps.service.canDeny(id, body.user.id);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      await inForm(UNREACHABLE_DATABASE_TEXT);
      return;
    }
    if (!checked.ok) {
      await inForm(refusalText(checked.refusal === "drift" ? "already_decided" : checked.refusal, checked.request));
      return;
    }
    const request = checked.request;
    if (request.kind !== "delete") {
      await inForm(refusalText("not_found", undefined));
      return;
    }
    if (request.approvedBy.includes(body.user.id)) {
      await inForm(refusalText("already_approved", request));
      return;
    }
    const typed = typedText(view.state.values, BLOCKS.confirmName);
    // Checked here too, before the ack, so a wrong name is answered in the form; the domain checks it again.
    if (!namesMatch(typed, request.name)) {
      await inForm("That is not the client's name: type it exactly as shown above.");
      return;
    }
    await ack({ response_action: "update", view: readingClientModal(TITLE) });
    let next: ModalView;
    try {
      next = outcomeView(
        await deps.service.approve(id, body.user.id, { despiteDrift: metadata.despiteDrift, confirmedName: typed }),
      );
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      deps.log.event("warn", "delete_confirm_failed", { request: id, error: errorMessage(error) });
      next = noticeModal(TITLE, UNREACHABLE_DATABASE_TEXT);
    }
    await client.views.update({ view_id: view.id, view: next });
  };
}
