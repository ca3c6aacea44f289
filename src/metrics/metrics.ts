import type { IdentityMetrics } from "../identity/metrics.ts";
import type { RequestMetrics } from "../requests/ports.ts";

/** The kinds of Slack requests, as their acks are counted; anything else (shortcuts, view_closed…) is "other". */
export const ackKinds = ["command", "block_actions", "view_submission", "options", "event", "other"] as const;
export type AckKind = (typeof ackKinds)[number];

/** The start-up checks (src/slack/startupChecks.ts). */
export type StartupCheck = "slack_token" | "approval_channel";

/**
 * Everything the bot counts, as the rest of the code sees it: no Prometheus types here, so that
 * nothing but src/metrics/prometheus.ts (loaded only when metrics are on) loads prom-client.
 * Label values come from fixed sets only (statuses, Slack method names and error codes, HTTP
 * statuses): never a person, a name, a text someone typed or a token.
 */
export interface Metrics extends RequestMetrics, IdentityMetrics {
  /** A Slack Web API call answered with an error (`ok: false`, or an HTTP error, or no answer). */
  slackApiError(method: string, error: string): void;
  /** Slack answered 429: the call waits for its Retry-After. */
  slackRateLimited(method: string): void;
  /** A Slack request was acknowledged, `seconds` after it arrived. */
  acked(kind: AckKind, seconds: number): void;
  /** What a start-up check found: "ok", or the problem's code. */
  startupCheck(check: StartupCheck, result: string): void;
}

export const noMetrics: Metrics = {
  transitioned() {},
  creationFinished() {},
  identityCall() {},
  identityRetry() {},
  slackApiError() {},
  slackRateLimited() {},
  acked() {},
  startupCheck() {},
};

/** A Slack method name as a label value: `chat.postMessage`, `response_url`, or "other" for anything else. */
export function slackMethodLabel(method: string): string {
  return /^[a-z]+(\.[a-zA-Z]+){1,3}$/.test(method) || method === "response_url" ? method : "other";
}

/** A Slack error code as a label value: `channel_not_found`, `http_500`, or "other". */
export function slackErrorLabel(error: string): string {
  return /^[a-z0-9_]{1,60}$/.test(error) ? error : "other";
}
