import type { Request } from "../src/requests/request.ts";

/** A recorded request as the database returns it, for the pure builders' tests. */
export function sampleRequest(overrides: Partial<Request> = {}): Request {
  const now = Date.UTC(2026, 10, 30, 9, 0);
  return {
    id: 42,
    kind: "create",
    targetClientId: null,
    baseline: null,
    outcomeNote: null,
    tenant: "default",
    requesterId: "U0REQUEST",
    originChannelId: "C0ORIGIN",
    submissionKey: "V1",
    name: "Plant dashboard",
    redirectUris: ["https://dashboard.example.com/callback"],
    postLogoutRedirectUris: [],
    allowedCorsOrigins: ["https://dashboard.example.com"],
    accessTokenLifetime: 3600,
    justification: "Needed for the new site.",
    status: "pending",
    clientGuid: "5f0c2f9e-9d4e-4a51-8f3a-0a8b7c6d5e4f",
    createdClientId: null,
    approvalChannelId: "C0APPROVALS",
    approvalMessageTs: "1.000001",
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    requiredApprovals: 1,
    approvedBy: [],
    nameTakenBy: null,
    lastError: null,
    attempts: 0,
    outcomeNotifiedAt: null,
    remindersSent: 0,
    nextReminderAt: null,
    expiresAt: now + 72 * 3_600_000,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
