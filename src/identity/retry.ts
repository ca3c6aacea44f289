import type { RetryConfig } from "../config.ts";
import { IdentityApiError } from "./errors.ts";

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Awaited before the wait: e.g. to count the attempt in the database. */
  onRetry?: (info: { attempt: number; delayMs: number; error: IdentityApiError }) => void | Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delay before attempt `attempt + 1`: exponential with jitter; a first 503 is retried at once (AVEVA's guidance).
 * A Retry-After from the service wins and is never shortened: when it reaches past the retry window,
 * withRetry gives up instead of calling back early.
 */
export function backoffDelay(
  attempt: number,
  error: IdentityApiError,
  policy: RetryConfig,
  random: () => number,
): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  if (attempt === 1 && error.status === 503) return 0;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/**
 * Runs `operation` until it succeeds, fails with an error that is not worth retrying, or the
 * policy's attempts or total time run out. The last error is thrown.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryConfig,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  const random = hooks.random ?? Math.random;
  const now = hooks.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (caught) {
      if (!(caught instanceof IdentityApiError) || !caught.retryable || attempt >= policy.maxAttempts) throw caught;
      const delayMs = backoffDelay(attempt, caught, policy, random);
      if (now() - started + delayMs > policy.maxTotalMs) throw caught;
      await hooks.onRetry?.({ attempt, delayMs, error: caught });
      await sleep(delayMs);
    }
  }
}
