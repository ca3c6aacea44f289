import { COMMAND } from "../../ids.ts";
import { escapeWithin } from "../../surfaces/format.ts";
import { approversUnknownReadText, notVisibleText } from "../../surfaces/refusals.ts";
import { requestDetail, requestList } from "../../surfaces/status.ts";
import type { ListenerDeps } from "../deps.ts";

const STATUS_LIST_SIZE = 10;

/** `status`: the caller's latest requests; `status 12`: one request in full, to its requester and approvers. */
export async function statusReply(deps: ListenerDeps, userId: string, which: string | undefined) {
  const { reads } = deps;
  if (which === undefined) {
    const [latest, total] = await Promise.all([
      reads.listByRequester(userId, STATUS_LIST_SIZE),
      reads.countByRequester(userId),
    ]);
    return requestList(latest, total, deps.tenantLabel);
  }
  if (!/^#?\d{1,12}$/.test(which)) {
    const shown = escapeWithin(which, 40).replace(/`/g, "'");
    return {
      text: `\`${shown}\` is not a request number. Try \`${COMMAND} status 12\`, or \`${COMMAND} status\` for your list.`,
    };
  }
  const id = Number(which.replace(/^#/, ""));
  const request = id > 0 ? await reads.get(id) : undefined;
  // Someone else's request is shown only to its tenant's approvers; the answer does not tell "missing" from "not yours".
  const readable = await deps.service.mayRead(request, userId);
  if (readable === "unknown") return { text: approversUnknownReadText(which) };
  if (!request || !readable) return { text: notVisibleText(which) };
  return requestDetail(request, deps.tenantLabel(request.tenant), await reads.auditOf(request.id));
}
