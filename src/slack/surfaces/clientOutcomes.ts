import type { KnownBlock } from "@slack/types";
import { isSentBack } from "../../requests/clientRequests.ts";
import { ALREADY_DELETED_NOTE } from "../../requests/creation.ts";
import type { ApproverEvent, RequesterEvent } from "../../requests/ports.ts";
import { ACTIONS, BLOCKS, COMMAND } from "../ids.ts";
import { errorText, type SlackMessage } from "./approvalMessage.ts";
import { approverNames } from "./approvals.ts";
import { actions, button, context, header, section, typedSection } from "./blocks.ts";
import {
  clientIdCode,
  clientName,
  clientPlainStatus,
  clientStatusContext,
  outcomeNoteBlocks,
  TAKES_EFFECT_NOTE,
  whatApproveDoes,
} from "./clientApproval.ts";
import { type ClientRequest, clientRequestTitle, KIND_WORDS } from "./clientRequest.ts";
import { channelLink, describeHours, escapeMrkdwn, mention, slackDate } from "./format.ts";
import type { MessageContext } from "./outcomeMessages.ts";
import { PREVIEW, viewButton } from "./requestSummary.ts";

const CLIENTS = `\`${COMMAND} clients\``;

/** Whether a delete found its client gone already (recorded as done, not failed). */
function wasAlreadyGone(r: Pick<ClientRequest, "kind" | "outcomeNote">): boolean {
  return r.kind === "delete" && (r.outcomeNote ?? "").includes(ALREADY_DELETED_NOTE);
}

/** "to change the client *X* (client Id `…`) in *tenant*": what was asked, in a sentence. */
function asked(r: ClientRequest, tenantLabel: string | undefined): string {
  const tenant = tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : "";
  return `${KIND_WORDS[r.kind].asks} the client ${clientName(r)} (client Id ${clientIdCode(r.targetClientId)})${tenant}`;
}

/** The one line that makes an outcome readable on its own: what was asked, and where it is in full. */
function askedLine(r: ClientRequest, tenantLabel: string | undefined): KnownBlock {
  return context(
    `You asked on ${slackDate(r.createdAt)} ${asked(r, tenantLabel)}. \`${COMMAND} status ${r.id}\` shows it in full.`,
  );
}

function requesterButtons(r: ClientRequest): KnownBlock {
  if (r.status !== "pending") return actions(BLOCKS.view(r.id), [viewButton(r)]);
  return actions(BLOCKS.cancel(r.id), [viewButton(r), button("Cancel request", ACTIONS.cancel, String(r.id))]);
}

/** What the requester reads when their request was applied, by kind. */
function appliedText(r: ClientRequest, tenantLabel: string | undefined): string {
  const by = approverNames(r);
  const tenant = tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : "";
  const client = `${clientName(r)} (client Id ${clientIdCode(r.targetClientId)})${tenant}`;
  switch (r.kind) {
    case "change":
      return `:white_check_mark: Your change to the client ${client} was approved by ${by} and applied. ${TAKES_EFFECT_NOTE}`;
    case "disable":
      return `:white_check_mark: The client ${client} is disabled, approved by ${by}. Sign-ins with it stop; ${TAKES_EFFECT_NOTE.toLowerCase()}`;
    case "enable":
      return `:white_check_mark: The client ${client} is enabled again, approved by ${by}. ${TAKES_EFFECT_NOTE}`;
    case "delete":
      return wasAlreadyGone(r)
        ? `:white_check_mark: The client ${client} was already deleted in the tenant. Your request, approved by ${by}, is recorded as done.`
        : `:white_check_mark: The client ${client} was deleted, approved by ${by}. ${TAKES_EFFECT_NOTE}`;
  }
}

/** One direct message per event about a change, disable, enable or delete, each readable on its own. */
export function clientRequesterMessage(r: ClientRequest, event: RequesterEvent, ctx: MessageContext): SlackMessage {
  const where = channelLink(r.approvalChannelId ?? ctx.approvalChannelId);
  const title = header(clientRequestTitle(r));
  const what = asked(r, ctx.tenantLabel);
  const preview = whatApproveDoes(r, { full: false, listBudget: PREVIEW.list });
  const text = (sentence: string) =>
    `Request #${r.id} (${KIND_WORDS[r.kind].title.toLowerCase()} ${escapeMrkdwn(r.name)}) ${sentence}`;
  const when = slackDate(r.decidedAt ?? r.updatedAt);
  switch (event) {
    case "recorded":
      return {
        text: text("is waiting for approval."),
        blocks: [
          title,
          section(
            `Your request #${r.id} ${what} is waiting for approval in ${where}. I'll message you here once it is decided. It expires ${slackDate(r.expiresAt)} if nobody decides.`,
          ),
          ...preview,
          requesterButtons(r),
        ],
      };
    case "recorded_unposted":
      return {
        text: text("is recorded, but the approvers have not been reached yet."),
        blocks: [
          title,
          section(
            `Your request #${r.id} ${what} is recorded, but I could not post it in ${where} for the approvers yet. Nothing is lost: I will keep trying and tell you when it is there.`,
          ),
          ...preview,
          requesterButtons(r),
        ],
      };
    case "denied":
      if (isSentBack(r)) {
        return {
          text: text("was sent back: the client changed in the tenant since you asked."),
          blocks: [
            title,
            section(
              `:leftwards_arrow_with_hook: Your request #${r.id} was sent back by ${mention(r.decidedBy ?? "")} on ${when}: the client changed in the tenant after you asked, so what you asked for no longer fits it. Nothing was changed.`,
            ),
            askedLine(r, ctx.tenantLabel),
            context(`What next: ${CLIENTS} shows the client as it is now; ask again from there if you still need to.`),
          ],
        };
      }
      return {
        text: text("was denied."),
        blocks: [
          title,
          section(
            `:no_entry: Your request #${r.id} was denied by ${mention(r.decidedBy ?? "")} on ${when}. Nothing was changed. *Reason:*`,
          ),
          typedSection(r.decisionReason ?? "none given"),
          askedLine(r, ctx.tenantLabel),
          context(`What next: if you can address the reason, ask again from ${CLIENTS}.`),
        ],
      };
    case "cancelled":
      return {
        text: text("is cancelled."),
        blocks: [
          title,
          section(`:heavy_multiplication_x: You cancelled request #${r.id} on ${when}. Nothing was changed.`),
          askedLine(r, ctx.tenantLabel),
        ],
      };
    case "expired":
      return {
        text: text("expired without a decision."),
        blocks: [
          title,
          section(
            `:clock3: Your request #${r.id} expired on ${slackDate(r.updatedAt)}: nobody decided within ${describeHours(ctx.requestTtlMs)}. Nothing was changed.`,
          ),
          askedLine(r, ctx.tenantLabel),
          context(`What next: if you still need it, ask again from ${CLIENTS}.`),
        ],
      };
    case "created":
      return {
        text: text(
          `is done: ${wasAlreadyGone(r) ? "the client was already deleted in the tenant" : KIND_WORDS[r.kind].applied}.`,
        ),
        blocks: [
          title,
          section(appliedText(r, ctx.tenantLabel)),
          ...outcomeNoteBlocks(r),
          askedLine(r, ctx.tenantLabel),
        ],
      };
    case "failed":
      return {
        text: text(`was approved, but ${KIND_WORDS[r.kind].applying} failed.`),
        blocks: [
          title,
          section(
            `:warning: Your request #${r.id} was approved by ${approverNames(r)}, but ${KIND_WORDS[r.kind].applying} failed. The approvers have been told and can retry; you don't need to ask again.`,
          ),
          ...(r.lastError ? [section(errorText(r.lastError))] : []),
          askedLine(r, ctx.tenantLabel),
        ],
      };
  }
}

/** The requester's first DM about a request, as it should read now (see outcomeMessages.requesterCard). */
export function clientRequesterCard(r: ClientRequest, ctx: MessageContext): SlackMessage {
  if (r.status === "pending") return clientRequesterMessage(r, "recorded", ctx);
  if (r.status === "cancelled") return clientRequesterMessage(r, "cancelled", ctx);
  return {
    text: `Request #${r.id}: ${clientPlainStatus(r)}.`,
    blocks: [
      header(clientRequestTitle(r)),
      clientStatusContext(r),
      ...whatApproveDoes(r, { full: false, listBudget: PREVIEW.list }),
      requesterButtons(r),
    ],
  };
}

/**
 * A reply in the approval message's thread about a change, disable, enable or delete; undefined
 * for the events a creation's reply already words for any kind (retrying, cancelled, expired,
 * reminder, a plain deny).
 */
export function clientThreadMessage(r: ClientRequest, event: ApproverEvent): SlackMessage | undefined {
  const words = KIND_WORDS[r.kind];
  const client = `client ${clientIdCode(r.targetClientId)}`;
  let text: string;
  switch (event) {
    case "created":
      text = wasAlreadyGone(r)
        ? `:white_check_mark: Approved by ${approverNames(r)}; the ${client} of request #${r.id} was already deleted in the tenant: recorded as done. ${mention(r.requesterId)} has been told.`
        : `:white_check_mark: Approved by ${approverNames(r)}; ${words.applied} (${client}, request #${r.id}). ${mention(r.requesterId)} has been told; ${TAKES_EFFECT_NOTE.toLowerCase()}`;
      break;
    case "failed":
      text = `:warning: Approved by ${approverNames(r)}, but ${words.applying} (${client}, request #${r.id}) failed after ${r.attempts === 1 ? "one attempt" : `${r.attempts} attempts`}.\n${r.lastError ? errorText(r.lastError) : ""}\nAn approver can press *Retry*.`;
      break;
    case "denied":
      if (!isSentBack(r)) return undefined;
      text = `:leftwards_arrow_with_hook: Sent back by ${mention(r.decidedBy ?? "")}: the ${client} changed in the tenant since request #${r.id} was made. ${mention(r.requesterId)} has been told.`;
      break;
    default:
      return undefined;
  }
  return { text: (text.replace(/[*`]/g, "").split("\n")[0] ?? text).trim(), blocks: [section(text)] };
}
