import { validateJustification } from "../../../requests/form.ts";
import { BLOCKS } from "../../ids.ts";
import { parseClientFormMetadata } from "../../surfaces/clientModals.ts";
import type { ListenerDeps } from "../deps.ts";
import { OUT_OF_DATE, submitAboutClient } from "./clientSubmission.ts";
import { typedText } from "./readForm.ts";
import type { SubmissionHandler } from "./requestSubmitted.ts";

/** Disable, enable or delete submitted with its justification (the form's own rules), then handed to the domain. */
export function clientActionSubmitted(deps: ListenerDeps): SubmissionHandler {
  return async (args) => {
    const { ack, view } = args;
    const block = BLOCKS.clientJustification;
    const metadata = parseClientFormMetadata(view.private_metadata);
    if (!metadata || metadata.kind === "change") {
      await ack({ response_action: "errors", errors: { [block]: OUT_OF_DATE } });
      return;
    }
    const justification = validateJustification(typedText(view.state.values, block));
    if (!justification.ok) {
      await ack({ response_action: "errors", errors: { [block]: justification.error } });
      return;
    }
    await submitAboutClient(
      deps,
      args,
      {
        kind: metadata.kind,
        tenant: metadata.tenant,
        clientId: metadata.clientId,
        justification: justification.value,
        originChannelId: metadata.channelId,
        submissionKey: view.id,
      },
      block,
    );
  };
}
