/** Escapes text for Slack mrkdwn (user content must never become a mention or a link). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
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

/** Cuts text to Slack's limit for a field, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
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
