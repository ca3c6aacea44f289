import { count, getTableColumns, sql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { type Kit, preparedCache } from "../kit.ts";
import * as schema from "./schema.ts";

const { requests, auditEvents, approvalPostRetries, requesterMessages } = schema;
/** The request's columns the domain knows: the audit trigger's own columns stay in the database. */
const { lastActor: _actor, lastDetail: _detail, ...requestFields } = getTableColumns(requests);

/** The Kit on SQLite. Parallel to db/postgres/kit.ts: the same starters, typed by this dialect's drizzle. */
export function sqliteKit(db: BetterSQLite3Database<typeof schema>): Kit {
  // SQLite runs one statement at a time, but an `exclusively` spans several awaits: queue them.
  let queue: Promise<unknown> = Promise.resolve();
  const kit: Kit = {
    dialect: "sqlite",
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
    jsonAppend: (column, value) => sql`json_insert(${column}, '$[#]', ${value})`,
    jsonHas: (column, value) => sql`exists (select 1 from json_each(${column}) where json_each.value = ${value})`,
    jsonLength: (column) => sql`json_array_length(${column})`,
    prepared: preparedCache(),
    exclusively: <T>(_key: string, work: (kit: Kit) => Promise<T>): Promise<T> => {
      const run = queue.then(() => work(kit));
      queue = run.catch(() => undefined);
      return run;
    },
  };
  return kit;
}
