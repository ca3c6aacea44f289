import type { KnownBlock, ModalView } from "@slack/types";
import { CALLBACKS } from "../ids.ts";
import { fields, LIMITS, section, typedPieces, typedSection } from "./blocks.ts";
import {
  clientIdCode,
  clientStatusContext,
  outcomeNoteBlocks,
  TAKES_EFFECT_NOTE,
  whatApproveDoes,
} from "./clientApproval.ts";
import { settingsInFull } from "./clientChanges.ts";
import { type ClientRequest, desiredSettings, KIND_WORDS } from "./clientRequest.ts";
import { clip, escapeMrkdwn, mention, slackDate } from "./format.ts";
import { riskHintBlocks } from "./riskHints.ts";

/** What Approve sends for a change, disable or enable: every managed setting, in full, as sent. */
function sentInFull(r: ClientRequest): KnownBlock[] {
  if (r.kind === "delete") return [];
  return [
    section(
      "*The client after approval*: every setting below is sent, exactly as shown (settings not listed — secrets, client URI, logo, tags — are left as they are).",
    ),
    ...settingsInFull(desiredSettings(r)),
  ];
}

/**
 * "View full request" for a change, disable, enable or delete: everything Approve does to the
 * client, in full — the diff from the client as read when the request was made, then (except for a
 * delete) every setting as it will be sent — with who asked, why, and where the request stands.
 */
export function clientFullRequestModal(r: ClientRequest, tenantLabel: string | undefined): ModalView {
  const words = KIND_WORDS[r.kind];
  const tenant = tenantLabel ? escapeMrkdwn(tenantLabel) : "the only tenant configured";
  return {
    type: "modal",
    callback_id: CALLBACKS.fullRequest,
    title: { type: "plain_text", text: clip(`Request #${r.id}`, LIMITS.modalTitle) },
    close: { type: "plain_text", text: "Close" },
    blocks: [
      section(
        `${mention(r.requesterId)} asked on ${slackDate(r.createdAt)} ${words.asks} an authorization code client. This is everything *Approve* does, in full. ${TAKES_EFFECT_NOTE}`,
      ),
      clientStatusContext(r),
      ...outcomeNoteBlocks(r),
      fields([
        ["Client Id", clientIdCode(r.targetClientId)],
        ["Tenant", tenant],
      ]),
      ...(r.kind === "change" ? riskHintBlocks(r) : []),
      ...whatApproveDoes(r, { full: true }),
      ...sentInFull(r),
      section("*Justification*"),
      ...typedPieces(r.justification.split("\n")).map(typedSection),
    ],
  };
}
