/**
 * App Home with a large history: seeds 100,000 requests (and their audit rows) into a temporary
 * SQLite file through the app's own migrations, then times what opening the Home tab costs, i.e.
 * HomeTab.build: the queries plus the Block Kit view. Prints p50 / p99 per scenario and the query
 * plans. No Slack call is made.
 *
 *   npx tsx bench/home.ts [--requests 100000] [--runs 1000] [--pending 300] [--without-status-id-index]
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WebClient } from "@slack/web-api";
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { openSqlite } from "../src/db/sqlite/open.ts";
import { IdentityClients } from "../src/identity/client.ts";
import { createLogger, Redactor } from "../src/log.ts";
import { DEFAULT_POLICY } from "../src/requests/policies.ts";
import type { ApproverDirectory, MessageRef, Notifier } from "../src/requests/ports.ts";
import type { RequestStatus } from "../src/requests/request.ts";
import { RequestService } from "../src/requests/service.ts";
import { HomeTab } from "../src/slack/home/homeTab.ts";
import {
  HOME_MAX_BLOCKS,
  HOME_PAGE_SIZE,
  HOME_WAITING_SIZE,
  type HomeCursor,
  homeView,
} from "../src/slack/surfaces/home.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "100000" },
    runs: { type: "string", default: "1000" },
    pending: { type: "string", default: "300" },
    /** Drop the index this feature added, to see what it is for. */
    "without-status-id-index": { type: "boolean", default: false },
  },
});
const TOTAL = Number(values.requests);
const RUNS = Number(values.runs);

const APPROVER = "U0APPROVER";
const HEAVY = "U0HEAVY";
/** Approves, and also asked for a couple of thousand clients. */
const HEAVY_APPROVER = "U0HEAVYAPPROVER";
/** Ordinary requesters, ~20 requests each; one heavy requester holds 5% of everything. */
const REQUESTERS = Math.max(1, Math.floor(TOTAL / 20));
const HEAVY_SHARE = 0.05;
/** Pending at once: the per-person limit keeps this small in practice; --pending tries more. */
const PENDING = Number(values.pending);

const dir = mkdtempSync(join(tmpdir(), "home-bench-"));
const file = join(dir, "home.sqlite");
const database = openSqlite(file);

function seed(): void {
  const hour = 3_600_000;
  const start = Date.now() - 400 * 24 * hour;
  const step = (400 * 24 * hour) / TOTAL;
  const finals: RequestStatus[] = [
    "created",
    "created",
    "created",
    "created",
    "denied",
    "expired",
    "cancelled",
    "failed",
  ];
  // Raw SQL for the bulk insert (the app inserts one row at a time through drizzle; 100k rows that
  // way only slow the seeding down, not what is measured).
  const client = new Database(file);
  const insertRequest = client.prepare(
    `insert into requests (tenant, requester_id, submission_key, name, redirect_uris, post_logout_redirect_uris,
       allowed_cors_origins, access_token_lifetime, justification, status, client_guid, created_client_id,
       approval_channel_id, approval_message_ts, decided_by, decided_at, expires_at, created_at, updated_at,
       last_actor)
     values (?, ?, ?, ?, ?, '[]', '[]', 3600, ?, 'pending', ?, ?, 'C0APPROVALS', ?, ?, ?, ?, ?, ?, ?)`,
  );
  // The database's audit trigger writes the audit rows, as it does for the app: one as recorded, one as decided.
  const decide = client.prepare("update requests set status = ?, last_actor = ?, updated_at = ? where id = ?");
  client.transaction(() => {
    for (let i = 0; i < TOTAL; i++) {
      const created = Math.round(start + i * step);
      const requester =
        i % Math.round(1 / HEAVY_SHARE) === 0
          ? HEAVY
          : i % 50 === 1
            ? HEAVY_APPROVER
            : `U0R${String(i % REQUESTERS).padStart(6, "0")}`;
      const status: RequestStatus = i >= TOTAL - PENDING ? "pending" : (finals[i % finals.length] ?? "created");
      const guid = randomUUID();
      const decided = status === "pending" ? null : created + hour;
      const id = Number(
        insertRequest.run(
          "default",
          requester,
          `V${i}`,
          `Client ${i} for the plant dashboard`,
          JSON.stringify([`https://app${i % 97}.example.com/callback`, "http://localhost:5173/callback"]),
          "The plant dashboard team needs sign-in for the new production site.",
          guid,
          status === "created" ? guid : null,
          `${Math.floor(created / 1000)}.000100`,
          decided === null ? null : APPROVER,
          decided,
          status === "pending" ? Date.now() + 72 * hour : created + 72 * hour,
          created,
          created,
          requester,
        ).lastInsertRowid,
      );
      if (decided !== null) decide.run(status, APPROVER, decided, id);
    }
  })();
  if (values["without-status-id-index"]) client.exec("drop index requests_status_id_idx");
  client.exec("analyze");
  client.close();
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function time(label: string, run: () => Promise<number>): Promise<void> {
  for (let i = 0; i < 20; i++) await run(); // warm-up: statement cache, page cache, JIT
  const samples: number[] = [];
  let blocks = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    blocks = await run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const f = (ms: number) => ms.toFixed(3).padStart(8);
  console.log(
    `${label.padEnd(52)} p50 ${f(quantile(samples, 0.5))} ms   p99 ${f(quantile(samples, 0.99))} ms   (${blocks} blocks)`,
  );
  if (blocks > HOME_MAX_BLOCKS) throw new Error(`${label}: ${blocks} blocks, more than Slack allows in a Home tab`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  seed();
  const counts = database.drizzle.get<{ requests: number; events: number }>(
    sql`select (select count(*) from requests) as requests, (select count(*) from audit_events) as events`,
  );
  console.log(
    `Seeded ${counts.requests} requests and ${counts.events} audit rows in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${RUNS} runs per scenario.\n`,
  );

  const { reads, requests, approvalPosts } = database.stores;
  const log = createLogger({ level: "error", redactor: new Redactor(), write: () => {} });
  const notifier: Notifier = {
    postForApproval: async (): Promise<MessageRef> => ({ channelId: "C0APPROVALS", ts: "1.1" }),
    refreshApprovalMessage: async () => {},
    tellRequester: async () => {},
    tellApprovers: async () => {},
  };
  const isApprover = (user: string) => user === APPROVER || user === HEAVY_APPROVER;
  const approvers: ApproverDirectory = {
    isApprover: async (user) => isApprover(user),
    tenantsOf: async (user) => (isApprover(user) ? ["default"] : []),
  };
  const service = new RequestService(
    requests,
    approvalPosts,
    new IdentityClients(
      [],
      { maxAttempts: 1, maxTotalMs: 1, baseDelayMs: 1, maxDelayMs: 1, requestTimeoutMs: 1 },
      new Redactor(),
    ),
    notifier,
    approvers,
    {
      allowSelfApproval: false,
      maxPendingPerUser: 5,
      requestTtlMs: 72 * 3_600_000,
      reminderIntervalMs: 24 * 3_600_000,
      maxReminders: 3,
      creationLeaseMs: 60_000,
      outcomeGraceMs: 120_000,
      maxConcurrentCreations: 4,
      policyFor: () => DEFAULT_POLICY,
    },
    log,
  );
  // Never called: build() reads the database and renders; it does not publish.
  const client = new WebClient("xoxb-not-used", { slackApiUrl: "http://127.0.0.1:9/api/" });
  const home = new HomeTab(client, {
    service,
    reads,
    log,
    approvalChannelId: "C0APPROVALS",
    tenantLabel: () => undefined,
  });
  const build = async (user: string, cursor: HomeCursor) => (await home.build(user, cursor)).view.blocks.length;

  const heavyCount = await reads.countByRequester(HEAVY);
  const halfway = await reads.listByRequester(HEAVY, Math.floor(heavyCount / 2) + 1);
  const middle = halfway.at(-1)?.id ?? 1;
  const typical = "U0R000007";
  console.log(
    `Heavy requester: ${heavyCount} requests; typical requester: ${await reads.countByRequester(typical)}.\n`,
  );

  await time("Home, typical requester (first page)", () => build(typical, {}));
  await time("Home, heavy requester (first page)", () => build(HEAVY, {}));
  await time(`Home, heavy requester ("Next page" halfway down)`, () => build(HEAVY, { before: middle }));
  await time(`Home, heavy requester ("Previous page" halfway up)`, () => build(HEAVY, { after: middle }));
  await time(`Home, approver (${PENDING} pending + own first page)`, () => build(APPROVER, {}));
  await time("Home, approver who is also a heavy requester", () => build(HEAVY_APPROVER, {}));

  // The same, split: the queries alone, and the Block Kit view alone (from rows already read).
  const waitingFor = { approverId: HEAVY_APPROVER, tenants: ["default"], ownIncluded: false };
  const queries = async () => ({
    page: await reads.pageByRequester(HEAVY_APPROVER, {}, HOME_PAGE_SIZE),
    total: await reads.countByRequester(HEAVY_APPROVER),
    waiting: await reads.pendingFor(waitingFor, HOME_WAITING_SIZE),
  });
  await time("  of which the queries only", async () => (await queries()).page.rows.length);
  const read = await queries();
  await time(
    "  of which the view build only",
    async () =>
      homeView({
        mine: read.page.rows,
        mineTotal: read.total,
        hasNewer: read.page.hasNewer,
        hasOlder: read.page.hasOlder,
        cursor: {},
        waiting: read.waiting,
        approvalChannelId: "C0APPROVALS",
        tenantLabel: () => undefined,
      }).blocks.length,
  );

  console.log("\nQuery plans:");
  const plans: [string, ReturnType<typeof sql>][] = [
    ["my page", sql`select * from requests where requester_id = ${HEAVY} and id < ${middle} order by id desc limit 11`],
    ["my count", sql`select count(*) from requests where requester_id = ${HEAVY}`],
    [
      "waiting",
      sql`select * from requests where status = 'pending' and requester_id <> ${APPROVER} order by id asc limit 10`,
    ],
    ["waiting count", sql`select count(*) from requests where status = 'pending' and requester_id <> ${APPROVER}`],
  ];
  for (const [label, query] of plans) {
    const rows = database.drizzle.all<{ detail: string }>(sql`explain query plan ${query}`);
    console.log(`  ${label.padEnd(14)} ${rows.map((r) => r.detail).join("; ")}`);
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
