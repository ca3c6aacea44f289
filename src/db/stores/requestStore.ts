import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, not, sql } from "drizzle-orm";
import type {
  ApprovalInput,
  MessageRef,
  NewRequest,
  RecordResult,
  RequestStore,
  TransitionInput,
} from "../../requests/ports.ts";
import type { Request, RequestStatus } from "../../requests/request.ts";
import { canTransition } from "../../requests/states.ts";
import { allOf, encoded, type Kit, type RequestRow, slot, slotsFor } from "../kit.ts";

/**
 * The request lifecycle on either database: every state change is one conditional UPDATE. The
 * statements of every submission and approval are prepared once (bench/stores.ts).
 */
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
    // One requester's submissions one at a time, so two at once cannot both pass the pending limit.
    return this.kit.exclusively(`requester:${input.requesterId}`, async (kit) => {
      const t = kit.t.requests;
      const bySubmission = kit.prepared("request_by_submission", () =>
        kit
          .requests()
          .where(eq(t.submissionKey, slot("key")))
          .limit(1),
      );
      const [checked] = await kit.prepared("submission_checks", () =>
        kit.submissionChecks(allOf(eq(t.requesterId, slot("requester")), eq(t.status, "pending")), slot("key")),
      )({ requester: input.requesterId, key: input.submissionKey });
      if (checked?.earlier != null) {
        const [earlier] = await bySubmission({ key: input.submissionKey });
        if (earlier) return { kind: "duplicate", request: earlier };
      }
      const pending = checked?.counted ?? 0;
      if (pending >= input.maxPending) return { kind: "limit", pending };
      const now = this.now();
      const about = input.about;
      const row: Omit<RequestRow, "id"> = {
        ...input.form,
        kind: about?.kind ?? "create",
        targetClientId: about?.targetClientId ?? null,
        baseline: about?.baseline ?? null,
        outcomeNote: null,
        requesterId: input.requesterId,
        originChannelId: input.originChannelId ?? null,
        submissionKey: input.submissionKey,
        status: "pending",
        clientGuid: randomUUID(),
        createdClientId: null,
        approvalChannelId: null,
        approvalMessageTs: null,
        decidedBy: null,
        decidedAt: null,
        decisionReason: null,
        requiredApprovals: input.requiredApprovals ?? 1,
        approvedBy: [],
        nameTakenBy: null,
        lastError: null,
        attempts: 0,
        outcomeNotifiedAt: null,
        remindersSent: 0,
        nextReminderAt: input.nextReminderAt,
        expiresAt: input.expiresAt,
        createdAt: now,
        updatedAt: now,
        lastActor: input.requesterId,
        // The audit trail's first row says what a request about an existing client is about.
        lastDetail: about ? `${about.kind} client ${about.targetClientId}` : null,
      };
      // Every column a placeholder: the same prepared INSERT serves every submission.
      const [request] = await kit.prepared("insert_request", () => kit.insertRequest(slotsFor(row)))(encoded(t, row));
      if (request) return { kind: "recorded", request };
      // Recorded meanwhile by another process (a replica given the same submission).
      const [winner] = await bySubmission({ key: input.submissionKey });
      if (!winner) throw new Error("The request was neither recorded nor found");
      return { kind: "duplicate", request: winner };
    });
  }

  async get(id: number): Promise<Request | undefined> {
    const [request] = await this.kit.prepared("request_by_id", () =>
      this.kit
        .requests()
        .where(eq(this.t.id, slot("id")))
        .limit(1),
    )({ id });
    return request;
  }

  async countPendingBy(requesterId: string): Promise<number> {
    const t = this.t;
    const [counted] = await this.kit.prepared("pending_count", () =>
      this.kit.countRequests(and(eq(t.requesterId, slot("requester")), eq(t.status, "pending"))),
    )({ requester: requesterId });
    return counted?.n ?? 0;
  }

  async transition(input: TransitionInput): Promise<Request | undefined> {
    if (!canTransition(input.from, input.to)) throw new Error(`No transition from ${input.from} to ${input.to}`);
    const t = this.t;
    const set = input.set ?? {};
    const keys = (Object.keys(set) as (keyof typeof set)[]).filter((key) => set[key] !== undefined).sort();
    const leased = input.leaseEndedBefore !== undefined;
    // One prepared UPDATE per shape of `set` (a handful: one per kind of transition).
    const update = this.kit.prepared(`transition:${keys.join(",")}${leased ? ":leased" : ""}`, () =>
      this.kit.updateRequests(
        {
          ...Object.fromEntries(keys.map((key) => [key, slot(`set_${key}`)])),
          status: slot("to"),
          updatedAt: slot("now"),
          lastActor: slot("actor"),
          lastDetail: slot("detail"),
        },
        allOf(
          eq(t.id, slot("id")),
          eq(t.status, slot("from")),
          leased ? lt(t.updatedAt, slot("leaseEndedBefore")) : undefined,
        ),
      ),
    );
    const [moved] = await update({
      ...encoded(t, set, "set_"),
      id: input.id,
      from: input.from,
      to: input.to,
      now: this.now(),
      actor: input.actor,
      detail: input.detail ?? null,
      ...(leased ? { leaseEndedBefore: input.leaseEndedBefore } : {}),
    });
    return moved;
  }

  async approve(input: ApprovalInput): Promise<Request | undefined> {
    const kit = this.kit;
    const t = this.t;
    const mayBeLast = input.mayBeLast ?? true;
    const noted = input.note !== undefined;
    const [approved] = await kit.prepared(`approve${mayBeLast ? "" : ":not_last"}${noted ? ":noted" : ""}`, () => {
      // Every value is computed from the row itself, so PostgreSQL recomputes it from the row as
      // the previous approval left it when two approvals of one request wait for each other.
      const count = sql`(${kit.jsonLength(t.approvedBy)} + 1)`;
      const last = sql`${count} >= ${t.requiredApprovals}`;
      const detail = sql`'approval ' || ${count} || ' of ' || ${t.requiredApprovals}`;
      return kit.updateRequests(
        {
          approvedBy: kit.jsonAppend(t.approvedBy, slot("actor")),
          // Always set, even when it stays pending: the audit trigger fires on every write of the
          // status, so each approval leaves its row (pending → pending, "approval 1 of 2").
          status: sql`case when ${last} then 'approved' else 'pending' end`,
          decidedBy: sql`case when ${last} then ${slot("actor")} else ${t.decidedBy} end`,
          decidedAt: sql`case when ${last} then ${slot("now")} else ${t.decidedAt} end`,
          nextReminderAt: sql`case when ${last} then null else ${t.nextReminderAt} end`,
          updatedAt: slot("now"),
          lastActor: slot("actor"),
          ...(noted
            ? {
                outcomeNote: sql`case when ${last} then ${slot("note")} else ${t.outcomeNote} end`,
                lastDetail: sql`${detail} || '; ' || ${slot("note")}`,
              }
            : { lastDetail: detail }),
        },
        allOf(
          eq(t.id, slot("id")),
          eq(t.status, "pending"),
          not(kit.jsonHas(t.approvedBy, slot("actor"))),
          mayBeLast ? undefined : sql`${count} < ${t.requiredApprovals}`,
        ),
      );
    })({ id: input.id, actor: input.actor, now: this.now(), ...(noted ? { note: input.note } : {}) });
    return approved;
  }

  async createRequestOfClient(clientId: string): Promise<Request | undefined> {
    const t = this.t;
    // GUIDs are stored as the Identity API answered them (lower case for ours): compared as typed
    // and in lower case, so the lookup stays on the index.
    const ids = [...new Set([clientId, clientId.toLowerCase()])];
    const [request] = await this.kit
      .requests()
      .where(and(inArray(t.createdClientId, ids), eq(t.kind, "create"), eq(t.status, "created")))
      .orderBy(asc(t.id))
      .limit(1);
    return request;
  }

  async managedClientsOf(requesterId: string, limit: number): Promise<Request[]> {
    const t = this.t;
    // The inner `requests` is aliased, so `t`'s columns name the outer row.
    const deleted = sql`exists (select 1 from requests d where d.target_client_id = ${t.createdClientId} and d.kind = 'delete' and d.status = 'created')`;
    return this.kit
      .requests()
      .where(and(eq(t.requesterId, requesterId), eq(t.kind, "create"), eq(t.status, "created"), not(deleted)))
      .orderBy(desc(t.id))
      .limit(limit);
  }

  async openRequestsAbout(clientIds: readonly string[]): Promise<Request[]> {
    if (clientIds.length === 0) return [];
    const t = this.t;
    return this.kit
      .requests()
      .where(and(inArray(t.targetClientId, [...clientIds]), inArray(t.status, ["pending", "approved", "creating"])))
      .orderBy(asc(t.id))
      .limit(100);
  }

  async setNameTakenBy(id: number, clientId: string): Promise<Request | undefined> {
    const t = this.t;
    const [updated] = await this.kit.updateRequests(
      { nameTakenBy: clientId },
      allOf(eq(t.id, id), isNull(t.nameTakenBy)),
    );
    return updated;
  }

  async setApprovalMessage(id: number, ref: MessageRef): Promise<Request | undefined> {
    const t = this.t;
    const [updated] = await this.kit.prepared("set_approval_message", () =>
      this.kit.updateRequests(
        { approvalChannelId: slot("channelId"), approvalMessageTs: slot("ts") },
        allOf(eq(t.id, slot("id")), isNull(t.approvalMessageTs)),
      ),
    )({ id, channelId: ref.channelId, ts: ref.ts });
    return updated ?? (await this.get(id));
  }

  async setRequesterMessage(id: number, ref: MessageRef): Promise<void> {
    await this.kit.prepared("set_requester_message", () =>
      this.kit.upsertRequesterMessage({ requestId: slot("id"), channelId: slot("channelId"), ts: slot("ts") }),
    )({ id, channelId: ref.channelId, ts: ref.ts });
  }

  async requesterMessageOf(id: number): Promise<MessageRef | undefined> {
    const m = this.kit.t.requesterMessages;
    const [row] = await this.kit.prepared("requester_message", () =>
      this.kit
        .requesterMessages()
        .where(eq(m.requestId, slot("id")))
        .limit(1),
    )({ id });
    return row ? { channelId: row.channelId, ts: row.ts } : undefined;
  }

  async claimOutcomeNotification(id: number, status: RequestStatus): Promise<Request | undefined> {
    const t = this.t;
    const [claimed] = await this.kit.prepared("claim_outcome_notification", () =>
      this.kit.updateRequests(
        { outcomeNotifiedAt: slot("now") },
        allOf(eq(t.id, slot("id")), eq(t.status, slot("status")), isNull(t.outcomeNotifiedAt)),
      ),
    )({ id, status, now: this.now() });
    return claimed;
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
    const t = this.t;
    // Only while it is being created: a late call of a process whose creation another finished
    // must not move the finished request's time.
    await this.kit.prepared("count_attempt", () =>
      this.kit.updateRequests(
        { attempts: sql`${t.attempts} + 1`, updatedAt: slot("now") },
        allOf(eq(t.id, slot("id")), eq(t.status, "creating")),
      ),
    )({ id, now: this.now() });
  }

  async renewLease(id: number): Promise<void> {
    const t = this.t;
    await this.kit.updateRequests({ updatedAt: this.now() }, allOf(eq(t.id, id), eq(t.status, "creating")));
  }

  async listCreationsToResume(leaseEndedBefore: number): Promise<Request[]> {
    const t = this.t;
    return this.kit
      .requests()
      .where(and(inArray(t.status, ["approved", "creating"]), lt(t.updatedAt, leaseEndedBefore)))
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
