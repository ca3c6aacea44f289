import type { KnownBlock } from "@slack/types";
import type { ApproverEvent, RequesterEvent } from "../../requests/ports.ts";
import type { Request } from "../../requests/request.ts";
import { ACTIONS, BLOCKS, COMMAND } from "../ids.ts";
import { errorText, plainStatus, type SlackMessage, statusContext } from "./approvalMessage.ts";
import { approverNames, stillWaitingFor } from "./approvals.ts";
import { actions, button, context, header, section, typedSection } from "./blocks.ts";
import { clientRequesterCard, clientRequesterMessage, clientThreadMessage } from "./clientOutcomes.ts";
import { asClientRequest } from "./clientRequest.ts";
import { channelLink, describeHours, escapeMrkdwn, escapeWithin, mention, slackDate } from "./format.ts";
import { RequestRef, requestRef, requestSummary, requestTitle, viewButton } from "./requestSummary.ts";

export interface MessageContext {
  approvalChannelId: string;
  tenantLabel: string | undefined;
  requestTtlMs: number;
}

const name = (r: Request) => `*${escapeMrkdwn(r.name)}*`;
const NEW_REQUEST = `\`${COMMAND}\``;
/** How much of each redirect URL the one-line reminder of what was asked shows. */
const ASKED_URL_MAX = 200;
const ASKED_URLS = 3;

/**
 * "What was asked", in one line, so an outcome message stands on its own: the name, the tenant and
 * the first redirect URLs (each cut visibly past ASKED_URL_MAX characters), with how many more.
 */
export function askedLine(r: Request, tenantLabel: string | undefined): string {
  const shown = r.redirectUris
    .slice(0, ASKED_URLS)
    .map((u) => `\`${escapeWithin(u, ASKED_URL_MAX).replace(/`/g, "'")}\``);
  const more = r.redirectUris.length > shown.length ? ` and ${r.redirectUris.length - shown.length} more` : "";
  const tenant = tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : "";
  return `You asked on ${slackDate(r.createdAt)} for the client ${name(r)}${tenant}, redirect URL${r.redirectUris.length === 1 ? "" : "s"} ${shown.join(", ")}${more}. \`${COMMAND} status ${r.id}\` shows it in full.`;
}

/** The requester's buttons on their first DM: View full request, and Cancel while pending. */
function requesterButtons(r: Request): KnownBlock[] {
  if (r.status !== "pending") return [actions(BLOCKS.view(r.id), [viewButton(r)])];
  return [actions(BLOCKS.cancel(r.id), [viewButton(r), button("Cancel request", ACTIONS.cancel, String(r.id))])];
}

/**
 * The requester's first DM about a request, as it should read now. While pending it carries the
 * Cancel button; once the request has moved on, the button goes and a status line says what
 * happened (the outcome itself comes as its own DM, except a cancellation: the requester did it
 * from this very message, so the message itself turns into the outcome).
 */
export function requesterCard(r: Request, ctx: MessageContext): SlackMessage {
  const about = asClientRequest(r);
  if (about) return clientRequesterCard(about, ctx);
  if (r.status === "pending") return requesterMessage(r, "recorded", ctx);
  if (r.status === "cancelled") return requesterMessage(r, "cancelled", ctx);
  return {
    text: `${RequestRef(r)}: ${plainStatus(r)}.`,
    blocks: [header(requestTitle(r)), statusContext(r), ...requestSummary(r, ctx.tenantLabel), ...requesterButtons(r)],
  };
}

/** What the "not posted yet" DM becomes once the request reached the approvers (a newer DM follows). */
export function supersededCard(r: Request): SlackMessage {
  const text = `${RequestRef(r)} has reached the approvers: see my newer message below.`;
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
  const about = asClientRequest(r);
  if (about) return clientRequesterMessage(about, event, ctx);
  const where = channelLink(r.approvalChannelId ?? ctx.approvalChannelId);
  const summary = requestSummary(r, ctx.tenantLabel);
  const asked = context(askedLine(r, ctx.tenantLabel));
  const when = slackDate(r.decidedAt ?? r.updatedAt);
  switch (event) {
    case "recorded":
      if (r.status !== "pending") return requesterCard(r, ctx);
      return {
        text: `${RequestRef(r)} is waiting for approval.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} is waiting for approval in ${where}. I'll message you here as soon as it is decided. It expires ${slackDate(r.expiresAt)} if nobody decides.`,
          ),
          ...summary,
          ...requesterButtons(r),
        ],
      };
    case "recorded_unposted":
      return {
        text: `${RequestRef(r)} is recorded, but the approvers have not been reached yet.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `Your request #${r.id} for the client ${name(r)} is recorded, but I could not post it in ${where} for the approvers yet. Nothing is lost: I will keep trying and tell you when it is there. If this lasts, ask an admin to invite me to that channel.`,
          ),
          ...summary,
          ...requesterButtons(r),
        ],
      };
    case "denied":
      return {
        text: `${RequestRef(r)} was denied.`,
        blocks: [
          header(requestTitle(r)),
          section(
            `:no_entry: Your request #${r.id} for the client ${name(r)} was denied by ${mention(r.decidedBy ?? "")} on ${when}. No client was created. *Reason:*`,
          ),
          typedSection(r.decisionReason ?? "none given"),
          asked,
          context(
            `What next: if you can address the reason, submit a new request with ${NEW_REQUEST}; ask ${mention(r.decidedBy ?? "")} if it is unclear.`,
          ),
        ],
      };
    case "cancelled":
      return {
        text: `${RequestRef(r)} is cancelled.`,
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
        text: `${RequestRef(r)} expired without a decision.`,
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
        text: `Your client ${escapeMrkdwn(r.name)} is ready. Client Id: ${r.createdClientId ?? ""}`,
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
        text: `Creating the client for ${requestRef(r)} failed.`,
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
  const about = asClientRequest(r);
  const worded = about ? clientThreadMessage(about, event) : undefined;
  if (worded) return worded;
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
        return `:no_entry: Denied by ${mention(r.decidedBy ?? "")}. Reason:`;
      case "cancelled":
        return `:heavy_multiplication_x: ${mention(r.requesterId)} cancelled request #${r.id}.`;
      case "expired":
        return `:clock3: Request #${r.id} expired after ${describeHours(ctx.requestTtlMs)} without a decision. ${mention(r.requesterId)} has been told.`;
      case "reminder":
        return `:bell: Reminder ${r.remindersSent + 1}: request #${r.id} from ${mention(r.requesterId)} is still waiting for ${stillWaitingFor(r)} (*Approve* or *Deny* above). It expires ${slackDate(r.expiresAt)}.`;
    }
  })();
  const firstLine = text.replace(/[*`]/g, "").split("\n")[0] ?? text;
  if (event === "denied") {
    // The reason as the approver typed it: plain_text in the thread, escaped in the notification.
    const reason = r.decisionReason || "none given";
    return {
      text: `${firstLine} ${escapeMrkdwn(reason)}`,
      blocks: [section(text), typedSection(reason)],
    };
  }
  return { text: firstLine, blocks: [section(text)] };
}
