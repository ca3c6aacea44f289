import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CheckpointReport,
  checkpointsOnceBusy,
  FALLBACK_AUTOCHECKPOINT_PAGES,
  startBackgroundCheckpoints,
} from "../../src/db/sqlite/checkpoints.ts";

/**
 * A connection set up as db/sqlite/open.ts sets up the bot's (WAL, synchronous = NORMAL), but
 * without the checkpoint worker openSqlite starts by itself: here each test starts its own.
 */
function openWal(path: string): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  return sqlite;
}

describe("checkpoints in a worker thread", () => {
  let dir: string;
  let database: BetterSqlite3.Database;
  const path = () => join(dir, "bot.sqlite");

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "checkpoints-"));
    database = openWal(path());
    database.exec("create table notes (id integer primary key, body text)");
  });
  afterEach(() => {
    if (database.open) database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Commits `count` transactions of one page-sized row each. */
  const write = (count: number) => {
    const insert = database.prepare("insert into notes (body) values (?)");
    for (let i = 0; i < count; i++) insert.run("x".repeat(3000));
  };
  const autocheckpoint = () => database.pragma("wal_autocheckpoint", { simple: true });

  it("copies the WAL into the database file while the app's commits only append to it", async () => {
    const reports: CheckpointReport[] = [];
    const checkpoints = startBackgroundCheckpoints(database, path(), {
      intervalMs: 20,
      onCheckpoint: (report) => reports.push(report),
    });
    try {
      expect(autocheckpoint()).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      // More than SQLite's own threshold (1,000 pages), so the main connection would have checkpointed.
      write(1500);
      // Reports made while the writes ran arrive after them, and may say "all checkpointed" of a WAL
      // that was still growing: wait for the last report to be complete and to have stayed the last.
      let latest: CheckpointReport | undefined;
      let since = Date.now();
      await expect
        .poll(
          () => {
            if (reports.at(-1) !== latest) {
              latest = reports.at(-1);
              since = Date.now();
            }
            return latest !== undefined && latest.log >= 1500 && latest.checkpointed === latest.log
              ? Date.now() - since >= 100
              : false;
          },
          { timeout: 10_000, interval: 20 },
        )
        .toBe(true);
      // With nothing new to checkpoint, the worker stays quiet (ten intervals here).
      const heard = reports.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(reports).toHaveLength(heard);
    } finally {
      await checkpoints.stop();
    }
    // The worker left nothing behind: the database closes, and every row is in it.
    database.close();
    database = openWal(path());
    expect(database.prepare("select count(*) as n from notes").get()).toEqual({ n: 1500 });
  });

  it("falls back to the main connection's own checkpoints when the worker cannot run", async () => {
    const failures: string[] = [];
    const checkpoints = startBackgroundCheckpoints(database, join(dir, "missing.sqlite"), {
      intervalMs: 20,
      onFailure: (error) => failures.push(error),
    });
    await expect.poll(() => failures.length, { timeout: 10_000 }).toBe(1);
    expect(failures[0]).toMatch(/unable to open|does not exist|SQLITE_CANTOPEN|exited/i);
    expect(autocheckpoint()).toBe(1000);
    await checkpoints.stop();
    expect(failures).toHaveLength(1);
  });

  it("stops within its deadline and is safe to stop twice", async () => {
    const checkpoints = startBackgroundCheckpoints(database, path(), { intervalMs: 20 });
    write(10);
    await checkpoints.stop(2_000);
    await checkpoints.stop(2_000);
    write(10);
    expect(database.prepare("select count(*) as n from notes").get()).toEqual({ n: 20 });
  });

  it("starts the worker only once the WAL has grown to where SQLite would checkpoint", async () => {
    const reports: CheckpointReport[] = [];
    const checkpoints = checkpointsOnceBusy(database, path(), {
      intervalMs: 20,
      watchIntervalMs: 20,
      onCheckpoint: (report) => reports.push(report),
    });
    try {
      expect(autocheckpoint()).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      // A few commits: a running worker would checkpoint (and report) them within one interval.
      write(50);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(reports).toEqual([]);
      write(1000);
      await expect
        .poll(() => reports.some((r) => r.log >= 1050 && r.checkpointed === r.log), { timeout: 10_000 })
        .toBe(true);
    } finally {
      await checkpoints.stop();
    }
    database.close();
    database = openWal(path());
    expect(database.prepare("select count(*) as n from notes").get()).toEqual({ n: 1050 });
  });

  it("stops before the worker ever started without waiting", async () => {
    const checkpoints = checkpointsOnceBusy(database, path(), { watchIntervalMs: 20 });
    write(5);
    await checkpoints.stop(2_000);
    await checkpoints.stop(2_000);
    expect(database.prepare("select count(*) as n from notes").get()).toEqual({ n: 5 });
  });
});
