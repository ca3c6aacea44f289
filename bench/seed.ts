/**
 * Fills a fresh database with `rows` requests (and their audit trails) before our app starts, so
 * the benchmark shows whether a grown database slows the hot paths: a SQLite file, or a PostgreSQL
 * database, with the same rows. In both, each request is written as recorded and then moved along
 * its trail by status changes, so the database's own audit trigger writes the audit rows.
 */
import Database from "better-sqlite3";
import { type Column, getTableColumns, getTableName, type Table } from "drizzle-orm";
import pg from "pg";
import { openPostgres } from "../src/db/postgres/open.ts";
import * as pgSchema from "../src/db/postgres/schema.ts";
import { openSqlite } from "../src/db/sqlite/open.ts";
import { requests } from "../src/db/sqlite/schema.ts";
import type { RequestStatus } from "../src/requests/request.ts";
import {
  APPROVAL_CHANNEL,
  APPROVER,
  ORIGIN_CHANNEL,
  parsedForm,
  REQUEST_TTL_MS,
  REQUESTER_POOL,
  requesterId,
} from "./fixtures.ts";

type NewRequestRow = typeof requests.$inferInsert;

const DAY = 86_400_000;

/**
 * The status of the k-th request (oldest first): each requester has about 20 requests; the
 * newest 10 % are pending (at most two per requester, so nobody meets the pending limit), the
 * rest were created, denied, cancelled, expired or failed. `approved`/`creating` are left out:
 * they are seconds-long states, and the app would resume them at start.
 */
function statusOf(k: number, rows: number): RequestStatus {
  const share = k / rows;
  if (share >= 0.9) return "pending";
  const bucket = k % 20;
  if (bucket < 12) return "created";
  if (bucket < 14) return "denied";
  if (bucket < 16) return "cancelled";
  if (bucket < 19) return "expired";
  return "failed";
}

/** The audit trail that leads to `status`. */
function trailOf(status: RequestStatus): [RequestStatus | null, RequestStatus][] {
  switch (status) {
    case "created":
      return [
        [null, "pending"],
        ["pending", "approved"],
        ["approved", "creating"],
        ["creating", "created"],
      ];
    case "failed":
      return [
        [null, "pending"],
        ["pending", "approved"],
        ["approved", "creating"],
        ["creating", "failed"],
      ];
    case "pending":
      return [[null, "pending"]];
    default:
      return [
        [null, "pending"],
        ["pending", status],
      ];
  }
}

export interface SeedSummary {
  requests: number;
  auditEvents: number;
  requesters: number;
  byStatus: Partial<Record<RequestStatus, number>>;
  ms: number;
}

/** One seeded request: its row as recorded, the status changes that follow, its final updated_at. */
interface SeededRequest {
  row: NewRequestRow;
  moves: { to: RequestStatus; actor: string; at: number }[];
  updatedAt: number;
}

/** The requests to seed, oldest first, and what they add up to. */
function seedPlan(rows: number, now: number): { plan: SeededRequest[]; summary: Omit<SeedSummary, "ms"> } {
  const byStatus: Partial<Record<RequestStatus, number>> = {};
  let audits = 0;
  const form = parsedForm("Seeded client");
  const span = 90 * DAY;
  const plan: SeededRequest[] = [];
  for (let k = 0; k < rows; k++) {
    const id = k + 1;
    const status = statusOf(k, rows);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const pending = status === "pending";
    const createdAt = pending ? now - DAY + Math.floor((k / rows) * DAY) : now - span + Math.floor((k / rows) * span);
    const decidedAt = pending ? null : createdAt + 3_600_000;
    const finished = status === "created" || status === "failed";
    const requester = requesterId(k);
    const row: NewRequestRow = {
      id,
      lastActor: requester,
      tenant: form.tenant,
      requesterId: requester,
      originChannelId: ORIGIN_CHANNEL,
      submissionKey: `VSEED${id}`,
      name: `Seeded client ${id}`,
      redirectUris: form.redirectUris,
      postLogoutRedirectUris: form.postLogoutRedirectUris,
      allowedCorsOrigins: form.allowedCorsOrigins,
      accessTokenLifetime: form.accessTokenLifetime,
      justification: form.justification,
      status: "pending",
      clientGuid: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
      createdClientId: status === "created" ? `00000000-0000-4000-8000-${String(id).padStart(12, "0")}` : null,
      approvalChannelId: APPROVAL_CHANNEL,
      approvalMessageTs: `${Math.floor(createdAt / 1000)}.${String(id).padStart(6, "0")}`,
      decidedBy: pending ? null : status === "cancelled" ? requester : APPROVER.id,
      decidedAt,
      decisionReason: status === "denied" ? "Use the shared dashboard client instead." : null,
      // One approval each, as REQUIRED_APPROVALS=1 records them; every column given, for PostgreSQL's unnest.
      requiredApprovals: 1,
      approvedBy: ["approved", "creating", "created", "failed"].includes(status) ? [APPROVER.id] : [],
      nameTakenBy: null,
      kind: "create",
      targetClientId: null,
      baseline: null,
      outcomeNote: null,
      lastError: status === "failed" ? { status: 400, error: "Invalid RedirectUris.", operationId: `op-${id}` } : null,
      attempts: finished ? 1 : 0,
      // Outcomes were told, so the app's resume sweep finds nothing to redo.
      outcomeNotifiedAt: finished ? (decidedAt ?? createdAt) + 5_000 : null,
      remindersSent: 0,
      // Pending ones are neither due for a reminder nor for expiry while the benchmark runs.
      nextReminderAt: pending ? now + 12 * 3_600_000 : null,
      expiresAt: pending ? now + 2 * DAY : createdAt + REQUEST_TTL_MS,
      createdAt,
      updatedAt: createdAt,
    };
    const moves: SeededRequest["moves"] = [];
    let at = createdAt;
    for (const [from, to] of trailOf(status)) {
      if (from !== null) {
        const actor = to === "created" || to === "failed" ? "system" : to === "cancelled" ? requester : APPROVER.id;
        moves.push({ to, actor, at });
      }
      at += 60_000;
      audits++;
    }
    plan.push({ row, moves, updatedAt: decidedAt ?? createdAt });
  }
  return {
    plan,
    summary: { requests: rows, auditEvents: audits, requesters: Math.min(rows, REQUESTER_POOL), byStatus },
  };
}

/**
 * Writes rows of a drizzle table with one prepared INSERT: the columns and their conversions
 * (JSON columns, say) come from the schema, the speed from better-sqlite3 itself.
 */
function rowWriter(sqlite: Database.Database, table: Table): (row: Record<string, unknown>) => void {
  const columns = getTableColumns(table) as Record<string, Column>;
  let keys: string[] = [];
  let statement: Database.Statement | undefined;
  return (row) => {
    if (!statement) {
      keys = Object.keys(row);
      const names = keys.map((k) => `"${columns[k]?.name ?? k}"`);
      statement = sqlite.prepare(
        `insert into "${getTableName(table)}" (${names.join(", ")}) values (${keys.map(() => "?").join(", ")})`,
      );
    }
    statement.run(
      keys.map((k) => {
        const value = row[k];
        return value === null || value === undefined ? null : (columns[k]?.mapToDriverValue(value) ?? value);
      }),
    );
  };
}

/**
 * Seeds `path` (created and migrated by the app's own openSqlite) with `rows` requests, one
 * prepared statement per write, in one transaction.
 */
export async function seedDatabase(path: string, rows: number, now = Date.now()): Promise<SeedSummary> {
  const started = performance.now();
  await openSqlite(path).close(); // the app's schema, through the app's own migrations
  const { plan, summary } = seedPlan(rows, now);
  const sqlite = new Database(path);
  try {
    const writeRequest = rowWriter(sqlite, requests);
    const move = sqlite.prepare("update requests set status = ?, last_actor = ?, updated_at = ? where id = ?");
    const stamp = sqlite.prepare("update requests set updated_at = ? where id = ?");
    sqlite
      .transaction(() => {
        for (const { row, moves, updatedAt } of plan) {
          writeRequest(row);
          for (const { to, actor, at } of moves) move.run(to, actor, at, row.id);
          stamp.run(updatedAt, row.id);
        }
      })
      .immediate();
  } finally {
    sqlite.close();
  }
  return { ...summary, ms: performance.now() - started };
}

/** Rows per INSERT on PostgreSQL: each column goes as one array parameter. */
const PG_BATCH = 10_000;

/**
 * Seeds the empty PostgreSQL database at `url` (migrated by the app's own openPostgres) with the
 * same requests as seedDatabase, set-wise: batches of rows through `unnest` of one array per
 * column, then each step of the trails as one UPDATE (the trigger writes an audit row per row
 * changed), then the sequence moved past the seeded ids and ANALYZE, as autovacuum would.
 */
export async function seedPostgres(url: string, rows: number, now = Date.now()): Promise<SeedSummary> {
  const started = performance.now();
  const config = { kind: "postgres", url, poolMax: 1, connectTimeoutMs: 10_000, statementTimeoutMs: 0 } as const;
  await (await openPostgres(config)).close(); // the app's schema, through the app's own migrations
  const { plan, summary } = seedPlan(rows, now);
  const columns = Object.entries(getTableColumns(pgSchema.requests) as Record<string, Column>);
  const arrayType = (column: Column) => (column.getSQLType() === "serial" ? "integer" : column.getSQLType());
  const insert = `insert into requests (${columns.map(([, c]) => `"${c.name}"`).join(", ")}) select * from unnest(${columns
    .map(([, c], i) => `$${i + 1}::${arrayType(c)}[]`)
    .join(", ")})`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("begin");
    for (let from = 0; from < plan.length; from += PG_BATCH) {
      const batch = plan.slice(from, from + PG_BATCH);
      const values = columns.map(([key, column]) =>
        batch.map(({ row }) => {
          const value = (row as Record<string, unknown>)[key];
          return value === null || value === undefined ? null : column.mapToDriverValue(value);
        }),
      );
      await client.query(insert, values);
    }
    const steps = plan.reduce((most, p) => Math.max(most, p.moves.length), 0);
    for (let step = 0; step < steps; step++) {
      const moving = plan.filter((p) => p.moves.length > step);
      await client.query(
        `update requests r set status = m.status, last_actor = m.actor, updated_at = m.moved_at
           from unnest($1::integer[], $2::text[], $3::text[], $4::bigint[]) as m(id, status, actor, moved_at)
          where r.id = m.id`,
        [
          moving.map((p) => p.row.id),
          moving.map((p) => p.moves[step]?.to),
          moving.map((p) => p.moves[step]?.actor),
          moving.map((p) => p.moves[step]?.at),
        ],
      );
    }
    await client.query(
      `update requests r set updated_at = m.updated_at
         from unnest($1::integer[], $2::bigint[]) as m(id, updated_at) where r.id = m.id`,
      [plan.map((p) => p.row.id), plan.map((p) => p.updatedAt)],
    );
    await client.query(
      "select setval(pg_get_serial_sequence('requests', 'id'), coalesce((select max(id) from requests), 0) + 1, false)",
    );
    await client.query("commit");
    await client.query("analyze");
  } finally {
    await client.end();
  }
  return { ...summary, ms: performance.now() - started };
}
