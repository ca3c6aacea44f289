import type { ActionsBlock, ContextBlock, KnownBlock } from "@slack/types";
import type { Request, StoredError } from "../../requests/request.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { approvalProgress, approverNames } from "./approvals.ts";
import { actions, button, context, divider, header, LIMITS, section, typed } from "./blocks.ts";
import {
  clientApprovalMessage,
  clientDecisionButtons,
  clientPlainStatus,
  clientStatusContext,
  clientStatusLine,
} from "./clientApproval.ts";
import { asClientRequest } from "./clientRequest.ts";
import { escapeMrkdwn, escapeWithin, fitText, mention, plural, slackDate } from "./format.ts";
import { RequestRef, requestSummary, requestTitle, VIEW_FULL_REQUEST, viewButton } from "./requestSummary.ts";
import { riskHintBlocks } from "./riskHints.ts";

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The status line under a request: what state it is in, who moved it there and when (a deny reason apart: see statusContext). */
export function statusLine(r: Request): string {
  const about = asClientRequest(r);
  return about ? clientStatusLine(about) : creationStatusLine(r);
}

/** The status line of a creation (and the states every kind words alike: pending, denied, cancelled, expired). */
export function creationStatusLine(r: Request): string {
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
      // The decider alone: approvals counted before a deny did not decide it.
      return `:no_entry: Denied${r.decidedBy ? ` by ${mention(r.decidedBy)}` : ""}${when}${r.decisionReason ? ". Reason:" : ""}`;
    case "cancelled":
      return `:heavy_multiplication_x: Cancelled by the requester${when}`;
    case "expired":
      return `:clock3: Expired on ${slackDate(r.updatedAt)} without a decision`;
  }
}

/** The status line as a context block; a deny reason follows as the approver typed it. */
export function statusContext(r: Request): ContextBlock {
  const about = asClientRequest(r);
  if (about) return clientStatusContext(about);
  const reason = r.status === "denied" && r.decisionReason ? [typed(r.decisionReason, LIMITS.contextText)] : [];
  return context(statusLine(r), ...reason);
}

/** Each part of an Identity API error, at most this long: they are read, not parsed. */
const ERROR_PART_MAX = 400;

export function errorText(error: StoredError): string {
  const part = (text: string) => escapeWithin(text, ERROR_PART_MAX);
  const lines = [`*Error:* ${part(error.error)}${error.status ? ` (HTTP ${error.status})` : ""}`];
  if (error.reason) lines.push(`*Reason:* ${part(error.reason)}`);
  if (error.resolution) lines.push(`*Resolution:* ${part(error.resolution)}`);
  if (error.operationId) lines.push(`*OperationId:* \`${part(error.operationId).replace(/`/g, "'")}\``);
  return lines.join("\n");
}

/**
 * The message approvers act on: the request as far as a message holds it (requestSummary), its
 * status, and its buttons — "View full request" always, Approve / Deny while pending, Retry after
 * a failed creation.
 */
export function approvalMessage(r: Request, tenantLabel: string | undefined): SlackMessage {
  const about = asClientRequest(r);
  if (about) return clientApprovalMessage(about, tenantLabel);
  const blocks: KnownBlock[] = [
    header(requestTitle(r)),
    section(
      `${mention(r.requesterId)} asks for a new authorization code client${tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : ""}.`,
    ),
    ...requestSummary(r, tenantLabel),
    ...riskHintBlocks(r),
    divider(),
  ];
  if (r.status === "failed" && r.lastError) blocks.push(section(errorText(r.lastError)));
  if (r.status === "created" && r.createdClientId) blocks.push(section(`*Client Id*\n\`${r.createdClientId}\``));
  blocks.push(statusContext(r));
  if (r.status === "pending") {
    blocks.push(decisionButtons(r, tenantLabel));
  } else if (r.status === "failed") {
    blocks.push(
      actions(BLOCKS.retry(r.id), [viewButton(r), button("Retry", ACTIONS.retry, String(r.id), { style: "primary" })]),
    );
  } else {
    blocks.push(actions(BLOCKS.view(r.id), [viewButton(r)]));
  }
  return { text: `${RequestRef(r)} — ${plainStatus(r)}`, blocks };
}

export const ordinal = (n: number) => `${n}${n === 1 ? "st" : n === 2 ? "nd" : n === 3 ? "rd" : "th"}`;

/** Whether one more approval is the last one needed: the click creates the client. */
function createsClient(r: Pick<Request, "approvedBy" | "requiredApprovals">): boolean {
  return r.approvedBy.length + 1 >= r.requiredApprovals;
}

/**
 * What the Approve confirmation says, within Slack's 300 characters whatever the name and tenant:
 * the client, where, how many URLs it gets, and — when several approvals are needed — whether this
 * click creates it or counts towards it. The name keeps all of its room (the form allows 100
 * characters); the tenant's label gets what is left. plain_text, so nothing in it is parsed.
 */
export function confirmText(r: Request, tenantLabel: string | undefined): string {
  const lists = [
    plural(r.redirectUris.length, "redirect URL"),
    plural(r.postLogoutRedirectUris.length, "logout URL"),
    plural(r.allowedCorsOrigins.length, "CORS origin"),
  ];
  const next = r.approvedBy.length + 1;
  const creates = createsClient(r);
  const head = creates ? "Create the client “" : "Approve the client “";
  const counted = creates
    ? r.requiredApprovals > 1
      ? ` Yours is approval ${next} of ${r.requiredApprovals}.`
      : ""
    : ` Approval ${next} of ${r.requiredApprovals}: created at the ${ordinal(r.requiredApprovals)}.`;
  const tail = `${creates ? " now" : ""}, with ${lists[0]}, ${lists[1]} and ${lists[2]}?${counted} “${VIEW_FULL_REQUEST}” shows them all.`;
  return fitConfirm(head, r.name, tenantLabel, tail);
}

/**
 * A confirmation naming a client and its tenant between a fixed `head` and `tail`, within Slack's
 * 300 characters: the name keeps all of its room (the form allows 100 characters), the tenant's
 * label gets what is left. plain_text, so nothing in it is parsed.
 */
export function fitConfirm(head: string, clientName: string, tenantLabel: string | undefined, tail: string): string {
  const inTenant = tenantLabel ? "” in " : "”";
  const room = LIMITS.confirmText - head.length - inTenant.length - tail.length;
  const name = fitText(clientName, room - (tenantLabel ? Math.min(tenantLabel.length, 40) : 0)).text;
  const label = tenantLabel ? fitText(tenantLabel, room - name.length).text : "";
  return `${head}${name}${inTenant}${label}${tail}`;
}

/** View full request, Approve (confirmed) and Deny: the same buttons in the approval channel and in App Home. */
export function decisionButtons(r: Request, tenantLabel: string | undefined): ActionsBlock {
  const about = asClientRequest(r);
  if (about) return clientDecisionButtons(about, tenantLabel);
  const id = String(r.id);
  return actions(BLOCKS.decision(r.id), [
    viewButton(r),
    button("Approve", ACTIONS.approve, id, {
      style: "primary",
      confirm: {
        title: { type: "plain_text", text: createsClient(r) ? "Create this client?" : "Approve this request?" },
        text: { type: "plain_text", text: confirmText(r, tenantLabel), emoji: false },
        confirm: { type: "plain_text", text: createsClient(r) ? "Approve and create" : "Approve" },
        deny: { type: "plain_text", text: "Not yet" },
      },
    }),
    button("Deny", ACTIONS.deny, id, { style: "danger" }),
  ]);
}

export function plainStatus(r: Request): string {
  const about = asClientRequest(r);
  if (about) return clientPlainStatus(about);
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
