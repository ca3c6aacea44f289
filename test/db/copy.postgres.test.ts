import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Harness, REQUESTER } from "../../devkit/harness.ts";
import { writeAudit } from "../../src/audit/export.ts";
import type { Database } from "../../src/db/database.ts";
import { openPostgres } from "../../src/db/postgres/open.ts";
import { openSqlite } from "../../src/db/sqlite/open.ts";
import type { Request } from "../../src/requests/request.ts";
import { form } from "../support/auditExport.ts";
import { type FreshDatabase, freshPostgresDatabase } from "../support/postgres.ts";
import { rawSql } from "../support/rawSql.ts";

/*
 * `npm run db:copy -- --from PATH --to URL`, run as production runs it (the compiled
 * dist/db/copy.js under node), from a SQLite file the bot wrote into a fresh PostgreSQL database.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PASSWORD = "S3cr3t-Pa55word";
const T0 = Date.UTC(2026, 2, 1, 9, 0);
const MINUTE = 60_000;

/** The command as a process: its exit code and everything it printed. */
function dbCopy(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--enable-source-maps", "dist/db/copy.js", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: tmpdir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The URL with a password in it (the test server trusts loopback, so any password connects). */
function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

/** Every file of a folder and the SHA-256 of its bytes. */
function fingerprint(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash("sha256")
          .update(readFileSync(join(dir, name)))
          .digest("hex"),
      ]),
  );
}

/** The whole audit export (JSON) of a database, at a fixed export time. */
async function auditOf(database: Database): Promise<string> {
  let out = "";
  await writeAudit(
    database.stores.audit,
    { format: "json", since: undefined },
    (chunk) => {
      out += chunk;
    },
    new Date(T0),
  );
  return out;
}

/** What the audit export leaves out, row by row: requester messages, approval posts waiting, the trigger's columns. */
async function sideTables(target: { databaseUrl?: string; databasePath: string }) {
  const number = (v: unknown) => (v === null ? null : Number(v));
  const messages = await rawSql(
    target,
    "select request_id, channel_id, ts from requester_messages order by request_id",
  );
  const retries = await rawSql(
    target,
    "select request_id, attempts, next_attempt_at, claimed_until, last_error, requester_told_at from approval_post_retries order by request_id",
  );
  const actors = await rawSql(target, "select id, last_actor, last_detail from requests order by id");
  return {
    messages: messages.map((m) => ({ ...m, request_id: number(m.request_id) })),
    retries: retries.map((r) => ({
      ...r,
      request_id: number(r.request_id),
      attempts: number(r.attempts),
      next_attempt_at: number(r.next_attempt_at),
      claimed_until: number(r.claimed_until),
      requester_told_at: number(r.requester_told_at),
    })),
    actors: actors.map((a) => ({ ...a, id: number(a.id) })),
  };
}

/**
 * A SQLite database as the bot leaves it after a while: a created client, a denial, a failure, an
 * approval post the channel refused (waiting, the requester told), a cancelled and an expired
 * request, text that needs care. Returns the requests as stored.
 */
async function seedSqlite(path: string): Promise<Request[]> {
  let now = T0;
  const database = openSqlite(path, { now: () => now });
  try {
    const { requests, approvalPosts } = database.stores;
    let key = 0;
    const record = async (name: string, justification = "Needed for the plant dashboard.") => {
      now += MINUTE;
      const result = await requests.record({
        form: form(name, justification),
        requesterId: REQUESTER.id,
        originChannelId: "C0ORIGIN",
        submissionKey: `VCOPY${++key}`,
        expiresAt: now + 72 * 60 * MINUTE,
        nextReminderAt: now + 24 * 60 * MINUTE,
        maxPending: 100,
      });
      if (result.kind !== "recorded") throw new Error(`not recorded: ${result.kind}`);
      return result.request;
    };
    const move = async (r: Request, from: Request["status"], to: Request["status"], extra = {}) => {
      now += MINUTE;
      const moved = await requests.transition({ id: r.id, from, to, actor: "U0APPROVE1", ...extra });
      if (!moved) throw new Error(`#${r.id} not moved ${from}>${to}`);
      return moved;
    };

    const created = await record('Dashboard, "beta" ✓', 'Line one, with a comma\nLine "two"\r\n=SUM(A1) 🚀');
    await requests.setApprovalMessage(created.id, { channelId: "C0APPROVALS", ts: "1767000000.000100" });
    await requests.setRequesterMessage(created.id, { channelId: "D0REQUEST", ts: "1767000000.000200" });
    await move(created, "pending", "approved", { set: { decidedBy: "U0APPROVE1", decidedAt: now } });
    await move(created, "approved", "creating", { detail: "calling the Identity API" });
    await requests.countAttempt(created.id);
    await move(created, "creating", "created", { set: { createdClientId: created.clientGuid } });
    await requests.claimOutcomeNotification(created.id, "created");

    const denied = await record("Second");
    await move(denied, "pending", "denied", {
      detail: 'Use "shared", not new',
      set: { decisionReason: 'Use "shared", not new', decidedBy: "U0APPROVE1", decidedAt: now },
    });

    const failed = await record("Third");
    await move(failed, "pending", "approved");
    await move(failed, "approved", "creating");
    await move(failed, "creating", "failed", {
      set: {
        lastError: { status: 403, error: "Forbidden.", reason: "Not a Tenant Administrator.", operationId: "op-1" },
      },
    });

    const waiting = await record("Waiting for the channel");
    await approvalPosts.defer(waiting.id, now, "channel_not_found", (n) => MINUTE * 2 ** (n - 1));
    await approvalPosts.claimUnpostedNotice(waiting.id, now);

    const reminded = await record("Reminded");
    await requests.setApprovalMessage(reminded.id, { channelId: "C0APPROVALS", ts: "1767000000.000300" });
    await requests.claimReminder(reminded, now + 48 * 60 * MINUTE);

    const cancelled = await record("Cancelled");
    await move(cancelled, "pending", "cancelled", { set: { nextReminderAt: null } });
    const expired = await record("Expired");
    await move(expired, "pending", "expired", { set: { nextReminderAt: null } });

    return Promise.all(
      [created, denied, failed, waiting, reminded, cancelled, expired].map(async (r) => {
        const stored = await requests.get(r.id);
        if (!stored) throw new Error(`#${r.id} missing`);
        return stored;
      }),
    );
  } finally {
    await database.close();
  }
}

describe("db:copy (SQLite into PostgreSQL)", () => {
  let dir: string;
  let source: string;
  const targets: FreshDatabase[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "db-copy-"));
    source = join(dir, "auth-clients.sqlite");
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const target of targets.splice(0)) await target.drop();
  });

  async function freshTarget(): Promise<FreshDatabase> {
    const target = await freshPostgresDatabase("copy");
    targets.push(target);
    return target;
  }

  const openTarget = (url: string) =>
    openPostgres({ kind: "postgres", url, poolMax: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 15_000 });

  it("copies every request, transition, requester message and waiting approval post exactly, and leaves the source as it was", async () => {
    const seeded = await seedSqlite(source);
    const before = fingerprint(dir);
    const target = await freshTarget();

    const run = await dbCopy(["--from", source, "--to", withPassword(target.url)]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Copied 7 requests, 16 audit_events, 1 requester_messages, 1 approval_post_retries from .+; the counts match\.\n$/,
    );

    // The source: not a byte changed, no file added or removed.
    expect(fingerprint(dir)).toEqual(before);

    const sqlite = openSqlite(source, { readonly: true });
    const postgres = await openTarget(target.url);
    try {
      // The audit export of both is the same: every request with every field, every transition
      // with its id, actor, time and detail — and nothing more (the trigger wrote no second trail
      // while the rows were copied). Compared parsed: jsonb keeps an object's keys in its own order.
      const exported = JSON.parse(await auditOf(postgres)) as { requests: { transitions: unknown[] }[] };
      expect(exported).toEqual(JSON.parse(await auditOf(sqlite)));
      expect(exported.requests).toHaveLength(seeded.length);
      expect(exported.requests.flatMap((r) => r.transitions)).toHaveLength(16);
      for (const request of seeded) expect(await postgres.stores.reads.get(request.id)).toEqual(request);
      expect(await sideTables({ databaseUrl: target.url, databasePath: "" })).toEqual(
        await sideTables({ databasePath: source }),
      );
      const waiting = seeded[3];
      expect(await postgres.stores.approvalPosts.retryOf(waiting?.id ?? 0)).toMatchObject({
        attempts: 1,
        lastError: "channel_not_found",
      });
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it("sets the id sequences: the bot started on the copy records the next request with a fresh id, and its trail goes on", {
    timeout: 30_000,
  }, async () => {
    const seeded = await seedSqlite(source);
    const target = await freshTarget();
    expect((await dbCopy(["--from", source, "--to", target.url])).code).toBe(0);
    const lastAudit = await rawSql<{ id: number }>(
      { databaseUrl: target.url, databasePath: "" },
      "select max(id)::int as id from audit_events",
    );

    const h = await Harness.start({ databaseUrl: target.url });
    try {
      const { id } = await h.submitValid();
      expect(id).toBe(Math.max(...seeded.map((r) => r.id)) + 1);
      const trail = await h.store.reads.auditOf(id);
      expect(trail.map((e) => [e.id, e.toStatus])).toEqual([[(lastAudit[0]?.id ?? 0) + 1, "pending"]]);
      // The copied requests are the bot's as before: a waiting approval post is posted now.
      const waiting = seeded[3];
      await h.slack.waitFor(
        async () => (await h.request(waiting?.id ?? 0))?.approvalMessageTs,
        10_000,
        "the waiting request to be posted",
      );
    } finally {
      await h.stop();
    }
  });

  it("refuses a target that holds anything (exit 1), and writes nothing to it", async () => {
    await seedSqlite(source);
    const target = await freshTarget();
    expect((await dbCopy(["--from", source, "--to", target.url])).code).toBe(0);
    const postgres = await openTarget(target.url);
    try {
      const before = await auditOf(postgres);
      const again = await dbCopy(["--from", source, "--to", withPassword(target.url)]);
      expect(again.code).toBe(1);
      expect(again.stdout).toBe("");
      expect(again.stderr).toContain("nothing was copied");
      expect(again.stderr).toContain("the target database is not empty: requests holds 7 rows");
      expect(again.stderr).not.toContain(PASSWORD);
      expect(await auditOf(postgres)).toBe(before);
    } finally {
      await postgres.close();
    }
  });

  it("copies from a file an earlier version of the bot wrote, and leaves that file as it was", async () => {
    await seedSqlite(source);
    // As an earlier version left it: without the two newest migrations' indexes and columns
    // (0009_requester_status_index, 0008_client_lifecycle).
    for (const index of [
      "requests_requester_status_idx",
      "requests_created_client_idx",
      "requests_target_client_idx",
    ]) {
      await rawSql({ databasePath: source }, `drop index ${index}`);
    }
    for (const column of ["kind", "target_client_id", "baseline", "outcome_note"]) {
      await rawSql({ databasePath: source }, `alter table requests drop column ${column}`);
    }
    await rawSql(
      { databasePath: source },
      "delete from __drizzle_migrations where created_at in (select created_at from __drizzle_migrations order by created_at desc limit 2)",
    );
    const before = fingerprint(dir);
    const target = await freshTarget();

    const run = await dbCopy(["--from", source, "--to", target.url]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(fingerprint(dir)).toEqual(before);
    expect(
      await rawSql({ databaseUrl: target.url, databasePath: "" }, "select count(*)::int as n from requests"),
    ).toEqual([{ n: 7 }]);
  });

  it("a row the target refuses halfway: exit 1, nothing of it kept, and no one's data in the message", async () => {
    await seedSqlite(source);
    const target = await freshTarget();
    const postgres = await openTarget(target.url);
    await postgres.close();
    const where = { databaseUrl: target.url, databasePath: "" };
    // The target accepts the first requests and refuses one further on.
    await rawSql(where, "alter table requests add constraint no_renames check (name <> 'Reminded')");

    const run = await dbCopy(["--from", source, "--to", withPassword(target.url)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("nothing was copied");
    expect(run.stderr).toContain("no_renames");
    for (const data of ["Dashboard", "Needed for the plant dashboard", "U0REQUEST", PASSWORD]) {
      expect(run.stderr).not.toContain(data);
    }
    for (const table of ["requests", "audit_events", "requester_messages", "approval_post_retries"]) {
      expect(await rawSql(where, `select count(*)::int as n from ${table}`), table).toEqual([{ n: 0 }]);
    }
    // The audit trigger is on again: the copy's transaction took its switch-off back with it.
    expect(await rawSql(where, "select tgenabled from pg_trigger where tgname = 'requests_audit'")).toEqual([
      { tgenabled: "O" },
    ]);
  });

  it("copies what a killed bot left only in its write-ahead log", async () => {
    await seedSqlite(source);
    // The bot's last write, committed to the WAL and not yet checkpointed into the file when it died.
    const bot = new BetterSqlite3(source);
    bot.pragma("wal_autocheckpoint = 0");
    bot.prepare("update requests set name = ? where id = 1").run("Renamed just before the crash");
    const killed = join(dir, "killed");
    mkdirSync(killed);
    for (const name of readdirSync(dir).filter((n) => n.startsWith("auth-clients.sqlite"))) {
      copyFileSync(join(dir, name), join(killed, name));
    }
    bot.close();
    const left = join(killed, "auth-clients.sqlite");
    expect(readdirSync(killed)).toContain("auth-clients.sqlite-wal");
    const before = fingerprint(killed);
    const target = await freshTarget();

    const run = await dbCopy(["--from", left, "--to", target.url]);
    expect(run.code).toBe(0);
    expect(fingerprint(killed)).toEqual(before);
    expect(
      await rawSql({ databaseUrl: target.url, databasePath: "" }, "select name from requests where id = 1"),
    ).toEqual([{ name: "Renamed just before the crash" }]);
  });

  it("refuses a file that is not the bot's database, and one that does not exist (exit 1), before touching the target", async () => {
    const target = await freshTarget();
    const unrelated = join(dir, "unrelated.sqlite");
    const other = new BetterSqlite3(unrelated);
    other.exec("create table notes (id integer primary key, body text)");
    other.close();
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a database at all, just some text\n");

    const runs = {
      missing: await dbCopy(["--from", join(dir, "nope.sqlite"), "--to", withPassword(target.url)]),
      unrelated: await dbCopy(["--from", unrelated, "--to", withPassword(target.url)]),
      text: await dbCopy(["--from", text, "--to", withPassword(target.url)]),
    };
    expect(runs.missing.stderr).toContain("no SQLite database at");
    expect(runs.unrelated.stderr).toContain("is not the bot's database");
    for (const [what, run] of Object.entries(runs)) {
      expect(run.code, what).toBe(1);
      expect(run.stdout, what).toBe("");
      expect(run.stderr, what).toContain("nothing was copied");
      expect(run.stderr, what).not.toContain(PASSWORD);
    }
    expect(
      await rawSql({ databaseUrl: target.url, databasePath: "" }, "select to_regclass('public.requests')::text as t"),
    ).toEqual([{ t: null }]);
  });

  it("bad command lines exit 2 with the usage; the URL's password is never printed", async () => {
    const url = `postgres://bot:${PASSWORD}@127.0.0.1:1/auth`;
    const cases = [
      [],
      ["--from", source],
      ["--to", url],
      ["--from", source, "--to", `mysql://bot:${PASSWORD}@127.0.0.1/auth`],
      ["--from", source, "--to", url, "--force"],
      ["--from", source, "--to", url, "extra"],
      ["--from"],
    ];
    const runs = await Promise.all(cases.map((args) => dbCopy(args)));
    for (const [i, run] of runs.entries()) {
      const args = cases[i] ?? [];
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toContain("Usage: npm run db:copy -- --from PATH --to URL");
      expect(`${run.stdout}${run.stderr}`, args.join(" ")).not.toContain(PASSWORD);
    }
    const help = await dbCopy(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: npm run db:copy");
  });

  it("a server that cannot be reached, or refuses the database: exit 1, and the password is not printed", async () => {
    await seedSqlite(source);
    const target = await freshTarget();
    const unreachable = new URL(withPassword(target.url));
    unreachable.port = "1";
    const noSuchDatabase = new URL(withPassword(target.url));
    noSuchDatabase.pathname = "/no_such_database";
    const urls = [unreachable.toString(), noSuchDatabase.toString(), `postgres://bot:${PASSWORD}@[::1:5432/x`];
    const runs = await Promise.all(urls.map((url) => dbCopy(["--from", source, "--to", url])));
    for (const [i, run] of runs.entries()) {
      const url = urls[i];
      expect(run.code, url).toBe(1);
      expect(run.stderr, url).toContain("nothing was copied");
      expect(`${run.stdout}${run.stderr}`, url).not.toContain(PASSWORD);
    }
  });
});
