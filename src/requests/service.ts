import type { RequestStatus } from "../db/schema.ts";
import type { IdentityClients } from "../identity/client.ts";
import type { AppLogger } from "../log.ts";
import { Announcer } from "./announcer.ts";
import { type ApprovalPostPolicy, ApprovalPosts } from "./approvalPosts.ts";
import { type CreationPolicy, Creations } from "./creation.ts";
import type { RequestForm } from "./form.ts";
import type { ApproverDirectory, Notifier } from "./ports.ts";
import type { Request, RequestRepository } from "./repository.ts";
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

export type DecisionRefusal = "not_found" | "not_approver" | "self_approval" | "not_requester" | "already_decided";
export type DecisionResult =
  | { ok: true; request: Request }
  | { ok: false; refusal: DecisionRefusal; request?: Request };

/**
 * The request lifecycle: submission, decisions, expiry and reminders; the creation of the client
 * (Creations) and the approval posts (ApprovalPosts) are delegated.
 * Knows nothing of Slack: people are reached through the Notifier, approvers looked up through
 * the ApproverDirectory.
 */
export class RequestService {
  private readonly transitions: Transitions;
  private readonly announcer: Announcer;
  private readonly approvalPosts: ApprovalPosts;
  private readonly creations: Creations;

  constructor(
    private readonly repo: RequestRepository,
    identity: IdentityClients,
    notifier: Notifier,
    private readonly approvers: ApproverDirectory,
    private readonly policy: ServicePolicy,
    private readonly log: AppLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.transitions = new Transitions(repo, log);
    this.announcer = new Announcer(repo, notifier, log);
    this.approvalPosts = new ApprovalPosts(repo, notifier, this.announcer, policy, log, now);
    this.creations = new Creations(repo, identity, this.transitions, this.announcer, policy, log, now);
  }

  get repository(): RequestRepository {
    return this.repo;
  }

  get maxPendingPerUser(): number {
    return this.policy.maxPendingPerUser;
  }

  submit(
    form: RequestForm,
    requesterId: string,
    originChannelId: string | undefined,
    submissionKey: string,
  ): SubmitResult {
    // A repeated delivery of a submission that was recorded is that request, limit or not.
    const earlier = this.repo.findBySubmissionKey(submissionKey);
    if (earlier) return { kind: "duplicate", request: earlier };
    const pending = this.repo.countPendingBy(requesterId);
    if (pending >= this.policy.maxPendingPerUser) {
      return { kind: "limit", pending, max: this.policy.maxPendingPerUser };
    }
    const firstReminder = this.policy.maxReminders > 0 ? this.policy.reminderIntervalMs : undefined;
    const { request, created } = this.repo.record(
      { form, requesterId, originChannelId, submissionKey },
      this.policy.requestTtlMs,
      firstReminder,
    );
    if (!created) return { kind: "duplicate", request };
    this.transitions.recorded(request, requesterId);
    return { kind: "recorded", request };
  }

  /** Posts a recorded request for approval and tells the requester where it waits. */
  announce(request: Request): Promise<void> {
    return this.approvalPosts.announce(request);
  }

  /** Whether `userId` is an approver at all (App Home shows them what waits). */
  isApprover(userId: string): Promise<boolean> {
    return this.approvers.isApprover(userId);
  }

  get allowsSelfApproval(): boolean {
    return this.policy.allowSelfApproval;
  }

  /**
   * Calls `listener` after every change of a request's status (and every new request), so views
   * such as App Home can follow. Listeners must not throw; they run synchronously.
   */
  onChange(listener: (request: Request) => void): void {
    this.transitions.onChange(listener);
  }

  /** Whether `actor` may decide on `request`, re-checked for every click. */
  async mayDecide(request: Request, actor: string): Promise<DecisionRefusal | undefined> {
    if (!(await this.approvers.isApprover(actor))) return "not_approver";
    if (request.requesterId === actor && !this.policy.allowSelfApproval) return "self_approval";
    return undefined;
  }

  async approve(id: number, actor: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, ["pending"]);
    if (!checked.ok) return checked;
    const approved = this.transitions.move({
      id,
      from: ["pending"],
      to: "approved",
      actor,
      set: { decidedBy: actor, decidedAt: this.now() },
    });
    if (!approved) return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
    // Registered as under way before the message edit, so the resume sweep leaves it alone.
    this.startCreation(id, actor, ["approved"], () => this.announcer.refreshApprovalMessage(approved));
    return { ok: true, request: approved };
  }

  /** Checks a deny before asking for the reason, so a refused person never sees the reason modal. */
  async canDeny(id: number, actor: string): Promise<DecisionResult> {
    return this.checkDecision(id, actor, ["pending"]);
  }

  /** Denies a pending request; call announceDecision afterwards. */
  async deny(id: number, actor: string, reason: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, ["pending"]);
    if (!checked.ok) return checked;
    const denied = this.transitions.move({
      id,
      from: ["pending"],
      to: "denied",
      actor,
      detail: reason,
      set: { decidedBy: actor, decidedAt: this.now(), decisionReason: reason, nextReminderAt: null },
    });
    if (!denied) return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
    return { ok: true, request: denied };
  }

  /** Cancels the requester's own pending request; call announceDecision afterwards. */
  async cancel(id: number, actor: string): Promise<DecisionResult> {
    const request = this.repo.get(id);
    if (!request) return { ok: false, refusal: "not_found" };
    if (request.requesterId !== actor) return { ok: false, refusal: "not_requester", request };
    if (request.status !== "pending") return { ok: false, refusal: "already_decided", request };
    const cancelled = this.transitions.move({
      id,
      from: ["pending"],
      to: "cancelled",
      actor,
      set: { decidedBy: actor, decidedAt: this.now(), nextReminderAt: null },
    });
    if (!cancelled) return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
    return { ok: true, request: cancelled };
  }

  async retry(id: number, actor: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, ["failed"]);
    if (!checked.ok) return checked;
    const previous = this.creations.underWay(id);
    if (previous) {
      // A retry that won the race is under way: this click changes nothing.
      if (this.repo.get(id)?.status !== "failed") {
        return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
      }
      // The run that just failed is still telling people so: let it finish, then start anew.
      await previous;
    }
    // Claimed (failed → creating) before anything is awaited, so of two clicks together only one starts.
    const run = this.creations.launch(id, actor, ["failed"], async (claimed) => {
      await this.announcer.refreshApprovalMessage(claimed);
      await this.announcer.tellApprovers(claimed, "retrying");
    });
    if (!run) return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
    return { ok: true, request: checked.request };
  }

  private async checkDecision(id: number, actor: string, states: RequestStatus[]): Promise<DecisionResult> {
    const request = this.repo.get(id);
    if (!request) return { ok: false, refusal: "not_found" };
    const refusal = await this.mayDecide(request, actor);
    if (refusal) return { ok: false, refusal, request };
    if (!states.includes(request.status)) return { ok: false, refusal: "already_decided", request };
    return { ok: true, request };
  }

  /**
   * Tells everyone a final decision: edits the approval message, replies in its thread, DMs the
   * requester. Separate from the decision so a listener can ack in between.
   */
  announceDecision(request: Request, event: "denied" | "cancelled" | "expired"): Promise<void> {
    return this.announcer.announceOutcome(request, event);
  }

  /**
   * Starts creating the client in the background (the Slack listener has acked already).
   * A request already being created in this process is left to that run. `first` runs once the
   * request is claimed, before the Identity API is called (e.g. to edit the approval message).
   */
  startCreation(
    id: number,
    actor: string,
    from: RequestStatus[] = ["approved"],
    first: (claimed: Request) => Promise<void> = async () => {},
  ): Promise<void> {
    return this.creations.start(id, actor, from, first);
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
    for (const request of this.repo.listDueForExpiry(now)) {
      const expired = this.transitions.move({
        id: request.id,
        from: ["pending"],
        to: "expired",
        actor: "system",
        detail: "no decision in time",
        set: { nextReminderAt: null },
      });
      if (expired) await this.announceDecision(expired, "expired");
    }
    for (const request of this.repo.listDueForReminder(now)) {
      if (request.expiresAt <= now) continue;
      // Reminders go in the approval message's thread: until it is posted, the reminder stays due.
      if (!request.approvalMessageTs) continue;
      if (!this.repo.claimReminder(request, this.policy.reminderIntervalMs, this.policy.maxReminders)) continue;
      this.log.event("info", "reminder_sent", { request: request.id, reminder: request.remindersSent + 1 });
      await this.announcer.remind(request);
    }
  }

  /** Stops starting creations and posting waiting requests, and waits (bounded) for creations under way. */
  drain(timeoutMs: number): Promise<boolean> {
    this.approvalPosts.stop();
    return this.creations.drain(timeoutMs);
  }

  isCreating(id: number): boolean {
    return this.creations.isCreating(id);
  }
}
