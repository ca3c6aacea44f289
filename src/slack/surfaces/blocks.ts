import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from "@slack/types";
import { clip, clipMrkdwn, fitText } from "./format.ts";

/** Slack's limits for what these builders produce. */
export const LIMITS = {
  sectionText: 3000,
  header: 150,
  button: 75,
  blocksPerMessage: 50,
  blocksPerView: 100,
  contextText: 3000,
  field: 2000,
  confirmText: 300,
  modalTitle: 24,
} as const;

/**
 * What each message's blocks may hold in text, all together. Slack refuses a message whose blocks
 * hold more than about 12,000 characters of text (msg_blocks_too_long) and counts a little
 * differently than we do, so messages are designed to stay well below: what does not fit is shown
 * shortened, saying so, and in full one click away ("View full request").
 */
export const MESSAGE_TEXT_BUDGET = 10_000;

/**
 * Text exactly as a person typed it. Slack does not parse plain_text (no mentions, no links, no
 * formatting) and needs no escaping in it, so what people read is what was typed; `emoji: false`
 * keeps `:smile:` as typed too. Callers fit the text first; the clip here is only a last guard.
 */
export function typed(text: string, max: number = LIMITS.sectionText): PlainTextElement {
  return { type: "plain_text", text: text === "" ? " " : clip(text, max), emoji: false };
}

/**
 * Our own mrkdwn, in which anything a person typed is escaped already. `verbatim` turns off Slack's
 * automatic parsing of bare URLs, channel names and mentions; our own `<@U…>` and dates still work.
 */
function mrkdwn(markdown: string, max: number = LIMITS.sectionText): MrkdwnElement {
  return { type: "mrkdwn", text: clipMrkdwn(markdown, max), verbatim: true };
}

export function header(text: string): HeaderBlock {
  return { type: "header", text: { type: "plain_text", text: clip(text, LIMITS.header), emoji: false } };
}

export function section(markdown: string): SectionBlock {
  return { type: "section", text: mrkdwn(markdown) };
}

/** A section of text as a person typed it (see `typed`). */
export function typedSection(text: string): SectionBlock {
  return { type: "section", text: typed(text) };
}

export function fields(pairs: [label: string, value: string][]): SectionBlock {
  return {
    type: "section",
    fields: pairs.slice(0, 10).map(([label, value]) => mrkdwn(`*${label}*\n${value}`, LIMITS.field)),
  };
}

/** A context line: strings are our mrkdwn, text objects (e.g. `typed`) are shown as they are. */
export function context(...elements: (string | PlainTextElement | MrkdwnElement)[]): ContextBlock {
  return {
    type: "context",
    elements: elements.slice(0, 10).map((e) => (typeof e === "string" ? mrkdwn(e, LIMITS.contextText) : e)),
  };
}

export function divider(): KnownBlock {
  return { type: "divider" };
}

export function actions(blockId: string, buttons: Button[]): ActionsBlock {
  return { type: "actions", block_id: blockId, elements: buttons };
}

export function button(
  text: string,
  actionId: string,
  value: string,
  options: { style?: "primary" | "danger"; confirm?: Button["confirm"] } = {},
): Button {
  return {
    type: "button",
    text: { type: "plain_text", text: clip(text, LIMITS.button), emoji: true },
    action_id: actionId,
    value,
    ...(options.style ? { style: options.style } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
  };
}

/**
 * Lines of typed text in as few plain_text pieces of at most `max` characters as they need, a
 * line never cut: only a line longer than `max` on its own is split, between graphemes.
 */
export function typedPieces(lines: string[], max: number = LIMITS.sectionText): string[] {
  const pieces: string[] = [];
  let current = "";
  const flush = () => {
    if (current !== "") pieces.push(current);
    current = "";
  };
  for (const line of lines) {
    const joined = current === "" ? line : `${current}\n${line}`;
    if (joined.length <= max) {
      current = joined;
      continue;
    }
    flush();
    let rest = line;
    while (rest.length > max) {
      const head = fitText(rest, max + 1).text.slice(0, -1);
      if (head === "") break;
      pieces.push(head);
      rest = rest.slice(head.length);
    }
    current = rest;
  }
  flush();
  return pieces;
}
