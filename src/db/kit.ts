import { createHash } from "node:crypto";
import { and, type Column, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { ApprovalPostRetry, AuditEntry, Request } from "../requests/request.ts";

/**
 * What the stores (db/stores/) need from a database, the same for SQLite and PostgreSQL: the
 * tables' columns (to build conditions with drizzle's operators, which work on either dialect's
 * columns) and a handful of typed statement starters. Each dialect implements it in a few lines
 * (db/sqlite/kit.ts, db/postgres/kit.ts); every query is written once, in the stores.
 */

/** Values run through a prepared statement, by placeholder name. */
export type Values = Record<string, unknown>;

/** A drizzle statement: awaited for its rows, or prepared once (with placeholders) and run many times. */
interface Statement<Row> extends PromiseLike<Row[]> {
  prepare(name: string): { execute(values?: Values): PromiseLike<Row[]> };
}

/** A drizzle select. Both dialects' dynamic selects have this shape. */
interface Query<Row> extends Statement<Row>, SQLWrapper {
  where(condition: SQL | undefined): Query<Row>;
  orderBy(...order: SQL[]): Query<Row>;
  limit(count: number): Query<Row>;
}

interface RequesterMessageRow {
  requestId: number;
  channelId: string;
  ts: string;
}

/** A request row as stored: the domain's Request plus the columns the audit trigger reads. */
export type RequestRow = Request & { lastActor: string | null; lastDetail: string | null };

type Columns<Row> = { [K in keyof Row]-?: Column };

interface Tables {
  requests: Columns<RequestRow>;
  auditEvents: Columns<AuditEntry>;
  approvalPostRetries: Columns<ApprovalPostRetry>;
  requesterMessages: Columns<RequesterMessageRow>;
}

/** Values for an INSERT or UPDATE: a value per column, or an SQL expression (`attempts + 1`, a slot). */
type SetOf<Row> = { [K in keyof Row]?: Row[K] | SQL };
export type RowOf<Row> = { [K in keyof Row]: Row[K] | SQL };

export interface Kit {
  readonly dialect: "sqlite" | "postgres";
  readonly t: Tables;
  requests(): Query<Request>;
  auditEvents(): Query<AuditEntry>;
  approvalPostRetries(): Query<ApprovalPostRetry>;
  requesterMessages(): Query<RequesterMessageRow>;
  countRequests(where: SQL | undefined): Statement<{ n: number }>;
  /**
   * A submission's two checks in one statement (one round trip): how many requests match
   * `counted`, and the id of the request recorded under `submissionKey`, or null.
   */
  submissionChecks(counted: SQL, submissionKey: SQL): Statement<{ counted: number; earlier: number | null }>;
  /** Inserts a request unless one with its submission key exists: the new row, or none. */
  insertRequest(row: RowOf<Omit<RequestRow, "id">>): Statement<Request>;
  /** One UPDATE of the requests matching `where`: the updated rows. */
  updateRequests(set: SetOf<RequestRow>, where: SQL): Statement<Request>;
  upsertRequesterMessage(row: RowOf<RequesterMessageRow>): Statement<{ requestId: number }>;
  /**
   * Inserts a retry row, or when the request has one updates it with `update` (only where
   * `updateWhere` holds): the row written, or none when the condition kept it unchanged.
   */
  upsertApprovalPostRetry(
    row: RowOf<ApprovalPostRetry>,
    update: SetOf<ApprovalPostRetry>,
    updateWhere?: SQL,
  ): Statement<ApprovalPostRetry>;
  updateApprovalPostRetries(set: SetOf<ApprovalPostRetry>, where: SQL): Statement<{ requestId: number }>;
  /** The JSON array of text in `column` with `value` appended. */
  jsonAppend(column: Column, value: SQL): SQL;
  /** Whether the JSON array of text in `column` holds `value`. */
  jsonHas(column: Column, value: SQL): SQL;
  /** How many items the JSON array in `column` holds. */
  jsonLength(column: Column): SQL;
  /**
   * The statement `build` makes, prepared once per kit under `name` and run with `values`:
   * building and compiling SQL is most of a small query's cost (bench/stores.ts).
   */
  prepared<Row>(name: string, build: () => Statement<Row>): (values?: Values) => Promise<Row[]>;
  /**
   * Runs `work` so that no other `exclusively` with the same key interleaves with it, on any
   * process sharing the database: a read and the write that depends on it stay together.
   */
  exclusively<T>(key: string, work: (kit: Kit) => Promise<T>): Promise<T>;
}

/** All of the conditions, for a statement that must have a WHERE (an UPDATE of every row is never meant). */
export function allOf(...conditions: (SQL | undefined)[]): SQL {
  const where = and(...conditions);
  if (!where) throw new Error("A condition is required");
  return where;
}

/**
 * A named placeholder of a prepared statement, as SQL: drizzle takes it anywhere a value goes
 * (its types want SQL in an UPDATE's set). Its value must come encoded (see `encoded`).
 */
export const slot = (name: string): SQL => sql`${sql.placeholder(name)}`;

/** A placeholder for every key of `row`, named after it: the shape of a prepared INSERT. */
export function slotsFor<Row extends object>(row: Row): RowOf<Row> {
  return Object.fromEntries(Object.keys(row).map((key) => [key, slot(key)])) as RowOf<Row>;
}

/**
 * Values for placeholders, as `columns` store them: drizzle encodes the values of a statement it
 * builds (JSON columns, say), but passes placeholder values through as they are.
 */
export function encoded<Row>(columns: Columns<Row>, values: Partial<Row>, prefix = ""): Values {
  const out: Values = {};
  for (const key of Object.keys(values) as (keyof Row & string)[]) {
    const value = values[key];
    out[`${prefix}${key}`] = value === null || value === undefined ? null : columns[key].mapToDriverValue(value);
  }
  return out;
}

/** PostgreSQL cuts a prepared statement's name at 63 bytes: two long names could become one. */
const STATEMENT_NAME_BYTES = 63;

/** `name`, or when too long for PostgreSQL its start and a hash of the whole. */
function statementName(name: string): string {
  if (Buffer.byteLength(name) <= STATEMENT_NAME_BYTES) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `${name.slice(0, STATEMENT_NAME_BYTES - hash.length - 1)}~${hash}`;
}

/** Runs a statement once per kit after preparing it; the default `prepared` of both kits. */
export function preparedCache(): Kit["prepared"] {
  const cache = new Map<string, (values?: Values) => Promise<unknown[]>>();
  return <Row>(name: string, build: () => Statement<Row>) => {
    let run = cache.get(name) as ((values?: Values) => Promise<Row[]>) | undefined;
    if (!run) {
      const statement = build().prepare(statementName(name));
      run = async (values?: Values) => statement.execute(values);
      cache.set(name, run as (values?: Values) => Promise<unknown[]>);
    }
    return run;
  };
}
