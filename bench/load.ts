/**
 * The load side: signed requests to an app's /slack/events, a closed loop of concurrent senders,
 * arrival tracking for the Slack calls an app makes in answer, and latency statistics.
 */
import { Agent, request } from "node:http";
import { sign } from "../devkit/slackRequests.ts";

export interface Answer {
  status: number;
  text: string;
}

/** Posts signed, form-encoded bodies to one app, as Slack does, over kept-alive loopback connections. */
export class SlackSender {
  private readonly agent: Agent;

  constructor(
    private readonly port: number,
    private readonly secret: string,
    maxSockets: number,
  ) {
    // Idle connections are dropped after 4 s, before the server's 5 s keep-alive timeout, so a
    // request never goes out on a connection the server is closing (ECONNRESET).
    this.agent = new Agent({ keepAlive: true, maxSockets, timeout: 4000 });
  }

  post(body: string, timeoutMs = 15_000): Promise<Answer> {
    const timestamp = Math.floor(Date.now() / 1000);
    return new Promise((resolve) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          path: "/slack/events",
          method: "POST",
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": Buffer.byteLength(body),
            "X-Slack-Request-Timestamp": String(timestamp),
            "X-Slack-Signature": sign(body, timestamp, this.secret),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", () => resolve({ status: 0, text: "response error" }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (error) => resolve({ status: 0, text: error.message }));
      req.end(body);
    });
  }

  /**
   * Opens (or refreshes) `connections` kept-alive connections with GET /healthz, untimed, so a
   * measured phase starts on warm connections rather than with a burst of new ones (a busy Node
   * process accepts one new connection per event-loop turn; see bench/results.md).
   */
  async warm(connections: number, timeoutMs = 15_000): Promise<void> {
    const one = () =>
      new Promise<void>((resolve) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: this.port,
            path: "/healthz",
            method: "GET",
            agent: this.agent,
            timeout: timeoutMs,
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve());
            res.on("error", () => resolve());
          },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", () => resolve());
        req.end();
      });
    await Promise.all(Array.from({ length: connections }, one));
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Waits for named events (a views.open with a given trigger_id, say) and tells when they happened. */
export class Arrivals {
  private readonly waiting = new Map<string, (at: number) => void>();

  /** Resolves with the arrival time (performance.now()), or undefined after `timeoutMs`. */
  expect(key: string, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  /** Marks `key` as arrived; only the first arrival counts. */
  arrive(key: string, at: number): void {
    const resolve = this.waiting.get(key);
    if (!resolve) return;
    this.waiting.delete(key);
    resolve(at);
  }

  get pending(): number {
    return this.waiting.size;
  }
}

/**
 * `count` operations by `concurrency` senders in a closed loop: each sender starts its next
 * operation when its last one finished. Returns the wall time from start to the last finish.
 */
export async function closedLoop(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<{ startedAt: number; finishedAt: number }> {
  let next = 0;
  const startedAt = performance.now();
  const sender = async () => {
    while (next < count) {
      const index = next++;
      await operation(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, sender));
  return { startedAt, finishedAt: performance.now() };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
