import { randomUUID } from "node:crypto";
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/connection.ts";
import { type AuditRow, auditEvents, type RequestRow, type RequestStatus, requests } from "../db/schema.ts";
import type { RequestForm } from "./form.ts";
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
  set?: Partial<Omit<RequestRow, "id" | "status">>;
  /** Extra condition the row must meet, checked in the same UPDATE. */
  where?: SQL | undefined;
}

/** Every read and write of requests and their audit trail. Status changes are conditional UPDATEs. */
export class RequestRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a submission once: a repeated submission of the same modal returns the first row. */
  record(
    input: NewRequest,
    ttlMs: number,
    firstReminderMs: number | undefined,
  ): { request: Request; created: boolean } {
    return this.db.transaction(
      (tx) => {
        const existing = tx.select().from(requests).where(eq(requests.submissionKey, input.submissionKey)).get();
        if (existing) return { request: existing, created: false };
        const now = this.now();
        const { form } = input;
        const request = tx
          .insert(requests)
          .values({
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
            status: "pending",
            clientGuid: randomUUID(),
            expiresAt: now + ttlMs,
            nextReminderAt: firstReminderMs === undefined ? null : now + firstReminderMs,
            createdAt: now,
            updatedAt: now,
          })
          .returning()
          .get();
        tx.insert(auditEvents)
          .values({ requestId: request.id, actor: input.requesterId, fromStatus: null, toStatus: "pending", at: now })
          .run();
        return { request, created: true };
      },
      { behavior: "immediate" },
    );
  }

  get(id: number): Request | undefined {
    return this.db.select().from(requests).where(eq(requests.id, id)).get();
  }

  /**
   * Moves a request from one of `from` to `to` in one conditional UPDATE and appends the audit
   * row. Returns the updated request, or undefined when the request was not in an expected state
   * (someone else moved it first).
   */
  transition(input: TransitionInput): Request | undefined {
    const allowed = input.from.filter((f) => canTransition(f, input.to));
    if (allowed.length === 0) throw new Error(`No transition from ${input.from.join("/")} to ${input.to}`);
    return this.db.transaction(
      (tx) => {
        const before = tx.select({ status: requests.status }).from(requests).where(eq(requests.id, input.id)).get();
        if (!before || !allowed.includes(before.status)) return undefined;
        const now = this.now();
        const updated = tx
          .update(requests)
          .set({ ...input.set, status: input.to, updatedAt: now })
          .where(and(eq(requests.id, input.id), eq(requests.status, before.status), input.where))
          .returning()
          .get();
        if (!updated) return undefined;
        tx.insert(auditEvents)
          .values({
            requestId: input.id,
            actor: input.actor,
            fromStatus: before.status,
            toStatus: input.to,
            detail: input.detail ?? null,
            at: now,
          })
          .run();
        return updated;
      },
      { behavior: "immediate" },
    );
  }

  setApprovalMessage(id: number, channelId: string, ts: string): void {
    this.db
      .update(requests)
      .set({ approvalChannelId: channelId, approvalMessageTs: ts })
      .where(and(eq(requests.id, id), isNull(requests.approvalMessageTs)))
      .run();
  }

  /** Marks the final outcome as told; true for exactly one caller. */
  claimOutcomeNotification(id: number): boolean {
    const result = this.db
      .update(requests)
      .set({ outcomeNotifiedAt: this.now() })
      .where(and(eq(requests.id, id), isNull(requests.outcomeNotifiedAt)))
      .run();
    return result.changes === 1;
  }

  /** Takes the reminder that is due; true for exactly one caller, so two ticks never both send. */
  claimReminder(request: Request, intervalMs: number, maxReminders: number): boolean {
    if (request.nextReminderAt === null) return false;
    const sent = request.remindersSent + 1;
    const next = sent >= maxReminders ? null : request.nextReminderAt + intervalMs;
    const result = this.db
      .update(requests)
      .set({ remindersSent: sent, nextReminderAt: next === null ? null : Math.max(next, this.now() + 1) })
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

  countPendingBy(requesterId: string): number {
    const row = this.db
      .select({ n: count() })
      .from(requests)
      .where(and(eq(requests.requesterId, requesterId), eq(requests.status, "pending")))
      .get();
    return row?.n ?? 0;
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

  /** Pending requests whose approval message never reached Slack. */
  listUnposted(limit = 50): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(and(eq(requests.status, "pending"), isNull(requests.approvalMessageTs)))
      .orderBy(asc(requests.id))
      .limit(limit)
      .all();
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

  raiseAttempts(id: number): void {
    this.db
      .update(requests)
      .set({ attempts: sql`${requests.attempts} + 1` })
      .where(eq(requests.id, id))
      .run();
  }

  /** Stamps the row so a later sweep can tell a live creation from an abandoned one. */
  touch(id: number): void {
    this.db.update(requests).set({ updatedAt: this.now() }).where(eq(requests.id, id)).run();
  }

  staleCreating(before: number): Request[] {
    return this.db
      .select()
      .from(requests)
      .where(and(eq(requests.status, "creating"), lt(requests.updatedAt, before)))
      .all();
  }
}
