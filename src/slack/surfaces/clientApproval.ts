import type { ActionsBlock, ContextBlock, KnownBlock } from "@slack/types";
import { isSentBack } from "../../requests/clientRequests.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { creationStatusLine, errorText, fitConfirm, ordinal, type SlackMessage } from "./approvalMessage.ts";
import { approverNames } from "./approvals.ts";
import { actions, button, context, divider, fields, header, LIMITS, section, typed } from "./blocks.ts";
import { changesBlocks, type Extent, settingsInFull, unchangedNote } from "./clientChanges.ts";
import { type ClientRequest, clientRequestTitle, KIND_WORDS, requestedChanges } from "./clientRequest.ts";
import { escapeMrkdwn, escapeWithin, mention, plural, slackDate } from "./format.ts";
import { justificationPreview, PREVIEW, VIEW_FULL_REQUEST, viewButton } from "./requestSummary.ts";
import { riskHintBlocks } from "./riskHints.ts";

/** A client's name inside our sentences (escaped): names read from the tenant may be long. */
const NAME_IN_TEXT = 200;

export const clientName = (r: Pick<ClientRequest, "name">) => `*${escapeWithin(r.name, NAME_IN_TEXT)}*`;

/** A client Id in code format; Ids come from the Identity API, escaped all the same. */
export const clientIdCode = (id: string) => `\`${escapeWithin(id, 100).replace(/`/g, "'")}\``;

/** The note a changed client needs: the Identity API applies changes within the hour. */
export const TAKES_EFFECT_NOTE = "Changes can take up to an hour to take effect.";

/** The status line of a request about a client: as a creation's, in the words of its kind. */
export function clientStatusLine(r: ClientRequest): string {
  const words = KIND_WORDS[r.kind];
  const by = r.decidedBy ? ` by ${approverNames(r)}` : "";
  const when = r.decidedAt ? ` on ${slackDate(r.decidedAt)}` : "";
  switch (r.status) {
    case "approved":
    case "creating":
      return `:white_check_mark: Approved${by}${when} · ${words.applying}…`;
    case "created":
      return `:white_check_mark: Approved${by}${when} · ${words.applied} ${slackDate(r.updatedAt)}`;
    case "failed":
      return `:warning: Approved${by}${when} · ${words.applying} failed (attempt ${r.attempts})`;
    case "denied":
      if (isSentBack(r)) {
        return `:leftwards_arrow_with_hook: Sent back${r.decidedBy ? ` by ${mention(r.decidedBy)}` : ""}${when}: the client changed in the tenant since the request was made`;
      }
      return creationStatusLine(r);
    default:
      return creationStatusLine(r);
  }
}

/** The status line as a context block; a deny reason follows as the approver typed it (not for a send-back). */
export function clientStatusContext(r: ClientRequest): ContextBlock {
  const reason =
    r.status === "denied" && r.decisionReason && !isSentBack(r) ? [typed(r.decisionReason, LIMITS.contextText)] : [];
  return context(clientStatusLine(r), ...reason);
}

/** The client's settings in counts, no typed text: what a delete removes, in one line. */
function settingsCounts(r: ClientRequest): string {
  const b = r.baseline;
  return `${plural(b.redirectUris.length, "redirect URL")}, ${plural(b.postLogoutRedirectUris.length, "logout redirect URL")}, ${plural(b.allowedCorsOrigins.length, "CORS origin")}, enabled ${b.enabled ? "yes" : "no"}`;
}

/**
 * What Approve does to the client: for a change, the diff from the client as read when the request
 * was made to the settings asked for; for disable / enable, the one setting that changes; for a
 * delete, the client that goes (in full with `extent.full`).
 */
export function whatApproveDoes(r: ClientRequest, extent: Extent): KnownBlock[] {
  switch (r.kind) {
    case "change": {
      const changes = requestedChanges(r);
      return [section("*What changes*"), ...changesBlocks(changes, extent), ...unchangedNote(changes)];
    }
    case "disable":
      return [
        section(
          ":no_entry_sign: *Disables the client*: nobody can sign in with it until it is enabled again. Its settings stay as they are.",
        ),
        ...changesBlocks(requestedChanges(r), extent),
      ];
    case "enable":
      return [
        section(
          ":white_check_mark: *Enables the client* again: people can sign in with it. Its settings stay as they are.",
        ),
        ...changesBlocks(requestedChanges(r), extent),
      ];
    case "delete":
      return [
        section(
          `:wastebasket: *Deletes the client* from the tenant: applications using its client Id can no longer sign anyone in. This cannot be undone. It has ${settingsCounts(r)}.`,
        ),
        ...(extent.full
          ? [section("*The client as it was when the request was made*"), ...settingsInFull(r.baseline)]
          : []),
      ];
  }
}

/** Who asked, the client's Id, and the tenant when there are several. */
function clientFacts(r: ClientRequest, tenantLabel: string | undefined): KnownBlock {
  const facts: [string, string][] = [
    ["Requested by", mention(r.requesterId)],
    ["Client Id", clientIdCode(r.targetClientId)],
  ];
  if (tenantLabel) facts.push(["Tenant", escapeMrkdwn(tenantLabel)]);
  return fields(facts);
}

/**
 * A note recorded with the outcome (e.g. the client was already gone, or the change was applied
 * although the client had changed in the tenant, "approved by <@U…>"). Written by the bot, shown
 * escaped all the same; only its user mentions are let through.
 */
export function outcomeNoteBlocks(r: ClientRequest): KnownBlock[] {
  if (!r.outcomeNote) return [];
  const note = escapeWithin(r.outcomeNote, 500).replace(/&lt;@([UW][A-Z0-9]{2,20})&gt;/g, "<@$1>");
  return [context(`:memo: ${note}`)];
}

/** Whether one more approval is the last one needed: the click applies the request. */
function applies(r: Pick<ClientRequest, "approvedBy" | "requiredApprovals">): boolean {
  return r.approvedBy.length + 1 >= r.requiredApprovals;
}

/** What the Approve confirmation of a change, disable or enable says, within Slack's 300 characters. */
export function clientConfirmText(r: ClientRequest, tenantLabel: string | undefined): string {
  const last = applies(r);
  const next = r.approvedBy.length + 1;
  const counted = last
    ? r.requiredApprovals > 1
      ? ` Yours is approval ${next} of ${r.requiredApprovals}.`
      : ""
    : ` Approval ${next} of ${r.requiredApprovals}: applied at the ${ordinal(r.requiredApprovals)}.`;
  const heads: Record<ClientRequest["kind"], string> = {
    change: "Apply the change to “",
    disable: "Disable the client “",
    enable: "Enable the client “",
    delete: "Delete the client “",
  };
  const tail = `${last ? " now" : ""}?${counted} It can take up to an hour to take effect; “${VIEW_FULL_REQUEST}” shows all of it.`;
  return fitConfirm(heads[r.kind], r.name, tenantLabel, tail);
}

/**
 * View full request, Approve and Deny for a request about a client. A delete's Approve has no
 * confirmation dialog: it opens a modal in which the approver types the client's name.
 */
export function clientDecisionButtons(r: ClientRequest, tenantLabel: string | undefined): ActionsBlock {
  const id = String(r.id);
  const approve =
    r.kind === "delete"
      ? button("Approve…", ACTIONS.approve, id, { style: "danger" })
      : button("Approve", ACTIONS.approve, id, {
          style: "primary",
          confirm: {
            title: { type: "plain_text", text: applies(r) ? KIND_WORDS[r.kind].confirmTitle : "Approve this request?" },
            text: { type: "plain_text", text: clientConfirmText(r, tenantLabel), emoji: false },
            confirm: { type: "plain_text", text: applies(r) ? "Approve and apply" : "Approve" },
            deny: { type: "plain_text", text: "Not yet" },
          },
        });
  return actions(BLOCKS.decision(r.id), [viewButton(r), approve, button("Deny", ACTIONS.deny, id)]);
}

/** The request in a few words, for a message's top-level text. */
export function clientPlainStatus(r: ClientRequest): string {
  const words = KIND_WORDS[r.kind];
  switch (r.status) {
    case "pending":
      return "waiting for approval";
    case "approved":
    case "creating":
      return `approved, ${words.applying}`;
    case "created":
      return words.applied;
    case "failed":
      return `${words.applying} failed`;
    case "denied":
      return isSentBack(r) ? "sent back" : "denied";
    default:
      return r.status;
  }
}

/**
 * The message approvers act on for a change, disable, enable or delete: the client, what Approve
 * does to it (the diff, bounded; in full in "View full request"), why, its status and its buttons.
 */
export function clientApprovalMessage(r: ClientRequest, tenantLabel: string | undefined): SlackMessage {
  const words = KIND_WORDS[r.kind];
  const tenant = tenantLabel ? ` in *${escapeMrkdwn(tenantLabel)}*` : "";
  const blocks: KnownBlock[] = [
    header(clientRequestTitle(r)),
    section(`${mention(r.requesterId)} asks ${words.asks} the authorization code client ${clientName(r)}${tenant}.`),
    clientFacts(r, tenantLabel),
    ...whatApproveDoes(r, { full: false, listBudget: PREVIEW.list }),
    ...(r.kind === "change" ? riskHintBlocks(r) : []),
    ...justificationPreview(r.justification, PREVIEW.justification),
    divider(),
  ];
  if (r.status === "failed" && r.lastError) blocks.push(section(errorText(r.lastError)));
  blocks.push(...outcomeNoteBlocks(r), clientStatusContext(r));
  if (r.status === "pending") {
    blocks.push(clientDecisionButtons(r, tenantLabel));
  } else if (r.status === "failed") {
    blocks.push(
      actions(BLOCKS.retry(r.id), [viewButton(r), button("Retry", ACTIONS.retry, String(r.id), { style: "primary" })]),
    );
  } else {
    blocks.push(actions(BLOCKS.view(r.id), [viewButton(r)]));
  }
  return {
    text: `Request #${r.id} (${words.title.toLowerCase()} ${escapeMrkdwn(r.name)}) — ${clientPlainStatus(r)}`,
    blocks,
  };
}

/** What a request about a client asks, for a message: the client, what Approve does (bounded), why. */
export function clientRequestSummary(r: ClientRequest, tenantLabel: string | undefined): KnownBlock[] {
  return [
    clientFacts(r, tenantLabel),
    ...whatApproveDoes(r, { full: false, listBudget: PREVIEW.list }),
    ...justificationPreview(r.justification, PREVIEW.justification),
  ];
}
