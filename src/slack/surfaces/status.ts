import type { AuditEntry, Request } from "../../requests/request.ts";
import { COMMAND } from "../ids.ts";
import { type SlackMessage, statusLine } from "./approvalMessage.ts";
import { actorName } from "./approvals.ts";
import { context, header, listSections, section } from "./blocks.ts";
import { clip, escapeMrkdwn, slackDate } from "./format.ts";
import { requestSummary, requestTitle } from "./requestSummary.ts";

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

/** History entries shown with one request (the newest ones when there are more). */
export const HISTORY_MAX = 20;

/** One line per request: number, name, status, client Id when created, when it was asked. */
export function requestLine(r: Request): string {
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
  const detail = e.detail ? ` · ${escapeMrkdwn(clip(e.detail, 300))}` : "";
  return `${slackDate(e.at)} · ${move} · ${who}${detail}`;
}

/** `/create-auth-client status <number>`: one request in full, its status and its history. */
export function requestDetail(r: Request, tenantLabel: string | undefined, history: AuditEntry[] = []): SlackMessage {
  const shown = history.slice(-HISTORY_MAX);
  const clientId =
    r.status === "created" && r.createdClientId ? [section(`*Client Id*\n\`\`\`${r.createdClientId}\`\`\``)] : [];
  const historyBlocks =
    shown.length === 0
      ? []
      : listSections(
          history.length > shown.length ? `History (latest ${shown.length} of ${history.length})` : "History",
          shown.map(historyEntry),
          (line) => line,
          "",
        );
  return {
    text: `${requestTitle(r)}: ${r.status}${r.createdClientId && r.status === "created" ? ` · client Id ${r.createdClientId}` : ""}`,
    blocks: [
      header(requestTitle(r)),
      context(statusLine(r)),
      ...clientId,
      ...requestSummary(r, tenantLabel),
      ...historyBlocks,
    ].slice(0, 50),
  };
}
