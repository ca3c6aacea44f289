import { and, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import type { ApprovalPostRetry, AuditEntry, Request } from "../requests/request.ts";

/**
 * What the stores (db/stores/) need from a database, the same for SQLite and PostgreSQL: the
 * tables' columns (to build conditions with drizzle's operators, which work on either dialect's
 * columns) and a handful of typed query starters. Each dialect implements it in a few lines
 * (db/sqlite/kit.ts, db/postgres/kit.ts); every query is written once, in the stores.
 */

/** A drizzle select, awaited for its rows. Both dialects' dynamic selects have this shape. */
export interface Query<Row> extends PromiseLike<Row[]>, SQLWrapper {
  where(condition: SQL | undefined): Query<Row>;
  orderBy(...order: SQL[]): Query<Row>;
  limit(count: number): Query<Row>;
}

export interface RequesterMessageRow {
  requestId: number;
  channelId: string;
  ts: string;
}

/** A request row as stored: the domain's Request plus the columns the audit trigger reads. */
export type RequestRow = Request & { lastActor: string | null; lastDetail: string | null };

type Columns<Row> = { [K in keyof Row]-?: Column };

export interface Tables {
  requests: Columns<RequestRow>;
  auditEvents: Columns<AuditEntry>;
  approvalPostRetries: Columns<ApprovalPostRetry>;
  requesterMessages: Columns<RequesterMessageRow>;
}

/** Values for an UPDATE: a value per column, or an SQL expression (`attempts + 1`). */
export type SetOf<Row> = { [K in keyof Row]?: Row[K] | SQL };

export type NewRequestRow = Omit<RequestRow, "id">;

export interface Kit {
  readonly dialect: "sqlite" | "postgres";
  readonly t: Tables;
  requests(): Query<Request>;
  auditEvents(): Query<AuditEntry>;
  approvalPostRetries(): Query<ApprovalPostRetry>;
  requesterMessages(): Query<RequesterMessageRow>;
  countRequests(where: SQL | undefined): Promise<number>;
  /** Inserts a request unless one with its submission key exists; the new row, or undefined. */
  insertRequest(row: NewRequestRow): Promise<Request | undefined>;
  /** One UPDATE of the requests matching `where`; the updated rows. */
  updateRequests(set: SetOf<RequestRow>, where: SQL): Promise<Request[]>;
  upsertRequesterMessage(row: RequesterMessageRow): Promise<void>;
  /**
   * Inserts a retry row, or when the request has one updates it with `update` (only where
   * `updateWhere` holds); the row written, or undefined when the condition kept it unchanged.
   */
  upsertApprovalPostRetry(
    row: ApprovalPostRetry,
    update: SetOf<ApprovalPostRetry>,
    updateWhere?: SQL,
  ): Promise<ApprovalPostRetry | undefined>;
  updateApprovalPostRetries(set: SetOf<ApprovalPostRetry>, where: SQL): Promise<number>;
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
