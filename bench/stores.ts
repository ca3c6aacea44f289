/**
 * Times the database work of one request's life, call by call, through the stores: what a
 * submission and an approval cost besides Slack calls. Always on SQLite (a temporary file); with
 * --postgres also on a PostgreSQL server it starts (PostgreSQL's durable defaults, as
 * `npm run bench` runs it), or with --postgres-url on a database you give; then side by side.
 *
 *   npx tsx bench/stores.ts [--requests 3000] [--postgres | --postgres-url postgres://…]
 *   npx tsx bench/stores.ts [requests] [postgres://…]      (the older positional form)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { DatabaseConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/open.ts";
import type { RequestForm } from "../src/requests/form.ts";
import type { TransitionSet } from "../src/requests/ports.ts";
import type { Request, RequestStatus } from "../src/requests/request.ts";
import { type BenchPostgres, benchPostgres } from "./postgres.ts";

const FORM: RequestForm = {
  tenant: "default",
  name: "Benchmark app",
  redirectUris: ["https://app.example.com/callback"],
  postLogoutRedirectUris: ["https://app.example.com/"],
  allowedCorsOrigins: ["https://app.example.com"],
  accessTokenLifetime: 3600,
  justification: "Measuring what the database costs per request.",
};

/** Mean time per request of each store call, in µs, in the order of a request's life. */
type Timings = Map<string, number>;

async function measure(config: DatabaseConfig, count: number): Promise<{ timings: Timings }> {
  const database = await openDatabase(config);
  const { requests, approvalPosts } = database.stores;
  try {
    const spent: Timings = new Map();
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
    const timings: Timings = new Map();
    for (const [name, ms] of spent) timings.set(name, (ms * 1000) / count);
    return { timings };
  } finally {
    await database.close();
  }
}

function usage(problem: string): never {
  process.stderr.write(
    `${problem}\nUsage: npx tsx bench/stores.ts [--requests N] [--postgres | --postgres-url postgres://…]\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      requests: { type: "string" },
      postgres: { type: "boolean", default: false },
      "postgres-url": { type: "string" },
    },
  });
  const [first, second] = positionals;
  const givenUrl = values["postgres-url"] ?? (first?.startsWith("postgres") ? first : second);
  const count = Number(values.requests ?? (first?.startsWith("postgres") ? undefined : first) ?? 3000);
  if (!Number.isInteger(count) || count < 1) usage("The number of requests is a whole number above 0.");
  if (givenUrl !== undefined && !/^postgres(ql)?:\/\//.test(givenUrl)) usage(`Not a postgres:// URL: ${givenUrl}`);
  if (values.postgres && givenUrl) usage("--postgres starts a server; --postgres-url uses yours: one or the other.");

  const dir = mkdtempSync(join(tmpdir(), "bench-stores-"));
  let server: BenchPostgres | undefined;
  try {
    const columns: { label: string; timings: Timings }[] = [];
    const sqlite = await measure({ kind: "sqlite", path: join(dir, "bench.sqlite") }, count);
    columns.push({ label: "SQLite", timings: sqlite.timings });
    let postgresUrl = givenUrl;
    if (values.postgres) {
      server = await benchPostgres(undefined, () => {});
      process.stdout.write(`PostgreSQL: ${server.description}\n`);
      postgresUrl = await server.createDatabase("bench_stores");
    }
    if (postgresUrl) {
      const config: DatabaseConfig = {
        kind: "postgres",
        url: postgresUrl,
        poolMax: 10,
        connectTimeoutMs: 5_000,
        statementTimeoutMs: 15_000,
      };
      columns.push({ label: "PostgreSQL", timings: (await measure(config, count)).timings });
    }

    const names = [...sqlite.timings.keys()];
    const totals = columns.map((c) => [...c.timings.values()].reduce((sum, us) => sum + us, 0));
    const cell = (us: number | undefined) => `${(us ?? Number.NaN).toFixed(0).padStart(9)} µs`;
    const ratio = (row: (number | undefined)[]) =>
      row.length === 2 && row[0] && row[1] !== undefined ? `${(row[1] / row[0]).toFixed(1).padStart(6)}×` : "";
    process.stdout.write(
      `Database time per request (${count} requests, submission and approval), mean per call:\n` +
        `  ${"".padEnd(28)}${columns.map((c) => c.label.padStart(12)).join("")}${columns.length === 2 ? "  PG/SQLite" : ""}\n`,
    );
    for (const name of names) {
      const row = columns.map((c) => c.timings.get(name));
      process.stdout.write(`  ${name.padEnd(28)}${row.map(cell).join("")}  ${ratio(row)}\n`);
    }
    process.stdout.write(`  ${"all of it".padEnd(28)}${totals.map(cell).join("")}  ${ratio(totals)}\n`);
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
