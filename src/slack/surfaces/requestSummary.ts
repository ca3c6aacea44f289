import type { Button, KnownBlock } from "@slack/types";
import type { Request } from "../../requests/request.ts";
import { ACTIONS } from "../ids.ts";
import { button, fields, section, typedPieces, typedSection } from "./blocks.ts";
import { count, describeLifetime, escapeMrkdwn, fitText, mention } from "./format.ts";

/** A request's title, for headers (plain_text: the name is shown exactly as typed). */
export const requestTitle = (r: Pick<Request, "id" | "name">) => `Request #${r.id}: ${r.name}`;

/** The request named in a message's top-level `text`, which Slack parses: the name escaped. */
export const requestRef = (r: Pick<Request, "id" | "name">) => `request #${r.id} (${escapeMrkdwn(r.name)})`;

/** requestRef at the start of a sentence. */
export const RequestRef = (r: Pick<Request, "id" | "name">) => `Request #${r.id} (${escapeMrkdwn(r.name)})`;

export const VIEW_FULL_REQUEST = "View full request";

/** The button that opens the request in full (surfaces/fullRequest.ts), to approvers and the requester. */
export function viewButton(r: Pick<Request, "id">): Button {
  return button(VIEW_FULL_REQUEST, ACTIONS.viewRequest, String(r.id));
}

/**
 * How much of each list and of the justification a message shows (characters of plain text).
 * With these, every message stays within MESSAGE_TEXT_BUDGET at the form's maximums (see the
 * budget in README's "What everyone sees"); what is left out is said to be, and is one click away.
 */
export const PREVIEW = { list: 1_500, justification: 1_000 } as const;

const SEE_ALL = `“${VIEW_FULL_REQUEST}” shows`;

/** The facts of a request that nobody typed as free text: who, how long tokens live, where. */
function requestFacts(r: Request, tenantLabel: string | undefined): KnownBlock {
  const facts: [string, string][] = [
    ["Requested by", mention(r.requesterId)],
    ["Token lifetime", describeLifetime(r.accessTokenLifetime)],
  ];
  if (tenantLabel) facts.push(["Tenant", escapeMrkdwn(tenantLabel)]);
  return fields(facts);
}

/** Lines shown as far as a budget allows: `shown`, whether the one shown alone is shortened, how many are left out. */
export interface LinesPreview {
  shown: string[];
  shortened: boolean;
  hidden: number;
}

/**
 * Whole lines while they fit `budget`; a line that does not fit on its own shortened (only when
 * nothing is shown yet); the rest counted, not shown.
 */
export function previewLines(lines: string[], budget: number): LinesPreview {
  const shown: string[] = [];
  let used = 0;
  let shortened = false;
  for (const line of lines) {
    if (used + line.length + 1 <= budget) {
      shown.push(line);
      used += line.length + 1;
      continue;
    }
    if (shown.length === 0) {
      shown.push(fitText(line, budget).text);
      shortened = true;
    }
    break;
  }
  return { shown, shortened, hidden: lines.length - shown.length };
}

/** The note under a preview that left something out, saying where it is in full; undefined when nothing is. */
export function previewNote(
  preview: LinesPreview,
  noun: string,
  total: number,
  plural = `${noun}s`,
): string | undefined {
  const notes = [
    ...(preview.shortened ? [`The ${noun} above is shortened`] : []),
    ...(preview.hidden > 0
      ? [`${count(preview.hidden)} more ${preview.hidden === 1 ? noun : plural} not shown here`]
      : []),
  ];
  return notes.length > 0 ? `(${notes.join("; ")}: ${SEE_ALL} all ${count(total)} in full.)` : undefined;
}

/**
 * A labelled list shown as far as `budget` allows: whole items while they fit; an item that does
 * not fit on its own shortened (only when nothing is shown yet); then a line saying what is not
 * shown and where it is.
 */
function listPreview(label: string, noun: string, items: string[], budget: number): KnownBlock[] {
  if (items.length === 0) return [section(`*${label}*: none`)];
  const preview = previewLines(
    items.map((item) => `• ${item}`),
    budget,
  );
  const note = previewNote(preview, noun, items.length);
  const lines = note ? [...preview.shown, note] : preview.shown;
  return [section(`*${label}* (${count(items.length)})`), typedSection(lines.join("\n"))];
}

/** A labelled list in full, in as many sections as it needs, no item cut. */
export function listInFull(label: string, items: string[]): KnownBlock[] {
  if (items.length === 0) return [section(`*${label}*: none`)];
  return [section(`*${label}* (${count(items.length)})`), ...typedPieces(items.map((i) => `• ${i}`)).map(typedSection)];
}

/** The justification shown as far as `budget` allows, saying so when it is shortened. */
export function justificationPreview(justification: string, budget: number): KnownBlock[] {
  const shown = fitText(justification, budget);
  const note = shown.cut ? `\n(Shortened here: ${SEE_ALL} all of it.)` : "";
  return [section("*Justification*"), typedSection(shown.text + note)];
}

/**
 * What was asked, for a message: the facts in full, and the URLs and the justification as far as
 * PREVIEW allows. Typed text is plain_text, shown exactly as typed. Messages that show it carry the
 * "View full request" button its notes point to.
 */
export function requestSummary(r: Request, tenantLabel: string | undefined): KnownBlock[] {
  return [
    requestFacts(r, tenantLabel),
    ...listPreview("Allowed redirect URLs", "URL", r.redirectUris, PREVIEW.list),
    ...listPreview("Allowed logout redirect URLs", "URL", r.postLogoutRedirectUris, PREVIEW.list),
    ...listPreview("Allowed CORS origins", "origin", r.allowedCorsOrigins, PREVIEW.list),
    ...justificationPreview(r.justification, PREVIEW.justification),
  ];
}

/**
 * One list in one line, for lists of many items (App Home, the clients list): as many whole items
 * as fit `budget`, the first shortened if it alone does not, and how many more.
 */
export function previewLine(label: string, items: string[], budget: number): { line: string; shortened: boolean } {
  if (items.length === 0) return { line: `${label}: none`, shortened: false };
  const shown: string[] = [];
  let used = 0;
  for (const item of items) {
    if (used + item.length + 2 > budget) break;
    shown.push(item);
    used += item.length + 2;
  }
  const first = items[0] ?? "";
  if (shown.length === 0) shown.push(fitText(first, budget).text);
  const cut = shown.length === 1 && shown[0] !== first;
  const more = items.length - shown.length;
  return {
    line: `${label} (${items.length}): ${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""}`,
    shortened: cut || more > 0,
  };
}
