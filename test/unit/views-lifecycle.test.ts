import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import type { RequesterEvent } from "../../src/requests/ports.ts";
import type { Request, RequestStatus } from "../../src/requests/request.ts";
import {
  approvalMessage,
  decisionButtons,
  statusContext,
  statusLine,
} from "../../src/slack/surfaces/approvalMessage.ts";
import { LIMITS } from "../../src/slack/surfaces/blocks.ts";
import {
  approverThreadMessage,
  askedLine,
  type MessageContext,
  requesterCard,
  requesterMessage,
  supersededCard,
} from "../../src/slack/surfaces/outcomeMessages.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 9, 0);
const CTX: MessageContext = { approvalChannelId: "C0APPROVALS", tenantLabel: undefined, requestTtlMs: 72 * HOUR };
const CLIENT_ID = "5f0c2f9e-9d4e-4a51-8f3a-0a8b7c6d5e4f";

function inState(status: RequestStatus, overrides: Partial<Request> = {}): Request {
  const decided = ["approved", "creating", "created", "failed", "denied", "cancelled"].includes(status);
  return sampleRequest({
    status,
    decidedBy: decided ? (status === "cancelled" ? "U0REQUEST" : "U0APPROVE1") : null,
    decidedAt: decided ? T0 + HOUR : null,
    decisionReason: status === "denied" ? "Use the shared client." : null,
    createdClientId: status === "created" ? CLIENT_ID : null,
    lastError:
      status === "failed"
        ? { status: 503, error: "Service unavailable.", reason: "Maintenance.", operationId: "op-123" }
        : null,
    attempts: status === "failed" ? 3 : status === "created" ? 1 : 0,
    updatedAt: T0 + 2 * HOUR,
    ...overrides,
  });
}

const text = (blocks: KnownBlock[]) => JSON.stringify(blocks);
const hasButtons = (blocks: KnownBlock[]) => text(blocks).includes('"type":"button"');
const actionIds = (blocks: KnownBlock[]) =>
  blocks.flatMap((b) => (b.type === "actions" ? b.elements.map((e) => ("action_id" in e ? e.action_id : "")) : []));

describe("approval message lifecycle", () => {
  it("has a status line for every state, saying who and when", () => {
    expect(statusLine(inState("pending"))).toContain("Waiting for a decision · expires <!date^");
    expect(statusLine(inState("approved"))).toMatch(/Approved by <@U0APPROVE1> on <!date\^\d+/);
    expect(statusLine(inState("created"))).toContain(`\`${CLIENT_ID}\``);
    expect(statusLine(inState("failed"))).toContain("attempt 3");
    expect(statusLine(inState("denied"))).toMatch(/Denied by <@U0APPROVE1> on <!date\^\d+.*>\. Reason:$/);
    // The reason follows as the approver typed it, in plain_text, which Slack does not parse.
    expect(statusContext(inState("denied")).elements[1]).toEqual({
      type: "plain_text",
      text: "Use the shared client.",
      emoji: false,
    });
    expect(statusContext(inState("approved")).elements).toHaveLength(1);
    expect(statusLine(inState("cancelled"))).toMatch(/Cancelled by the requester on <!date\^/);
    expect(statusLine(inState("expired"))).toMatch(/Expired on <!date\^\d+.* without a decision/);
  });

  it("keeps Approve / Deny only while pending, Retry only when failed, only View full request once final", () => {
    expect(actionIds(approvalMessage(inState("pending"), undefined).blocks)).toEqual([
      "view_request",
      "approve_request",
      "deny_request",
    ]);
    expect(actionIds(approvalMessage(inState("failed"), undefined).blocks)).toEqual(["view_request", "retry_request"]);
    for (const s of ["approved", "creating", "created", "denied", "cancelled", "expired"] as const) {
      expect(actionIds(approvalMessage(inState(s), undefined).blocks), s).toEqual(["view_request"]);
    }
  });

  it("shows the created client Id as copyable code", () => {
    const message = approvalMessage(inState("created"), undefined);
    expect(text(message.blocks)).toContain(`*Client Id*\\n\`${CLIENT_ID}\``);
  });

  it("names the target tenant in the message and in the Approve confirmation when there are several", () => {
    const message = approvalMessage(inState("pending", { tenant: "beta" }), "beta (eu.example.com)");
    expect(text(message.blocks)).toContain("client in *beta (eu.example.com)*");
    const confirm = JSON.stringify(decisionButtons(inState("pending"), "beta (eu.example.com)"));
    expect(confirm).toContain(
      "Create the client “Plant dashboard” in beta (eu.example.com) now, with 1 redirect URL, 0 logout URLs and 1 CORS origin?",
    );
    expect(text(approvalMessage(inState("pending"), undefined).blocks)).not.toContain("*Tenant*");
  });

  it("replies in the thread for every change, each saying who and what", () => {
    const created = approverThreadMessage(inState("created"), "created", { ...CTX, tenantLabel: "beta" }).text;
    expect(created).toContain("Approved by <@U0APPROVE1>");
    expect(created).toContain(CLIENT_ID);
    expect(created).toContain("in beta");
    expect(approverThreadMessage(inState("failed"), "failed", CTX).text).toContain("Approved by <@U0APPROVE1>");
    expect(text(approverThreadMessage(inState("failed"), "failed", CTX).blocks)).toContain("op-123");
    expect(approverThreadMessage(inState("denied"), "denied", CTX).text).toContain("Use the shared client.");
    expect(approverThreadMessage(inState("cancelled"), "cancelled", CTX).text).toContain("<@U0REQUEST> cancelled");
    expect(approverThreadMessage(inState("expired"), "expired", CTX).text).toContain("expired after 3 days");
    const reminder = approverThreadMessage(inState("pending", { remindersSent: 1 }), "reminder", CTX).text;
    expect(reminder).toContain("Reminder 2");
    expect(reminder).toContain("still waiting for a decision");
  });
});

describe("requester messages", () => {
  const outcomes: [RequesterEvent, RequestStatus][] = [
    ["denied", "denied"],
    ["cancelled", "cancelled"],
    ["expired", "expired"],
    ["created", "created"],
    ["failed", "failed"],
  ];

  it.each(outcomes)("the %s message stands on its own: what was asked, what happened, what next", (event, status) => {
    const r = inState(status);
    const message = requesterMessage(r, event, CTX);
    const all = `${message.text}\n${text(message.blocks)}`;
    expect(all).toContain("Plant dashboard");
    expect(all).toContain(`#${r.id}`);
    expect(all).toContain("You asked on");
    expect(all).toContain("https://dashboard.example.com/callback");
    expect(all).toMatch(/What next|Need it after all|can retry/);
    expect(hasButtons(message.blocks)).toBe(false);
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
  });

  it("gives the client Id in a code block and the fallback text", () => {
    const message = requesterMessage(inState("created"), "created", CTX);
    expect(text(message.blocks)).toContain(`\`\`\`${CLIENT_ID}\`\`\``);
    expect(message.text).toContain(CLIENT_ID);
  });

  it("carries a Cancel button only while pending", () => {
    const pending = requesterMessage(inState("pending"), "recorded", CTX);
    expect(actionIds(pending.blocks)).toEqual(["view_request", "cancel_request"]);
    // Already decided when the first DM goes out (a very short TTL): no Cancel to mislead.
    expect(actionIds(requesterMessage(inState("expired"), "recorded", CTX).blocks)).toEqual(["view_request"]);
  });

  it("turns the first DM into the cancellation outcome, or into a status record for other outcomes", () => {
    const cancelled = requesterCard(inState("cancelled"), CTX);
    expect(cancelled).toEqual(requesterMessage(inState("cancelled"), "cancelled", CTX));
    for (const s of ["approved", "created", "failed", "denied", "expired"] as const) {
      const card = requesterCard(inState(s), CTX);
      expect(actionIds(card.blocks), s).toEqual(["view_request"]);
      expect(text(card.blocks)).toContain(JSON.stringify(statusLine(inState(s))).slice(1, -1));
      expect(text(card.blocks)).toContain("https://dashboard.example.com/callback");
    }
    expect(actionIds(requesterCard(inState("pending"), CTX).blocks)).toEqual(["view_request", "cancel_request"]);
  });

  it("points a superseded 'not posted yet' DM to the newer one, without buttons", () => {
    const stub = supersededCard(inState("pending"));
    expect(hasButtons(stub.blocks)).toBe(false);
    expect(stub.text).toContain("newer message");
  });

  it("summarises what was asked, bounded, and escapes it", () => {
    const many = inState("denied", {
      name: "<!channel> & co",
      redirectUris: Array.from({ length: 7 }, (_, i) => `https://a${i}.example.com/cb`),
    });
    const line = askedLine(many, "beta");
    expect(line).toContain("&lt;!channel&gt; &amp; co");
    expect(line).not.toContain("<!channel>");
    expect(line).toContain("and 4 more");
    expect(line).toContain("in *beta*");
  });
});
