import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.ts";

/** The drizzle database, with the better-sqlite3 connection under it (`$client`). */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface OpenDatabase {
  db: Db;
  /** True when the database answers a trivial query. */
  isHealthy(): boolean;
  close(): void;
}

const MIGRATIONS = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** Opens (creating if needed) the SQLite file, applies pending migrations and returns it. */
export function openDatabase(path: string): OpenDatabase {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  const ping = sqlite.prepare("select 1 as ok");
  return {
    db,
    isHealthy() {
      try {
        return sqlite.open && (ping.get() as { ok: number } | undefined)?.ok === 1;
      } catch {
        return false;
      }
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
