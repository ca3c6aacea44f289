import { errorMessage } from "../errorMessage.ts";
import type { IdentityClients } from "../identity/client.ts";
import type { AppLogger } from "../log.ts";
import { withTimeout } from "../timeout.ts";
import { Announcer, type OutcomeEvent } from "./announcer.ts";
import { type ApprovalPostPolicy, ApprovalPosts } from "./approvalPosts.ts";
import {
  askedForm,
  type ClientEntry,
  type ClientForRequest,
  type ClientLookup,
  type ClientRefusal,
  ClientRequests,
  changesNothing,
  type Drift,
  driftNote,
  SENT_BACK_REASON,
} from "./clientRequests.ts";
import { type ClientRequestKind, namesMatch } from "./clients.ts";
import { type CreationPolicy, Creations } from "./creation.ts";
import type { RequestForm } from "./form.ts";
import { autoApproval, hostRefusals, POLICY_ACTOR, type TenantPolicy, type UrlField } from "./policies.ts";
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
import { Slots } from "./slots.ts";
import { Transitions } from "./transitions.ts";

/** How long the search for another client with the same name may take (it only informs). */
const NAME_CHECK_MS = 5_000;
/**
 * Approval posts (with the requester's DM) under way at once. A burst of submissions then leaves
 * the event loop to the next submissions' acks, which Slack times, while the posts wait their turn.
 */
const ANNOUNCEMENTS_AT_ONCE = 16;

export interface ServicePolicy extends CreationPolicy, ApprovalPostPolicy {
  allowSelfApproval: boolean;
  maxPendingPerUser: number;
  requestTtlMs: number;
  reminderIntervalMs: number;
  maxReminders: number;
  /** The approval policy of a tenant (README, "Approval policies"). */
  policyFor(tenant: string): TenantPolicy;
}

export type SubmitResult =
  | { kind: "recorded"; request: Request }
  | { kind: "duplicate"; request: Request }
  | { kind: "limit"; pending: number; max: number }
  /** Refused by the tenant's policy, nothing recorded: what is wrong, by form field. */
  | { kind: "refused"; errors: Partial<Record<UrlField, string>> };

export type DecisionRefusal =
  | "not_found"
  | "not_approver"
  | "self_approval"
  /** This approver's approval is counted already; the request waits for others. */
  | "already_approved"
  | "already_decided"
  /** Past its expiry time: it is expired now, whether or not the sweep got there first. */
  | "expired"
  /** Who the approvers are cannot be checked just now (ApproversUnknownError): nothing is decided on a guess. */
  | "approvers_unknown"
  /** A request about a client: the client could not be read to check it for drift; try again. */
  | "client_unreadable"
  /** A request about a client changed in the tenant since: the result carries the drift. */
  | "drift"
  /** A delete is approved only with its client's name typed by the approver (ApproveOptions.confirmedName): ask for it. */
  | "name_unconfirmed";
export type DecisionResult =
  | { ok: true; request: Request }
  | { ok: false; refusal: Exclude<DecisionRefusal, "drift">; request?: Request }
  /**
   * A request about a client whose client changed in the tenant (or is gone) since the request was
   * made: nothing counted. Approve again with `despiteDrift`, or send it back.
   */
  | { ok: false; refusal: "drift"; request: Request; drift: Drift };

export interface ApproveOptions {
  /** Approve a request about a client although it changed in the tenant since (recorded as such). */
  despiteDrift?: boolean;
  /** What the approver typed as the client's name: a delete needs it to match. */
  confirmedName?: string;
}

/** A request about a client the bot created: change (with the form), disable, enable or delete it. */
export interface ClientRequestInput {
  kind: ClientRequestKind;
  tenant: string;
  clientId: string;
  /** For a change only: the settings asked for, already validated (validateRequestForm). */
  form?: RequestForm;
  justification: string;
  requesterId: string;
  originChannelId: string | undefined;
  submissionKey: string;
}

export type ClientSubmitResult =
  | SubmitResult
  /** The settings asked for are the client's own already (or it is already disabled / enabled): nothing recorded. */
  | { kind: "no_change" }
  | { kind: "client_refused"; refusal: ClientRefusal };

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
  private readonly clients: ClientRequests;
  private readonly followUps = new Set<Promise<void>>();
  private readonly announcing = new Slots(ANNOUNCEMENTS_AT_ONCE);

  constructor(
    private readonly store: RequestStore,
    approvalPostQueue: ApprovalPostQueue,
    private readonly identity: IdentityClients,
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
    this.clients = new ClientRequests(store, identity, (userId, tenant) => this.approverOf(userId, tenant));
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
    const policy = this.policy.policyFor(form.tenant);
    const errors = hostRefusals(form, policy);
    if (Object.keys(errors).length > 0) return { kind: "refused", errors };
    const now = this.now();
    const recorded = await this.store.record({
      form,
      requesterId,
      originChannelId,
      submissionKey,
      expiresAt: now + this.policy.requestTtlMs,
      nextReminderAt: this.policy.maxReminders > 0 ? now + this.policy.reminderIntervalMs : null,
      requiredApprovals: policy.requiredApprovals,
      maxPending: this.policy.maxPendingPerUser,
    });
    if (recorded.kind === "limit") return { ...recorded, max: this.policy.maxPendingPerUser };
    if (recorded.kind === "duplicate") return recorded;
    this.transitions.recorded(recorded.request, requesterId);
    return { kind: "recorded", request: await this.approveByPolicy(recorded.request, policy) };
  }

  /** A request its tenant's rule approves: approved now, by "policy" (it is created once announced). */
  private async approveByPolicy(request: Request, policy: TenantPolicy): Promise<Request> {
    const decision = autoApproval(policy, request);
    if (!decision.approved) return request;
    const approved = await this.transitions.move({
      id: request.id,
      from: "pending",
      to: "approved",
      actor: POLICY_ACTOR,
      detail: decision.reason,
      set: {
        decidedBy: POLICY_ACTOR,
        decidedAt: this.now(),
        decisionReason: decision.reason,
        nextReminderAt: null,
      },
    });
    return approved ?? request;
  }

  /** The clients created through the bot that `userId` asked for, newest first, each read live (never throws for the tenant). */
  clientsOf(userId: string, limit: number): Promise<ClientEntry[]> {
    return this.clients.clientsOf(userId, limit);
  }

  /** A client by request number (`12`, `#12`) or client Id, for its requester or its tenant's approvers. */
  lookUpClient(query: string, viewerId: string): Promise<ClientLookup> {
    return this.clients.lookUp(query, viewerId);
  }

  /** A client `userId` may ask about, read live: to pre-fill the change form, to confirm a disable, enable or delete. */
  clientForRequest(tenant: string, clientId: string, userId: string): Promise<ClientForRequest> {
    return this.clients.forRequest(tenant, clientId, userId);
  }

  /**
   * Records a request about a client the bot created, once per submission, within the pending
   * limit. The client is read live now and kept as the request's baseline. A change is held to the
   * tenant's host policy like a creation; no request about a client is approved by policy.
   */
  async submitClientRequest(input: ClientRequestInput): Promise<ClientSubmitResult> {
    const found = await this.clients.forRequest(input.tenant, input.clientId, input.requesterId);
    if (!found.ok) return { kind: "client_refused", refusal: found.refusal };
    const { entry } = found;
    const baseline = entry.live;
    const policy = this.policy.policyFor(input.tenant);
    if (input.kind === "change" && !input.form) throw new Error("A change needs the settings asked for");
    const form = askedForm(input, baseline);
    if (input.kind === "change") {
      const errors = hostRefusals(form, policy);
      if (Object.keys(errors).length > 0) return { kind: "refused", errors };
    }
    if (changesNothing(input.kind, baseline, form)) return { kind: "no_change" };
    const now = this.now();
    const recorded = await this.store.record({
      form,
      requesterId: input.requesterId,
      originChannelId: input.originChannelId,
      submissionKey: input.submissionKey,
      expiresAt: now + this.policy.requestTtlMs,
      nextReminderAt: this.policy.maxReminders > 0 ? now + this.policy.reminderIntervalMs : null,
      requiredApprovals: policy.requiredApprovals,
      maxPending: this.policy.maxPendingPerUser,
      about: { kind: input.kind, targetClientId: entry.clientId, baseline },
    });
    if (recorded.kind === "limit") return { ...recorded, max: this.policy.maxPendingPerUser };
    if (recorded.kind === "duplicate") return recorded;
    this.transitions.recorded(recorded.request, input.requesterId);
    return recorded;
  }

  /**
   * Posts a recorded request for approval and tells the requester where it waits. A request
   * approved by policy is posted all the same (without buttons), then created.
   */
  async announce(request: Request): Promise<void> {
    await this.announcing.run(() => this.approvalPosts.announce(request));
    if (request.status === "approved") {
      await this.creations.launch(request.id, POLICY_ACTOR, "approved", {
        first: (claimed) => this.announcer.refreshApprovalMessage(claimed),
      });
      return;
    }
    const exceptId = nameCheckExcept(request);
    if (exceptId === undefined) return;
    // After the post, in the background: the post never waits for it, and a stop waits for it (bounded).
    this.background(request.id, () => this.noteNameTaken(request, exceptId));
  }

  /**
   * Looks for another client of the tenant with the request's name (a risk hint), bounded in pages
   * and time (IdentityClient.findClientNamed, NAME_CHECK_MS in all); one found is stored on the
   * request and shown to the approvers. A failure or a timeout only leaves the hint out, logged.
   */
  private async noteNameTaken(request: Request, exceptId: string): Promise<void> {
    const started = this.now();
    let found: string | undefined;
    try {
      const search = this.identity.forTenant(request.tenant).findClientNamed(request.name, exceptId);
      const answer = await withTimeout(search, NAME_CHECK_MS);
      if (!answer.done) {
        // The search goes on after the time is up: its failure must not go unhandled.
        search.catch(() => undefined);
        this.log.event("warn", "name_check_failed", { request: request.id, error: "timed out" });
        return;
      }
      found = answer.value;
    } catch (error) {
      this.log.event("warn", "name_check_failed", { request: request.id, error: errorMessage(error) });
      return;
    }
    this.log.event("debug", "name_checked", {
      request: request.id,
      taken: found !== undefined,
      ms: this.now() - started,
    });
    if (!found) return;
    const noted = await this.store.setNameTakenBy(request.id, found);
    if (noted) await this.announcer.refreshApprovalMessage(noted);
  }

  /**
   * The tenants whose requests `userId` may decide (App Home shows them what waits); none while
   * the directory cannot tell (ApproversUnknownError): nothing is shown on a guess.
   */
  async approverTenants(userId: string): Promise<string[]> {
    const tenants = await this.approverTenantsOrUnknown(userId);
    return tenants === "unknown" ? [] : tenants;
  }

  /** The tenants `userId` approves for, or "unknown" while the directory cannot tell. */
  private async approverTenantsOrUnknown(userId: string): Promise<string[] | "unknown"> {
    return this.unlessUnknown(() => this.approvers.tenantsOf(userId));
  }

  /** Whether `userId` approves `tenant`'s requests, or "unknown" while the directory cannot tell. */
  private async approverOf(userId: string, tenant: string): Promise<boolean | "unknown"> {
    return this.unlessUnknown(() => this.approvers.isApprover(userId, tenant));
  }

  private async unlessUnknown<T>(ask: () => Promise<T>): Promise<T | "unknown"> {
    try {
      return await ask();
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
   * Whether `userId` may read `request` in full: its requester and its tenant's approvers.
   * "unknown" while the approvers cannot be checked; false for a request that does not exist.
   */
  async mayRead(request: Request | undefined, userId: string): Promise<boolean | "unknown"> {
    if (request !== undefined && request.requesterId === userId) return true;
    const approver = await this.mayDecideOn(request, userId);
    if (approver === "unknown") return "unknown";
    return request !== undefined && approver;
  }

  /**
   * Whether `actor` approves the tenant of `request`, re-checked for every click before anything
   * of the request is told. For a request that does not exist: whether they approve any tenant,
   * so that to anyone who approves nothing a missing request reads like someone else's.
   */
  private async mayDecideOn(request: Request | undefined, actor: string): Promise<boolean | "unknown"> {
    if (request) return this.approverOf(actor, request.tenant);
    const tenants = await this.approverTenantsOrUnknown(actor);
    return tenants === "unknown" ? "unknown" : tenants.length > 0;
  }

  private async mayDecide(
    request: Request | undefined,
    actor: string,
  ): Promise<"approvers_unknown" | "not_approver" | undefined> {
    const approver = await this.mayDecideOn(request, actor);
    if (approver === "unknown") return "approvers_unknown";
    return approver ? undefined : "not_approver";
  }

  /** Its requester may decide only with ALLOW_SELF_APPROVAL, and never towards several approvals. */
  private selfApproval(request: Request, actor: string): "self_approval" | undefined {
    if (request.requesterId !== actor) return undefined;
    return !this.policy.allowSelfApproval || request.requiredApprovals > 1 ? "self_approval" : undefined;
  }

  /**
   * Counts an approval of a pending request. The one that makes the required number approves it
   * and starts creating its client (or applying the request to its client) in the background; an
   * earlier one updates the approval message. The last approval of a request about a client first
   * reads the client: one that changed in the tenant since the request (or is gone) is refused as
   * "drift" unless `despiteDrift`, and one that cannot be read as "client_unreadable".
   */
  async approve(id: number, actor: string, options: ApproveOptions = {}): Promise<DecisionResult> {
    // A second round only when another approval came between the check and the count.
    for (let round = 0; ; round++) {
      const checked = await this.checkDecision(id, actor, "pending");
      if (!checked.ok) return checked;
      const request = checked.request;
      if (request.approvedBy.includes(actor)) return { ok: false, refusal: "already_approved", request };
      if (request.kind === "delete" && !namesMatch(options.confirmedName ?? "", request.name)) {
        return { ok: false, refusal: "name_unconfirmed", request };
      }
      const gate = await this.driftGate(request, actor, options);
      if ("refusal" in gate) return gate;
      const counted = await this.transitions.approve({ id, actor, ...gate });
      if (counted) return this.approvalCounted(counted, actor);
      const current = await this.store.get(id);
      if (current?.status === "pending" && current.approvedBy.includes(actor)) {
        return { ok: false, refusal: "already_approved", request: current };
      }
      // It would have been the last after all: the check it skipped must run now.
      if (gate.mayBeLast === false && current?.status === "pending" && round < 3) continue;
      return this.lost(id);
    }
  }

  /**
   * Whether the approval of a request about a client may count, and how: only the last one needed
   * reads the client (an earlier one is counted only while it stays an earlier one).
   */
  private async driftGate(
    request: Request,
    actor: string,
    options: ApproveOptions,
  ): Promise<{ mayBeLast?: boolean; note?: string } | Extract<DecisionResult, { ok: false }>> {
    if (request.kind === "create") return {};
    if (request.approvedBy.length + 1 < request.requiredApprovals) return { mayBeLast: false };
    const drift = await this.clients.driftOf(request);
    if (drift === "none") return {};
    if (drift === "unreadable") return { ok: false, refusal: "client_unreadable", request };
    if (!options.despiteDrift) return { ok: false, refusal: "drift", request, drift };
    return { note: driftNote(actor, drift) };
  }

  private approvalCounted(counted: Request, actor: string): DecisionResult {
    if (counted.status === "pending") {
      this.background(counted.id, async () => {
        // The latest state, not this one: another approval may have come meanwhile.
        const latest = await this.store.get(counted.id);
        if (latest) await this.announcer.refreshApprovalMessage(latest);
      });
      return { ok: true, request: counted };
    }
    void this.creations.launch(counted.id, actor, "approved", {
      first: (claimed) => this.announcer.refreshApprovalMessage(claimed),
    });
    return { ok: true, request: counted };
  }

  /**
   * Sends back a request about a client that changed in the tenant since it was made (an approver
   * decides so after a "drift" refusal): denied with SENT_BACK_REASON; the requester is told.
   */
  async sendBack(id: number, actor: string): Promise<DecisionResult> {
    const checked = await this.checkDecision(id, actor, "pending");
    if (!checked.ok) return checked;
    if (checked.request.kind === "create") return { ok: false, refusal: "not_found" };
    return this.decide(
      {
        id,
        actor,
        to: "denied",
        detail: "sent back after drift",
        set: { decidedBy: actor, decidedAt: this.now(), decisionReason: SENT_BACK_REASON, nextReminderAt: null },
      },
      "denied",
    );
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
    const request = await this.store.get(id);
    // Someone who may not decide learns nothing of the request, not even whether it exists.
    const barred = await this.mayDecide(request, actor);
    if (barred) return { ok: false, refusal: barred };
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
    this.background(request.id, () => this.announcer.announceOutcome(request, event));
  }

  /** Runs `task` in the next turn of the event loop (after the caller's ack), tracked for a graceful stop. */
  private background(requestId: number, task: () => Promise<void>): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) =>
        this.log.event("warn", "announce_failed", { request: requestId, error: errorMessage(error) }),
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

/**
 * The client a search for another client named like the request must leave out, or undefined
 * when no search is needed: a new client's own Id; for a change of name, the client changed.
 */
function nameCheckExcept(request: Request): string | undefined {
  if (request.kind === "create") return request.clientGuid;
  const renamed = request.kind === "change" && request.baseline !== null && request.baseline.name !== request.name;
  return renamed ? (request.targetClientId ?? undefined) : undefined;
}
