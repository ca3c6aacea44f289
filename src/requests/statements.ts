/**
 * The compiled SQL of the request repository's hot paths. Drizzle otherwise builds the SQL text
 * and SQLite compiles it on every call (bench/results.md; `npx tsx bench/repository.ts`).
 */
import { and, count, eq, exists, gt, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/connection.ts";
import { approvalPostRetries, auditEvents, type RequestRow, requesterMessages, requests } from "../db/schema.ts";

/** Columns a transition may change besides status and updatedAt. */
export type TransitionSet = Partial<Omit<RequestRow, "id" | "status" | "updatedAt">>;

const p = (name: string) => sql.placeholder(name);
/** A placeholder where drizzle's types want SQL (update sets); its value must come encoded. */
const raw = (name: string) => sql`${p(name)}`;

/**
 * The statements of every command, submission, approval and transition, built once per
 * connection: `get` 174 → 13 µs; all of a request's database work 2.0 → 0.9 ms.
 */
export function prepareHotStatements(db: Db) {
  return {
    byId: db
      .select()
      .from(requests)
      .where(eq(requests.id, p("id")))
      .prepare(),
    bySubmissionKey: db
      .select()
      .from(requests)
      .where(eq(requests.submissionKey, p("key")))
      .prepare(),
    statusOf: db
      .select({ status: requests.status })
      .from(requests)
      .where(eq(requests.id, p("id")))
      .prepare(),
    // The unary + keeps SQLite on requests_requester_idx (this requester's rows); without it SQLite
    // walks a status index through every pending request of everyone: ~1 ms per call with 10,000
    // pending instead of ~0.05 ms (bench/results.md).
    pendingCount: db
      .select({ n: count() })
      .from(requests)
      .where(and(eq(requests.requesterId, p("requester")), sql`+${requests.status} = 'pending'`))
      .prepare(),
    audit: db
      .insert(auditEvents)
      .values({
        requestId: p("requestId"),
        actor: p("actor"),
        fromStatus: p("fromStatus"),
        toStatus: p("toStatus"),
        detail: p("detail"),
        at: p("at"),
      })
      .prepare(),
    insertRequest: db
      .insert(requests)
      .values({
        tenant: p("tenant"),
        requesterId: p("requesterId"),
        originChannelId: p("originChannelId"),
        submissionKey: p("submissionKey"),
        name: p("name"),
        redirectUris: p("redirectUris"),
        postLogoutRedirectUris: p("postLogoutRedirectUris"),
        allowedCorsOrigins: p("allowedCorsOrigins"),
        accessTokenLifetime: p("accessTokenLifetime"),
        justification: p("justification"),
        status: "pending",
        clientGuid: p("clientGuid"),
        expiresAt: p("expiresAt"),
        nextReminderAt: p("nextReminderAt"),
        createdAt: p("now"),
        updatedAt: p("now"),
      })
      .returning()
      .prepare(),
    setApprovalMessage: db
      .update(requests)
      .set({ approvalChannelId: raw("channelId"), approvalMessageTs: raw("ts") })
      .where(and(eq(requests.id, p("id")), isNull(requests.approvalMessageTs)))
      .prepare(),
    setRequesterMessage: db
      .insert(requesterMessages)
      .values({ requestId: p("id"), channelId: p("channelId"), ts: p("ts") })
      .onConflictDoUpdate({ target: requesterMessages.requestId, set: { channelId: raw("channelId"), ts: raw("ts") } })
      .prepare(),
    requesterMessageOf: db
      .select({ channelId: requesterMessages.channelId, ts: requesterMessages.ts })
      .from(requesterMessages)
      .where(eq(requesterMessages.requestId, p("id")))
      .prepare(),
    claimOutcomeNotification: db
      .update(requests)
      .set({ outcomeNotifiedAt: raw("now") })
      .where(and(eq(requests.id, p("id")), isNull(requests.outcomeNotifiedAt)))
      .prepare(),
    raiseAttempts: db
      .update(requests)
      .set({ attempts: sql`${requests.attempts} + 1` })
      .where(eq(requests.id, p("id")))
      .prepare(),
    touch: db
      .update(requests)
      .set({ updatedAt: raw("now") })
      .where(eq(requests.id, p("id")))
      .prepare(),
    // Runs after every approval post. A correlated EXISTS looks up only the (few) retry rows'
    // requests; an IN (subquery) listed every pending request first: ~1.3 ms with 10,000
    // pending instead of ~0.1 ms (bench/results.md).
    makeApprovalPostsDue: db
      .update(approvalPostRetries)
      .set({ nextAttemptAt: raw("now") })
      .where(
        and(
          gt(approvalPostRetries.attempts, 0),
          gt(approvalPostRetries.nextAttemptAt, p("now")),
          exists(
            db
              .select({ one: sql`1` })
              .from(requests)
              .where(
                and(
                  eq(requests.id, approvalPostRetries.requestId),
                  eq(requests.status, "pending"),
                  isNull(requests.approvalMessageTs),
                ),
              ),
          ),
        ),
      )
      .prepare(),
  };
}

export type HotStatements = ReturnType<typeof prepareHotStatements>;

/**
 * UPDATE … SET <keys>, status, updated_at WHERE id AND status = the status read in the same
 * transaction, RETURNING the row: the conditional move at the heart of every transition.
 */
export function prepareTransitionUpdate(db: Db, keys: readonly (keyof TransitionSet)[]) {
  const set: Record<string, SQL> = { status: raw("to"), updatedAt: raw("now") };
  for (const key of keys) set[key] = raw(`set_${key}`);
  return db
    .update(requests)
    .set(set)
    .where(and(eq(requests.id, p("id")), eq(requests.status, p("from"))))
    .returning()
    .prepare();
}

export type TransitionUpdate = ReturnType<typeof prepareTransitionUpdate>;
