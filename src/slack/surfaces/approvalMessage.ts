import type { ActionsBlock, KnownBlock } from "@slack/types";
import type { Request, StoredError } from "../../requests/request.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { approvalProgress, approveConfirmText, approverNames } from "./approvals.ts";
import { actions, button, context, divider, header, section } from "./blocks.ts";
import { escapeMrkdwn, mention, slackDate } from "./format.ts";
import { requestSummary, requestTitle } from "./requestSummary.ts";

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The status line under a request: what state it is in, who moved it there and when. */
export function statusLine(r: Request): string {
  const by = r.decidedBy ? ` by ${approverNames(r)}` : "";
  const when = r.decidedAt ? ` on ${slackDate(r.decidedAt)}` : "";
  const progress = approvalProgress(r);
  switch (r.status) {
    case "pending":
      return `:hourglass_flowing_sand: Waiting for ${progress ? `approvals · ${progress}` : "a decision"} · expires ${slackDate(r.expiresAt)}`;
    case "approved":
      return `:white_check_mark: Approved${by}${when} · creating the client…`;
    case "creating":
      return `:white_check_mark: Approved${by}${when} · creating the client…`;
    case "created":
      return `:white_check_mark: Approved${by}${when} · client created ${slackDate(r.updatedAt)}: \`${r.createdClientId ?? ""}\``;
    case "failed":
      return `:warning: Approved${by}${when} · creating the client failed (attempt ${r.attempts})`;
    case "denied":
      return `:no_entry: Denied${r.decidedBy ? ` by ${mention(r.decidedBy)}` : ""}${when}${r.decisionReason ? `: ${escapeMrkdwn(r.decisionReason)}` : ""}`;
    case "cancelled":
      return `:heavy_multiplication_x: Cancelled by the requester${when}`;
    case "expired":
      return `:clock3: Expired on ${slackDate(r.updatedAt)} without a decision`;
  }
}

export function errorText(error: StoredError): string {
  const lines = [`*Error:* ${escapeMrkdwn(error.error)}${error.status ? ` (HTTP ${error.status})` : ""}`];
  if (error.reason) lines.push(`*Reason:* ${escapeMrkdwn(error.reason)}`);
  if (error.resolution) lines.push(`*Resolution:* ${escapeMrkdwn(error.resolution)}`);
  if (error.operationId) lines.push(`*OperationId:* \`${escapeMrkdwn(error.operationId)}\``);
  return lines.join("\n");
}

/** The message approvers act on. Buttons only while a decision (or a retry) is possible. */
export function approvalMessage(r: Request, tenantLabel: string | undefined): SlackMessage {
  const id = String(r.id);
  const blocks: KnownBlock[] = [
    header(requestTitle(r)),
    section(
      `${mention(r.requesterId)} asks for a new authorization code client${tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : ""}.`,
    ),
    ...requestSummary(r, tenantLabel),
    divider(),
  ];
  if (r.status === "failed" && r.lastError) blocks.push(section(errorText(r.lastError)));
  if (r.status === "created" && r.createdClientId) blocks.push(section(`*Client Id*\n\`${r.createdClientId}\``));
  blocks.push(context(statusLine(r)));
  if (r.status === "pending") {
    blocks.push(decisionButtons(r, tenantLabel));
  } else if (r.status === "failed") {
    blocks.push(actions(BLOCKS.retry(r.id), [button("Retry", ACTIONS.retry, id, { style: "primary" })]));
  }
  return { text: `${requestTitle(r)} — ${plainStatus(r)}`, blocks };
}

/** Approve (confirmed) and Deny: the same buttons in the approval channel and in App Home. */
export function decisionButtons(r: Request, tenantLabel: string | undefined): ActionsBlock {
  const id = String(r.id);
  const where = tenantLabel ? `the tenant *${escapeMrkdwn(tenantLabel).slice(0, 100)}*` : "the tenant";
  return actions(BLOCKS.decision(r.id), [
    button("Approve", ACTIONS.approve, id, {
      style: "primary",
      confirm: {
        title: { type: "plain_text", text: "Create this client?" },
        text: { type: "mrkdwn", text: approveConfirmText(r, where) },
        confirm: { type: "plain_text", text: "Approve and create" },
        deny: { type: "plain_text", text: "Not yet" },
      },
    }),
    button("Deny", ACTIONS.deny, id, { style: "danger" }),
  ]);
}

export function plainStatus(r: Request): string {
  switch (r.status) {
    case "pending":
      return "waiting for approval";
    case "approved":
    case "creating":
      return "approved, creating the client";
    case "created":
      return "client created";
    case "failed":
      return "creation failed";
    default:
      return r.status;
  }
}
