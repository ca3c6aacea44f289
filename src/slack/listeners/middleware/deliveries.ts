import type { App } from "@slack/bolt";
import type { AppLogger } from "../../../log.ts";

/**
 * The last few thousand keys seen, to notice Slack delivering the same request twice (an HTTP
 * retry, a Socket Mode redelivery). A trigger_id opens one modal only: a second views.open with it
 * would fail anyway, so a repeat is dropped before it tries.
 */
export class RecentKeys {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 5000) {}

  /** True the first time `key` is seen; false for a repeat still remembered. */
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return true;
  }
}

/**
 * A global middleware: a button click delivered again (same trigger_id) is acked and dropped, so
 * the clicker gets no second answer and nothing runs twice. The domain guards every state change
 * anyway (conditional UPDATEs); this keeps repeats quiet.
 */
export function ignoreRepeatedClicks(app: App, log: AppLogger): void {
  const seen = new RecentKeys();
  app.use(async ({ body, ack, context, next }) => {
    if (body.type === "block_actions" && typeof body.trigger_id === "string" && !seen.firstTime(body.trigger_id)) {
      context.repeatedDelivery = true;
      log.event("info", "repeated_delivery_ignored", { kind: body.type, retryNum: context.retryNum });
      await ack?.();
      return;
    }
    await next();
  });
}
