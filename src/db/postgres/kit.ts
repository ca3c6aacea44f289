import { count, getTableColumns, sql } from "drizzle-orm";
import type { NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { type Kit, preparedCache } from "../kit.ts";
import * as schema from "./schema.ts";

const { requests, auditEvents, approvalPostRetries, requesterMessages } = schema;
/** The request's columns the domain knows: the audit trigger's own columns stay in the database. */
const { lastActor: _actor, lastDetail: _detail, ...requestFields } = getTableColumns(requests);

/** The database or a transaction on it: both have the same query API. */
export type PostgresDrizzle = PgDatabase<NodePgQueryResultHKT, typeof schema>;

/** The Kit on PostgreSQL. Parallel to db/sqlite/kit.ts: the same starters, typed by this dialect's drizzle. */
export function postgresKit(db: PostgresDrizzle): Kit {
  return {
    dialect: "postgres",
    t: { requests, auditEvents, approvalPostRetries, requesterMessages },
    requests: () => db.select(requestFields).from(requests).$dynamic(),
    auditEvents: () => db.select().from(auditEvents).$dynamic(),
    approvalPostRetries: () => db.select().from(approvalPostRetries).$dynamic(),
    requesterMessages: () => db.select().from(requesterMessages).$dynamic(),
    countRequests: (where) => db.select({ n: count() }).from(requests).where(where),
    insertRequest: (row) =>
      db.insert(requests).values(row).onConflictDoNothing({ target: requests.submissionKey }).returning(requestFields),
    updateRequests: (set, where) => db.update(requests).set(set).where(where).returning(requestFields),
    upsertRequesterMessage: (row) =>
      db
        .insert(requesterMessages)
        .values(row)
        .onConflictDoUpdate({ target: requesterMessages.requestId, set: { channelId: row.channelId, ts: row.ts } })
        .returning({ requestId: requesterMessages.requestId }),
    upsertApprovalPostRetry: (row, update, updateWhere) =>
      db
        .insert(approvalPostRetries)
        .values(row)
        .onConflictDoUpdate({ target: approvalPostRetries.requestId, set: update, setWhere: updateWhere })
        .returning(),
    updateApprovalPostRetries: (set, where) =>
      db.update(approvalPostRetries).set(set).where(where).returning({ requestId: approvalPostRetries.requestId }),
    jsonAppend: (column, value) => sql`${column} || jsonb_build_array(${value}::text)`,
    jsonHas: (column, value) => sql`${column} @> jsonb_build_array(${value}::text)`,
    jsonLength: (column) => sql`jsonb_array_length(${column})`,
    prepared: preparedCache(),
    // A transaction holding an advisory lock on the key: replicas take turns, and the statements
    // inside see what the previous holder committed.
    exclusively: (key, work) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
        return work(postgresKit(tx));
      }),
  };
}
