/**
 * Times the database work of one request's life, call by call, through the stores: what a
 * submission and an approval cost besides Slack calls. SQLite (a temporary file) by default, or a
 * PostgreSQL database given as a URL.
 *
 *   npx tsx bench/stores.ts [requests=3000] [postgres://…]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/open.ts";
import type { RequestForm } from "../src/requests/form.ts";
import type { TransitionSet } from "../src/requests/ports.ts";
import type { Request, RequestStatus } from "../src/requests/request.ts";

const FORM: RequestForm = {
  tenant: "default",
  name: "Benchmark app",
  redirectUris: ["https://app.example.com/callback"],
  postLogoutRedirectUris: ["https://app.example.com/"],
  allowedCorsOrigins: ["https://app.example.com"],
  accessTokenLifetime: 3600,
  justification: "Measuring what the database costs per request.",
};

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 3000);
  if (!Number.isInteger(count) || count < 1) throw new Error("requests is a whole number above 0");
  const url = process.argv[3];
  const dir = mkdtempSync(join(tmpdir(), "bench-stores-"));
  const config: DatabaseConfig = url
    ? { kind: "postgres", url, poolMax: 10, connectTimeoutMs: 5_000, statementTimeoutMs: 15_000 }
    : { kind: "sqlite", path: join(dir, "bench.sqlite") };
  const database = await openDatabase(config);
  const { requests, approvalPosts } = database.stores;
  try {
    const spent = new Map<string, number>();
    const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await work();
      spent.set(name, (spent.get(name) ?? 0) + performance.now() - started);
      return result;
    };
    const move = (request: Request, from: RequestStatus, to: RequestStatus, set?: TransitionSet) =>
      time(`transition → ${to}`, () => requests.transition({ id: request.id, from, to, actor: "UAPPROVER", set }));

    for (let i = 0; i < count; i++) {
      const requester = `U${i % 500}`;
      const now = Date.now();
      // A submission: the row (duplicate and limit checks included), the two messages it was posted with.
      const recorded = await time("record", () =>
        requests.record({
          form: FORM,
          requesterId: requester,
          originChannelId: "C1",
          submissionKey: `V${i}`,
          expiresAt: now + 864e5,
          nextReminderAt: now + 36e5,
          maxPending: 1_000,
        }),
      );
      if (recorded.kind !== "recorded") throw new Error(`request ${i} was not recorded: ${recorded.kind}`);
      const { request } = recorded;
      await time("setApprovalMessage", () =>
        requests.setApprovalMessage(request.id, { channelId: "C1", ts: `1.${i}` }),
      );
      await time("get", () => requests.get(request.id));
      await time("makeApprovalPostsDue", () => approvalPosts.makeDue(Date.now()));
      await time("setRequesterMessage", () =>
        requests.setRequesterMessage(request.id, { channelId: "D1", ts: `2.${i}` }),
      );
      // An approval: decision, creation, outcome.
      await move(request, "pending", "approved", { decidedBy: "UAPPROVER", decidedAt: Date.now() });
      await move(request, "approved", "creating");
      await time("countAttempt", () => requests.countAttempt(request.id));
      await move(request, "creating", "created", {
        createdClientId: "client",
        lastError: null,
        outcomeNotifiedAt: null,
      });
      await time("claimOutcomeNotification", () => requests.claimOutcomeNotification(request.id, "created"));
      await time("requesterMessageOf", () => requests.requesterMessageOf(request.id));
    }

    const micros = (ms: number) => `${((ms * 1000) / count).toFixed(0).padStart(6)} µs`;
    let total = 0;
    process.stdout.write(
      `Database time per request on ${database.dialect} (${count} requests, submission and approval), mean:\n`,
    );
    for (const [name, ms] of spent) {
      total += ms;
      process.stdout.write(`  ${name.padEnd(28)}${micros(ms)}\n`);
    }
    process.stdout.write(`  ${"all of it".padEnd(28)}${micros(total)}\n`);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
