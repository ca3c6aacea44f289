import type { App } from "@slack/bolt";
import type { AppLogger } from "../../../log.ts";
import { withTimeout } from "../../../timeout.ts";

/** What a Slack request was, for one log line: its kind, what it named, and who sent it. */
export interface SlackRequestSummary {
  kind: string;
  /** The command, callback_id, action_id or event type. */
  what: string | undefined;
  user: string | undefined;
}

type Fields = Record<string, unknown>;

const asFields = (value: unknown): Fields | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Fields) : undefined;
const asText = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** Reads the few fields the log line needs from any Slack payload; never throws. */
export function summarise(body: unknown): SlackRequestSummary {
  const b = asFields(body) ?? {};
  const user = asText(b.user_id) ?? asText(asFields(b.user)?.id) ?? asText(asFields(b.event)?.user);
  if (typeof b.command === "string") return { kind: "slash_command", what: b.command, user };
  const kind = asText(b.type) ?? "unknown";
  if (kind === "block_actions") {
    const first = Array.isArray(b.actions) ? asFields(b.actions[0]) : undefined;
    return { kind, what: asText(first?.action_id), user };
  }
  if (kind === "view_submission" || kind === "view_closed") {
    return { kind, what: asText(asFields(b.view)?.callback_id), user };
  }
  if (kind === "event_callback") return { kind: "event", what: asText(asFields(b.event)?.type), user };
  return { kind, what: asText(b.callback_id), user };
}

export interface RequestTracker {
  /** Slack requests whose listeners are still at work (the ack may have gone long ago). */
  readonly active: number;
  /** Waits until no listener is at work, or `timeoutMs` passed; true when all finished. */
  settle(timeoutMs: number): Promise<boolean>;
}

/**
 * A global middleware: one log line per Slack request handled (kind, what, user, retry, duration),
 * and a count of the listeners still at work, so a graceful stop can wait for them.
 */
export function trackSlackRequests(app: App, log: AppLogger): RequestTracker {
  const working = new Set<Promise<void>>();
  app.use(async ({ body, context, next }) => {
    const started = performance.now();
    const work = next();
    working.add(work);
    let ok = false;
    try {
      await work;
      ok = true;
    } finally {
      working.delete(work);
      const { kind, what, user } = summarise(body);
      log.event("info", "slack_request", {
        kind,
        what,
        user,
        ...(context.retryNum ? { retryNum: context.retryNum, retryReason: context.retryReason } : {}),
        ...(context.repeatedDelivery ? { repeated: true } : {}),
        ok,
        durationMs: Math.round(performance.now() - started),
      });
    }
  });
  return {
    get active() {
      return working.size;
    },
    async settle(timeoutMs) {
      if (working.size === 0) return true;
      return (await withTimeout(Promise.allSettled([...working]), timeoutMs)).done;
    },
  };
}
