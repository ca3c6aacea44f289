import type { RequestStatus } from "../db/schema.ts";
import type { IdentityClients } from "../identity/client.ts";
import { IdentityApiError } from "../identity/errors.ts";
import type { AppLogger } from "../log.ts";
import type { RequestForm } from "./form.ts";
import { toIdentityBody } from "./identityBody.ts";
import type { ApproverDirectory, MessageRef, Notifier, RequesterEvent } from "./ports.ts";
import type { Request, RequestRepository, TransitionInput } from "./repository.ts";
import { Slots } from "./slots.ts";

export interface ServicePolicy {
  allowSelfApproval: boolean;
  maxPendingPerUser: number;
  requestTtlMs: number;
  reminderIntervalMs: number;
  maxReminders: number;
  /** How long one creation may keep retrying; a `creating` request older than this was abandoned. */
  creationWindowMs: number;
  /** Wait before posting again a request the approval channel refused; doubles per failure (default 1 min). */
  approvalPostRetryMs?: number;
  /** Longest wait between two posts of a refused request (default 15 min). */
  approvalPostRetryMaxMs?: number;
  /** Creations (Identity API call and announcements) running at once; more wait their turn (default 4). */
  maxConcurrentCreations?: number;
}

/**
 * How long one approval post may take, Slack's own retries included: a post claimed this long ago
 * has died with its process. A request recorded less than this ago is still being announced.
 */
const approvalPostClaimMs = 2 * 60_000;

export type SubmitResult =
  | { kind: "recorded"; request: Request }
  | { kind: "duplicate"; request: Request }
  | { kind: "limit"; pending: number; max: number };

export type DecisionRefusal = "not_found" | "not_approver" | "self_approval" | "not_requester" | "already_decided";
export type DecisionResult =
  | { ok: true; request: Request }
  | { ok: false; refusal: DecisionRefusal; request?: Request };

/**
 * The request lifecycle: submission, decisions, creation of the client, expiry and reminders.
 * Knows nothing of Slack: people are reached through the Notifier, approvers looked up through
 * the ApproverDirectory.
 */
export class RequestService {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly changeListeners: ((request: Request) => void)[] = [];
  private readonly creationSlots: Slots;
  private stopping = false;

  constructor(
    private readonly repo: RequestRepository,
    private readonly identity: IdentityClients,
    private readonly notifier: Notifier,
    private readonly approvers: ApproverDirectory,
    private readonly policy: ServicePolicy,
    private readonly log: AppLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.creationSlots = new Slots(policy.maxConcurrentCreations ?? 4);
  }

  /** Requests recorded before this belong to an earlier run: nothing here is posting them. */
  private readonly startedAt: number;

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
    this.log.event("info", "transition", { request: request.id, actor: requesterId, from: null, to: "pending" });
    this.changed(request);
    return { kind: "recorded", request };
  }

  /** Posts a recorded request for approval and tells the requester where it waits. */
  async announce(request: Request): Promise<void> {
    const posted = await this.postForApproval(request);
    if (posted) {
      await this.safely("tell requester", posted, () => this.notifier.tellRequester(posted, "recorded"));
    } else {
      await this.tellUnposted(request);
    }
  }

  /** Tells the requester, once, that the request is recorded but the approvers have not seen it yet. */
  private async tellUnposted(request: Request): Promise<void> {
    if (!this.repo.claimUnpostedNotice(request.id, this.now())) return;
    await this.safely("tell requester", request, () => this.notifier.tellRequester(request, "recorded_unposted"));
  }

  private approvalPostBackoffMs(failures: number): number {
    const base = this.policy.approvalPostRetryMs ?? 60_000;
    const max = this.policy.approvalPostRetryMaxMs ?? 15 * 60_000;
    return Math.min(max, base * 2 ** Math.min(failures - 1, 30));
  }

  /** Posts the request for approval; undefined when Slack refused (it is then tried again later). */
  private async postForApproval(request: Request): Promise<Request | undefined> {
    let ref: MessageRef;
    try {
      ref = await this.notifier.postForApproval(request);
    } catch (error) {
      const retry = this.repo.deferApprovalPost(request.id, this.now(), describe(error), (n) =>
        this.approvalPostBackoffMs(n),
      );
      this.log.event("warn", "approval_post_failed", {
        request: request.id,
        attempt: retry.attempts,
        nextAttemptAt: new Date(retry.nextAttemptAt).toISOString(),
        error: describe(error),
      });
      return undefined;
    }
    this.repo.setApprovalMessage(request.id, ref.channelId, ref.ts);
    const stored = this.repo.get(request.id);
    // Decided (or expired) while the post was on its way: the message just posted is already stale.
    if (stored && stored.status !== request.status) {
      await this.safely("refresh approval message", stored, () => this.notifier.refreshApprovalMessage(stored));
    }
    // The channel works: requests that waited for it need not sit out their backoff.
    const due = this.repo.makeApprovalPostsDue(this.now());
    if (due > 0) this.log.event("info", "approval_posts_due", { request: request.id, waiting: due });
    return stored;
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
    this.changeListeners.push(listener);
  }

  private changed(request: Request): void {
    for (const listener of this.changeListeners) {
      try {
        listener(request);
      } catch (error) {
        this.log.event("warn", "change_listener_failed", { request: request.id, error: describe(error) });
      }
    }
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
    const approved = this.move({
      id,
      from: ["pending"],
      to: "approved",
      actor,
      set: { decidedBy: actor, decidedAt: this.now() },
    });
    if (!approved) return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
    // Registered as under way before the message edit, so the resume sweep leaves it alone.
    this.startCreation(id, actor, ["approved"], () =>
      this.safely("refresh approval message", approved, () => this.notifier.refreshApprovalMessage(approved)),
    );
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
    const denied = this.move({
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
    const cancelled = this.move({
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
    const previous = this.inFlight.get(id);
    if (previous) {
      // A retry that won the race is under way: this click changes nothing.
      if (this.repo.get(id)?.status !== "failed") {
        return { ok: false, refusal: "already_decided", request: this.repo.get(id) };
      }
      // The run that just failed is still telling people so: let it finish, then start anew.
      await previous;
    }
    // Claimed (failed → creating) before anything is awaited, so of two clicks together only one starts.
    const run = this.launch(id, actor, ["failed"], async (claimed) => {
      await this.safely("refresh approval message", claimed, () => this.notifier.refreshApprovalMessage(claimed));
      await this.safely("thread reply", claimed, () => this.notifier.tellApprovers(claimed, "retrying"));
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
  async announceDecision(request: Request, event: "denied" | "cancelled" | "expired"): Promise<void> {
    await this.safely("refresh approval message", request, () => this.notifier.refreshApprovalMessage(request));
    await this.safely("thread reply", request, () => this.notifier.tellApprovers(request, event));
    await this.tellOutcome(request, event);
  }

  private async tellOutcome(request: Request, event: RequesterEvent): Promise<void> {
    if (!this.repo.claimOutcomeNotification(request.id)) return;
    await this.safely("tell requester", request, () => this.notifier.tellRequester(request, event));
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
    return this.inFlight.get(id) ?? this.launch(id, actor, from, first) ?? Promise.resolve();
  }

  /**
   * Claims the request (from one of `from` to `creating`, one conditional UPDATE, synchronously, so
   * the resume sweep and other clicks see it taken at once) and runs the creation in the background.
   * Undefined when nothing was started: already under way here, stopping, or not in `from` any more.
   */
  private launch(
    id: number,
    actor: string,
    from: RequestStatus[],
    first: (claimed: Request) => Promise<void>,
  ): Promise<void> | undefined {
    if (this.inFlight.has(id) || this.stopping) return undefined;
    const started = this.now();
    const claimed = this.move({ id, from, to: "creating", actor, detail: "calling the Identity API" });
    if (!claimed) return undefined;
    const run = first(claimed)
      // Bounded: under a burst of approvals, acks of new requests keep their event loop turns.
      .then(() => this.creationSlots.run(() => this.create(claimed, started)))
      .catch((error: unknown) => this.log.event("error", "creation_crashed", { request: id, error: describe(error) }))
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, run);
    return run;
  }

  private async create(claimed: Request, started: number): Promise<void> {
    const id = claimed.id;
    let outcome: Request | undefined;
    this.repo.raiseAttempts(id);
    try {
      const ensured = await this.identity
        .forTenant(claimed.tenant)
        .ensureAuthorizationCodeClient(toIdentityBody(claimed), {
          onRetry: ({ attempt, delayMs, error }) => {
            // Counts every call to the Identity API, so "failed after N attempts" is true; also shows the run is alive.
            this.repo.raiseAttempts(id);
            this.repo.touch(id);
            this.log.event("warn", "identity_retry", {
              request: id,
              attempt,
              delayMs,
              status: error.status,
              error: error.error,
              operationId: error.operationId,
            });
          },
        });
      outcome = this.move({
        id,
        from: ["creating"],
        to: "created",
        actor: "system",
        detail: `client ${ensured.clientId}${ensured.alreadyExisted ? " (found after a repeated request)" : ""}`,
        set: { createdClientId: ensured.clientId, lastError: null, outcomeNotifiedAt: null },
        durationMs: this.now() - started,
      });
      if (outcome) await this.announceCreated(outcome);
    } catch (error) {
      if (error instanceof IdentityApiError && error.kind === "configuration") {
        // Not the request's fault: the bot's own settings are wrong, and only an administrator can fix them.
        this.log.event("error", "identity_configuration_problem", {
          request: id,
          tenant: claimed.tenant,
          error: error.error,
          resolution: error.resolution,
        });
      }
      const stored =
        error instanceof IdentityApiError
          ? error.toStored()
          : { error: "The bot could not complete the request.", reason: describe(error) };
      outcome = this.move({
        id,
        from: ["creating"],
        to: "failed",
        actor: "system",
        detail: [stored.status, stored.error, stored.operationId && `OperationId ${stored.operationId}`]
          .filter(Boolean)
          .join(" "),
        set: { lastError: stored, outcomeNotifiedAt: null },
        durationMs: this.now() - started,
      });
      if (outcome) await this.announceFailed(outcome);
    }
  }

  private async announceCreated(request: Request): Promise<void> {
    await this.safely("refresh approval message", request, () => this.notifier.refreshApprovalMessage(request));
    await this.safely("thread reply", request, () => this.notifier.tellApprovers(request, "created"));
    await this.tellOutcome(request, "created");
  }

  private async announceFailed(request: Request): Promise<void> {
    await this.safely("refresh approval message", request, () => this.notifier.refreshApprovalMessage(request));
    await this.safely("thread reply", request, () => this.notifier.tellApprovers(request, "failed"));
    await this.tellOutcome(request, "failed");
  }

  /**
   * Takes up what a stopped process left: creations under way, outcomes not yet told, requests
   * never posted for approval. Run at start and then periodically.
   */
  async resume(options: { atStart: boolean }): Promise<void> {
    const staleBefore = options.atStart ? Number.POSITIVE_INFINITY : this.now() - this.policy.creationWindowMs;
    for (const request of this.repo.listInCreation()) {
      if (this.inFlight.has(request.id)) continue;
      if (request.status === "creating" && request.updatedAt >= staleBefore) continue;
      this.log.event("info", "creation_resumed", { request: request.id, status: request.status });
      this.startCreation(request.id, "system", [request.status]);
    }
    for (const request of this.repo.listUntoldOutcomes()) {
      if (this.inFlight.has(request.id)) continue;
      if (request.status === "created") await this.announceCreated(request);
      else await this.announceFailed(request);
    }
    await this.postWaitingRequests(options.atStart);
  }

  /**
   * Posts requests the approval channel refused earlier (each after its backoff; at start, all
   * at once) or that a stopped run never posted. The requester hears once when one finally is.
   */
  private async postWaitingRequests(atStart: boolean): Promise<void> {
    if (atStart) this.repo.makeApprovalPostsDue(this.now());
    const now = this.now();
    const untriedBefore = Math.max(this.startedAt, now - approvalPostClaimMs);
    for (const request of this.repo.listUnposted(now, untriedBefore)) {
      if (this.stopping) return;
      if (!this.repo.claimApprovalPost(request.id, this.now(), this.now() + approvalPostClaimMs)) continue;
      const posted = await this.postForApproval(request);
      if (!posted) {
        await this.tellUnposted(request);
        continue;
      }
      this.log.event("info", "approval_posted_late", {
        request: request.id,
        failedAttempts: this.repo.approvalPostRetryOf(request.id)?.attempts ?? 0,
      });
      if (posted.status === "pending") {
        await this.safely("tell requester", posted, () => this.notifier.tellRequester(posted, "recorded"));
      }
    }
  }

  /** Expires what waited too long and reminds approvers of what is due. */
  async runSchedule(): Promise<void> {
    const now = this.now();
    for (const request of this.repo.listDueForExpiry(now)) {
      const expired = this.move({
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
      await this.safely("reminder", request, () => this.notifier.tellApprovers(request, "reminder"));
    }
  }

  /** Stops starting creations and waits (bounded) for those under way. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    const all = Promise.allSettled([...this.inFlight.values()]).then(() => true);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return Promise.race([all, timeout]);
  }

  isCreating(id: number): boolean {
    return this.inFlight.has(id);
  }

  private move(input: TransitionInput & { durationMs?: number }): Request | undefined {
    const moved = this.repo.transition(input);
    if (moved) {
      this.log.event("info", "transition", {
        request: input.id,
        actor: input.actor,
        from: input.from.length === 1 ? input.from[0] : input.from.join("|"),
        to: input.to,
        ...(input.durationMs !== undefined ? { durationMs: input.durationMs } : {}),
        // How long since the request was recorded (waiting for a decision, for a creation).
        ageMs: moved.updatedAt - moved.createdAt,
      });
      this.changed(moved);
    }
    return moved;
  }

  /** Slack being down must not undo a decision: failures to notify are logged, not thrown. */
  private async safely(what: string, request: Request, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.log.event("warn", "notify_failed", { request: request.id, what, error: describe(error) });
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
