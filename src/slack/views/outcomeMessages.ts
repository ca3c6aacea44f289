import type { KnownBlock } from "@slack/types";
import type { ApproverEvent, RequesterEvent } from "../../requests/ports.ts";
import type { Request } from "../../requests/repository.ts";
import { ACTIONS, errorText, type SlackMessage } from "./approvalMessage.ts";
import { actions, button, context, header, section } from "./blocks.ts";
import { channelLink, describeHours, escapeMrkdwn, mention, slackDate } from "./format.ts";
import { requestSummary, requestTitle } from "./requestSummary.ts";

export interface MessageContext {
  approvalChannelId: string;
  tenantLabel: string | undefined;
  requestTtlMs: number;
}

const name = (r: Request) => `*${escapeMrkdwn(r.name)}*`;

/** One direct message per event, each readable on its own: what was asked, what happened, what next. */
export function requesterMessage(r: Request, event: RequesterEvent, ctx: MessageContext): SlackMessage {
  const where = channelLink(r.approvalChannelId ?? ctx.approvalChannelId);
  const summary = requestSummary(r, ctx.tenantLabel);
  switch (event) {
    case "recorded":
      return {
        text: `Request #${r.id} (${r.name}) is waiting for approval.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} is waiting for approval in ${where}. I'll message you here as soon as it is decided. It expires ${slackDate(r.expiresAt)} if nobody decides.`,
          ),
          ...summary,
          actions(`cancel:${r.id}`, [button("Cancel request", ACTIONS.cancel, String(r.id))]),
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
          actions(`cancel:${r.id}`, [button("Cancel request", ACTIONS.cancel, String(r.id))]),
        ],
      };
    case "denied":
      return {
        text: `Request #${r.id} (${r.name}) was denied.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} was denied by ${mention(r.decidedBy ?? "")}.\n*Reason:* ${escapeMrkdwn(r.decisionReason ?? "none given")}`,
          ),
          context("If you can address the reason, submit a new request with `/create-auth-client`."),
        ],
      };
    case "cancelled":
      return {
        text: `Request #${r.id} (${r.name}) is cancelled.`,
        blocks: [
          header(requestTitle(r)),
          section(`You cancelled request #${r.id} for the client ${name(r)}. Approvers can no longer act on it.`),
        ],
      };
    case "expired":
      return {
        text: `Request #${r.id} (${r.name}) expired without a decision.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} expired: nobody decided within ${describeHours(ctx.requestTtlMs)}. Submit it again with \`/create-auth-client\` if you still need it, and perhaps tell an approver.`,
          ),
        ],
      };
    case "created":
      return {
        text: `Your client ${r.name} is ready. Client Id: ${r.createdClientId ?? ""}`,
        blocks: [
          header(`Client ready: ${r.name}`),
          section(
            `Request #${r.id} was approved by ${mention(r.decidedBy ?? "")} and the authorization code client ${name(r)} now exists${ctx.tenantLabel ? ` in *${escapeMrkdwn(ctx.tenantLabel)}*` : ""}. Its *client Id*:`,
          ),
          section(`\`\`\`${r.createdClientId ?? ""}\`\`\``),
          section(
            "Use it as the `client_id` when your application signs users in (authorization code flow with PKCE). The redirect URL your application sends must match one of the allowed redirect URLs exactly. The client Id is not a secret, and this client has no secret.",
          ),
        ],
      };
    case "failed":
      return {
        text: `Creating the client for request #${r.id} (${r.name}) failed.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} was approved, but creating the client ${name(r)} failed. The approvers have been told and can retry; you don't need to submit it again.`,
          ),
          ...(r.lastError ? [section(errorText(r.lastError))] : []),
        ],
      };
  }
}

/** Replies in the approval message's thread. */
export function approverThreadMessage(r: Request, event: ApproverEvent, ctx: MessageContext): SlackMessage {
  const text = ((): string => {
    switch (event) {
      case "created":
        return `:white_check_mark: Client created for request #${r.id}. Client Id: \`${r.createdClientId ?? ""}\`. ${mention(r.requesterId)} has been sent it.`;
      case "failed":
        return `:warning: Creating the client for request #${r.id} failed after ${r.attempts === 1 ? "one attempt" : `${r.attempts} attempts`}.\n${r.lastError ? errorText(r.lastError) : ""}\nAn approver can press *Retry*: it will not create a second client.`;
      case "retrying":
        return `:arrows_counterclockwise: Retrying request #${r.id}…`;
      case "denied":
        return `:no_entry: Denied by ${mention(r.decidedBy ?? "")}: ${escapeMrkdwn(r.decisionReason ?? "")}`;
      case "cancelled":
        return `:heavy_multiplication_x: ${mention(r.requesterId)} cancelled request #${r.id}.`;
      case "expired":
        return `:clock3: Request #${r.id} expired after ${describeHours(ctx.requestTtlMs)} without a decision. ${mention(r.requesterId)} has been told.`;
      case "reminder":
        return `:bell: Request #${r.id} from ${mention(r.requesterId)} is still waiting for a decision. It expires ${slackDate(r.expiresAt)}.`;
    }
  })();
  const blocks: KnownBlock[] = [section(text)];
  return { text: text.replace(/[*`]/g, "").split("\n")[0] ?? text, blocks };
}
