import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, sql } from "drizzle-orm";
import type { MessageRef, NewRequest, RecordResult, RequestStore, TransitionInput } from "../../requests/ports.ts";
import type { Request } from "../../requests/request.ts";
import { canTransition } from "../../requests/states.ts";
import { allOf, type Kit } from "../kit.ts";

/** The request lifecycle on either database: every state change is one conditional UPDATE. */
export class KitRequestStore implements RequestStore {
  constructor(
    private readonly kit: Kit,
    readonly shared: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  private get t() {
    return this.kit.t.requests;
  }

  record(input: NewRequest): Promise<RecordResult> {
    const t = this.t;
    // One requester's submissions one at a time, so two at once cannot both pass the pending limit.
    return this.kit.exclusively(`requester:${input.requesterId}`, async (kit) => {
      const bySubmission = () => kit.requests().where(eq(t.submissionKey, input.submissionKey)).limit(1);
      const [earlier] = await bySubmission();
      if (earlier) return { kind: "duplicate", request: earlier };
      const pending = await kit.countRequests(and(eq(t.requesterId, input.requesterId), eq(t.status, "pending")));
      if (pending >= input.maxPending) return { kind: "limit", pending };
      const now = this.now();
      const { form } = input;
      const request = await kit.insertRequest({
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
        createdClientId: null,
        approvalChannelId: null,
        approvalMessageTs: null,
        decidedBy: null,
        decidedAt: null,
        decisionReason: null,
        lastError: null,
        attempts: 0,
        outcomeNotifiedAt: null,
        remindersSent: 0,
        nextReminderAt: input.nextReminderAt,
        expiresAt: input.expiresAt,
        createdAt: now,
        updatedAt: now,
        lastActor: input.requesterId,
        lastDetail: null,
      });
      if (request) return { kind: "recorded", request };
      // Recorded meanwhile by another process, through another key lock (a replica, the same view).
      const [winner] = await bySubmission();
      if (!winner) throw new Error("The request was neither recorded nor found");
      return { kind: "duplicate", request: winner };
    });
  }

  async get(id: number): Promise<Request | undefined> {
    const [request] = await this.kit.requests().where(eq(this.t.id, id)).limit(1);
    return request;
  }

  countPendingBy(requesterId: string): Promise<number> {
    return this.kit.countRequests(and(eq(this.t.requesterId, requesterId), eq(this.t.status, "pending")));
  }

  async transition(input: TransitionInput): Promise<Request | undefined> {
    if (!canTransition(input.from, input.to)) throw new Error(`No transition from ${input.from} to ${input.to}`);
    const t = this.t;
    const [moved] = await this.kit.updateRequests(
      {
        ...input.set,
        status: input.to,
        updatedAt: this.now(),
        lastActor: input.actor,
        lastDetail: input.detail ?? null,
      },
      allOf(
        eq(t.id, input.id),
        eq(t.status, input.from),
        input.leaseEndedBefore === undefined ? undefined : lt(t.updatedAt, input.leaseEndedBefore),
      ),
    );
    return moved;
  }

  async setApprovalMessage(id: number, ref: MessageRef): Promise<void> {
    const t = this.t;
    await this.kit.updateRequests(
      { approvalChannelId: ref.channelId, approvalMessageTs: ref.ts },
      allOf(eq(t.id, id), isNull(t.approvalMessageTs)),
    );
  }

  setRequesterMessage(id: number, ref: MessageRef): Promise<void> {
    return this.kit.upsertRequesterMessage({ requestId: id, channelId: ref.channelId, ts: ref.ts });
  }

  async requesterMessageOf(id: number): Promise<MessageRef | undefined> {
    const [row] = await this.kit.requesterMessages().where(eq(this.kit.t.requesterMessages.requestId, id)).limit(1);
    return row ? { channelId: row.channelId, ts: row.ts } : undefined;
  }

  async claimOutcomeNotification(id: number): Promise<boolean> {
    const t = this.t;
    const claimed = await this.kit.updateRequests(
      { outcomeNotifiedAt: this.now() },
      allOf(eq(t.id, id), isNull(t.outcomeNotifiedAt)),
    );
    return claimed.length === 1;
  }

  async claimReminder(request: Request, next: number | null): Promise<boolean> {
    if (request.nextReminderAt === null) return false;
    const t = this.t;
    const claimed = await this.kit.updateRequests(
      { remindersSent: sql`${t.remindersSent} + 1`, nextReminderAt: next },
      allOf(eq(t.id, request.id), eq(t.status, "pending"), eq(t.nextReminderAt, request.nextReminderAt)),
    );
    return claimed.length === 1;
  }

  async countAttempt(id: number): Promise<void> {
    await this.kit.updateRequests({ attempts: sql`${this.t.attempts} + 1`, updatedAt: this.now() }, eq(this.t.id, id));
  }

  async renewLease(id: number): Promise<void> {
    const t = this.t;
    await this.kit.updateRequests(
      { updatedAt: this.now() },
      allOf(eq(t.id, id), eq(t.status, "creating")),
    );
  }

  async listCreationsToResume(leaseEndedBefore: number): Promise<Request[]> {
    const t = this.t;
    return this.kit
      .requests()
      .where(
        and(inArray(t.status, ["approved", "creating"]), lt(t.updatedAt, leaseEndedBefore)),
      )
      .orderBy(asc(t.id))
      .limit(100);
  }

  async listUntoldOutcomes(before: number, limit: number): Promise<Request[]> {
    const t = this.t;
    return this.kit
      .requests()
      .where(and(isNull(t.outcomeNotifiedAt), inArray(t.status, ["created", "failed"]), lt(t.updatedAt, before)))
      .orderBy(asc(t.id))
      .limit(limit);
  }

  async listDueForExpiry(now: number, limit: number): Promise<Request[]> {
    const t = this.t;
    return this.kit
      .requests()
      .where(and(eq(t.status, "pending"), lte(t.expiresAt, now)))
      .orderBy(asc(t.expiresAt))
      .limit(limit);
  }

  async listDueForReminder(now: number, limit: number): Promise<Request[]> {
    const t = this.t;
    return this.kit
      .requests()
      .where(and(eq(t.status, "pending"), isNotNull(t.nextReminderAt), lte(t.nextReminderAt, now)))
      .orderBy(asc(t.nextReminderAt))
      .limit(limit);
  }
}
