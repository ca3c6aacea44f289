import { escapeMrkdwn } from "../../src/slack/surfaces/format.ts";

/** A text object of a message or view: its type and its text. */
export interface TextObject {
  type: "plain_text" | "mrkdwn";
  text: string;
}

/** Every text object in `node` (blocks, a view, a whole payload), in order. */
export function textObjects(node: unknown, out: TextObject[] = []): TextObject[] {
  if (Array.isArray(node)) {
    for (const n of node) textObjects(n, out);
  } else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if ((o.type === "mrkdwn" || o.type === "plain_text") && typeof o.text === "string") {
      out.push({ type: o.type, text: o.text });
    } else {
      for (const v of Object.values(o)) textObjects(v, out);
    }
  }
  return out;
}

/** The texts Slack parses for mentions and links: a payload's top-level `text` and every mrkdwn text object. */
function parsedTexts(args: Record<string, unknown>): string[] {
  const top = typeof args.text === "string" ? [args.text] : [];
  const mrkdwn = textObjects([args.blocks, args.view])
    .filter((t) => t.type === "mrkdwn")
    .map((t) => t.text);
  return [...top, ...mrkdwn];
}

/** What a hostile member types to reach Slack's parser: mentions, a channel-wide ping, a disguised link. */
const HOSTILE_MARKUP = ["<!channel>", "<!here>", "<@U0VICTIM>", "<https://evil.example|"] as const;

/** Problems with what Slack parses in a payload: typed markup that got through, or an escape cut in two. */
export function parsingProblems(args: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const text of parsedTexts(args)) {
    for (const markup of HOSTILE_MARKUP) {
      if (text.includes(markup)) problems.push(`${markup} in ${JSON.stringify(text.slice(0, 80))}`);
    }
    const broken = /&(?!amp;|lt;|gt;)/.exec(text);
    if (broken) problems.push(`a bare or cut escape at ${broken.index} in ${JSON.stringify(text.slice(0, 80))}`);
  }
  return problems;
}

/**
 * Whether `value` is shown whole, as sent, in one text object: as typed in plain_text, or escaped
 * in mrkdwn (which Slack shows unescaped).
 */
export function shownWhole(texts: TextObject[], value: string): boolean {
  return texts.some((t) => t.text.includes(t.type === "plain_text" ? value : escapeMrkdwn(value)));
}

/** The request id the "View full request" button among `blocks` opens, if there is one. */
export function viewButtonValue(blocks: unknown): string | undefined {
  return /"action_id":"view_request","value":"(\d+)"/.exec(JSON.stringify(blocks))?.[1];
}
