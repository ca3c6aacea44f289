import type { Request } from "../../requests/repository.ts";
import { type SlackMessage, statusLine } from "./approvalMessage.ts";
import { context, header, section } from "./blocks.ts";
import { escapeMrkdwn, slackDate } from "./format.ts";
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

/** One line per request: number, name, status, client Id when created. */
export function requestLine(r: Request): string {
  const client = r.status === "created" && r.createdClientId ? ` · client Id \`${r.createdClientId}\`` : "";
  return `${STATUS_EMOJI[r.status]} *#${r.id}* ${escapeMrkdwn(r.name)} · ${r.status}${client} · ${slackDate(r.createdAt)}`;
}

export function requestList(requests: Request[], total: number): SlackMessage {
  if (requests.length === 0) {
    return {
      text: "You have no requests yet. Type /create-auth-client to make one.",
      blocks: [section("You have no requests yet. Type `/create-auth-client` to make one.")],
    };
  }
  const more = total > requests.length ? `Showing your ${requests.length} newest of ${total}. ` : "";
  return {
    text: `Your ${requests.length} most recent requests`,
    blocks: [
      section(`*Your requests*\n${requests.map(requestLine).join("\n")}`),
      context(`${more}\`/create-auth-client status <number>\` shows one in full.`),
    ],
  };
}

export function requestDetail(r: Request, tenantLabel: string | undefined): SlackMessage {
  return {
    text: `${requestTitle(r)}: ${r.status}`,
    blocks: [header(requestTitle(r)), ...requestSummary(r, tenantLabel), context(statusLine(r))],
  };
}
