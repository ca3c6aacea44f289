import type { Request } from "./request.ts";

/**
 * When the reminder after this one falls due: one interval after the last due time, skipping
 * intervals that passed while the bot was stopped (one reminder, not a burst), and never at or
 * after expiry. Null when no reminder is left.
 */
export function nextReminderAfter(
  request: Pick<Request, "nextReminderAt" | "expiresAt">,
  now: number,
  intervalMs: number,
  anotherAllowed: boolean,
): number | null {
  if (!anotherAllowed || request.nextReminderAt === null) return null;
  let next = request.nextReminderAt + intervalMs;
  if (next <= now) next += Math.ceil((now - next + 1) / intervalMs) * intervalMs;
  return next < request.expiresAt ? next : null;
}
