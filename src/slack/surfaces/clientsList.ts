import type { KnownBlock } from "@slack/types";
import type { ClientEntry } from "../../requests/clientRequests.ts";
import type { ClientSettings } from "../../requests/clients.ts";
import type { Request } from "../../requests/request.ts";
import { ACTIONS, BLOCKS, COMMAND } from "../ids.ts";
import type { SlackMessage } from "./approvalMessage.ts";
import { actions, button, context, divider, header, section, typedSection } from "./blocks.ts";
import { clientIdCode } from "./clientApproval.ts";
import { KIND_WORDS } from "./clientRequest.ts";
import { describeLifetime, escapeMrkdwn, escapeWithin, plural } from "./format.ts";
import { previewLine } from "./requestSummary.ts";

/** Clients in one `clients` answer, and in the Home tab's "Your clients". */
export const CLIENTS_LIST_SIZE = 8;
export const HOME_CLIENTS_SIZE = 5;
/** How much of each list one client shows (its settings in full come with "Request change"). */
const LIST_PREVIEW = 200;
const NAME_MAX = 200;

function openLine(open: Pick<Request, "id" | "kind" | "status">[]): string {
  const kind = (r: Pick<Request, "kind">) => (r.kind === "create" ? "create" : KIND_WORDS[r.kind].title.toLowerCase());
  const each = open.map((r) => `#${r.id} ${kind(r)} (${r.status})`);
  return `Open requests about it: ${each.join(", ")}. Each is checked against the client as it is when approved.`;
}

/** The buttons under a client whose settings could be read: change, disable or enable, delete. */
function clientButtons(entry: ClientEntry, live: ClientSettings): KnownBlock {
  const id = String(entry.createdBy.id);
  return actions(BLOCKS.client(entry.createdBy.id), [
    button("Request change", ACTIONS.clientChange, id),
    live.enabled ? button("Disable", ACTIONS.clientDisable, id) : button("Enable", ACTIONS.clientEnable, id),
    button("Delete", ACTIONS.clientDelete, id, { style: "danger" }),
  ]);
}

/**
 * One client: its name, tenant, Id and whether enabled, in our mrkdwn (the name escaped); its URLs
 * and lifetime in plain_text, shortened past LIST_PREVIEW; the requests open about it; and the
 * buttons — only when its settings could be read now.
 */
function clientItem(entry: ClientEntry, tenantLabel: string | undefined): KnownBlock[] {
  const tenant = tenantLabel ? ` · ${escapeMrkdwn(tenantLabel)}` : "";
  const from = `from request #${entry.createdBy.id}`;
  const open = entry.open.length > 0 ? [context(openLine(entry.open))] : [];
  if (entry.live === "gone" || entry.live === "unreadable") {
    const why =
      entry.live === "gone"
        ? ":ghost: It no longer exists in the tenant."
        : ":warning: I couldn't read it from the tenant just now; try again in a minute.";
    return [
      section(
        `*${escapeWithin(entry.createdBy.name, NAME_MAX)}*${tenant} · client Id ${clientIdCode(entry.clientId)} · ${from}\n${why}`,
      ),
      ...open,
    ];
  }
  const live = entry.live;
  const state = live.enabled ? ":large_green_circle: enabled" : ":red_circle: disabled";
  const lines = [
    previewLine("Redirect URLs", live.redirectUris, LIST_PREVIEW).line,
    previewLine("Logout redirect URLs", live.postLogoutRedirectUris, LIST_PREVIEW).line,
    previewLine("CORS origins", live.allowedCorsOrigins, LIST_PREVIEW).line,
    `Token lifetime: ${describeLifetime(live.accessTokenLifetime)}`,
  ];
  return [
    section(
      `*${escapeWithin(live.name, NAME_MAX)}*${tenant} · client Id ${clientIdCode(entry.clientId)} · ${state} · ${from}`,
    ),
    typedSection(lines.join("\n")),
    ...open,
    clientButtons(entry, live),
  ];
}

/**
 * `/create-auth-client clients`: the clients created through the bot that the person asked for,
 * newest first, as read from the tenant now; `more` when there are more than shown.
 */
export function clientsListMessage(
  entries: ClientEntry[],
  more: boolean,
  tenantLabel: (tenant: string) => string | undefined,
): SlackMessage {
  if (entries.length === 0) {
    const text = `You have no clients created through me. \`${COMMAND}\` asks for one; approvers can look one up with \`${COMMAND} clients <request number or client Id>\`.`;
    return { text: "You have no clients created through me.", blocks: [section(text)] };
  }
  const moreNote = more ? `The ${entries.length} newest are shown. ` : "";
  return {
    text: `Your clients: ${plural(entries.length, "client")}${more ? " (and more)" : ""}.`,
    blocks: [
      section("*Your clients*, as the tenant has them now"),
      ...entries.flatMap((e) => [divider(), ...clientItem(e, tenantLabel(e.tenant))]),
      context(
        `${moreNote}\`${COMMAND} clients <request number or client Id>\` shows one. Changes, disabling and deleting are reviewed by approvers like a new client.`,
      ),
    ],
  };
}

/** `/create-auth-client clients 12` (or a client Id): one client. */
export function clientLookupMessage(entry: ClientEntry, tenantLabel: string | undefined): SlackMessage {
  return {
    text: `Client ${escapeMrkdwn(entry.live === "gone" || entry.live === "unreadable" ? entry.createdBy.name : entry.live.name)} (${entry.clientId})`,
    blocks: clientItem(entry, tenantLabel),
  };
}

/** The Home tab's "Your clients": the newest few, and where the rest are. */
export function homeClientsSection(
  entries: ClientEntry[],
  more: boolean,
  tenantLabel: (tenant: string) => string | undefined,
): KnownBlock[] {
  const blocks: KnownBlock[] = [divider(), header("Your clients")];
  if (entries.length === 0) {
    blocks.push(section("No client created through me is yours yet."));
    return blocks;
  }
  for (const entry of entries) blocks.push(...clientItem(entry, tenantLabel(entry.tenant)));
  if (more) blocks.push(context(`And more: \`${COMMAND} clients\` lists them.`));
  return blocks;
}
