import type { DatabaseConfig } from "../config.ts";
import type { Database } from "./database.ts";

export interface OpenOptions {
  /** Told when SQLite's background checkpoint worker cannot run. */
  onCheckpointFailure?: (error: string) => void;
  /** Told when the PostgreSQL pool reports a broken connection (the pool replaces it). */
  onConnectionError?: (error: string) => void;
}

/**
 * Opens the configured database and brings its schema up to date. Each driver is loaded only when
 * it is used: a SQLite deployment never loads pg, and the other way round.
 */
export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  if (config.kind === "postgres") {
    const { openPostgres } = await import("./postgres/open.ts");
    return openPostgres(config, { onConnectionError: options.onConnectionError });
  }
  const { openSqlite } = await import("./sqlite/open.ts");
  return openSqlite(config.path, { onCheckpointFailure: options.onCheckpointFailure });
}
