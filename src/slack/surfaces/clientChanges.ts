import type { KnownBlock } from "@slack/types";
import { type ClientSettings, LIST_FIELDS, type ListChange, type SettingsChanges } from "../../requests/clients.ts";
import { context, fields, section, typedPieces, typedSection } from "./blocks.ts";
import { yesNo } from "./clientRequest.ts";
import { count, describeLifetime, fitText } from "./format.ts";
import { listInFull, previewLines, previewNote } from "./requestSummary.ts";

type ListField = (typeof LIST_FIELDS)[number];

const LISTS: Record<ListField, { label: string; short: string }> = {
  redirectUris: { label: "Allowed redirect URLs", short: "redirect URLs" },
  postLogoutRedirectUris: { label: "Allowed logout redirect URLs", short: "logout redirect URLs" },
  allowedCorsOrigins: { label: "Allowed CORS origins", short: "CORS origins" },
};

/** How much a changes block shows: everything, or each list's changes within a budget (messages). */
export type Extent = { full: true } | { full: false; listBudget: number };

/** A name as a message shows it: names read from the tenant may be longer than the form allows. */
const NAME_PREVIEW = 300;

function listChangeBlocks(field: ListField, change: ListChange, extent: Extent): KnownBlock[] {
  const counts = [
    ...(change.removed.length > 0 ? [`${count(change.removed.length)} removed (−)`] : []),
    ...(change.added.length > 0 ? [`${count(change.added.length)} added (+)`] : []),
  ];
  const heading = section(`*${LISTS[field].label}*: ${counts.join(", ")}`);
  const lines = [...change.removed.map((u) => `− ${u}`), ...change.added.map((u) => `+ ${u}`)];
  if (extent.full) return [heading, ...typedPieces(lines).map(typedSection)];
  const preview = previewLines(lines, extent.listBudget);
  const note = previewNote(preview, "change", lines.length);
  return [heading, typedSection([...preview.shown, ...(note ? [note] : [])].join("\n"))];
}

/**
 * The changes from one set of settings to another, field by field: the name old → new, each list's
 * URLs removed (−) and added (+), the token lifetime and enabled old → new. URLs and names in
 * plain_text (shown as typed or as read), the rest in our mrkdwn.
 */
export function changesBlocks(changes: SettingsChanges, extent: Extent): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (changes.name) {
    const shown = (name: string) => (extent.full ? name : fitText(name, NAME_PREVIEW).text);
    blocks.push(section("*Name*"), typedSection(`${shown(changes.name.from)}\n→ ${shown(changes.name.to)}`));
  }
  for (const field of LIST_FIELDS) {
    const change = changes[field];
    if (change) blocks.push(...listChangeBlocks(field, change, extent));
  }
  if (changes.accessTokenLifetime) {
    const { from, to } = changes.accessTokenLifetime;
    blocks.push(section(`*Token lifetime*: ${describeLifetime(from)} → ${describeLifetime(to)}`));
  }
  if (changes.enabled) {
    blocks.push(section(`*Enabled*: ${yesNo(changes.enabled.from)} → ${yesNo(changes.enabled.to)}`));
  }
  if (blocks.length === 0) blocks.push(section("No setting changes."));
  return blocks;
}

/** What a change leaves as it is, as a context line; nothing when everything changes. */
export function unchangedNote(changes: SettingsChanges): KnownBlock[] {
  const unchanged = [
    ...(changes.name ? [] : ["name"]),
    ...LIST_FIELDS.filter((f) => !changes[f]).map((f) => LISTS[f].short),
    ...(changes.accessTokenLifetime ? [] : ["token lifetime"]),
    ...(changes.enabled ? [] : ["enabled"]),
  ];
  return unchanged.length > 0 ? [context(`Unchanged: ${unchanged.join(", ")}.`)] : [];
}

/**
 * The changes in one line of counts, no typed text: "redirect URLs −1 +2 · token lifetime 3600 s →
 * 1800 s". For lists (App Home, the clients list) that link to the whole.
 */
export function changesSummary(changes: SettingsChanges): string {
  const parts: string[] = [];
  if (changes.name) parts.push("name");
  for (const field of LIST_FIELDS) {
    const change = changes[field];
    if (!change) continue;
    const signs = [
      ...(change.removed.length > 0 ? [`−${change.removed.length}`] : []),
      ...(change.added.length > 0 ? [`+${change.added.length}`] : []),
    ];
    parts.push(`${LISTS[field].short} ${signs.join(" ")}`);
  }
  if (changes.accessTokenLifetime) {
    parts.push(`token lifetime ${changes.accessTokenLifetime.from} s → ${changes.accessTokenLifetime.to} s`);
  }
  if (changes.enabled) parts.push(`enabled ${yesNo(changes.enabled.from)} → ${yesNo(changes.enabled.to)}`);
  return parts.length > 0 ? parts.join(" · ") : "no setting changes";
}

/** A client's settings in full: the name, lifetime and enabled, and every URL, none cut. */
export function settingsInFull(settings: ClientSettings): KnownBlock[] {
  return [
    section("*Name*"),
    ...typedPieces([settings.name]).map(typedSection),
    fields([
      ["Token lifetime", describeLifetime(settings.accessTokenLifetime)],
      ["Enabled", yesNo(settings.enabled)],
    ]),
    ...LIST_FIELDS.flatMap((field) => listInFull(LISTS[field].label, settings[field])),
  ];
}
