import { afterEach } from "vitest";
import { ChildApp } from "../../devkit/childApp.ts";
import { Harness, type HarnessOptions } from "../../devkit/harness.ts";

/**
 * Several replicas of the bot on one PostgreSQL database, sharing one Slack and one Identity API
 * stand-in (so every call any of them makes is counted in one place): the harness's own app,
 * in this process, and `children` more as separate processes running the compiled bot, as
 * production runs it (they can be killed with -9).
 */
export class Replicas {
  private constructor(
    readonly h: Harness,
    readonly children: ChildApp[],
    /** Where the harness's own app listens: `h.baseUrl` is pointed elsewhere while `on` sends. */
    private readonly ownUrl: string,
  ) {}

  static async start(children: number, options: HarnessOptions = {}): Promise<Replicas> {
    const h = await Harness.start(options);
    if (!h.databaseUrl) {
      await h.stop();
      throw new Error('Replicas need PostgreSQL: run them in the vitest project "postgres"');
    }
    const env = h.envForChild();
    const started = await Promise.allSettled(Array.from({ length: children }, () => ChildApp.start(env)));
    const running = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = started.find((s) => s.status === "rejected");
    const replicas = new Replicas(h, running, h.baseUrl);
    if (failed) {
      await replicas.stop();
      throw failed.reason;
    }
    return replicas;
  }

  /** How many replicas there are: the harness's app is 0, the children 1…n. */
  get count(): number {
    return 1 + this.children.length;
  }

  urlOf(replica: number): string {
    if (replica === 0) return this.ownUrl;
    const child = this.children[replica - 1];
    if (!child) throw new Error(`No replica ${replica}`);
    return child.baseUrl;
  }

  /**
   * Sends what `send` sends through the harness to replica `replica` (modulo the count, so a loop
   * index spreads requests round-robin). The harness reads `baseUrl` when a request starts, so
   * `send` must start exactly one request before its first await (click, submitForm, command…).
   */
  on<T>(replica: number, send: (h: Harness) => T): T {
    this.h.baseUrl = this.urlOf(replica % this.count);
    try {
      return send(this.h);
    } finally {
      this.h.baseUrl = this.ownUrl;
    }
  }

  /** Every log line of every replica, parsed, in the order of their times. */
  events(): Record<string, unknown>[] {
    const lines = [...this.h.logLines, ...this.children.flatMap((c) => c.lines)];
    const events = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    return events.sort((a, b) => String(a.time).localeCompare(String(b.time)));
  }

  /** The log events named `event` across all replicas (for one request, when given). */
  eventsNamed(event: string, request?: number): Record<string, unknown>[] {
    return this.events().filter((e) => e.event === event && (request === undefined || e.request === request));
  }

  /** Ends the children (at once: what they were doing no longer matters) and then the harness. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.filter((c) => c.process.exitCode === null && c.process.signalCode === null).map((c) => c.kill9()),
    );
    await this.h.stop();
  }
}

/** For a describe block whose tests each start their own replicas: stops them after each test. */
export function replicasPerTest(): (children: number, options?: HarnessOptions) => Promise<Replicas> {
  let current: Replicas | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (children, options = {}) => {
    current = await Replicas.start(children, options);
    return current;
  };
}
