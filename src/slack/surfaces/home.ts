import type { HomeView, KnownBlock, SectionBlock } from "@slack/types";
import * as z from "zod";
import type { ClientEntry } from "../../requests/clientRequests.ts";
import type { Request } from "../../requests/request.ts";
import { ACTIONS, BLOCKS, CALLBACKS, COMMAND } from "../ids.ts";
import { decisionButtons } from "./approvalMessage.ts";
import { approvalProgress } from "./approvals.ts";
import { actions, button, context, divider, header, section, typedSection } from "./blocks.ts";
import { clientIdCode } from "./clientApproval.ts";
import { changesSummary } from "./clientChanges.ts";
import { asClientRequest, type ClientRequest, KIND_WORDS, requestedChanges } from "./clientRequest.ts";
import { homeClientsSection } from "./clientsList.ts";
import { channelLink, describeLifetime, escapeMrkdwn, fitText, mention, plural, slackDate } from "./format.ts";
import { previewLine } from "./requestSummary.ts";
import { requestLine } from "./status.ts";

/** A Home view whose blocks are all known Block Kit blocks. */
export type HomeTabView = Omit<HomeView, "blocks"> & { blocks: KnownBlock[] };

/** Slack's cap on blocks in a Home tab. */
export const HOME_MAX_BLOCKS = 100;
/** Requests per "My requests" page and pending requests shown under "Waiting for you". */
export const HOME_PAGE_SIZE = 10;
export const HOME_WAITING_SIZE = 10;

/** Where the "My requests" page starts: older than `before`, newer than `after`, or the newest. */
export interface HomeCursor {
  before?: number | undefined;
  after?: number | undefined;
}

export interface HomeData {
  /** This page of the viewer's own requests, newest first. */
  mine: Request[];
  mineTotal: number;
  hasNewer: boolean;
  hasOlder: boolean;
  cursor: HomeCursor;
  /** Present for approvers only: the oldest pending requests they may decide on. */
  waiting?: { requests: Request[]; total: number } | undefined;
  approvalChannelId: string;
  tenantLabel: (tenant: string) => string | undefined;
  /** A one-off note at the top, e.g. why a click from this tab changed nothing. */
  notice?: string | undefined;
  /** The newest of the viewer's clients, read from the tenant now; `more` when they have more. */
  clients?: { entries: ClientEntry[]; more: boolean } | undefined;
}

const cursorSchema = z
  .object({
    before: z.number().int().positive().optional(),
    after: z.number().int().positive().optional(),
  })
  .refine((c) => c.before === undefined || c.after === undefined);

/** Reads a cursor from a button value or the view's private_metadata; anything unreadable is the first page. */
export function parseHomeCursor(text: string | undefined): HomeCursor {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(text ?? "{}"));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** How much of each list and of the justification a "Waiting for you" entry shows (it has "View full request"). */
const HOME_PREVIEW = { list: 300, justification: 300 } as const;

/**
 * A request waiting for this approver: who, where and when in mrkdwn; what was typed in plain_text
 * (name, URLs, justification — shortened past HOME_PREVIEW, saying so); then View full request,
 * Approve and Deny.
 */
function waitingItem(r: Request, tenantLabel: string | undefined): KnownBlock[] {
  const about = asClientRequest(r);
  if (about) return waitingClientItem(about, tenantLabel);
  const tenant = tenantLabel ? ` · tenant *${escapeMrkdwn(tenantLabel)}*` : "";
  const lists = [
    previewLine("Redirect URLs", r.redirectUris, HOME_PREVIEW.list),
    previewLine("Logout redirect URLs", r.postLogoutRedirectUris, HOME_PREVIEW.list),
    previewLine("CORS origins", r.allowedCorsOrigins, HOME_PREVIEW.list),
  ];
  const justification = fitText(r.justification, HOME_PREVIEW.justification);
  const shortened = justification.cut || lists.some((l) => l.shortened);
  const typedText = [
    r.name,
    ...lists.map((l) => l.line),
    `Justification: ${justification.text}`,
    ...(shortened ? ["(Shortened here: “View full request” shows all of it.)"] : []),
  ].join("\n");
  const progress = approvalProgress(r);
  return [
    section(
      `*#${r.id}* from ${mention(r.requesterId)}${tenant} · token lifetime ${describeLifetime(r.accessTokenLifetime)} · expires ${slackDate(r.expiresAt)}${progress ? ` · ${progress}` : ""}`,
    ),
    typedSection(typedText),
    decisionButtons(r, tenantLabel),
  ];
}

/**
 * A request about a client waiting for this approver: who, what and where in mrkdwn, the name and
 * the justification in plain_text with the changes counted; the whole in "View full request".
 */
function waitingClientItem(r: ClientRequest, tenantLabel: string | undefined): KnownBlock[] {
  const tenant = tenantLabel ? ` · tenant *${escapeMrkdwn(tenantLabel)}*` : "";
  const justification = fitText(r.justification, HOME_PREVIEW.justification);
  const progress = approvalProgress(r);
  const changes = r.kind === "change" ? ` · ${changesSummary(requestedChanges(r))}` : "";
  return [
    section(
      `*#${r.id}* from ${mention(r.requesterId)} · *${KIND_WORDS[r.kind].title}* client ${clientIdCode(r.targetClientId)}${tenant}${changes} · expires ${slackDate(r.expiresAt)}${progress ? ` · ${progress}` : ""}`,
    ),
    typedSection(
      [
        r.name,
        `Justification: ${justification.text}`,
        ...(justification.cut ? ["(Shortened here: “View full request” shows all of it.)"] : []),
      ].join("\n"),
    ),
    decisionButtons(r, tenantLabel),
  ];
}

function mineItem(r: Request, tenantLabel: string | undefined): SectionBlock {
  const tenant = tenantLabel ? ` · ${escapeMrkdwn(tenantLabel)}` : "";
  const block = section(`${requestLine(r)}${tenant}`);
  if (r.status !== "pending") return block;
  return { ...block, accessory: button("Cancel", ACTIONS.cancel, String(r.id)) };
}

/**
 * The App Home tab: for approvers, what waits for them (with the same Approve / Deny buttons as
 * the approval channel); for everyone, their own requests, newest first, a page at a time.
 */
export function homeView(data: HomeData): HomeTabView {
  const blocks: KnownBlock[] = [
    header("Authorization code clients"),
    section(
      `Type \`${COMMAND}\` to ask for a new client. Approvers review requests in ${channelLink(data.approvalChannelId)}.`,
    ),
  ];
  if (data.notice) blocks.push(section(`:information_source: ${data.notice}`));

  if (data.waiting) {
    const { requests, total } = data.waiting;
    blocks.push(divider(), header(`Waiting for you (${total})`));
    if (requests.length === 0) blocks.push(section("Nothing waits for your decision."));
    for (const r of requests) blocks.push(...waitingItem(r, data.tenantLabel(r.tenant)));
    if (total > requests.length) {
      blocks.push(
        context(
          `The ${requests.length} oldest of ${plural(total, "request")} are shown; the rest wait in ${channelLink(data.approvalChannelId)}.`,
        ),
      );
    }
  }

  if (data.clients) blocks.push(...homeClientsSection(data.clients.entries, data.clients.more, data.tenantLabel));

  blocks.push(divider(), header(`My requests (${data.mineTotal})`));
  if (data.mine.length === 0) {
    blocks.push(section(`You have no requests yet. Type \`${COMMAND}\` to make one.`));
  }
  for (const r of data.mine) blocks.push(mineItem(r, data.tenantLabel(r.tenant)));
  const first = data.mine[0];
  const last = data.mine.at(-1);
  const nav = [
    ...(data.hasNewer && first
      ? [button("Previous page", ACTIONS.homeNewer, JSON.stringify({ after: first.id }))]
      : []),
    ...(data.hasOlder && last ? [button("Next page", ACTIONS.homeOlder, JSON.stringify({ before: last.id }))] : []),
  ];
  if (nav.length > 0) blocks.push(actions(BLOCKS.homePages, nav));
  if (data.mine.length > 0) {
    blocks.push(context(`\`${COMMAND} status <number>\` shows one request in full, with its history.`));
  }
  return {
    type: "home",
    callback_id: CALLBACKS.home,
    private_metadata: JSON.stringify(data.cursor),
    blocks: blocks.slice(0, HOME_MAX_BLOCKS),
  };
}
