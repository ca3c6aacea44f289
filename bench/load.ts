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

/** Sends Slack's requests to an app under test: one process, or replicas behind a balancer. */
export interface Sender {
  post(body: string, timeoutMs?: number): Promise<Answer>;
  /** Opens `connections` kept-alive connections (to each replica), untimed. */
  warm(connections: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Posts signed, form-encoded bodies to one app, as Slack does, over kept-alive loopback connections. */
export class SlackSender implements Sender {
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

/**
 * Replicas behind a round-robin balancer: each request goes to the next replica in turn, each over
 * its own kept-alive connections, as a load balancer keeps its connections to its targets. The
 * balancing is done here, in the load generator, rather than by a proxy process: a proxy on the
 * same two cores would spend CPU and add a hop that neither single-process app pays.
 */
export class RoundRobinSender implements Sender {
  private next = 0;

  constructor(private readonly replicas: readonly Sender[]) {
    if (replicas.length === 0) throw new Error("A round robin needs at least one replica");
  }

  post(body: string, timeoutMs?: number): Promise<Answer> {
    const replica = this.replicas[this.next++ % this.replicas.length] as Sender;
    return replica.post(body, timeoutMs);
  }

  /** Every replica gets `connections`: the turns of a closed loop do not split them evenly at every moment. */
  async warm(connections: number, timeoutMs?: number): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.warm(connections, timeoutMs)));
  }

  close(): void {
    for (const replica of this.replicas) replica.close();
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
