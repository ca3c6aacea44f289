import type { KnownBlock } from "@slack/types";
import type { ApproverEvent, RequesterEvent } from "../../requests/ports.ts";
import type { Request } from "../../requests/request.ts";
import { ACTIONS, BLOCKS, COMMAND } from "../ids.ts";
import { errorText, plainStatus, type SlackMessage, statusLine } from "./approvalMessage.ts";
import { approverNames, stillWaitingFor } from "./approvals.ts";
import { actions, button, context, header, section } from "./blocks.ts";
import { channelLink, describeHours, escapeMrkdwn, mention, slackDate } from "./format.ts";
import { requestSummary, requestTitle } from "./requestSummary.ts";

export interface MessageContext {
  approvalChannelId: string;
  tenantLabel: string | undefined;
  requestTtlMs: number;
}

const name = (r: Request) => `*${escapeMrkdwn(r.name)}*`;
const NEW_REQUEST = `\`${COMMAND}\``;

/** "What was asked", in one line, so an outcome message stands on its own. */
export function askedLine(r: Request, tenantLabel: string | undefined): string {
  const shown = r.redirectUris.slice(0, 3).map((u) => `\`${escapeMrkdwn(u).replace(/`/g, "'")}\``);
  const more = r.redirectUris.length > shown.length ? ` and ${r.redirectUris.length - shown.length} more` : "";
  const tenant = tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : "";
  return `You asked on ${slackDate(r.createdAt)} for the client ${name(r)}${tenant}, redirect URL${r.redirectUris.length === 1 ? "" : "s"} ${shown.join(", ")}${more}.`;
}

function cancelButton(r: Request): KnownBlock[] {
  if (r.status !== "pending") return [];
  return [actions(BLOCKS.cancel(r.id), [button("Cancel request", ACTIONS.cancel, String(r.id))])];
}

/**
 * The requester's first DM about a request, as it should read now. While pending it carries the
 * Cancel button; once the request has moved on, the button goes and a status line says what
 * happened (the outcome itself comes as its own DM, except a cancellation: the requester did it
 * from this very message, so the message itself turns into the outcome).
 */
export function requesterCard(r: Request, ctx: MessageContext): SlackMessage {
  if (r.status === "pending") return requesterMessage(r, "recorded", ctx);
  if (r.status === "cancelled") return requesterMessage(r, "cancelled", ctx);
  return {
    text: `Request #${r.id} (${r.name}): ${plainStatus(r)}.`,
    blocks: [header(requestTitle(r)), context(statusLine(r)), ...requestSummary(r, ctx.tenantLabel)],
  };
}

/** What the "not posted yet" DM becomes once the request reached the approvers (a newer DM follows). */
export function supersededCard(r: Request): SlackMessage {
  const text = `Request #${r.id} (${r.name}) has reached the approvers: see my newer message below.`;
  return {
    text,
    blocks: [
      context(
        `:arrow_down: Request #${r.id} for the client ${name(r)} has reached the approvers: see my newer message below.`,
      ),
    ],
  };
}

/** One direct message per event, each readable on its own: what was asked, what happened, what next. */
export function requesterMessage(r: Request, event: RequesterEvent, ctx: MessageContext): SlackMessage {
  const where = channelLink(r.approvalChannelId ?? ctx.approvalChannelId);
  const summary = requestSummary(r, ctx.tenantLabel);
  const asked = context(askedLine(r, ctx.tenantLabel));
  const when = slackDate(r.decidedAt ?? r.updatedAt);
  switch (event) {
    case "recorded":
      if (r.status !== "pending") return requesterCard(r, ctx);
      return {
        text: `Request #${r.id} (${r.name}) is waiting for approval.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} is waiting for approval in ${where}. I'll message you here as soon as it is decided. It expires ${slackDate(r.expiresAt)} if nobody decides.`,
          ),
          ...summary,
          ...cancelButton(r),
        ],
      };
    case "recorded_unposted":
      return {
        text: `Request #${r.id} (${r.name}) is recorded, but the approvers have not been reached yet.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} is recorded, but I could not post it in ${where} for the approvers yet. Nothing is lost: I will keep trying and tell you when it is there. If this lasts, ask an admin to invite me to that channel.`,
          ),
          ...summary,
          ...cancelButton(r),
        ],
      };
    case "denied":
      return {
        text: `Request #${r.id} (${r.name}) was denied.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `:no_entry: Your request #${r.id} for the client ${name(r)} was denied by ${mention(r.decidedBy ?? "")} on ${when}. No client was created.\n*Reason:* ${escapeMrkdwn(r.decisionReason ?? "none given")}`,
          ),
          asked,
          context(
            `What next: if you can address the reason, submit a new request with ${NEW_REQUEST}; ask ${mention(r.decidedBy ?? "")} if it is unclear.`,
          ),
        ],
      };
    case "cancelled":
      return {
        text: `Request #${r.id} (${r.name}) is cancelled.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `:heavy_multiplication_x: You cancelled request #${r.id} for the client ${name(r)} on ${when}. Approvers can no longer act on it, and no client was created.`,
          ),
          asked,
          context(`Need it after all? Submit a new request with ${NEW_REQUEST}.`),
        ],
      };
    case "expired":
      return {
        text: `Request #${r.id} (${r.name}) expired without a decision.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `:clock3: Your request #${r.id} for the client ${name(r)} expired on ${slackDate(r.updatedAt)}: nobody decided within ${describeHours(ctx.requestTtlMs)}. No client was created.`,
          ),
          asked,
          context(
            `What next: if you still need it, submit it again with ${NEW_REQUEST}, and perhaps let an approver in ${where} know.`,
          ),
        ],
      };
    case "created":
      return {
        text: `Your client ${r.name} is ready. Client Id: ${r.createdClientId ?? ""}`,
        blocks: [
          header(`Client ready: ${r.name}`),
          section(
            `:white_check_mark: Request #${r.id} was approved by ${approverNames(r)} and the authorization code client ${name(r)} now exists${ctx.tenantLabel ? ` in *${escapeMrkdwn(ctx.tenantLabel)}*` : ""}. Its *client Id*:`,
          ),
          section(`\`\`\`${r.createdClientId ?? ""}\`\`\``),
          asked,
          section(
            "What next: use it as the `client_id` when your application signs users in (authorization code flow with PKCE). The redirect URL your application sends must match one of the allowed redirect URLs exactly. The client Id is not a secret, and this client has no secret.",
          ),
        ],
      };
    case "failed":
      return {
        text: `Creating the client for request #${r.id} (${r.name}) failed.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `:warning: Your request #${r.id} was approved by ${approverNames(r)}, but creating the client ${name(r)} failed. The approvers have been told and can retry; you don't need to submit it again. I'll message you when it is created.`,
          ),
          ...(r.lastError ? [section(errorText(r.lastError))] : []),
          asked,
        ],
      };
  }
}

/** Replies in the approval message's thread. */
export function approverThreadMessage(r: Request, event: ApproverEvent, ctx: MessageContext): SlackMessage {
  const inTenant = ctx.tenantLabel ? ` in *${escapeMrkdwn(ctx.tenantLabel)}*` : "";
  const text = ((): string => {
    switch (event) {
      case "created":
        return `:white_check_mark: Approved by ${approverNames(r)}; client created for request #${r.id}${inTenant}. Client Id: \`${r.createdClientId ?? ""}\`. ${mention(r.requesterId)} has been sent it.`;
      case "failed":
        return `:warning: Approved by ${approverNames(r)}, but creating the client for request #${r.id}${inTenant} failed after ${r.attempts === 1 ? "one attempt" : `${r.attempts} attempts`}.\n${r.lastError ? errorText(r.lastError) : ""}\nAn approver can press *Retry*: it will not create a second client.`;
      case "retrying":
        return `:arrows_counterclockwise: Retrying request #${r.id}…`;
      case "denied":
        return `:no_entry: Denied by ${mention(r.decidedBy ?? "")}: ${escapeMrkdwn(r.decisionReason ?? "")}`;
      case "cancelled":
        return `:heavy_multiplication_x: ${mention(r.requesterId)} cancelled request #${r.id}.`;
      case "expired":
        return `:clock3: Request #${r.id} expired after ${describeHours(ctx.requestTtlMs)} without a decision. ${mention(r.requesterId)} has been told.`;
      case "reminder":
        return `:bell: Reminder ${r.remindersSent + 1}: request #${r.id} from ${mention(r.requesterId)} is still waiting for ${stillWaitingFor(r)} (*Approve* or *Deny* above). It expires ${slackDate(r.expiresAt)}.`;
    }
  })();
  const blocks: KnownBlock[] = [section(text)];
  return { text: text.replace(/[*`]/g, "").split("\n")[0] ?? text, blocks };
}
