import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ClientSettings, requestKinds } from "../../requests/clients.ts";
import { requestStatuses, type StoredError } from "../../requests/request.ts";
import type { SameShape } from "../shape.ts";

/** The SQLite tables. db/postgres/schema.ts holds the same tables for PostgreSQL; both match the domain types. */

const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
const epochMs = (name: string) => integer(name, { mode: "number" });

export const requests = sqliteTable(
  "requests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: requestKinds }).notNull().default("create"),
    targetClientId: text("target_client_id"),
    baseline: json<ClientSettings>("baseline"),
    outcomeNote: text("outcome_note"),
    tenant: text("tenant").notNull(),
    requesterId: text("requester_id").notNull(),
    originChannelId: text("origin_channel_id"),
    submissionKey: text("submission_key").notNull(),
    name: text("name").notNull(),
    redirectUris: json<string[]>("redirect_uris").notNull(),
    postLogoutRedirectUris: json<string[]>("post_logout_redirect_uris").notNull(),
    allowedCorsOrigins: json<string[]>("allowed_cors_origins").notNull(),
    accessTokenLifetime: integer("access_token_lifetime").notNull(),
    justification: text("justification").notNull(),
    status: text("status", { enum: requestStatuses }).notNull().default("pending"),
    clientGuid: text("client_guid").notNull(),
    createdClientId: text("created_client_id"),
    approvalChannelId: text("approval_channel_id"),
    approvalMessageTs: text("approval_message_ts"),
    decidedBy: text("decided_by"),
    decidedAt: epochMs("decided_at"),
    decisionReason: text("decision_reason"),
    requiredApprovals: integer("required_approvals").notNull().default(1),
    approvedBy: json<string[]>("approved_by").notNull().default([]),
    nameTakenBy: text("name_taken_by"),
    lastError: json<StoredError>("last_error"),
    attempts: integer("attempts").notNull().default(0),
    outcomeNotifiedAt: epochMs("outcome_notified_at"),
    remindersSent: integer("reminders_sent").notNull().default(0),
    nextReminderAt: epochMs("next_reminder_at"),
    expiresAt: epochMs("expires_at").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
    /** Who made the last state change, and why: the audit trigger copies them into audit_events. */
    lastActor: text("last_actor"),
    lastDetail: text("last_detail"),
  },
  (t) => [
    uniqueIndex("requests_submission_key_unique").on(t.submissionKey),
    uniqueIndex("requests_client_guid_unique").on(t.clientGuid),
    index("requests_requester_idx").on(t.requesterId, t.id),
    // A requester's pending count (the limit, every submission): the status index alone would scan every pending row.
    index("requests_requester_status_idx").on(t.requesterId, t.status),
    index("requests_status_idx").on(t.status, t.updatedAt),
    /** App Home "Waiting for you": pending requests oldest first, without sorting them all. */
    index("requests_status_id_idx").on(t.status, t.id),
    // Composite rather than partial (WHERE status = 'pending') indexes: drizzle binds the status
    // as a parameter, and SQLite only uses a partial index for a literal (bench/results.md).
    index("requests_status_expiry_idx").on(t.status, t.expiresAt),
    index("requests_status_reminder_idx").on(t.status, t.nextReminderAt),
    index("requests_untold_outcome_idx").on(t.outcomeNotifiedAt, t.status),
    /** A client's create request (who may manage it), and the open requests about a client. */
    index("requests_created_client_idx").on(t.createdClientId),
    index("requests_target_client_idx").on(t.targetClientId, t.status),
  ],
);

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    requestId: integer("request_id")
      .notNull()
      .references(() => requests.id),
    actor: text("actor").notNull(),
    fromStatus: text("from_status", { enum: requestStatuses }),
    toStatus: text("to_status", { enum: requestStatuses }).notNull(),
    detail: text("detail"),
    at: epochMs("at").notNull(),
  },
  (t) => [index("audit_events_request_idx").on(t.requestId, t.id), index("audit_events_at_idx").on(t.at)],
);

/**
 * The requester's first direct message about a request (the one with its Cancel button), so it
 * can be edited when the request leaves pending. Slack bookkeeping, so kept beside the request rather than in it.
 */
export const requesterMessages = sqliteTable("requester_messages", {
  requestId: integer("request_id")
    .primaryKey()
    .references(() => requests.id),
  channelId: text("channel_id").notNull(),
  ts: text("ts").notNull(),
});

/** Approval posts that have not reached Slack yet: when to try again, and whether the requester has been told. */
export const approvalPostRetries = sqliteTable("approval_post_retries", {
  requestId: integer("request_id")
    .primaryKey()
    .references(() => requests.id),
  /** Failed posts so far; the wait before the next one doubles with each. */
  attempts: integer("attempts").notNull().default(0),
  /** Not before this time: the backoff after a failure. */
  nextAttemptAt: epochMs("next_attempt_at").notNull(),
  /** A process is posting it until then (a claim; one that died lapses). Kept apart from the backoff, which other posts may end. */
  claimedUntil: epochMs("claimed_until"),
  lastError: text("last_error"),
  /** When the requester was told the request is recorded but not yet in front of the approvers. */
  requesterToldAt: epochMs("requester_told_at"),
});

// Fails the type check when a column differs from the domain's types (see shape.ts).
true satisfies SameShape<typeof requests, typeof auditEvents, typeof approvalPostRetries>;
