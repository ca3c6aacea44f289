import { StoreUnavailableError } from "../../../requests/ports.ts";
import { BLOCKS } from "../../ids.ts";
import { DENY_REASON_MAX, parseDenyMetadata } from "../../surfaces/denyModal.ts";
import { refusalText, UNREACHABLE_DATABASE_TEXT } from "../../surfaces/refusals.ts";
import type { ListenerDeps } from "../deps.ts";
import { typedText } from "./readForm.ts";
import type { SubmissionHandler } from "./requestSubmitted.ts";

/** The deny reason submitted: the decision is taken before the ack, so a refusal shows in the form itself. */
export function denyReasonSubmitted(deps: ListenerDeps): SubmissionHandler {
  return async ({ ack, body, view }) => {
    const reason = typedText(view.state.values, BLOCKS.denyReason).trim();
    if (reason === "" || reason.length > DENY_REASON_MAX || /[^\P{Cc}\n\t]/u.test(reason)) {
      await ack({
        response_action: "errors",
        errors: { [BLOCKS.denyReason]: `Give the requester a reason (up to ${DENY_REASON_MAX} characters).` },
      });
      return;
    }
    const id = parseDenyMetadata(view.private_metadata);
    if (id === undefined) {
      await ack({
        response_action: "errors",
        errors: { [BLOCKS.denyReason]: "This form is out of date: close it and try again." },
      });
      return;
    }
    const result = await deps.service.deny(id, body.user.id, reason).catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) return undefined;
      throw error;
    });
    if (!result) {
      await ack({ response_action: "errors", errors: { [BLOCKS.denyReason]: UNREACHABLE_DATABASE_TEXT } });
      return;
    }
    if (!result.ok) {
      await ack({
        response_action: "errors",
        errors: { [BLOCKS.denyReason]: refusalText(result.refusal, result.request) },
      });
      return;
    }
    await ack();
  };
}
