import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { errorMessage } from "../../../errorMessage.ts";
import { validateRequestForm } from "../../../requests/form.ts";
import type { SubmitResult } from "../../../requests/service.ts";
import { parseModalMetadata, pendingLimitModal } from "../../surfaces/requestModal.ts";
import type { ListenerDeps } from "../deps.ts";
import { readForm } from "./readForm.ts";

export type SubmissionArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
export type SubmissionHandler = (args: SubmissionArgs) => Promise<void>;

/**
 * The request form submitted: every bad field is answered inline (nothing recorded); a valid
 * request is recorded before the ack, so the requester learns at once if it could not be saved.
 */
export function requestSubmitted(deps: ListenerDeps): SubmissionHandler {
  const tenantNames = deps.tenants.map((t) => t.name);
  return async ({ ack, body, view }) => {
    const result = validateRequestForm(readForm(view.state.values), tenantNames);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: result.errors as Record<string, string> });
      return;
    }
    const { channelId } = parseModalMetadata(view.private_metadata);
    let submitted: SubmitResult;
    try {
      submitted = await deps.service.submit(result.value, body.user.id, channelId, view.id);
    } catch (error) {
      deps.log.event("error", "record_failed", { error: errorMessage(error) });
      await ack({
        response_action: "errors",
        errors: { justification: "Your request could not be saved just now. Please submit again in a moment." },
      });
      return;
    }
    if (submitted.kind === "refused") {
      await ack({ response_action: "errors", errors: submitted.errors as Record<string, string> });
      return;
    }
    if (submitted.kind === "limit") {
      await ack({ response_action: "update", view: pendingLimitModal(submitted.pending, submitted.max) });
      return;
    }
    await ack();
    // A repeated submission of the same modal was announced by the first one.
    if (submitted.kind === "recorded") await deps.service.announce(submitted.request);
  };
}
