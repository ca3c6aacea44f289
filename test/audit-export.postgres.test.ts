import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit } from "../src/audit/cli.ts";
import { openPostgres } from "../src/db/postgres/open.ts";
import {
  DAY,
  expectFullCsv,
  expectFullJson,
  expectSinceDay3,
  parseCsv,
  runAuditProcess,
  seedAuditData,
  T0,
} from "./support/auditExport.ts";
import { type FreshDatabase, freshPostgresDatabase } from "./support/postgres.ts";
import { rawSql } from "./support/rawSql.ts";

// The same export from a SQLite file: test/audit-export.test.ts.

/** runAudit in this process, with what it wrote. */
async function audit(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = "";
  let err = "";
  const code = await runAudit(argv, env, {
    out: (chunk) => {
      out += chunk;
    },
    err: (chunk) => {
      err += chunk;
    },
  });
  return { code, out, err };
}

describe("audit export from PostgreSQL (--db postgres://…)", () => {
  let fresh: FreshDatabase;
  let ids: number[] = [];

  beforeAll(async () => {
    fresh = await freshPostgresDatabase("audit");
    ids = await seedAuditData((now) =>
      openPostgres(
        { kind: "postgres", url: fresh.url, poolMax: 2, connectTimeoutMs: 10_000, statementTimeoutMs: 10_000 },
        { now },
      ),
    );
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it("writes CSV: one row per transition with its request's fields, quoted where needed", async () => {
    const csv = await audit(["--format", "csv", "--db", fresh.url]);
    expect(csv.err).toBe("");
    expect(csv.code).toBe(0);
    expectFullCsv(csv.out, ids);
  });

  it("writes JSON: every request with its transitions, dates in ISO 8601", async () => {
    const before = Date.now();
    const json = await audit(["--format", "json", "--db", fresh.url]);
    expect(json.err).toBe("");
    expect(json.code).toBe(0);
    const parsed = expectFullJson(json.out, ids);
    expect(Date.parse(parsed.exportedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(parsed.exportedAt)).toBeLessThanOrEqual(Date.now());
  });

  it("--since keeps what changed from then on", async () => {
    const since = new Date(T0 + 3 * DAY).toISOString();
    const json = await audit(["--format", "json", "--db", fresh.url, "--since", since]);
    const csv = await audit(["--format", "csv", "--db", fresh.url, "--since", since]);
    expect([json.code, csv.code]).toEqual([0, 0]);
    expectSinceDay3(json.out, csv.out, ids);
    const empty = await audit(["--format", "csv", "--db", fresh.url, "--since", new Date(T0 + 9 * DAY).toISOString()]);
    expect(empty.code).toBe(0);
    expect(parseCsv(empty.out)).toHaveLength(1);
  });

  it("takes DATABASE_URL before DATABASE_PATH, and reads without writing", async () => {
    const counts = async () =>
      (
        await rawSql(
          { databaseUrl: fresh.url, databasePath: "" },
          "select (select count(*) from requests) as r, (select count(*) from audit_events) as a",
        )
      )[0];
    const before = await counts();
    const run = await audit(["--format", "csv"], { DATABASE_URL: fresh.url, DATABASE_PATH: "/nonexistent/bot.sqlite" });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expectFullCsv(run.out, ids);
    expect(await counts()).toEqual(before);
  });

  it("says so, without the password, when the database is not the bot's; and creates nothing there", async () => {
    const empty = await freshPostgresDatabase("audit_empty");
    try {
      const url = new URL(empty.url);
      url.password = "not-echoed-pw";
      const run = await audit(["--format", "csv", "--db", url.toString()]);
      expect(run.code).toBe(1);
      // Nothing but (as on SQLite, and before the move to stores) the CSV header written before the first read.
      expect(parseCsv(run.out).slice(1)).toEqual([]);
      expect(run.err).toContain('relation "requests" does not exist');
      expect(run.err).toContain("is this the bot's database?");
      expect(run.err).toContain(url.pathname);
      expect(run.err).not.toContain("not-echoed-pw");
      // Read-only: no migrations ran.
      expect(
        await rawSql(
          { databaseUrl: empty.url, databasePath: "" },
          "select count(*) as n from pg_tables where schemaname = 'public'",
        ),
      ).toEqual([{ n: "0" }]);
    } finally {
      await empty.drop();
    }
  });

  it("runs as a process (npm run audit) with --db or DATABASE_URL", async () => {
    const byFlag = await runAuditProcess(["--format", "csv", "--db", fresh.url]);
    expect(byFlag.stderr).toBe("");
    expect(byFlag.code).toBe(0);
    expectFullCsv(byFlag.stdout, ids);

    const byEnv = await runAuditProcess(["--format", "json"], { DATABASE_URL: fresh.url });
    expect(byEnv.stderr).toBe("");
    expect(byEnv.code).toBe(0);
    expectFullJson(byEnv.stdout, ids);
  }, 30_000);
});
