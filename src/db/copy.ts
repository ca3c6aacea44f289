/**
 * `npm run db:copy -- --from ./data/auth-clients.sqlite --to postgres://…`: moves the bot's
 * SQLite database into an empty PostgreSQL database — every request, transition, message
 * reference and waiting approval post — in one transaction, then checks the counts. The source is
 * only read (a copy of it is brought up to date in a temporary folder); a target that already
 * holds anything is refused.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { asc, count, DrizzleQueryError, getTableColumns, getTableName, sql, type Table } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { errorMessage } from "../errorMessage.ts";
import { describeTarget, openPostgres } from "./postgres/open.ts";
import * as pgSchema from "./postgres/schema.ts";
import { openSqlite, type SqliteDrizzle } from "./sqlite/open.ts";
import * as sqliteSchema from "./sqlite/schema.ts";

export const COPY_USAGE = [
  "Usage: npm run db:copy -- --from PATH --to URL",
  "  --from PATH  the bot's SQLite file (opened read-only, left unchanged)",
  "  --to URL     an empty PostgreSQL database, postgres://user:password@host:5432/database",
].join("\n");

/** The tables in the order their foreign keys allow, each with its twin in the other dialect. */
const TABLES = [
  { sqlite: sqliteSchema.requests, pg: pgSchema.requests },
  { sqlite: sqliteSchema.auditEvents, pg: pgSchema.auditEvents },
  { sqlite: sqliteSchema.requesterMessages, pg: pgSchema.requesterMessages },
  { sqlite: sqliteSchema.approvalPostRetries, pg: pgSchema.approvalPostRetries },
] as const;

/** Tables whose ids come from a sequence: it must continue after the copied ids. */
const SEQUENCED = [pgSchema.requests, pgSchema.auditEvents];

const BATCH = 500;

export type CopyCounts = Record<string, number>;

export class CopyRefused extends Error {
  override name = "CopyRefused";
}

/** Copies everything from the SQLite file at `from` into the empty PostgreSQL database at `to`. */
export async function copyDatabase(from: string, to: string): Promise<CopyCounts> {
  if (!existsSync(from)) throw new CopyRefused(`no SQLite database at ${resolve(from)}`);
  const work = mkdtempSync(join(tmpdir(), "auth-client-bot-copy-"));
  try {
    const source = snapshotOf(from, work);
    try {
      const target = await openPostgres(
        { kind: "postgres", url: to, poolMax: 2, connectTimeoutMs: 10_000, statementTimeoutMs: 0 },
        {},
      );
      try {
        return await copyInto(source.drizzle, target.drizzle);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The source, copied into `work` and brought up to this version's schema there. Even a read-only
 * connection would leave files beside the source (a WAL database's -shm and -wal), and a file an
 * earlier version wrote lacks the newest columns: the copy is read and updated, the file never.
 */
function snapshotOf(from: string, work: string) {
  const copy = join(work, "source.sqlite");
  copyFileSync(from, copy);
  // Changes not yet checkpointed into the file (a bot that was killed) live in its WAL.
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${copy}-wal`);
  const check = new BetterSqlite3(copy, { fileMustExist: true });
  try {
    const tables = check
      .prepare("select name from sqlite_master where type = 'table' and name in ('requests', '__drizzle_migrations')")
      .all();
    if (tables.length !== 2) throw new CopyRefused(`${resolve(from)} is not the bot's database (it has no requests)`);
  } finally {
    check.close();
  }
  return openSqlite(copy);
}

async function copyInto(source: SqliteDrizzle, target: NodePgDatabase<typeof pgSchema>): Promise<CopyCounts> {
  return target.transaction(async (tx) => {
    for (const { pg } of TABLES) {
      const [existing] = await tx.select({ n: count() }).from(pg);
      if ((existing?.n ?? 0) > 0) {
        throw new CopyRefused(
          `the target database is not empty: ${getTableName(pg)} holds ${existing?.n} rows. Copy into a new, empty database.`,
        );
      }
    }
    // The audit rows are copied as they are; the trigger would add a second trail.
    await tx.execute(sql`alter table ${pgSchema.requests} disable trigger requests_audit`);
    const copied: CopyCounts = {};
    for (const { sqlite, pg } of TABLES) {
      copied[getTableName(pg)] = await copyTable(source, sqlite, (rows) => tx.insert(pg).values(rows));
    }
    await tx.execute(sql`alter table ${pgSchema.requests} enable trigger requests_audit`);
    for (const table of SEQUENCED) {
      await tx.execute(
        sql`select setval(pg_get_serial_sequence(${getTableName(table)}, 'id'), coalesce((select max(id) from ${table}), 0) + 1, false)`,
      );
    }
    for (const { sqlite, pg } of TABLES) {
      const [inTarget] = await tx.select({ n: count() }).from(pg);
      const [inSource] = source.select({ n: count() }).from(sqlite).all();
      if (inTarget?.n !== inSource?.n || inTarget?.n !== copied[getTableName(pg)]) {
        throw new Error(
          `${getTableName(pg)}: ${inSource?.n} rows in the source but ${inTarget?.n} in the target; nothing was copied`,
        );
      }
    }
    return copied;
  });
}

/** Reads a table in primary-key order, a batch at a time, and hands each batch to `insert`. */
async function copyTable(
  source: SqliteDrizzle,
  table: SQLiteTable,
  insert: (rows: Record<string, unknown>[]) => PromiseLike<unknown>,
): Promise<number> {
  const columns = getTableColumns(table as Table);
  const key = columns.id ?? columns.requestId;
  if (!key) throw new Error(`${getTableName(table)} has no key to page by`);
  let copied = 0;
  for (let offset = 0; ; offset += BATCH) {
    const rows = source.select().from(table).orderBy(asc(key)).limit(BATCH).offset(offset).all();
    if (rows.length === 0) return copied;
    await insert(rows);
    copied += rows.length;
  }
}

export interface CopyIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The command: 0 copied, 1 refused or failed, 2 bad command line. */
export async function runCopy(argv: string[], io: CopyIo): Promise<number> {
  let values: { from?: string; to?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { from: { type: "string" }, to: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    io.err(`db:copy: ${errorMessage(error)}\n\n${COPY_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${COPY_USAGE}\n`);
    return 0;
  }
  const problems = [
    ...(values.from ? [] : ["--from is required: the SQLite file"]),
    ...(values.to && /^postgres(ql)?:\/\//i.test(values.to) ? [] : ["--to is required: a postgres:// URL"]),
  ];
  if (problems.length > 0 || !values.from || !values.to) {
    io.err(`db:copy: ${problems.join("\ndb:copy: ")}\n\n${COPY_USAGE}\n`);
    return 2;
  }
  const target = describeTarget(values.to);
  try {
    const counts = await copyDatabase(values.from, values.to);
    const summary = Object.entries(counts)
      .map(([table, n]) => `${n} ${table}`)
      .join(", ");
    io.out(`Copied ${summary} from ${values.from} to ${target}; the counts match.\n`);
    return 0;
  } catch (error) {
    // drizzle's error quotes the failed statement with its parameters: a whole batch of people's
    // requests. The database's own reason is in its cause.
    const why = errorMessage(error instanceof DrizzleQueryError && error.cause ? error.cause : error);
    io.err(`db:copy: nothing was copied to ${target}: ${why}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runCopy(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}
