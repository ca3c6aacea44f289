import { errorMessage } from "../../../errorMessage.ts";
import type { ClientRequestInput, ClientSubmitResult } from "../../../requests/service.ts";
import { clientRefusalText } from "../../surfaces/refusals.ts";
import { pendingLimitModal } from "../../surfaces/requestModal.ts";
import type { ListenerDeps } from "../deps.ts";
import type { SubmissionArgs } from "./requestSubmitted.ts";

/**
 * A request about a client, valid as typed, handed to the domain before the ack (it reads the
 * client and records the request), so every refusal shows in the form itself: next to the field
 * it is about, or next to `errorBlock`.
 */
export async function submitAboutClient(
  deps: ListenerDeps,
  { ack, body }: SubmissionArgs,
  input: Omit<ClientRequestInput, "requesterId">,
  errorBlock: string,
): Promise<void> {
  const inForm = (text: string) => ack({ response_action: "errors", errors: { [errorBlock]: text } });
  let submitted: ClientSubmitResult;
  try {
    submitted = await deps.service.submitClientRequest({ ...input, requesterId: body.user.id });
  } catch (error) {
    deps.log.event("error", "record_failed", { error: errorMessage(error) });
    await inForm("Your request could not be saved just now. Please submit again in a moment.");
    return;
  }
  switch (submitted.kind) {
    case "refused":
      await ack({ response_action: "errors", errors: submitted.errors as Record<string, string> });
      return;
    case "limit":
      await ack({ response_action: "update", view: pendingLimitModal(submitted.pending, submitted.max) });
      return;
    case "no_change":
      await inForm(clientRefusalText("no_change"));
      return;
    case "client_refused":
      await inForm(clientRefusalText(submitted.refusal));
      return;
    case "duplicate":
      await ack();
      return;
    case "recorded":
      await ack();
      await deps.service.announce(submitted.request);
      return;
  }
}

/** The answer to a form whose private_metadata is not ours (forged, or from an older version). */
export const OUT_OF_DATE = "This form is out of date: close it and try again.";
