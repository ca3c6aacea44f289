import { randomUUID } from "node:crypto";
import {
  and,
  asc,
  type Column,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
  or,
  type SQL,
} from "drizzle-orm";
import type { Db } from "../db/connection.ts";
import {
  type ApprovalPostRetry,
  type AuditRow,
  approvalPostRetries,
  auditEvents,
  type RequestRow,
  type RequestStatus,
  requests,
} from "../db/schema.ts";
import type { RequestForm } from "./form.ts";
import {
  type HotStatements,
  prepareHotStatements,
  prepareTransitionUpdate,
  type TransitionSet,
  type TransitionUpdate,
} from "./statements.ts";
import { canTransition } from "./states.ts";

export type Request = RequestRow;

export interface NewRequest {
  form: RequestForm;
  requesterId: string;
  originChannelId: string | undefined;
  submissionKey: string;
}

export interface TransitionInput {
  id: number;
  from: readonly RequestStatus[];
  to: RequestStatus;
  actor: string;
  detail?: string | undefined;
  set?: TransitionSet;
}

export type { TransitionSet } from "./statements.ts";

/** Where a page of "my requests" starts: older than `before`, or newer than `after`; neither = newest. */
export interface PageCursor {
  before?: number | undefined;
  after?: number | undefined;
}

export interface RequestPage {
  rows: Request[];
  hasNewer: boolean;
  hasOlder: boolean;
}

/**
 * When the reminder after this one falls due: one interval after the last due time, skipping
 * intervals that passed while the bot was stopped (one reminder, not a burst), and never at or
 * after expiry. Null when no reminder is left.
 */
export function nextReminderAfter(
  request: Pick<Request, "nextReminderAt" | "expiresAt">,
  now: number,
  intervalMs: number,
  anotherAllowed: boolean,
): number | null {
  if (!anotherAllowed || request.nextReminderAt === null) return null;
  let next = request.nextReminderAt + intervalMs;
  if (next <= now) next += Math.ceil((now - next + 1) / intervalMs) * intervalMs;
  return next < request.expiresAt ? next : null;
}

/** Every read and write of requests and their audit trail. Status changes are conditional UPDATEs. */
export class RequestRepository {
  private readonly q: HotStatements;
  /** One compiled UPDATE per shape of `set` (a handful: one per kind of transition). */
  private readonly transitionUpdates = new Map<string, TransitionUpdate>();
  /** Runs a function in a BEGIN IMMEDIATE transaction; built once, not on every call. */
  private readonly immediately: <T>(work: () => T) => T;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.q = prepareHotStatements(db);
    const inTransaction = db.$client.transaction((work: () => unknown) => work());
    this.immediately = <T>(work: () => T) => inTransaction.immediate(work) as T;
  }

  /** Records a submission once: a repeated submission of the same modal returns the first row. */
  record(
    input: NewRequest,
    ttlMs: number,
    firstReminderMs: number | undefined,
  ): { request: Request; created: boolean } {
    return this.immediately(() => {
      const existing = this.q.bySubmissionKey.get({ key: input.submissionKey });
      if (existing) return { request: existing, created: false };
      const now = this.now();
      const { form } = input;
      const request = this.q.insertRequest.get({
        tenant: form.tenant,
        requesterId: input.requesterId,
        originChannelId: input.originChannelId ?? null,
        submissionKey: input.submissionKey,
        name: form.name,
        redirectUris: form.redirectUris,
        postLogoutRedirectUris: form.postLogoutRedirectUris,
        allowedCorsOrigins: form.allowedCorsOrigins,
        accessTokenLifetime: form.accessTokenLifetime,
        justification: form.justification,
        clientGuid: randomUUID(),
        expiresAt: now + ttlMs,
        nextReminderAt: firstReminderMs === undefined ? null : now + firstReminderMs,
        now,
      });
      if (!request) throw new Error("The new request was not returned by the database");
      this.q.audit.run({
        requestId: request.id,
        actor: input.requesterId,
        fromStatus: null,
        toStatus: "pending",
        detail: null,
        at: now,
      });
      return { request, created: true };
    });
  }

  findBySubmissionKey(submissionKey: string): Request | undefined {
    return this.q.bySubmissionKey.get({ key: submissionKey });
  }

  get(id: number): Request | undefined {
    return this.q.byId.get({ id });
  }

  /**
   * Moves a request from one of `from` to `to` in one conditional UPDATE and appends the audit
   * row. Returns the updated request, or undefined when the request was not in an expected state
   * (someone else moved it first).
   */
  transition(input: TransitionInput): Request | undefined {
    const allowed = input.from.filter((f) => canTransition(f, input.to));
    if (allowed.length === 0) throw new Error(`No transition from ${input.from.join("/")} to ${input.to}`);
    return this.immediately(() => {
      const before = this.q.statusOf.get({ id: input.id });
      if (!before || !allowed.includes(before.status)) return undefined;
      const now = this.now();
      const { statement, values } = this.transitionUpdate(input.set ?? {});
      const updated = statement.get({ ...values, id: input.id, from: before.status, to: input.to, now });
      if (!updated) return undefined;
      this.q.audit.run({
        requestId: input.id,
        actor: input.actor,
        fromStatus: before.status,
        toStatus: input.to,
        detail: input.detail ?? null,
        at: now,
      });
      return updated;
    });
  }

  /** The compiled UPDATE for this shape of `set`, and its values as the columns store them. */
  private transitionUpdate(set: TransitionSet): { statement: TransitionUpdate; values: Record<string, unknown> } {
    const keys = (Object.keys(set) as (keyof TransitionSet)[]).filter((key) => set[key] !== undefined).sort();
    const shape = keys.join(",");
    let statement = this.transitionUpdates.get(shape);
    if (!statement) {
      statement = prepareTransitionUpdate(this.db, keys);
      this.transitionUpdates.set(shape, statement);
    }
    const values: Record<string, unknown> = {};
    for (const key of keys) {
      const value = set[key];
      const column: Column = requests[key];
      // Encoded here, as drizzle does for non-prepared values (JSON columns); null stays NULL.
      values[`set_${key}`] = value === null ? null : column.mapToDriverValue(value);
    }
    return { statement, values };
  }

  /** Remembers the requester's DM with the Cancel button (the latest one), so it can be edited later. */
  setRequesterMessage(id: number, channelId: string, ts: string): void {
    this.q.setRequesterMessage.run({ id, channelId, ts });
  }

  requesterMessageOf(id: number): { channelId: string; ts: string } | undefined {
    return this.q.requesterMessageOf.get({ id });
  }

  setApprovalMessage(id: number, channelId: string, ts: string): void {
    this.q.setApprovalMessage.run({ id, channelId, ts });
  }

  /** Marks the final outcome as told; true for exactly one caller. */
  claimOutcomeNotification(id: number): boolean {
    return this.q.claimOutcomeNotification.run({ id, now: this.now() }).changes === 1;
  }

  /** Takes the reminder that is due; true for exactly one caller, so two ticks never both send. */
  claimReminder(request: Request, intervalMs: number, maxReminders: number): boolean {
    if (request.nextReminderAt === null) return false;
    const sent = request.remindersSent + 1;
    const next = nextReminderAfter(request, this.now(), intervalMs, sent < maxReminders);
    const result = this.db
      .update(requests)
      .set({ remindersSent: sent, nextReminderAt: next })
      .where(
        and(
          eq(requests.id, request.id),
          eq(requests.status, "pending"),
          eq(requests.nextReminderAt, request.nextReminderAt),
        ),
      )
      .run();
    return result.changes === 1;
  }

  /** On every command and submission. */
  countPendingBy(requesterId: string): number {
    return this.q.pendingCount.get({ requester: requesterId })?.n ?? 0;
  }

  listByRequester(requesterId: string, limit: number, offset = 0): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(eq(requests.requesterId, requesterId))
      .orderBy(desc(requests.id))
      .limit(limit)
      .offset(offset)
      .all();
  }

  countByRequester(requesterId: string): number {
    return this.db.select({ n: count() }).from(requests).where(eq(requests.requesterId, requesterId)).get()?.n ?? 0;
  }

  listPending(limit: number, offset = 0): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(eq(requests.status, "pending"))
      .orderBy(desc(requests.id))
      .limit(limit)
      .offset(offset)
      .all();
  }

  /**
   * One page of a requester's requests, newest first, by keyset on (requester_id, id): as fast on
   * the hundredth page as on the first. `before` pages to older requests, `after` to newer ones.
   */
  pageByRequester(requesterId: string, cursor: PageCursor, size: number): RequestPage {
    const mine = eq(requests.requesterId, requesterId);
    let rows: Request[];
    if (cursor.after !== undefined) {
      rows = this.db
        .select()
        .from(requests)
        .where(and(mine, gt(requests.id, cursor.after)))
        .orderBy(asc(requests.id))
        .limit(size + 1)
        .all();
      const hasNewer = rows.length > size;
      rows = rows.slice(0, size).reverse();
      const last = rows.at(-1);
      if (!last) return this.pageByRequester(requesterId, {}, size);
      return { rows, hasNewer, hasOlder: this.existsMine(requesterId, lt(requests.id, last.id)) };
    }
    rows = this.db
      .select()
      .from(requests)
      .where(and(mine, cursor.before === undefined ? undefined : lt(requests.id, cursor.before)))
      .orderBy(desc(requests.id))
      .limit(size + 1)
      .all();
    const hasOlder = rows.length > size;
    rows = rows.slice(0, size);
    const first = rows[0];
    if (!first) {
      // A cursor past the end (nothing older any more): show the newest page instead.
      if (cursor.before === undefined) return { rows, hasNewer: false, hasOlder: false };
      return this.pageByRequester(requesterId, {}, size);
    }
    return {
      rows,
      hasOlder,
      hasNewer: cursor.before !== undefined && this.existsMine(requesterId, gt(requests.id, first.id)),
    };
  }

  private existsMine(requesterId: string, condition: SQL): boolean {
    return (
      this.db
        .select({ id: requests.id })
        .from(requests)
        .where(and(eq(requests.requesterId, requesterId), condition))
        .limit(1)
        .get() !== undefined
    );
  }

  /** Pending requests someone other than their requester may decide on, oldest (closest to expiry) first. */
  listPendingNotBy(excludedRequesterId: string | undefined, limit: number): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(
        and(
          eq(requests.status, "pending"),
          excludedRequesterId === undefined ? undefined : ne(requests.requesterId, excludedRequesterId),
        ),
      )
      .orderBy(asc(requests.id))
      .limit(limit)
      .all();
  }

  countPendingNotBy(excludedRequesterId: string | undefined): number {
    return (
      this.db
        .select({ n: count() })
        .from(requests)
        .where(
          and(
            eq(requests.status, "pending"),
            excludedRequesterId === undefined ? undefined : ne(requests.requesterId, excludedRequesterId),
          ),
        )
        .get()?.n ?? 0
    );
  }

  countPending(): number {
    return this.db.select({ n: count() }).from(requests).where(eq(requests.status, "pending")).get()?.n ?? 0;
  }

  /** Requests whose creation was under way or about to start. */
  listInCreation(): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(inArray(requests.status, ["approved", "creating"]))
      .orderBy(asc(requests.id))
      .all();
  }

  /**
   * Pending requests whose approval message has not reached Slack and are due for a try: after a
   * failed post once its backoff has passed; never tried, once recorded before `untriedBefore`
   * (a request recorded just now is being posted by its own submission).
   */
  listUnposted(now: number, untriedBefore: number, limit = 50): Request[] {
    return this.db
      .select()
      .from(requests)
      .leftJoin(approvalPostRetries, eq(approvalPostRetries.requestId, requests.id))
      .where(
        and(
          eq(requests.status, "pending"),
          isNull(requests.approvalMessageTs),
          or(
            lte(approvalPostRetries.nextAttemptAt, now),
            and(isNull(approvalPostRetries.requestId), lt(requests.createdAt, untriedBefore)),
          ),
        ),
      )
      .orderBy(asc(requests.id))
      .limit(limit)
      .all()
      .map((row) => row.requests);
  }

  /** Takes the next approval post of a request for `until`; true for exactly one caller. */
  claimApprovalPost(id: number, now: number, until: number): boolean {
    const result = this.db
      .insert(approvalPostRetries)
      .values({ requestId: id, attempts: 0, nextAttemptAt: until })
      .onConflictDoUpdate({
        target: approvalPostRetries.requestId,
        set: { nextAttemptAt: until },
        setWhere: lte(approvalPostRetries.nextAttemptAt, now),
      })
      .run();
    return result.changes === 1;
  }

  /** Counts a failed approval post and sets when to try again; returns the failures so far. */
  deferApprovalPost(
    id: number,
    now: number,
    error: string,
    backoffMs: (attempts: number) => number,
  ): ApprovalPostRetry {
    return this.db.transaction(
      (tx) => {
        const before = tx.select().from(approvalPostRetries).where(eq(approvalPostRetries.requestId, id)).get();
        const attempts = (before?.attempts ?? 0) + 1;
        const values = { attempts, nextAttemptAt: now + backoffMs(attempts), lastError: error.slice(0, 500) };
        return tx
          .insert(approvalPostRetries)
          .values({ requestId: id, ...values })
          .onConflictDoUpdate({ target: approvalPostRetries.requestId, set: values })
          .returning()
          .get();
      },
      { behavior: "immediate" },
    );
  }

  /** Marks that the requester was told the request waits to be posted; true for exactly one caller. */
  claimUnpostedNotice(id: number, now: number): boolean {
    const result = this.db
      .update(approvalPostRetries)
      .set({ requesterToldAt: now })
      .where(and(eq(approvalPostRetries.requestId, id), isNull(approvalPostRetries.requesterToldAt)))
      .run();
    return result.changes === 1;
  }

  /** Ends the backoff of every request still waiting to be posted (the channel works again, or the bot restarted). */
  makeApprovalPostsDue(now: number): number {
    return this.q.makeApprovalPostsDue.run({ now }).changes;
  }

  approvalPostRetryOf(id: number): ApprovalPostRetry | undefined {
    return this.db.select().from(approvalPostRetries).where(eq(approvalPostRetries.requestId, id)).get();
  }

  /** Requests with a final outcome (created or failed) that the requester has not been told. */
  listUntoldOutcomes(limit = 50): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(and(inArray(requests.status, ["created", "failed"]), isNull(requests.outcomeNotifiedAt)))
      .orderBy(asc(requests.id))
      .limit(limit)
      .all();
  }

  listDueForExpiry(now: number, limit = 100): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(and(eq(requests.status, "pending"), lte(requests.expiresAt, now)))
      .orderBy(asc(requests.expiresAt))
      .limit(limit)
      .all();
  }

  listDueForReminder(now: number, limit = 100): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(and(eq(requests.status, "pending"), isNotNull(requests.nextReminderAt), lte(requests.nextReminderAt, now)))
      .orderBy(asc(requests.nextReminderAt))
      .limit(limit)
      .all();
  }

  auditOf(id: number): AuditRow[] {
    return this.db.select().from(auditEvents).where(eq(auditEvents.requestId, id)).orderBy(asc(auditEvents.id)).all();
  }

  /** Everything since a time, for the audit export. */
  exportSince(since: number | undefined): { requests: Request[]; events: AuditRow[] } {
    const sinceRequests =
      since === undefined ? undefined : or(gte(requests.updatedAt, since), gte(requests.createdAt, since));
    return {
      requests: this.db.select().from(requests).where(sinceRequests).orderBy(asc(requests.id)).all(),
      events: this.db
        .select()
        .from(auditEvents)
        .where(since === undefined ? undefined : gte(auditEvents.at, since))
        .orderBy(asc(auditEvents.id))
        .all(),
    };
  }

  /**
   * One batch of the audit export: requests with id above `afterId` touched since `since`, and
   * their transitions since `since`. Batches keep memory flat however large the table is.
   */
  exportBatch(since: number | undefined, afterId: number, limit: number): { requests: Request[]; events: AuditRow[] } {
    const touched =
      since === undefined ? undefined : or(gte(requests.updatedAt, since), gte(requests.createdAt, since));
    const batch = this.db
      .select()
      .from(requests)
      .where(and(gt(requests.id, afterId), touched))
      .orderBy(asc(requests.id))
      .limit(limit)
      .all();
    if (batch.length === 0) return { requests: batch, events: [] };
    const events = this.db
      .select()
      .from(auditEvents)
      .where(
        and(
          inArray(
            auditEvents.requestId,
            batch.map((r) => r.id),
          ),
          since === undefined ? undefined : gte(auditEvents.at, since),
        ),
      )
      .orderBy(asc(auditEvents.requestId), asc(auditEvents.id))
      .all();
    return { requests: batch, events };
  }

  raiseAttempts(id: number): void {
    this.q.raiseAttempts.run({ id });
  }

  /** Stamps the row so a later sweep can tell a live creation from an abandoned one. */
  touch(id: number): void {
    this.q.touch.run({ id, now: this.now() });
  }

  staleCreating(before: number): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(and(eq(requests.status, "creating"), lt(requests.updatedAt, before)))
      .all();
  }
}
