/**
 * Escapes text for Slack mrkdwn and for a message's top-level `text`, which Slack parses too: what a
 * person typed must never become a mention or a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const graphemeSegmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** The marker at the end of a shortened text. */
const CUT = "…";

export interface Fitted {
  text: string;
  /** Whether the text had to be shortened (it then ends with CUT). */
  cut: boolean;
}

/**
 * `text` rendered by `render` (escapeMrkdwn, or as is) in at most `max` characters (UTF-16 code
 * units, as Slack's limits are checked here), CUT included. Cuts fall between graphemes and before
 * rendering, so an emoji, a letter with its accents or an escape like `&amp;` is never cut in two.
 */
export function fitText(text: string, max: number, render: (s: string) => string = (s) => s): Fitted {
  const whole = render(text);
  if (whole.length <= max) return { text: whole, cut: false };
  const room = max - CUT.length;
  let out = "";
  for (const { segment } of graphemeSegmenter.segment(text)) {
    const next = render(segment);
    if (out.length + next.length > room) break;
    out += next;
  }
  return { text: out + CUT, cut: true };
}

/** `text` escaped for mrkdwn within `max` characters, cut (visibly) between graphemes, never inside an escape. */
export function escapeWithin(text: string, max: number): string {
  return fitText(text, max, escapeMrkdwn).text;
}

export function mention(userId: string): string {
  return `<@${userId}>`;
}

export function channelLink(channelId: string): string {
  return `<#${channelId}>`;
}

/** A date Slack shows in each reader's own time zone, with a UTC fallback. */
export function slackDate(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  const fallback = `${new Date(epochMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
}

/** Cuts text to Slack's limit for a field, between graphemes, marking the cut. */
export function clip(text: string, max: number): string {
  return fitText(text, max).text;
}

/**
 * Cuts mrkdwn (whose typed parts are escaped already) to `max` characters, marking the cut, never
 * inside an escape (`&am…`) or inside our own markup (`<@U…`, `<!date^…`). A last guard: callers
 * fit what people typed before it gets here.
 */
export function clipMrkdwn(markdown: string, max: number): string {
  const { text, cut } = fitText(markdown, max);
  if (!cut) return text;
  let kept = text.slice(0, -CUT.length).replace(/&[a-z]{0,3}$/, "");
  if (kept.lastIndexOf("<") > kept.lastIndexOf(">")) kept = kept.slice(0, kept.lastIndexOf("<"));
  return kept + CUT;
}

/** A count as people read it: 12,345. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function describeLifetime(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds} s (${plural(seconds / 3600, "hour")})`;
  if (seconds % 60 === 0) return `${seconds} s (${plural(seconds / 60, "minute")})`;
  return `${seconds} s`;
}

export function describeHours(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 48 && hours % 24 === 0) return plural(hours / 24, "day");
  if (hours >= 1) return plural(Math.round(hours * 10) / 10, "hour");
  return plural(Math.max(1, Math.round(ms / 60_000)), "minute");
}
