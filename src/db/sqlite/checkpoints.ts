import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";
import { withTimeout } from "../../timeout.ts";

/**
 * SQLite's own checkpoint runs inside whichever commit fills the WAL past 1,000 pages, on the
 * event loop: it copies the pages into the database file and waits for the disk twice (fsync),
 * 8–16 ms per checkpoint on the benchmark machine, so that Slack request waits too
 * (bench/results.md). Here a worker thread with its own connection checkpoints instead, and the
 * app's commits only append to the WAL. Durability is unchanged (synchronous = NORMAL).
 */

/** The main connection still checkpoints if the WAL ever grows this large (the worker fell behind or died). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;
/** Bytes of a WAL frame besides its page. */
const WAL_FRAME_HEADER = 24;

export interface CheckpointReport {
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

export interface BackgroundCheckpoints {
  /** Stops the worker after a last checkpoint (bounded by `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface CheckpointOptions {
  /** How often the worker checkpoints. */
  intervalMs?: number;
  /** Told when the worker cannot run: the main connection checkpoints again by itself. */
  onFailure?: (error: string) => void;
  onCheckpoint?: (report: CheckpointReport) => void;
}

// Plain JavaScript: a worker does not get the TypeScript loader in every runner (tsx, vitest).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const stop = (error) => {
  parentPort.postMessage({ failure: String((error && error.message) || error) });
  process.exit(1);
};
try {
  const Database = require(workerData.driver);
  const db = new Database(workerData.path, { fileMustExist: true });
  db.pragma("busy_timeout = 1000");
  let last = "";
  const checkpoint = () => {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    if (!workerData.report || !result || result.log === 0) return;
    // Only news: an idle app must not be woken four times a second to hear nothing changed.
    const now = result.log + "/" + result.checkpointed;
    if (now !== last) parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
    last = now;
  };
  const timer = setInterval(() => {
    try { checkpoint(); } catch (error) { stop(error); }
  }, workerData.intervalMs);
  parentPort.on("message", () => {
    clearInterval(timer);
    try { checkpoint(); } catch {} finally { db.close(); parentPort.close(); }
  });
} catch (error) {
  stop(error);
}
`;

/** Starts checkpointing `path` (opened by `main`, in WAL mode) from a worker thread. */
export function startBackgroundCheckpoints(
  main: BetterSqlite3.Database,
  path: string,
  options: CheckpointOptions = {},
): BackgroundCheckpoints {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      path,
      intervalMs: options.intervalMs ?? 250,
      report: options.onCheckpoint !== undefined,
    },
  });
  worker.unref();
  main.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const fail = (reason: string) => {
    if (stopping) return;
    stopping = true;
    if (main.open) main.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
    options.onFailure?.(reason);
  };
  worker.on("message", (message: CheckpointReport | { failure: string }) => {
    if ("failure" in message) fail(message.failure);
    else options.onCheckpoint?.(message);
  });
  worker.on("error", (error) => fail(error.message));
  worker.on("exit", (code) => fail(`the checkpoint worker exited (code ${code})`));
  return {
    async stop(timeoutMs = 5_000) {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage("stop");
      await withTimeout(exited, timeoutMs);
      await worker.terminate();
    },
  };
}

/**
 * Background checkpoints, started only once there is something to checkpoint. The worker is a
 * thread with a V8 heap of its own (about 9 MB, and 140 ms of CPU to start), which an app that is
 * idle or only reads does not need: the WAL's size is looked at (one stat) every `watchIntervalMs`,
 * and the worker started once the WAL has grown to where SQLite itself would checkpoint. Until
 * then the main connection does not checkpoint either (below FALLBACK_AUTOCHECKPOINT_PAGES).
 */
export function checkpointsOnceBusy(
  main: BetterSqlite3.Database,
  path: string,
  options: CheckpointOptions & { watchIntervalMs?: number; startAtPages?: number } = {},
): BackgroundCheckpoints {
  main.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const pageSize = Number(main.pragma("page_size", { simple: true }));
  const startAtBytes = (options.startAtPages ?? SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES) * (pageSize + WAL_FRAME_HEADER);
  let worker: BackgroundCheckpoints | undefined;
  const watch = setInterval(() => {
    let size: number;
    try {
      size = statSync(`${path}-wal`).size;
    } catch {
      return;
    }
    if (size < startAtBytes) return;
    clearInterval(watch);
    worker = startBackgroundCheckpoints(main, path, options);
  }, options.watchIntervalMs ?? 2_000);
  watch.unref();
  return {
    async stop(timeoutMs) {
      clearInterval(watch);
      await worker?.stop(timeoutMs);
    },
  };
}
