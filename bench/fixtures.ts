/**
 * What both apps under test are given: fake credentials, ids, the form a benchmark user submits,
 * and the Slack payloads (modal, messages) the bare Bolt baseline sends. The payloads come from
 * the real view builders, so the baseline sends exactly as much as our app does.
 */
import type { FormValues } from "../devkit/slackRequests.ts";
import { openSqlite } from "../src/db/sqlite/open.ts";
import { type RequestForm, validateRequestForm } from "../src/requests/form.ts";
import type { Request } from "../src/requests/request.ts";
import { ACTIONS, CALLBACKS, COMMAND } from "../src/slack/ids.ts";
import { approvalMessage } from "../src/slack/surfaces/approvalMessage.ts";
import { requesterMessage } from "../src/slack/surfaces/outcomeMessages.ts";
import { requestModal } from "../src/slack/surfaces/requestModal.ts";
import type { BareFixtures } from "./bareBolt.ts";

export type { BareFixtures };

/** Obviously fake values: nothing here is a credential of any real workspace or tenant. */
export const FAKE = {
  botToken: "xoxb-bench-bot-token-not-real",
  signingSecret: "benchmark-fake-signing-secret-0000",
  tenantId: "00000000-0000-4000-8000-00000000be0c",
  ocsClientId: "benchmark-fake-client",
  ocsClientSecret: "benchmark-fake-client-secret-0000",
} as const;

export const APPROVAL_CHANNEL = "C0BENCHAPPROVALS";
export const ORIGIN_CHANNEL = "C0BENCHORIGIN";
export const APPROVER = { id: "U0BENCHAPPROVER", name: "bench-approver" } as const;
export const REQUEST_TTL_MS = 72 * 3_600_000;

/** Requesters the benchmark plays (and seeds history for): ids U0R00000 … */
export const REQUESTER_POOL = 5000;
export function requesterId(n: number): string {
  return `U0R${String(n % REQUESTER_POOL).padStart(5, "0")}`;
}

/** A realistic, valid submission; `name` makes each one recognisable in what the app sends. */
export function formValues(name: string): FormValues {
  return {
    name,
    redirectUris:
      "https://dashboard.example.com/callback\nhttps://dashboard.example.com/silent-renew\nhttp://localhost:5173/callback",
    postLogoutRedirectUris: "https://dashboard.example.com/",
    allowedCorsOrigins: "https://dashboard.example.com",
    accessTokenLifetime: "1800",
    justification:
      "The plant dashboard team needs sign-in for the new production site; the client is used by the web front end only.",
  };
}

/** The form as the app stores it (through the app's own validation, so the two cannot drift). */
export function parsedForm(name: string): RequestForm {
  const result = validateRequestForm(formValues(name), ["default"]);
  if (!result.ok) throw new Error(`The benchmark form is invalid: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/**
 * A pending request and the same request approved, exactly as the app stores them: recorded
 * through the app's own stores in a throw-away in-memory database.
 */
export async function sampleRequests(): Promise<{ pending: Request; approved: Request }> {
  const database = openSqlite(":memory:");
  try {
    const { requests } = database.stores;
    const now = Date.now();
    const recorded = await requests.record({
      form: parsedForm("Bench sample-00000"),
      requesterId: requesterId(1),
      originChannelId: ORIGIN_CHANNEL,
      submissionKey: "VSAMPLE",
      expiresAt: now + REQUEST_TTL_MS,
      nextReminderAt: now + 24 * 3_600_000,
      maxPending: 5,
    });
    if (recorded.kind !== "recorded") throw new Error("Could not record the sample request");
    const pending = await requests.setApprovalMessage(recorded.request.id, {
      channelId: APPROVAL_CHANNEL,
      ts: "1700000000.000001",
    });
    const approved = await requests.transition({
      id: recorded.request.id,
      from: "pending",
      to: "approved",
      actor: APPROVER.id,
      set: { decidedBy: APPROVER.id, decidedAt: Date.now() },
    });
    if (!pending || !approved) throw new Error("Could not build the sample request");
    return { pending, approved };
  } finally {
    await database.close();
  }
}

/** What the bare Bolt app sends, from our own view builders (its type lives in bareBolt.ts, which imports nothing of ours). */
export async function bareFixtures(): Promise<BareFixtures> {
  const { pending, approved } = await sampleRequests();
  return {
    command: COMMAND,
    viewCallback: CALLBACKS.requestForm,
    approveAction: ACTIONS.approve,
    approvalChannel: APPROVAL_CHANNEL,
    modal: requestModal([{ name: "default", label: "default" }], { channelId: ORIGIN_CHANNEL }),
    approval: approvalMessage(pending, undefined),
    dm: requesterMessage(pending, "recorded", {
      approvalChannelId: APPROVAL_CHANNEL,
      tenantLabel: undefined,
      requestTtlMs: REQUEST_TTL_MS,
    }),
    approved: approvalMessage(approved, undefined),
  };
}
