import { validateRequestForm } from "../../../requests/form.ts";
import { parseClientFormMetadata } from "../../surfaces/clientModals.ts";
import type { ListenerDeps } from "../deps.ts";
import { OUT_OF_DATE, submitAboutClient } from "./clientSubmission.ts";
import { readForm } from "./readForm.ts";
import type { SubmissionHandler } from "./requestSubmitted.ts";

/**
 * The change form submitted: validated by the same rules as a new client's (every bad field
 * answered inline), in the client's own tenant, then handed to the domain.
 */
export function clientChangeSubmitted(deps: ListenerDeps): SubmissionHandler {
  return async (args) => {
    const { ack, view } = args;
    const metadata = parseClientFormMetadata(view.private_metadata);
    if (metadata?.kind !== "change") {
      await ack({ response_action: "errors", errors: { justification: OUT_OF_DATE } });
      return;
    }
    const result = validateRequestForm({ ...readForm(view.state.values), tenant: metadata.tenant }, [metadata.tenant]);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: result.errors as Record<string, string> });
      return;
    }
    await submitAboutClient(
      deps,
      args,
      {
        kind: "change",
        tenant: metadata.tenant,
        clientId: metadata.clientId,
        form: result.value,
        justification: result.value.justification,
        originChannelId: metadata.channelId,
        submissionKey: view.id,
      },
      "justification",
    );
  };
}
