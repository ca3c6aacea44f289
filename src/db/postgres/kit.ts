import { count, getTableColumns, sql } from "drizzle-orm";
import { drizzle, type NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type pg from "pg";
import { type Kit, preparedCache } from "../kit.ts";
import * as schema from "./schema.ts";

const { requests, auditEvents, approvalPostRetries, requesterMessages } = schema;
/** The request's columns the domain knows: the audit trigger's own columns stay in the database. */
const { lastActor: _actor, lastDetail: _detail, ...requestFields } = getTableColumns(requests);

/** The database or a transaction on it: both have the same query API. */
export type PostgresDrizzle = PgDatabase<NodePgQueryResultHKT, typeof schema>;

/**
 * The Kit on PostgreSQL. Parallel to db/sqlite/kit.ts: the same starters, typed by this dialect's
 * drizzle. With the pool `db` runs on, `exclusively` runs its work on a connection of its own.
 */
export function postgresKit(db: PostgresDrizzle, pool?: pg.Pool): Kit {
  // The kit of each pooled connection, kept with it: statements prepared on a connection are reused
  // by every `exclusively` that gets it again, instead of being built anew in each transaction.
  const connectionKits = new WeakMap<pg.PoolClient, Kit>();
  const kit: Kit = {
    dialect: "postgres",
    t: { requests, auditEvents, approvalPostRetries, requesterMessages },
    requests: () => db.select(requestFields).from(requests).$dynamic(),
    auditEvents: () => db.select().from(auditEvents).$dynamic(),
    approvalPostRetries: () => db.select().from(approvalPostRetries).$dynamic(),
    requesterMessages: () => db.select().from(requesterMessages).$dynamic(),
    countRequests: (where) => db.select({ n: count() }).from(requests).where(where),
    submissionChecks: (counted, submissionKey) =>
      db
        .select({
          counted: count(),
          // The subquery's own "requests" is the one its columns name (the innermost).
          earlier: sql<
            number | null
          >`(select ${requests.id} from ${requests} where ${requests.submissionKey} = ${submissionKey})`,
        })
        .from(requests)
        .where(counted),
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
    exclusively: async (key, work) => {
      if (!pool) {
        return db.transaction(async (tx) => {
          await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
          return work(postgresKit(tx));
        });
      }
      const client = await pool.connect();
      let own = connectionKits.get(client);
      if (!own) {
        own = postgresKit(drizzle({ client, schema }));
        connectionKits.set(client, own);
      }
      let broken: Error | undefined;
      try {
        // BEGIN and the lock in one round trip: a simple query, so the key goes in as a literal.
        await client.query(`begin; select pg_advisory_xact_lock(hashtext(${client.escapeLiteral(key)}))`);
        const result = await work(own);
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch((failed: unknown) => {
          broken = failed instanceof Error ? failed : new Error(String(failed));
        });
        throw error;
      } finally {
        // A connection that could not even roll back is dropped, not handed to the next caller.
        client.release(broken);
      }
    },
  };
  return kit;
}
