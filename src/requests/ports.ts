import type { ClientRequestKind, ClientSettings } from "./clients.ts";
import type { RequestForm } from "./form.ts";
import type { ApprovalPostRetry, AuditEntry, Request, RequestStatus } from "./request.ts";

/*
 * The domain's ports: how it reaches people (Notifier), who may decide (ApproverDirectory), and
 * where requests are kept (one store port per consumer). Slack and the database live behind them.
 */

/**
 * A store could not do what was asked: the database did not answer, or refused. Nothing the call
 * was to change has changed. Every store method rejects with this, never with a driver's error.
 */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`The database could not ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface MessageRef {
  channelId: string;
  ts: string;
}

/** What the requester is told, one message per event. */
export type RequesterEvent =
  | "recorded"
  /** Recorded, but the approvers' channel could not be reached yet. */
  | "recorded_unposted"
  | "denied"
  | "cancelled"
  | "expired"
  | "created"
  | "failed";

/** What the approvers are told in the request's thread. */
export type ApproverEvent = "created" | "failed" | "cancelled" | "expired" | "reminder" | "denied" | "retrying";

/** How the domain talks to people. Implemented with Slack in src/slack; the domain knows nothing of it. */
export interface Notifier {
  postForApproval(request: Request): Promise<MessageRef>;
  /** Re-renders the approval message from the request's current state. */
  refreshApprovalMessage(request: Request): Promise<void>;
  tellRequester(request: Request, event: RequesterEvent): Promise<void>;
  tellApprovers(request: Request, event: ApproverEvent): Promise<void>;
}

/**
 * The directory cannot say who the approvers are just now: their list could not be read and the
 * last one read is too old to trust. Nobody is taken for an approver, and nobody is told they are not one.
 */
export class ApproversUnknownError extends Error {
  override name = "ApproversUnknownError";
}

/**
 * What the domain counts for monitoring. Implemented with Prometheus in src/metrics; the domain
 * knows nothing of it.
 */
export interface RequestMetrics {
  /** A request moved to `to` (a new request counts as moving to "pending"). */
  transitioned(to: RequestStatus): void;
  /** A creation ended, `durationMs` after it was launched (waiting for a slot, retries and all). */
  creationFinished(outcome: "created" | "failed", durationMs: number): void;
}

export const noRequestMetrics: RequestMetrics = {
  transitioned() {},
  creationFinished() {},
};

/** Who may decide on requests: each tenant's approvers (its own, or the global ones). */
export interface ApproverDirectory {
  /** Rejects with ApproversUnknownError when it cannot tell. */
  isApprover(userId: string, tenant: string): Promise<boolean>;
  /**
   * The tenants whose requests `userId` may decide; empty for someone who approves nothing.
   * Rejects with ApproversUnknownError when it cannot tell.
   */
  tenantsOf(userId: string): Promise<string[]>;
}

export interface NewRequest {
  form: RequestForm;
  requesterId: string;
  originChannelId: string | undefined;
  submissionKey: string;
  expiresAt: number;
  nextReminderAt: number | null;
  /** Approvals it needs (default 1). */
  requiredApprovals?: number;
  /** The requester may have at most this many pending requests, this one included. */
  maxPending: number;
  /** A request about an existing client (absent: a new client, kind "create"). */
  about?: ClientAbout;
}

/** What a request about an existing client acts on, and the client as read when it was made. */
export interface ClientAbout {
  kind: ClientRequestKind;
  targetClientId: string;
  baseline: ClientSettings;
}

export interface ApprovalInput {
  id: number;
  actor: string;
  /**
   * False: count it only if it is not the last approval needed (so a check that runs before the
   * last one, such as drift, cannot be skipped by an approval that raced this one). Default true.
   */
  mayBeLast?: boolean;
  /** Recorded with the last approval: the request's outcome note, and the audit row's detail. */
  note?: string;
}

export type RecordResult =
  | { kind: "recorded"; request: Request }
  /** The same modal was submitted before: that request. */
  | { kind: "duplicate"; request: Request }
  | { kind: "limit"; pending: number };

/** Columns a transition may change besides the status. */
export type TransitionSet = Partial<
  Pick<
    Request,
    | "createdClientId"
    | "decidedBy"
    | "decidedAt"
    | "decisionReason"
    | "lastError"
    | "outcomeNotifiedAt"
    | "nextReminderAt"
    | "outcomeNote"
  >
>;

export interface TransitionInput {
  id: number;
  from: RequestStatus;
  to: RequestStatus;
  actor: string;
  detail?: string | undefined;
  set?: TransitionSet;
  /** Only if the request was last written before this: taking over a creation whose lease ended. */
  leaseEndedBefore?: number;
}

/**
 * The request lifecycle. Every state change is one conditional statement, so of two processes (or
 * replicas) racing for the same change exactly one wins; the loser gets undefined or false.
 * The audit row of a transition is written by the database in the same statement.
 */
export interface RequestStore {
  /**
   * True when other processes may write the same database (PostgreSQL with replicas). A store only
   * this process writes (SQLite) lets a restart take up abandoned creations at once.
   */
  readonly shared: boolean;
  /** Records a submission once: a repeat of the same modal, or one past the pending limit, records nothing. */
  record(input: NewRequest): Promise<RecordResult>;
  get(id: number): Promise<Request | undefined>;
  countPendingBy(requesterId: string): Promise<number>;
  /** Moves a request from `from` to `to`; undefined when it was not in `from` (someone moved it first). */
  transition(input: TransitionInput): Promise<Request | undefined>;
  /**
   * Counts `actor`'s approval of a pending request they have not approved yet; the one that makes
   * the required number also moves it to approved. The request after it, or undefined when nothing
   * was counted (not pending, or already approved by `actor`). One statement: of two approvals at
   * once, each counts, and exactly one of them is the last.
   */
  approve(input: ApprovalInput): Promise<Request | undefined>;
  /**
   * The "create" request whose client is `clientId` (created; letter case of a GUID aside): the
   * client's origin, and who may manage it.
   */
  createRequestOfClient(clientId: string): Promise<Request | undefined>;
  /**
   * `requesterId`'s created "create" requests, newest first, leaving out clients a request of
   * theirs or anyone's has deleted through the bot.
   */
  managedClientsOf(requesterId: string, limit: number): Promise<Request[]>;
  /** Requests about any of `clientIds` still open (pending, approved, applying), oldest first. */
  openRequestsAbout(clientIds: readonly string[]): Promise<Request[]>;
  /** Notes another client of the tenant already named so (only the first finding counts). */
  setNameTakenBy(id: number, clientId: string): Promise<Request | undefined>;
  /** Remembers where the approval message is (only the first post counts); the request as it is now. */
  setApprovalMessage(id: number, ref: MessageRef): Promise<Request | undefined>;
  /** Remembers the requester's DM with the Cancel button (the latest one), so it can be edited later. */
  setRequesterMessage(id: number, ref: MessageRef): Promise<void>;
  requesterMessageOf(id: number): Promise<MessageRef | undefined>;
  /**
   * Marks the outcome `status` as told, if the request still has it and nobody told it yet: the
   * request as it is now, for exactly one caller; undefined for the others, and for an outcome a
   * retry has already replaced.
   */
  claimOutcomeNotification(id: number, status: RequestStatus): Promise<Request | undefined>;
  /** Takes the reminder due at `request.nextReminderAt`; true for exactly one caller. */
  claimReminder(request: Request, next: number | null): Promise<boolean>;
  /** Counts one Identity API call, and renews the lease, of a creation under way. */
  countAttempt(id: number): Promise<void>;
  /** Renews the lease of a creation under way (see Creations). */
  renewLease(id: number): Promise<void>;
  /** Approved requests, and creations whose lease ended before `leaseEndedBefore`. */
  listCreationsToResume(leaseEndedBefore: number): Promise<Request[]>;
  /** Created or failed requests whose requester has not been told, last changed before `before`. */
  listUntoldOutcomes(before: number, limit: number): Promise<Request[]>;
  listDueForExpiry(now: number, limit: number): Promise<Request[]>;
  listDueForReminder(now: number, limit: number): Promise<Request[]>;
}

/** Approval posts Slack refused (channel archived, bot not invited, Slack down), tried again later. */
export interface ApprovalPostQueue {
  /**
   * Pending requests without an approval message that are due: a failed post once its backoff has
   * passed; one never tried, once recorded before `untriedBefore` (a newer one is being posted).
   */
  listUnposted(now: number, untriedBefore: number, limit: number): Promise<Request[]>;
  /** Takes the next post of a request until `until`; true for exactly one caller. */
  claim(id: number, now: number, until: number): Promise<boolean>;
  /** Counts a failed post and sets when to try again (after `backoffMs(failures)`). */
  defer(id: number, now: number, error: string, backoffMs: (failures: number) => number): Promise<ApprovalPostRetry>;
  /** Marks that the requester was told the request waits to be posted; true for exactly one caller. */
  claimUnpostedNotice(id: number, now: number): Promise<boolean>;
  /** Ends the backoff of every request still waiting to be posted (posts under way keep their claims); returns how many. */
  makeDue(now: number): Promise<number>;
  retryOf(id: number): Promise<ApprovalPostRetry | undefined>;
}

/** Where a page of someone's requests starts: older than `before`, or newer than `after`; neither = newest. */
export interface PageCursor {
  before?: number | undefined;
  after?: number | undefined;
}

export interface RequestPage {
  rows: Request[];
  hasNewer: boolean;
  hasOlder: boolean;
}

/** Whose "Waiting for you": an approver, the tenants they approve for, and whether their own requests count. */
export interface WaitingFor {
  approverId: string;
  tenants: readonly string[];
  /** Self-approval is allowed: their own requests that need one approval wait for them too. */
  ownIncluded: boolean;
}

/** What App Home and `status` show. Reads only. */
export interface RequestReader {
  get(id: number): Promise<Request | undefined>;
  /** The newest `limit` requests of one person. */
  listByRequester(requesterId: string, limit: number): Promise<Request[]>;
  countByRequester(requesterId: string): Promise<number>;
  /** One page of a person's requests, newest first (keyset paging: as fast on page 100 as on page 1). */
  pageByRequester(requesterId: string, cursor: PageCursor, size: number): Promise<RequestPage>;
  /**
   * Pending requests `viewer.approverId` may still approve, not yet past their expiry (those can no
   * longer be decided), oldest first; and how many there are.
   */
  pendingFor(viewer: WaitingFor, limit: number): Promise<{ requests: Request[]; total: number }>;
  /** The requests still waiting for something, database-wide (monitoring). */
  openRequests(): Promise<OpenRequests>;
  auditOf(id: number): Promise<AuditEntry[]>;
}

/**
 * Requests work is still owed to, in the whole database: pending ones (past their expiry or not:
 * a sweep that stopped shows here), approved ones not yet claimed, and creations under way.
 */
export interface OpenRequests {
  pending: number;
  approved: number;
  creating: number;
  /** When the oldest pending request was recorded (ms), if any is pending. */
  oldestPendingCreatedAt: number | undefined;
}

/** The audit export: everything, a batch at a time. */
export interface AuditSource {
  /** Requests with id above `afterId` touched since `since`, and their transitions since `since`. */
  exportBatch(
    since: number | undefined,
    afterId: number,
    limit: number,
  ): Promise<{ requests: Request[]; events: AuditEntry[] }>;
}
