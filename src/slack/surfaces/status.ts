import type { SectionBlock } from "@slack/types";
import type { AuditEntry, Request } from "../../requests/request.ts";
import { BLOCKS, COMMAND } from "../ids.ts";
import { type SlackMessage, statusContext } from "./approvalMessage.ts";
import { actorName } from "./approvals.ts";
import { actions, context, header, section } from "./blocks.ts";
import { clientIdCode, clientPlainStatus, clientRequestSummary, outcomeNoteBlocks } from "./clientApproval.ts";
import { asClientRequest, clientRequestTitle, KIND_WORDS } from "./clientRequest.ts";
import { escapeMrkdwn, escapeWithin, slackDate } from "./format.ts";
import { RequestRef, requestSummary, requestTitle, viewButton } from "./requestSummary.ts";

const STATUS_EMOJI: Record<Request["status"], string> = {
  pending: ":hourglass_flowing_sand:",
  approved: ":gear:",
  creating: ":gear:",
  created: ":white_check_mark:",
  failed: ":warning:",
  denied: ":no_entry:",
  cancelled: ":heavy_multiplication_x:",
  expired: ":clock3:",
};

/** History entries shown with one request (the newest ones when there are more)... */
const HISTORY_MAX = 20;
/** ...as many of them as fit in this many characters, so the reply stays within MESSAGE_TEXT_BUDGET. */
const HISTORY_BUDGET = 2_500;
/** Each entry's detail (a deny reason, an error) at most this long. */
const HISTORY_DETAIL_MAX = 200;

/** One line per request: number, name, status, client Id when created, when it was asked. */
export function requestLine(r: Request): string {
  const about = asClientRequest(r);
  if (about) {
    const what = `${KIND_WORDS[about.kind].title}: ${escapeWithin(about.name, 200)}`;
    return `${STATUS_EMOJI[r.status]} *#${r.id}* ${what} · ${clientPlainStatus(about)} · client Id ${clientIdCode(about.targetClientId)} · ${slackDate(r.createdAt)}`;
  }
  const client = r.status === "created" && r.createdClientId ? ` · client Id \`${r.createdClientId}\`` : "";
  return `${STATUS_EMOJI[r.status]} *#${r.id}* ${escapeMrkdwn(r.name)} · ${r.status}${client} · ${slackDate(r.createdAt)}`;
}

/** `/create-auth-client status`: the caller's most recent requests, newest first. */
export function requestList(
  requests: Request[],
  total: number,
  tenantLabel: (tenant: string) => string | undefined = () => undefined,
): SlackMessage {
  if (requests.length === 0) {
    return {
      text: `You have no requests yet. Type ${COMMAND} to make one.`,
      blocks: [section(`You have no requests yet. Type \`${COMMAND}\` to make one.`)],
    };
  }
  const more = total > requests.length ? `Showing your ${requests.length} newest of ${total}. ` : "";
  const lines = requests.map((r) => {
    const label = tenantLabel(r.tenant);
    return section(`${requestLine(r)}${label ? ` · ${escapeMrkdwn(label)}` : ""}`);
  });
  return {
    text: `Your ${requests.length === 1 ? "request" : `${requests.length} most recent requests`}: ${requests
      .map((r) => `#${r.id} ${r.status}`)
      .join(", ")}`,
    blocks: [
      section("*Your requests*"),
      ...lines,
      context(`${more}\`${COMMAND} status <number>\` shows one in full. All of them are in the Home tab.`),
    ],
  };
}

function historyEntry(e: AuditEntry): string {
  const who = actorName(e.actor);
  // An approval that is not yet the last leaves the request pending ("approval 1 of 2").
  const counted = e.fromStatus === "pending" && e.toStatus === "pending";
  const move = counted ? "approved" : e.fromStatus ? `${e.fromStatus} → ${e.toStatus}` : `submitted (${e.toStatus})`;
  const detail = e.detail ? ` · ${escapeWithin(e.detail, HISTORY_DETAIL_MAX)}` : "";
  return `${slackDate(e.at)} · ${move} · ${who}${detail}`;
}

/** The newest history entries that fit HISTORY_MAX and HISTORY_BUDGET, oldest first, under a heading saying how many. */
function historySection(history: AuditEntry[]): SectionBlock[] {
  if (history.length === 0) return [];
  const lines: string[] = [];
  let used = 0;
  for (const entry of history.slice(-HISTORY_MAX).reverse()) {
    const line = historyEntry(entry);
    if (used + line.length + 1 > HISTORY_BUDGET) break;
    lines.unshift(line);
    used += line.length + 1;
  }
  const heading = history.length > lines.length ? `History (latest ${lines.length} of ${history.length})` : "History";
  return [section(`*${heading}*\n${lines.join("\n")}`)];
}

/** `/create-auth-client status <number>`: one request, its status and its history; in full one click away. */
export function requestDetail(r: Request, tenantLabel: string | undefined, history: AuditEntry[] = []): SlackMessage {
  const about = asClientRequest(r);
  const clientId =
    !about && r.status === "created" && r.createdClientId
      ? [section(`*Client Id*\n\`\`\`${r.createdClientId}\`\`\``)]
      : [];
  return {
    text: `${RequestRef(r)}: ${about ? clientPlainStatus(about) : r.status}${!about && r.createdClientId && r.status === "created" ? ` · client Id ${r.createdClientId}` : ""}`,
    blocks: [
      header(about ? clientRequestTitle(about) : requestTitle(r)),
      statusContext(r),
      ...clientId,
      ...(about
        ? [...outcomeNoteBlocks(about), ...clientRequestSummary(about, tenantLabel)]
        : requestSummary(r, tenantLabel)),
      ...historySection(history),
      actions(BLOCKS.view(r.id), [viewButton(r)]),
    ],
  };
}
