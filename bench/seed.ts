/**
 * Fills a fresh SQLite file with `rows` requests (and their audit trails) before our app starts,
 * so the benchmark shows whether a grown database slows the hot paths.
 */
import Database from "better-sqlite3";
import { type Column, getTableColumns, getTableName, type Table } from "drizzle-orm";
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
 * Seeds `path` (created and migrated by the app's own openSqlite) with `rows` requests. Each is
 * written as recorded and then moved along its trail, so the database's audit trigger writes the
 * audit rows as it does for the app.
 */
export async function seedDatabase(path: string, rows: number, now = Date.now()): Promise<SeedSummary> {
  const started = performance.now();
  await openSqlite(path).close(); // the app's schema, through the app's own migrations
  const sqlite = new Database(path);
  const byStatus: Partial<Record<RequestStatus, number>> = {};
  let audits = 0;
  try {
    const form = parsedForm("Seeded client");
    const span = 90 * DAY;
    const writeRequest = rowWriter(sqlite, requests);
    const move = sqlite.prepare("update requests set status = ?, last_actor = ?, updated_at = ? where id = ?");
    const stamp = sqlite.prepare("update requests set updated_at = ? where id = ?");
    sqlite
      .transaction(() => {
        for (let k = 0; k < rows; k++) {
          const id = k + 1;
          const status = statusOf(k, rows);
          byStatus[status] = (byStatus[status] ?? 0) + 1;
          const pending = status === "pending";
          const createdAt = pending
            ? now - DAY + Math.floor((k / rows) * DAY)
            : now - span + Math.floor((k / rows) * span);
          const decidedAt = pending ? null : createdAt + 3_600_000;
          const finished = status === "created" || status === "failed";
          const requester = requesterId(k);
          const request: NewRequestRow = {
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
            lastError:
              status === "failed" ? { status: 400, error: "Invalid RedirectUris.", operationId: `op-${id}` } : null,
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
          writeRequest(request);
          let at = createdAt;
          for (const [from, to] of trailOf(status)) {
            if (from !== null) {
              const actor =
                to === "created" || to === "failed" ? "system" : to === "cancelled" ? requester : APPROVER.id;
              move.run(to, actor, at, id);
            }
            at += 60_000;
            audits++;
          }
          stamp.run(decidedAt ?? createdAt, id);
        }
      })
      .immediate();
  } finally {
    sqlite.close();
  }
  return {
    requests: rows,
    auditEvents: audits,
    requesters: Math.min(rows, REQUESTER_POOL),
    byStatus,
    ms: performance.now() - started,
  };
}
