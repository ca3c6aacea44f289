import type { ModalView } from "@slack/types";
import type { Request } from "../../requests/request.ts";
import { BLOCKS, CALLBACKS, INPUT_ACTION } from "../ids.ts";
import { LIMITS, section, typedSection } from "./blocks.ts";
import { clip, mention } from "./format.ts";

export const DENY_REASON_MAX = 500;

export function denyModal(r: Request): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACKS.denyReason,
    title: { type: "plain_text", text: clip(`Deny request #${r.id}`, LIMITS.modalTitle) },
    submit: { type: "plain_text", text: "Deny" },
    close: { type: "plain_text", text: "Back" },
    private_metadata: JSON.stringify({ requestId: r.id }),
    blocks: [
      section(`Deny request #${r.id} of ${mention(r.requesterId)} for the client below? They will see your reason.`),
      typedSection(r.name),
      {
        type: "input",
        block_id: BLOCKS.denyReason,
        label: { type: "plain_text", text: "Reason" },
        element: {
          type: "plain_text_input",
          action_id: INPUT_ACTION,
          multiline: true,
          max_length: DENY_REASON_MAX,
          placeholder: { type: "plain_text", text: "e.g. Use the shared staging client instead." },
        },
      },
    ],
  };
}

export function parseDenyMetadata(text: string): number | undefined {
  try {
    const value = JSON.parse(text) as { requestId?: unknown };
    return typeof value.requestId === "number" ? value.requestId : undefined;
  } catch {
    return undefined;
  }
}
