import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { Database } from "../database.ts";
import { storesOver } from "../database.ts";
import { migrationsFolder } from "../migrations.ts";
import { checkpointsOnceBusy } from "./checkpoints.ts";
import { sqliteKit } from "./kit.ts";
import * as schema from "./schema.ts";

export type SqliteDrizzle = BetterSQLite3Database<typeof schema> & { $client: BetterSqlite3.Database };

export interface SqliteOptions {
  /** Told when the background checkpoint worker cannot run (the main connection checkpoints again). */
  onCheckpointFailure?: (error: string) => void;
  /** Read-only (the audit export): no migrations, no checkpoints, the file must exist. */
  readonly?: boolean;
  now?: () => number;
}

/**
 * Opens (creating if needed) the SQLite file, applies pending migrations, and checkpoints its WAL
 * from a worker thread once it grows (db/sqlite/checkpoints.ts). Only this process writes it.
 */
export function openSqlite(path: string, options: SqliteOptions = {}): Database & { drizzle: SqliteDrizzle } {
  const memory = path === ":memory:";
  if (!memory && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
  sqlite.pragma("busy_timeout = 5000");
  if (!options.readonly) {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("synchronous = NORMAL");
  }
  const db = drizzle({ client: withStatementCache(sqlite), schema });
  if (!options.readonly) migrate(db, { migrationsFolder: migrationsFolder("sqlite") });
  const checkpoints =
    memory || options.readonly
      ? undefined
      : checkpointsOnceBusy(sqlite, path, { onFailure: options.onCheckpointFailure });
  const ping = sqlite.prepare("select 1 as ok");
  return {
    dialect: "sqlite",
    drizzle: db,
    stores: storesOver(sqliteKit(db), { shared: false, now: options.now }),
    async healthy() {
      try {
        return sqlite.open && (ping.get() as { ok: number } | undefined)?.ok === 1;
      } catch {
        return false;
      }
    },
    async close(timeoutMs = 5_000) {
      await checkpoints?.stop(timeoutMs);
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * The connection as drizzle sees it, with every statement compiled once: drizzle asks for a new
 * prepared statement on each query, and SQLite's compile is most of a simple query's cost
 * (bench/results.md). Statements are keyed by their SQL text, which drizzle builds the same for
 * the same query.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, capacity = 500): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= capacity) cache.clear();
      statement = sqlite.prepare(source);
      cache.set(source, statement);
    } else if (statement.reader) {
      // drizzle switches a statement to arrays (raw) when it maps columns itself; start from the default.
      statement.raw(false);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === "prepare") return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
