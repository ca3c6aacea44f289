import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { config as loadDotenv } from "dotenv";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type { Db } from "./db/connection.ts";
import type { AuditRow } from "./db/schema.ts";
import * as schema from "./db/schema.ts";
import { errorMessage } from "./errorMessage.ts";
import { type Request, RequestRepository } from "./requests/repository.ts";

/**
 * `npm run audit -- --format csv|json [--since DATE] [--db PATH]`: every request and every
 * transition in the database, to stdout. Reads the database read-only; the bot may keep running.
 */

export type AuditFormat = "csv" | "json";

export interface AuditOptions {
  format: AuditFormat;
  /** Epoch ms: only requests touched and transitions made at or after this moment. */
  since: number | undefined;
  databasePath: string;
}

export const DEFAULT_DATABASE_PATH = "./data/auth-clients.sqlite";

export const USAGE = [
  "Usage: npm run --silent audit -- --format csv|json [--since DATE] [--db PATH]",
  "  --format csv|json  csv: one row per transition, with its request's fields; json: requests with their transitions",
  "  --since DATE       only what changed from DATE on: 2026-01-31 (midnight UTC) or 2026-01-31T08:00:00Z / …+01:00",
  "  --db PATH          the SQLite file (default: DATABASE_PATH from the environment or .env, else ./data/auth-clients.sqlite)",
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
  const db = values.db ?? (env.DATABASE_PATH?.trim() || DEFAULT_DATABASE_PATH);
  if (db.trim() === "") problems.push("--db needs a path");
  else if (db === ":memory:")
    problems.push("the database is :memory: — there is nothing stored to export; pass --db PATH");
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };
  return { ok: true, options: { format, since, databasePath: db } };
}

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

export const CSV_COLUMNS = [
  "request_id",
  "tenant",
  "requester_id",
  "name",
  "redirect_uris",
  "post_logout_redirect_uris",
  "allowed_cors_origins",
  "access_token_lifetime",
  "justification",
  "client_guid",
  "created_client_id",
  "request_status",
  "decided_by",
  "decided_at",
  "decision_reason",
  "last_error",
  "attempts",
  "expires_at",
  "request_created_at",
  "request_updated_at",
  "event_id",
  "event_at",
  "actor",
  "from_status",
  "to_status",
  "detail",
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(r: Request, e: AuditRow | undefined): string {
  const fields = [
    r.id,
    r.tenant,
    r.requesterId,
    r.name,
    // URLs never hold spaces (the form refuses them), so a space separates them unambiguously.
    r.redirectUris.join(" "),
    r.postLogoutRedirectUris.join(" "),
    r.allowedCorsOrigins.join(" "),
    r.accessTokenLifetime,
    r.justification,
    r.clientGuid,
    r.createdClientId,
    r.status,
    r.decidedBy,
    iso(r.decidedAt),
    r.decisionReason,
    r.lastError ? JSON.stringify(r.lastError) : "",
    r.attempts,
    iso(r.expiresAt),
    iso(r.createdAt),
    iso(r.updatedAt),
    e?.id,
    e ? iso(e.at) : "",
    e?.actor,
    e?.fromStatus,
    e?.toStatus,
    e?.detail,
  ];
  return `${fields.map(csvField).join(",")}\r\n`;
}

function jsonRequest(r: Request, events: AuditRow[]) {
  return {
    id: r.id,
    tenant: r.tenant,
    requesterId: r.requesterId,
    name: r.name,
    redirectUris: r.redirectUris,
    postLogoutRedirectUris: r.postLogoutRedirectUris,
    allowedCorsOrigins: r.allowedCorsOrigins,
    accessTokenLifetime: r.accessTokenLifetime,
    justification: r.justification,
    clientGuid: r.clientGuid,
    createdClientId: r.createdClientId,
    status: r.status,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt === null ? null : iso(r.decidedAt),
    decisionReason: r.decisionReason,
    lastError: r.lastError,
    attempts: r.attempts,
    expiresAt: iso(r.expiresAt),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    transitions: events.map((e) => ({
      id: e.id,
      at: iso(e.at),
      actor: e.actor,
      from: e.fromStatus,
      to: e.toStatus,
      detail: e.detail,
    })),
  };
}

const BATCH = 500;

/**
 * Writes the export through `write`, a batch of requests at a time (memory stays flat). CSV has
 * one row per transition; a request without a transition in the period gets one row of its own.
 */
export function writeAudit(
  db: Db,
  options: Pick<AuditOptions, "format" | "since">,
  write: (chunk: string) => void,
  exportedAt: Date = new Date(),
): { requests: number; transitions: number } {
  const repo = new RequestRepository(db);
  let requests = 0;
  let transitions = 0;
  if (options.format === "csv") write(`${CSV_COLUMNS.join(",")}\r\n`);
  else {
    const since = options.since === undefined ? null : iso(options.since);
    write(`{"exportedAt":${JSON.stringify(exportedAt.toISOString())},"since":${JSON.stringify(since)},"requests":[`);
  }
  for (let after = 0; ; ) {
    const batch = repo.exportBatch(options.since, after, BATCH);
    const last = batch.requests.at(-1);
    if (!last) break;
    after = last.id;
    const byRequest = new Map<number, AuditRow[]>();
    for (const e of batch.events) {
      const list = byRequest.get(e.requestId);
      if (list) list.push(e);
      else byRequest.set(e.requestId, [e]);
    }
    let chunk = "";
    for (const r of batch.requests) {
      const events = byRequest.get(r.id) ?? [];
      if (options.format === "csv") {
        chunk += events.length === 0 ? csvRow(r, undefined) : events.map((e) => csvRow(r, e)).join("");
      } else {
        chunk += `${requests === 0 ? "" : ","}\n${JSON.stringify(jsonRequest(r, events))}`;
      }
      requests++;
      transitions += events.length;
    }
    write(chunk);
  }
  if (options.format === "json") write(`${requests === 0 ? "" : "\n"}]}\n`);
  return { requests, transitions };
}

/** Opens the file read-only: the export never changes the database, and never creates one. */
function openReadOnly(path: string): { db: Db; close(): void } {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  sqlite.pragma("busy_timeout = 5000");
  return { db: drizzle(sqlite, { schema }), close: () => sqlite.close() };
}

export interface AuditIo {
  out: (chunk: string) => void;
  err: (chunk: string) => void;
}

/** The whole command: 0 done, 1 could not read the database, 2 bad command line. */
export function runAudit(argv: string[], env: NodeJS.ProcessEnv, io: AuditIo): number {
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
  if (!existsSync(options.databasePath)) {
    io.err(`audit: no database at ${resolve(options.databasePath)} (set --db PATH or DATABASE_PATH)\n`);
    return 1;
  }
  let opened: { db: Db; close(): void } | undefined;
  try {
    opened = openReadOnly(options.databasePath);
    writeAudit(opened.db, options, io.out);
    return 0;
  } catch (error) {
    const message = errorMessage(error);
    const hint = /no such (table|column)/.test(message)
      ? " — is this the bot's database? Start the bot once to bring it up to date."
      : "";
    io.err(`audit: could not read ${options.databasePath}: ${message}${hint}\n`);
    return 1;
  } finally {
    opened?.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  loadDotenv({ quiet: true });
  // Piped into `head` and the like: a reader that stops early is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
  process.exitCode = runAudit(process.argv.slice(2), process.env, {
    out: (chunk) => process.stdout.write(chunk),
    err: (chunk) => process.stderr.write(chunk),
  });
}
