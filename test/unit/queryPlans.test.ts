import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/db/sqlite/open.ts";
import { FORM_VALUE } from "../support/requestStoreCases.ts";

/**
 * The queries every submission and every /create-auth-client runs must read the requester's own
 * rows through an index, not every pending request of everyone: a database grown to many pending
 * requests would otherwise slow each ack (bench/results.md, 100,000 requests). SQLite plans from
 * the indexes alone here (no ANALYZE statistics), as it does on a fresh production file.
 */
describe("query plans of the submission's hot path (SQLite)", () => {
  let dir: string;
  let db: ReturnType<typeof openSqlite>;
  let statements: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "query-plans-"));
    db = openSqlite(join(dir, "bot.sqlite"));
    const sqlite = db.drizzle.$client;
    const prepare = Object.getPrototypeOf(sqlite).prepare as BetterSqlite3.Database["prepare"];
    statements = [];
    // Set on the connection itself: every statement the stores compile from here on passes by.
    Object.defineProperty(sqlite, "prepare", {
      configurable: true,
      value(this: BetterSqlite3.Database, source: string) {
        statements.push(source);
        return prepare.call(this, source);
      },
    });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** SQLite's plan of `source`, each step's detail joined; parameters bound to NULL (plans do not depend on them). */
  function planOf(source: string): string {
    const sqlite = db.drizzle.$client;
    const explain = Object.getPrototypeOf(sqlite).prepare.call(
      sqlite,
      `explain query plan ${source}`,
    ) as BetterSqlite3.Statement;
    const parameters = (source.match(/\?/g) ?? []).map(() => null);
    return (explain.all(...parameters) as { detail: string }[]).map((step) => step.detail).join(" | ");
  }

  it("a requester's pending count, alone or in the submission's checks, searches by requester and status", async () => {
    await db.stores.requests.countPendingBy("U1");
    const result = await db.stores.requests.record({
      form: FORM_VALUE,
      requesterId: "U1",
      originChannelId: "C1",
      submissionKey: "V1",
      expiresAt: Date.now() + 60_000,
      nextReminderAt: null,
      maxPending: 5,
    });
    expect(result.kind).toBe("recorded");

    const counts = statements.filter((s) => /count\(\*\)/i.test(s) && s.includes('"requester_id" = ?'));
    expect(counts).toHaveLength(2);
    for (const source of counts) {
      expect(planOf(source)).toMatch(/SEARCH requests USING (COVERING )?INDEX \w+ \(requester_id=\? AND status=\?\)/);
    }
  });
});
