import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from "@slack/types";
import { clip } from "./format.ts";

/** Slack's limits for what these builders produce. */
export const LIMITS = { sectionText: 3000, header: 150, button: 75, blocksPerMessage: 50, contextText: 3000 } as const;

export function header(text: string): HeaderBlock {
  return { type: "header", text: { type: "plain_text", text: clip(text, LIMITS.header), emoji: true } };
}

export function section(markdown: string): SectionBlock {
  return { type: "section", text: { type: "mrkdwn", text: clip(markdown, LIMITS.sectionText) } };
}

export function fields(pairs: [label: string, value: string][]): SectionBlock {
  return {
    type: "section",
    fields: pairs.slice(0, 10).map(([label, value]) => ({ type: "mrkdwn", text: clip(`*${label}*\n${value}`, 2000) })),
  };
}

export function context(markdown: string): ContextBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: clip(markdown, LIMITS.contextText) }] };
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
 * A labelled list in as many sections as it needs, so a long list is split rather than cut.
 */
export function listSections(
  label: string,
  items: string[],
  render: (item: string) => string,
  empty: string,
): SectionBlock[] {
  if (items.length === 0) return [section(`*${label}*\n${empty}`)];
  const out: SectionBlock[] = [];
  let current = `*${label}*`;
  for (const item of items) {
    const line = `\n• ${render(item)}`;
    if (current.length + line.length > LIMITS.sectionText) {
      out.push(section(current));
      current = `*${label} (continued)*`;
    }
    current += line;
  }
  out.push(section(current));
  return out;
}
