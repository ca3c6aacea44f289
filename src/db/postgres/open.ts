import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import type { PostgresConfig } from "../../config.ts";
import { errorMessage } from "../../errorMessage.ts";
import { withTimeout } from "../../timeout.ts";
import { type Database, storesOver } from "../database.ts";
import { migrationsFolder } from "../migrations.ts";
import { postgresKit } from "./kit.ts";
import * as schema from "./schema.ts";

/** pg_advisory_lock key held while migrating: replicas starting together apply migrations one at a time. */
export const MIGRATION_LOCK = 726_163_686_561;
/** How long /healthz waits for the database before calling it unavailable. */
const HEALTH_TIMEOUT_MS = 2_000;

export interface PostgresOptions {
  /** Read-only sessions, no migrations (the audit export). */
  readonly?: boolean;
  /** Told when the pool reports a broken connection (it replaces it by itself). */
  onConnectionError?: (error: string) => void;
  now?: () => number;
}

/**
 * Connects a pool to PostgreSQL and applies pending migrations, one replica at a time. Several
 * processes share the database: every state change is a conditional statement.
 */
export async function openPostgres(
  config: PostgresConfig,
  options: PostgresOptions = {},
): Promise<Database & { drizzle: NodePgDatabase<typeof schema> }> {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.statementTimeoutMs,
    application_name: "auth-client-bot",
    ...(options.readonly ? { options: "-c default_transaction_read_only=on" } : {}),
  });
  // An idle connection the server dropped (a restart, a failover) is reported here; unhandled, it would end the process.
  pool.on("error", (error) => options.onConnectionError?.(errorMessage(error)));
  try {
    if (options.readonly) await pool.query("select 1");
    else await migrateOnce(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL (${describeTarget(config.url)}) could not be prepared: ${errorMessage(error)}`);
  }
  const db = drizzle({ client: pool, schema });
  return {
    dialect: "postgres",
    drizzle: db,
    stores: storesOver(postgresKit(db, pool), { shared: true, now: options.now }),
    async healthy() {
      try {
        const answer = await withTimeout(pool.query<{ ok: number }>("select 1 as ok"), HEALTH_TIMEOUT_MS);
        return answer.done && answer.value.rows[0]?.ok === 1;
      } catch {
        return false;
      }
    },
    async close(timeoutMs = 5_000) {
      await withTimeout(pool.end(), timeoutMs).catch(() => undefined);
    },
  };
}

async function migrateOnce(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    // Neither the wait for another replica's migration nor a migration of a large table is an
    // ordinary statement: the statement timeout would stop every replica starting meanwhile.
    await client.query("set statement_timeout = 0");
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await migrate(drizzle({ client, schema }), { migrationsFolder: migrationsFolder("postgres") });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
      await client.query("reset statement_timeout");
    }
  } finally {
    client.release();
  }
}

/** user@host:port/database of a connection URL, without the password. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}${u.pathname}`;
  } catch {
    return "the configured server";
  }
}
