import { errorMessage } from "../errorMessage.ts";
import type { IdentityClients } from "../identity/client.ts";
import type { AppLogger } from "../log.ts";
import { withTimeout } from "../timeout.ts";
import { Announcer, type OutcomeEvent } from "./announcer.ts";
import { type ApprovalPostPolicy, ApprovalPosts } from "./approvalPosts.ts";
import { type CreationPolicy, Creations } from "./creation.ts";
import type { RequestForm } from "./form.ts";
import {
  type ApprovalPostQueue,
  type ApproverDirectory,
  ApproversUnknownError,
  type Notifier,
  noRequestMetrics,
  type RequestMetrics,
  type RequestStore,
  type TransitionSet,
} from "./ports.ts";
import { nextReminderAfter } from "./reminders.ts";
import type { Request, RequestStatus } from "./request.ts";
import { Transitions } from "./transitions.ts";

export interface ServicePolicy extends CreationPolicy, ApprovalPostPolicy {
  allowSelfApproval: boolean;
  maxPendingPerUser: number;
  requestTtlMs: number;
  reminderIntervalMs: number;
  maxReminders: number;
}

export type SubmitResult =
  | { kind: "recorded"; request: Request }
  | { kind: "duplicate"; request: Request }
  | { kind: "limit"; pending: number; max: number };

export type DecisionRefusal =
  | "not_found"
  | "not_approver"
  | "self_approval"
  | "already_decided"
  /** Past its expiry time: it is expired now, whether or not the sweep got there first. */
  | "expired"
  /** Who the approvers are cannot be checked just now (ApproversUnknownError): nothing is decided on a guess. */
  | "approvers_unknown";
export type DecisionResult =
  | { ok: true; request: Request }
  | { ok: false; refusal: DecisionRefusal; request?: Request };

/**
 * The request lifecycle: submission, decisions, expiry and reminders; the creation of the client
 * (Creations) and the approval posts (ApprovalPosts) are delegated. Every decision announces
 * itself, after the caller's ack (the next turn of the event loop), tracked for a graceful stop.
 * Knows nothing of Slack: people are reached through the Notifier, approvers looked up through
 * the ApproverDirectory.
 */
export class RequestService {
  private readonly transitions: Transitions;
  private readonly announcer: Announcer;
  private readonly approvalPosts: ApprovalPosts;
  private readonly creations: Creations;
  private readonly followUps = new Set<Promise<void>>();

  constructor(
    private readonly store: RequestStore,
    approvalPostQueue: ApprovalPostQueue,
    identity: IdentityClients,
    notifier: Notifier,
    private readonly approvers: ApproverDirectory,
    private readonly policy: ServicePolicy,
    private readonly log: AppLogger,
    metrics: RequestMetrics = noRequestMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.transitions = new Transitions(store, log, metrics);
    this.announcer = new Announcer(store, notifier, log);
    this.approvalPosts = new ApprovalPosts(store, approvalPostQueue, notifier, this.announcer, policy, log, now);
    this.creations = new Creations(store, identity, this.transitions, this.announcer, policy, log, now, metrics);
  }

  get maxPendingPerUser(): number {
    return this.policy.maxPendingPerUser;
  }

  get allowsSelfApproval(): boolean {
    return this.policy.allowSelfApproval;
  }

  /** How many requests of this person wait for a decision (the form is refused at the limit). */
  countPendingBy(requesterId: string): Promise<number> {
    return this.store.countPendingBy(requesterId);
  }

  /** Records a valid submission once (a repeat of the same modal is that request), within the pending limit. */
  async submit(
    form: RequestForm,
    requesterId: string,
    originChannelId: string | undefined,
    submissionKey: string,
  ): Promise<SubmitResult> {
    const now = this.now();
    const recorded = await this.store.record({
      form,
      requesterId,
      originChannelId,
      submissionKey,
      expiresAt: now + this.policy.requestTtlMs,
      nextReminderAt: this.policy.maxReminders > 0 ? now + this.policy.reminderIntervalMs : null,
      maxPending: this.policy.maxPendingPerUser,
    });
    if (recorded.kind === "limit") return { ...recorded, max: this.policy.maxPendingPerUser };
    if (recorded.kind === "recorded") this.transitions.recorded(recorded.request, requesterId);
    return recorded;
  }

  /** Posts a recorded request for approval and tells the requester where it waits. */
  announce(request: Request): Promise<void> {
    return this.approvalPosts.announce(request);
  }

  /**
   * Whether `userId` is an approver at all (App Home shows them what waits); false while the
   * directory cannot tell (ApproversUnknownError): nothing is shown on a guess.
   */
  async isApprover(userId: string): Promise<boolean> {
    return (await this.approverStatus(userId)) === true;
  }

  /** Whether `userId` is an approver, or "unknown" while the directory cannot tell. */
  async approverStatus(userId: string): Promise<boolean | "unknown"> {
    try {
      return await this.approvers.isApprover(userId);
    } catch (error) {
      if (error instanceof ApproversUnknownError) return "unknown";
      throw error;
    }
  }

  /**
   * Calls `listener` after every change of a request's status (and every new request), so views
   * such as App Home can follow. Listeners must not throw; they run synchronously.
   */
  onChange(listener: (request: Request) => void): void {
    this.transitions.onChange(listener);
  }

  /**
   * Whether `userId` may read `request` in full: its requester and the approvers. "unknown" while
   * the approvers cannot be checked; false for a request that does not exist.
   */
  async mayRead(request: Request | undefined, userId: string): Promise<boolean | "unknown"> {
    if (request !== undefined && request.requesterId === userId) return true;
    const approver = await this.approverStatus(userId);
    if (approver === "unknown") return "unknown";
    return request !== undefined && approver;
  }

  /**
   * Whether `actor` may decide at all, re-checked for every click before the request is even
   * looked up; then selfApproval for the request itself.
   */
  private async mayDecide(actor: string): Promise<DecisionRefusal | undefined> {
    const approver = await this.approverStatus(actor);
    if (approver === "unknown") return "approvers_unknown";
    return approver ? undefined : "not_approver";
  }

  private selfApproval(request: Request, actor: string): DecisionRefusal | undefined {
    return request.requesterId === actor && !this.policy.allowSelfApproval ? "self_approval" : undefined;
  }

  /** Approves a pending request and starts creating its client in the background. */
  async approve(id: number, actor: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, "pending");
    if (!checked.ok) return checked;
    const approved = await this.transitions.move({
      id,
      from: "pending",
      to: "approved",
      actor,
      set: { decidedBy: actor, decidedAt: this.now() },
    });
    if (!approved) return this.lost(id);
    void this.creations.launch(id, actor, "approved", {
      first: (claimed) => this.announcer.refreshApprovalMessage(claimed),
    });
    return { ok: true, request: approved };
  }

  /** Checks a deny before asking for the reason, so a refused person never sees the reason modal. */
  canDeny(id: number, actor: string): Promise<DecisionResult> {
    return this.checkDecision(id, actor, "pending");
  }

  async deny(id: number, actor: string, reason: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, "pending");
    if (!checked.ok) return checked;
    return this.decide(
      {
        id,
        actor,
        to: "denied",
        detail: reason,
        set: { decidedBy: actor, decidedAt: this.now(), decisionReason: reason, nextReminderAt: null },
      },
      "denied",
    );
  }

  /** Cancels the requester's own pending request. */
  async cancel(id: number, actor: string): Promise<DecisionResult> {
    const request = await this.store.get(id);
    // Someone else's request answers as a missing one: a refusal must not tell who asked.
    if (!request || request.requesterId !== actor) return { ok: false, refusal: "not_found" };
    const settled = await this.expireIfDue(request);
    if (settled) return settled;
    if (request.status !== "pending") return { ok: false, refusal: "already_decided", request };
    return this.decide(
      { id, actor, to: "cancelled", set: { decidedBy: actor, decidedAt: this.now(), nextReminderAt: null } },
      "cancelled",
    );
  }

  async retry(id: number, actor: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, "failed");
    if (!checked.ok) return checked;
    const previous = this.creations.underWay(id);
    if (previous) {
      // A retry that won the race is under way: this click changes nothing.
      const current = await this.store.get(id);
      if (current?.status !== "failed") return { ok: false, refusal: "already_decided", request: current };
      // The run that just failed is still telling people so: let it finish, then start anew.
      await previous;
    }
    // Claimed (failed → creating) by one conditional UPDATE: of two clicks together only one starts.
    const started = await this.creations.launch(id, actor, "failed", {
      first: async (claimed) => {
        await this.announcer.refreshApprovalMessage(claimed);
        await this.announcer.tellApprovers(claimed, "retrying");
      },
    });
    if (!started) return this.lost(id);
    return { ok: true, request: checked.request };
  }

  private async checkDecision(id: number, actor: string, state: RequestStatus): Promise<DecisionResult> {
    // Someone who may not decide learns nothing of the request, not even whether it exists.
    const barred = await this.mayDecide(actor);
    if (barred) return { ok: false, refusal: barred };
    const request = await this.store.get(id);
    if (!request) return { ok: false, refusal: "not_found" };
    const refusal = this.selfApproval(request, actor);
    if (refusal) return { ok: false, refusal, request };
    const settled = await this.expireIfDue(request);
    if (settled) return settled;
    if (request.status !== state) return { ok: false, refusal: "already_decided", request };
    return { ok: true, request };
  }

  /** A pending request past its expiry time is expired now (not only at the next sweep): the refusal to give. */
  private async expireIfDue(request: Request): Promise<DecisionResult | undefined> {
    if (request.status !== "pending" || request.expiresAt > this.now()) return undefined;
    const expired = await this.expire(request);
    return { ok: false, refusal: "expired", request: expired ?? (await this.store.get(request.id)) };
  }

  private async expire(request: Request): Promise<Request | undefined> {
    const expired = await this.transitions.move({
      id: request.id,
      from: "pending",
      to: "expired",
      actor: "system",
      detail: "no decision in time",
      set: { nextReminderAt: null },
    });
    if (expired) this.followUp(expired, "expired");
    return expired;
  }

  /** A final decision on a pending request: one conditional move, then everyone is told. */
  private async decide(
    move: { id: number; actor: string; to: "denied" | "cancelled"; detail?: string; set: TransitionSet },
    event: OutcomeEvent,
  ): Promise<DecisionResult> {
    const decided = await this.transitions.move({ ...move, from: "pending" });
    if (!decided) return this.lost(move.id);
    this.followUp(decided, event);
    return { ok: true, request: decided };
  }

  /** Someone else changed the request first: where it stands now. */
  private async lost(id: number): Promise<DecisionResult> {
    const request = await this.store.get(id);
    return { ok: false, refusal: request?.status === "expired" ? "expired" : "already_decided", request };
  }

  /**
   * Tells everyone an outcome in the next turn of the event loop, after the caller's ack: edits
   * the approval message, replies in its thread, DMs the requester.
   */
  private followUp(request: Request, event: OutcomeEvent): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.announcer.announceOutcome(request, event))
      .catch((error: unknown) =>
        this.log.event("warn", "announce_failed", { request: request.id, error: errorMessage(error) }),
      )
      .finally(() => this.followUps.delete(work));
    this.followUps.add(work);
  }

  /**
   * Takes up what a stopped process left: creations under way, outcomes not yet told, requests
   * never posted for approval. Run at start and then periodically.
   */
  async resume(options: { atStart: boolean }): Promise<void> {
    await this.creations.resume(options.atStart);
    await this.approvalPosts.postWaitingRequests(options.atStart);
  }

  /** Expires what waited too long and reminds approvers of what is due. */
  async runSchedule(): Promise<void> {
    const now = this.now();
    for (const request of await this.store.listDueForExpiry(now, 100)) await this.expire(request);
    for (const request of await this.store.listDueForReminder(now, 100)) {
      if (request.expiresAt <= now) continue;
      // Reminders go in the approval message's thread: until it is posted, the reminder stays due.
      if (!request.approvalMessageTs) continue;
      const sent = request.remindersSent + 1;
      const next = nextReminderAfter(request, now, this.policy.reminderIntervalMs, sent < this.policy.maxReminders);
      if (!(await this.store.claimReminder(request, next))) continue;
      this.log.event("info", "reminder_sent", { request: request.id, reminder: sent });
      await this.announcer.remind(request);
    }
    await this.settleFollowUps(60_000);
  }

  /** Stops starting creations and posting waiting requests, and waits (bounded) for work under way. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    this.approvalPosts.stop();
    const created = await this.creations.drain(timeoutMs);
    const told = await this.settleFollowUps(Math.max(0, deadline - this.now()));
    return created && told;
  }

  private async settleFollowUps(timeoutMs: number): Promise<boolean> {
    return (await withTimeout(Promise.allSettled([...this.followUps]), timeoutMs)).done;
  }

  isCreating(id: number): boolean {
    return this.creations.isCreating(id);
  }
}
