import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { config as loadDotenv } from "dotenv";
import { DEFAULT_DATABASE_PATH } from "../config.ts";
import type { Database } from "../db/database.ts";
import { errorMessage } from "../errorMessage.ts";
import { type AuditFormat, writeAudit } from "./export.ts";

/**
 * `npm run audit -- --format csv|json [--since DATE] [--db PATH|URL]`: every request and every
 * transition in the database, to stdout. Reads the database read-only; the bot may keep running.
 */

export interface AuditOptions {
  format: AuditFormat;
  /** Epoch ms: only requests touched and transitions made at or after this moment. */
  since: number | undefined;
  /** A SQLite file, or a postgres:// URL. */
  database: string;
}

const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

export const USAGE = [
  "Usage: npm run --silent audit -- --format csv|json [--since DATE] [--db PATH|URL]",
  "  --format csv|json  csv: one row per transition, with its request's fields; json: requests with their transitions",
  "  --since DATE       only what changed from DATE on: 2026-01-31 (midnight UTC) or 2026-01-31T08:00:00Z / …+01:00",
  "  --db PATH|URL      the SQLite file or a postgres:// URL (default: DATABASE_URL, else DATABASE_PATH, from the",
  "                     environment or .env, else ./data/auth-clients.sqlite)",
].join("\n");

export type ParsedArgs = { ok: true; options: AuditOptions } | { ok: false; message: string } | { ok: "help" };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date as people type it, to epoch ms; undefined when it is not a real date in one of the accepted forms. */
export function parseSince(text: string): number | undefined {
  const value = text.trim();
  const dateOnly = DATE_ONLY.exec(value);
  const dateTime = DATE_TIME.exec(value);
  const parts = dateOnly ?? dateTime;
  if (!parts) return undefined;
  const [, y, m, d] = parts;
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March: check the calendar date survived.
  const check = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(m) - 1 ||
    check.getUTCDate() !== Number(d)
  ) {
    return undefined;
  }
  if (dateTime && (Number(dateTime[4]) > 23 || Number(dateTime[5]) > 59 || Number(dateTime[6] ?? 0) > 59)) {
    return undefined;
  }
  return ms;
}

const PARSE_ERRORS: Record<string, (message: string) => string> = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: (m) => `unknown flag ${/'([^']+)'/.exec(m)?.[1] ?? ""}`.trim(),
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: (m) => {
    const flag = /'(--[a-z]+)/.exec(m)?.[1];
    return flag ? `${flag} needs a value` : "a flag is missing its value";
  },
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: (m) => `unexpected argument ${/'([^']+)'/.exec(m)?.[1] ?? ""}`.trim(),
};

/** The command line and environment, checked. Every problem is reported, not just the first. */
export function parseAuditArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let values: { format?: string; since?: string; db?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        format: { type: "string" },
        since: { type: "string" },
        db: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    const message = errorMessage(error);
    return { ok: false, message: PARSE_ERRORS[code]?.(message) ?? message };
  }
  if (values.help) return { ok: "help" };
  const problems: string[] = [];
  let format: AuditFormat = "csv";
  if (values.format === undefined) problems.push("--format is required: csv or json");
  else if (values.format === "csv" || values.format === "json") format = values.format;
  else problems.push(`--format must be csv or json, not "${values.format}"`);
  let since: number | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since);
    if (since === undefined) {
      problems.push(
        `--since "${values.since}" is not a date: use 2026-01-31 (midnight UTC) or 2026-01-31T08:00:00Z (a time needs Z or an offset such as +01:00)`,
      );
    }
  }
  const database = values.db ?? (env.DATABASE_URL?.trim() || env.DATABASE_PATH?.trim() || DEFAULT_DATABASE_PATH);
  if (database.trim() === "") problems.push("--db needs a path or a postgres:// URL");
  else if (database === ":memory:")
    problems.push("the database is :memory: — there is nothing stored to export; pass --db PATH");
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };
  return { ok: true, options: { format, since, database } };
}

/** Opens the database read-only: the export never changes it, and never creates one. */
async function openReadOnly(target: string): Promise<Database> {
  if (isPostgresUrl(target)) {
    const { openPostgres } = await import("../db/postgres/open.ts");
    return openPostgres(
      { kind: "postgres", url: target, poolMax: 2, connectTimeoutMs: 10_000, statementTimeoutMs: 0 },
      { readonly: true },
    );
  }
  const { openSqlite } = await import("../db/sqlite/open.ts");
  return openSqlite(target, { readonly: true });
}

/** The database named without a password, for messages. */
async function describe(target: string): Promise<string> {
  if (!isPostgresUrl(target)) return target;
  const { describeTarget } = await import("../db/postgres/open.ts");
  return describeTarget(target);
}

export interface AuditIo {
  out: (chunk: string) => void;
  err: (chunk: string) => void;
}

/** The whole command: 0 done, 1 could not read the database, 2 bad command line. */
export async function runAudit(argv: string[], env: NodeJS.ProcessEnv, io: AuditIo): Promise<number> {
  const parsed = parseAuditArgs(argv, env);
  if (parsed.ok === "help") {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (!parsed.ok) {
    io.err(`audit: ${parsed.message.split("\n").join("\naudit: ")}\n\n${USAGE}\n`);
    return 2;
  }
  const { options } = parsed;
  if (!isPostgresUrl(options.database) && !existsSync(options.database)) {
    io.err(`audit: no database at ${resolve(options.database)} (set --db PATH, DATABASE_PATH or DATABASE_URL)\n`);
    return 1;
  }
  let opened: Database | undefined;
  try {
    opened = await openReadOnly(options.database);
    await writeAudit(opened.stores.audit, options, io.out);
    return 0;
  } catch (error) {
    const message = errorMessage(error);
    const hint = /no such (table|column)|does not exist/.test(message)
      ? " — is this the bot's database? Start the bot once to bring it up to date."
      : "";
    io.err(`audit: could not read ${await describe(options.database)}: ${message}${hint}\n`);
    return 1;
  } finally {
    await opened?.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  loadDotenv({ quiet: true });
  // Piped into `head` and the like: a reader that stops early is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
  process.exitCode = await runAudit(process.argv.slice(2), process.env, {
    out: (chunk) => process.stdout.write(chunk),
    err: (chunk) => process.stderr.write(chunk),
  });
}
