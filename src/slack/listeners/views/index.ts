import type { App, ViewStateValue } from "@slack/bolt";
import { errorMessage } from "../../../errorMessage.ts";
import { FIELD_IDS, type RawForm, validateRequestForm } from "../../../requests/form.ts";
import { DENY_MODAL_CALLBACK, DENY_REASON_BLOCK, DENY_REASON_MAX, parseDenyMetadata } from "../../views/denyModal.ts";
import { refusalText } from "../../views/refusals.ts";
import {
  INPUT_ACTION,
  parseModalMetadata,
  pendingLimitModal,
  requestModalCallbackId,
} from "../../views/requestModal.ts";
import type { ListenerDeps } from "../deps.ts";

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** The typed text of each input block (selects give their chosen value). */
export function readForm(values: StateValues): RawForm {
  const form: RawForm = {};
  for (const field of FIELD_IDS) {
    const input = values[field]?.[INPUT_ACTION];
    form[field] = input?.selected_option?.value ?? input?.value ?? null;
  }
  return form;
}

export function register(app: App, deps: ListenerDeps): void {
  const tenantNames = deps.tenants.map((t) => t.name);

  app.view(requestModalCallbackId, async ({ ack, body, view }) => {
    const result = validateRequestForm(readForm(view.state.values), tenantNames);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: result.errors as Record<string, string> });
      return;
    }
    const { channelId } = parseModalMetadata(view.private_metadata);
    let submitted: ReturnType<typeof deps.service.submit>;
    try {
      submitted = deps.service.submit(result.value, body.user.id, channelId, view.id);
    } catch (error) {
      deps.log.event("error", "record_failed", { error: errorMessage(error) });
      await ack({
        response_action: "errors",
        errors: { justification: "Your request could not be saved just now. Please submit again in a moment." },
      });
      return;
    }
    if (submitted.kind === "limit") {
      await ack({ response_action: "update", view: pendingLimitModal(submitted.pending, submitted.max) });
      return;
    }
    await ack();
    // A repeated submission of the same modal was announced by the first one.
    if (submitted.kind === "recorded") await deps.service.announce(submitted.request);
  });

  app.view(DENY_MODAL_CALLBACK, async ({ ack, body, view }) => {
    const reason = (view.state.values[DENY_REASON_BLOCK]?.[INPUT_ACTION]?.value ?? "").trim();
    if (reason === "" || reason.length > DENY_REASON_MAX || /[^\P{Cc}\n\t]/u.test(reason)) {
      await ack({
        response_action: "errors",
        errors: { [DENY_REASON_BLOCK]: `Give the requester a reason (up to ${DENY_REASON_MAX} characters).` },
      });
      return;
    }
    const id = parseDenyMetadata(view.private_metadata);
    if (id === undefined) {
      await ack({
        response_action: "errors",
        errors: { [DENY_REASON_BLOCK]: "This form is out of date: close it and try again." },
      });
      return;
    }
    // The decision is taken before the ack so that a refusal shows in the form itself; telling
    // everyone about it waits until after.
    const result = await deps.service.deny(id, body.user.id, reason);
    if (!result.ok) {
      await ack({
        response_action: "errors",
        errors: { [DENY_REASON_BLOCK]: refusalText(result.refusal, result.request) },
      });
      return;
    }
    await ack();
    await deps.service.announceDecision(result.request, "denied");
  });
}
