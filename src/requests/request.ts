import type { ClientSettings, RequestKind } from "./clients.ts";
import type { RequestForm } from "./form.ts";

/**
 * The request, as the domain knows it. The database schemas (db/sqlite, db/postgres) are
 * checked against these types at compile time, so a column can't drift from the domain.
 */

export const requestStatuses = [
  "pending",
  "approved",
  "creating",
  "created",
  "failed",
  "denied",
  "cancelled",
  "expired",
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

/** Identity API error as kept with a failed request: what people need, and what support asks for. */
export interface StoredError {
  status?: number;
  error: string;
  reason?: string;
  resolution?: string;
  operationId?: string;
}

/**
 * A recorded request: the form as submitted, and where it stands. For a request about an existing
 * client (kind other than "create") the form holds the settings asked for (a change) or a copy of
 * the baseline (disable, enable, delete); docs/ARCHITECTURE.md, "After the client exists".
 */
export interface Request extends RequestForm {
  id: number;
  kind: RequestKind;
  /** The existing client a request of another kind than "create" acts on; null for "create". */
  targetClientId: string | null;
  /** The client's settings as read from the tenant at submission: the diff's "before", drift's reference. */
  baseline: ClientSettings | null;
  /** What else there is to know about how it ended (a delete that found the client gone, an approval despite drift). */
  outcomeNote: string | null;
  requesterId: string;
  /** Where the command was typed: an ephemeral note can reach the requester there. */
  originChannelId: string | null;
  /** Slack view id of the submitted modal: a repeated submission of the same modal finds this request. */
  submissionKey: string;
  status: RequestStatus;
  /** Chosen at submission and sent as the client's Id: makes creation idempotent. */
  clientGuid: string;
  createdClientId: string | null;
  approvalChannelId: string | null;
  approvalMessageTs: string | null;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  /** Approvals needed: its tenant's policy when it was submitted (a later change of policy leaves it be). */
  requiredApprovals: number;
  /** Who has approved so far, in order: each a different approver, never the requester. */
  approvedBy: string[];
  /** Another client of the tenant already named so, found after posting: a hint for approvers. */
  nameTakenBy: string | null;
  lastError: StoredError | null;
  /** Identity API calls made for this request so far. */
  attempts: number;
  /** Set when the requester has been told the outcome, so nobody tells twice. */
  outcomeNotifiedAt: number | null;
  remindersSent: number;
  nextReminderAt: number | null;
  expiresAt: number;
  createdAt: number;
  /** Every write stamps it; a creation under way renews it as its lease (see Creations). */
  updatedAt: number;
}

/** One state change of a request: who moved it, from what to what, when. Nothing is ever deleted. */
export interface AuditEntry {
  id: number;
  requestId: number;
  /** A Slack user id, "system" for the bot itself, or "policy" for an approval no person clicked. */
  actor: string;
  fromStatus: RequestStatus | null;
  toStatus: RequestStatus;
  detail: string | null;
  at: number;
}

/** A request whose approval post Slack refused: how often, and when to try again. */
export interface ApprovalPostRetry {
  requestId: number;
  attempts: number;
  /** Not before this time: the backoff after a failure. */
  nextAttemptAt: number;
  /** Set while a process posts it: nobody else does until then. */
  claimedUntil: number | null;
  lastError: string | null;
  requesterToldAt: number | null;
}
