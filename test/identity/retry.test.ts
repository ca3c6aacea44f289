import { describe, expect, it } from "vitest";
import type { RetryConfig } from "../../src/config.ts";
import { IdentityApiError, type IdentityErrorFields } from "../../src/identity/errors.ts";
import { backoffDelay, type RetryHooks, withRetry } from "../../src/identity/retry.ts";

const POLICY: RetryConfig = {
  maxAttempts: 6,
  maxTotalMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  requestTimeoutMs: 30_000,
};

const httpError = (status: number, extra: Partial<IdentityErrorFields> = {}) =>
  new IdentityApiError({ kind: "http", status, error: `status ${status}`, ...extra });
const networkError = () => new IdentityApiError({ kind: "network", error: "reset", reason: "ECONNRESET" });
const timeoutError = () => new IdentityApiError({ kind: "timeout", error: "no answer" });

/** A fake clock: sleeping advances it, and every sleep is recorded. */
function fakeClock(random = () => 0.5) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const retries: { attempt: number; delayMs: number; status: number | undefined }[] = [];
  const hooks: RetryHooks = {
    now: () => now,
    random,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    onRetry: ({ attempt, delayMs, error }) => {
      retries.push({ attempt, delayMs, status: error.status });
    },
  };
  return {
    hooks,
    sleeps,
    retries,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** An operation that throws the given errors in turn, then answers "done". */
function failingThen(errors: unknown[]) {
  const attempts: number[] = [];
  const operation = async (attempt: number) => {
    attempts.push(attempt);
    const next = errors.shift();
    if (next !== undefined) throw next;
    return "done";
  };
  return { operation, attempts };
}

describe("backoffDelay", () => {
  it("grows exponentially from the base delay, with the jitter inside [half, full] of the step", () => {
    const err = httpError(500);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, err, POLICY, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, err, POLICY, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(3, err, POLICY, () => 0.5)).toBe(1500);
  });

  it("never exceeds maxDelayMs", () => {
    const err = httpError(502);
    expect(backoffDelay(20, err, POLICY, () => 1)).toBe(30_000);
    expect(backoffDelay(20, err, POLICY, () => 0)).toBe(15_000);
  });

  it("retries a first 503 at once, and later 503s with backoff (AVEVA's guidance)", () => {
    const err = httpError(503);
    expect(backoffDelay(1, err, POLICY, () => 1)).toBe(0);
    expect(backoffDelay(2, err, POLICY, () => 1)).toBe(1000);
  });

  it("honours Retry-After instead of its own schedule, never shortening it", () => {
    expect(backoffDelay(1, httpError(429, { retryAfterMs: 7000 }), POLICY, () => 0)).toBe(7000);
    expect(backoffDelay(1, httpError(503, { retryAfterMs: 2000 }), POLICY, () => 0)).toBe(2000);
    expect(backoffDelay(1, httpError(429, { retryAfterMs: 0 }), POLICY, () => 1)).toBe(0);
    // Longer than the whole window: withRetry gives up instead of calling back too early.
    expect(backoffDelay(1, httpError(429, { retryAfterMs: 999_999 }), POLICY, () => 0)).toBe(999_999);
  });
});

describe("withRetry", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries HTTP %i and returns the later success", async (status) => {
    const clock = fakeClock();
    const { operation, attempts } = failingThen([httpError(status), httpError(status)]);
    await expect(withRetry(operation, POLICY, clock.hooks)).resolves.toBe("done");
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(clock.retries.every((r) => r.status === status)).toBe(true);
  });

  it("retries connection resets and timeouts", async () => {
    const clock = fakeClock();
    const { operation, attempts } = failingThen([networkError(), timeoutError()]);
    await expect(withRetry(operation, POLICY, clock.hooks)).resolves.toBe("done");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it.each([400, 401, 403, 404, 405, 409])("does not retry HTTP %i", async (status) => {
    const clock = fakeClock();
    const error = httpError(status);
    const { operation, attempts } = failingThen([error]);
    await expect(withRetry(operation, POLICY, clock.hooks)).rejects.toBe(error);
    expect(attempts).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
  });

  it("does not retry configuration problems, unreadable answers or foreign errors", async () => {
    for (const error of [
      new IdentityApiError({ kind: "configuration", status: 400, error: "invalid_client" }),
      new IdentityApiError({ kind: "invalid_response", status: 201, error: "no Id" }),
      new TypeError("a bug"),
    ]) {
      const clock = fakeClock();
      const { operation, attempts } = failingThen([error]);
      await expect(withRetry(operation, POLICY, clock.hooks)).rejects.toBe(error);
      expect(attempts).toEqual([1]);
    }
  });

  it("stops after maxAttempts and throws the last error", async () => {
    const clock = fakeClock();
    const errors = [1, 2, 3, 4, 5, 6, 7].map(() => httpError(500));
    const { operation, attempts } = failingThen([...errors]);
    await expect(withRetry(operation, { ...POLICY, maxAttempts: 4 }, clock.hooks)).rejects.toBe(errors[3]);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(clock.sleeps).toEqual([375, 750, 1500]);
  });

  it("waits with exponential backoff between attempts", async () => {
    const clock = fakeClock(() => 1);
    const { operation } = failingThen([httpError(500), httpError(502), httpError(504), httpError(408)]);
    await withRetry(operation, POLICY, clock.hooks);
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(clock.retries.map((r) => r.delayMs)).toEqual(clock.sleeps);
  });

  it("sleeps exactly Retry-After on a 429", async () => {
    const clock = fakeClock();
    const { operation } = failingThen([httpError(429, { retryAfterMs: 3000 })]);
    await withRetry(operation, POLICY, clock.hooks);
    expect(clock.sleeps).toEqual([3000]);
  });

  it("gives up rather than wait past the total window", async () => {
    const clock = fakeClock(() => 1);
    const policy = { ...POLICY, maxAttempts: 50, maxTotalMs: 3000 };
    const errors = Array.from({ length: 50 }, () => httpError(500));
    const { operation, attempts } = failingThen([...errors]);
    // 500 + 1000 = 1500 ms waited; the next wait (2000 ms) would end past 3000 ms.
    await expect(withRetry(operation, policy, clock.hooks)).rejects.toBe(errors[2]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it("counts the time the attempts themselves take against the window", async () => {
    const clock = fakeClock(() => 1);
    const policy = { ...POLICY, maxAttempts: 50, maxTotalMs: 10_000 };
    let calls = 0;
    const slow = async () => {
      calls++;
      clock.advance(4000);
      throw timeoutError();
    };
    await expect(withRetry(slow, policy, clock.hooks)).rejects.toMatchObject({ kind: "timeout" });
    // Attempt 1 ends at 4 s (+0.5 s wait), attempt 2 at 8.5 s (+1 s wait), attempt 3 at 13.5 s: past the window.
    expect(calls).toBe(3);
  });

  it("does not wait for a Retry-After longer than what is left of the window", async () => {
    const clock = fakeClock();
    const error = httpError(429, { retryAfterMs: 60_000 });
    const { operation, attempts } = failingThen([error]);
    await expect(withRetry(operation, { ...POLICY, maxTotalMs: 5000 }, clock.hooks)).rejects.toBe(error);
    expect(attempts).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
  });

  it("really sleeps by default (no hooks)", async () => {
    const { operation, attempts } = failingThen([httpError(500)]);
    await expect(withRetry(operation, { ...POLICY, baseDelayMs: 1, maxDelayMs: 1 })).resolves.toBe("done");
    expect(attempts).toEqual([1, 2]);
  });
});
