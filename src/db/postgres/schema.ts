import { bigint, index, integer, jsonb, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { type ClientSettings, requestKinds } from "../../requests/clients.ts";
import { requestStatuses, type StoredError } from "../../requests/request.ts";
import type { SameShape } from "../shape.ts";

/** The PostgreSQL tables: the same as db/sqlite/schema.ts, in PostgreSQL's types. */

const epochMs = (name: string) => bigint(name, { mode: "number" });

export const requests = pgTable(
  "requests",
  {
    id: serial("id").primaryKey(),
    kind: text("kind", { enum: requestKinds }).notNull().default("create"),
    targetClientId: text("target_client_id"),
    baseline: jsonb("baseline").$type<ClientSettings>(),
    outcomeNote: text("outcome_note"),
    tenant: text("tenant").notNull(),
    requesterId: text("requester_id").notNull(),
    originChannelId: text("origin_channel_id"),
    submissionKey: text("submission_key").notNull(),
    name: text("name").notNull(),
    redirectUris: jsonb("redirect_uris").$type<string[]>().notNull(),
    postLogoutRedirectUris: jsonb("post_logout_redirect_uris").$type<string[]>().notNull(),
    allowedCorsOrigins: jsonb("allowed_cors_origins").$type<string[]>().notNull(),
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
    approvedBy: jsonb("approved_by").$type<string[]>().notNull().default([]),
    nameTakenBy: text("name_taken_by"),
    lastError: jsonb("last_error").$type<StoredError>(),
    attempts: integer("attempts").notNull().default(0),
    outcomeNotifiedAt: epochMs("outcome_notified_at"),
    remindersSent: integer("reminders_sent").notNull().default(0),
    nextReminderAt: epochMs("next_reminder_at"),
    expiresAt: epochMs("expires_at").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
    lastActor: text("last_actor"),
    lastDetail: text("last_detail"),
  },
  (t) => [
    uniqueIndex("requests_submission_key_unique").on(t.submissionKey),
    uniqueIndex("requests_client_guid_unique").on(t.clientGuid),
    index("requests_requester_idx").on(t.requesterId, t.id),
    // A requester's pending count (the limit, every submission): the status index alone would scan every pending row.
    index("requests_requester_status_idx").on(t.requesterId, t.status),
    index("requests_status_id_idx").on(t.status, t.id),
    index("requests_status_idx").on(t.status, t.updatedAt),
    index("requests_status_expiry_idx").on(t.status, t.expiresAt),
    index("requests_status_reminder_idx").on(t.status, t.nextReminderAt),
    index("requests_untold_outcome_idx").on(t.outcomeNotifiedAt, t.status),
    /** A client's create request (who may manage it), and the open requests about a client. */
    index("requests_created_client_idx").on(t.createdClientId),
    index("requests_target_client_idx").on(t.targetClientId, t.status),
  ],
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: serial("id").primaryKey(),
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

export const requesterMessages = pgTable("requester_messages", {
  requestId: integer("request_id")
    .primaryKey()
    .references(() => requests.id),
  channelId: text("channel_id").notNull(),
  ts: text("ts").notNull(),
});

export const approvalPostRetries = pgTable("approval_post_retries", {
  requestId: integer("request_id")
    .primaryKey()
    .references(() => requests.id),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: epochMs("next_attempt_at").notNull(),
  claimedUntil: epochMs("claimed_until"),
  lastError: text("last_error"),
  requesterToldAt: epochMs("requester_told_at"),
});

// Fails the type check when a column differs from the domain's types (see shape.ts).
true satisfies SameShape<typeof requests, typeof auditEvents, typeof approvalPostRetries>;
