import type { KnownBlock, ModalView } from "@slack/types";
import type { Drift } from "../../requests/clientRequests.ts";
import { type ClientSettings, changesBetween } from "../../requests/clients.ts";
import { ACTIONS, BLOCKS, CALLBACKS } from "../ids.ts";
import type { SlackMessage } from "./approvalMessage.ts";
import { actions, button, LIMITS, section } from "./blocks.ts";
import { clientIdCode, clientName } from "./clientApproval.ts";
import { changesBlocks, type Extent } from "./clientChanges.ts";
import { type ClientRequest, desiredSettings } from "./clientRequest.ts";
import { clip, slackDate } from "./format.ts";

const PAST: Record<ClientRequest["kind"], string> = {
  change: "changed",
  disable: "disabled",
  enable: "enabled",
  delete: "deleted",
};

/** How much of each list a drift note in a message shows; the modal shows all. */
const DRIFT_LIST_PREVIEW = 800;

/** What Apply anyway would do to the client as it is now. */
function applyAnywayBlocks(r: ClientRequest, live: ClientSettings, extent: Extent): KnownBlock[] {
  if (r.kind === "delete") return [section("*Apply anyway* deletes the client as it is now.")];
  return [
    section(
      "*Apply anyway* sends this request's settings, so the changes made in the tenant are overwritten. From the client as it is now, that changes:",
    ),
    ...changesBlocks(changesBetween(live, desiredSettings(r)), extent),
  ];
}

function driftButtons(r: ClientRequest, live: Drift["live"]): KnownBlock {
  const id = String(r.id);
  const sendBack = button("Send back", ACTIONS.driftSendBack, id);
  // A change, disable or enable of a client that is gone can only fail: only a delete may go on.
  if (live === "gone" && r.kind !== "delete") return actions(BLOCKS.drift(r.id), [sendBack]);
  const apply = button("Apply anyway", ACTIONS.driftApplyAnyway, id, {
    style: "primary",
    confirm: {
      title: { type: "plain_text", text: "Apply anyway?" },
      text: {
        type: "plain_text",
        text:
          live === "gone"
            ? `Record request #${r.id} as done? The client is already gone from the tenant.`
            : `Approve request #${r.id} although the client changed in the tenant since it was made? This is recorded with your approval.`,
      },
      confirm: { type: "plain_text", text: "Apply anyway" },
      deny: { type: "plain_text", text: "Not yet" },
    },
  });
  return actions(BLOCKS.drift(r.id), [apply, sendBack]);
}

/**
 * What changed in the tenant since the request was made (as read then → as read now), what Apply
 * anyway would do now, and the two ways on: Apply anyway, or Send back to the requester.
 */
function driftBlocks(r: ClientRequest, drift: Drift, extent: Extent): KnownBlock[] {
  const head = `:warning: The client ${clientName(r)} (${clientIdCode(r.targetClientId)}) changed in the tenant since request #${r.id} was made on ${slackDate(r.createdAt)}. Nothing is approved yet.`;
  if (drift.live === "gone") {
    const next =
      r.kind === "delete"
        ? "*Apply anyway* records the delete as done; *Send back* tells the requester."
        : `It can no longer be ${PAST[r.kind]}: *Send back* tells the requester.`;
    return [section(`${head}\n*It no longer exists in the tenant.* ${next}`), driftButtons(r, drift.live)];
  }
  return [
    section(head),
    section("*What changed in the tenant* (from the client when the request was made to the client now):"),
    ...changesBlocks(drift.changes, extent),
    ...applyAnywayBlocks(r, drift.live, extent),
    section("*Send back* denies the request and asks the requester to submit it again from the current settings."),
    driftButtons(r, drift.live),
  ];
}

/** The drift note as an ephemeral message to the approver who clicked Approve. */
export function driftMessage(r: ClientRequest, drift: Drift): SlackMessage {
  return {
    text: `The client of request #${r.id} changed in the tenant since the request was made: apply anyway, or send it back.`,
    blocks: driftBlocks(r, drift, { full: false, listBudget: DRIFT_LIST_PREVIEW }),
  };
}

/** The drift note as a modal (from the delete confirmation, or where no ephemeral can go), in full. */
export function driftModal(r: ClientRequest, drift: Drift): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACKS.drift,
    title: { type: "plain_text", text: clip(`Request #${r.id} changed`, LIMITS.modalTitle) },
    close: { type: "plain_text", text: "Close" },
    private_metadata: JSON.stringify({ requestId: r.id }),
    blocks: driftBlocks(r, drift, { full: true }),
  };
}

/** What replaces the drift note once an approver chose. */
export function driftResolvedText(r: Pick<ClientRequest, "id">, choice: "applied" | "sent_back"): string {
  return choice === "applied"
    ? `:white_check_mark: You approved request #${r.id} although its client changed in the tenant; this is recorded.`
    : `:leftwards_arrow_with_hook: You sent request #${r.id} back to its requester; this is recorded.`;
}
