import type { KnownBlock } from "@slack/types";
import type { Request } from "../../requests/request.ts";
import { fields, listSections, section } from "./blocks.ts";
import { describeLifetime, escapeMrkdwn, mention } from "./format.ts";

export const requestTitle = (r: Pick<Request, "id" | "name">) => `Request #${r.id}: ${r.name}`;

const code = (text: string) => `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;

/** Every field of a request, as approvers and the requester read it. */
export function requestSummary(request: Request, tenantLabel: string | undefined): KnownBlock[] {
  const facts: [string, string][] = [
    ["Requested by", mention(request.requesterId)],
    ["Name", escapeMrkdwn(request.name)],
    ["Token lifetime", describeLifetime(request.accessTokenLifetime)],
  ];
  if (tenantLabel) facts.push(["Tenant", escapeMrkdwn(tenantLabel)]);
  return [
    fields(facts),
    ...listSections("Allowed redirect URLs", request.redirectUris, code, "_none_"),
    ...listSections("Allowed logout redirect URLs", request.postLogoutRedirectUris, code, "_none_"),
    ...listSections("Allowed CORS origins", request.allowedCorsOrigins, code, "_none_"),
    section(`*Justification*\n${quote(escapeMrkdwn(request.justification))}`),
  ];
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => `>${line}`)
    .join("\n");
}
