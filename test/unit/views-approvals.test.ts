import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import type { Request } from "../../src/requests/request.ts";
import { approvalMessage, confirmText, decisionButtons, statusLine } from "../../src/slack/surfaces/approvalMessage.ts";
import {
  alreadyApprovedText,
  approvalProgress,
  approverNames,
  stillWaitingFor,
} from "../../src/slack/surfaces/approvals.ts";
import { approverThreadMessage, requesterMessage } from "../../src/slack/surfaces/outcomeMessages.ts";
import { refusalText } from "../../src/slack/surfaces/refusals.ts";

const CTX = { approvalChannelId: "C0APPROVALS", tenantLabel: undefined, requestTtlMs: 3_600_000 };
const twoOfThree = (overrides: Partial<Request> = {}) =>
  sampleRequest({ requiredApprovals: 3, approvedBy: ["U0ALICE", "U0BOB"], ...overrides });
const byPolicy = (overrides: Partial<Request> = {}) =>
  sampleRequest({
    status: "created",
    decidedBy: "policy",
    decidedAt: 1,
    decisionReason: "only loopback URLs",
    createdClientId: "abc",
    ...overrides,
  });

describe("approval progress", () => {
  it("shows how many of how many approvals, and who, while a request needing several is pending", () => {
    expect(approvalProgress(twoOfThree())).toBe("2 of 3 approvals: <@U0ALICE> and <@U0BOB>");
    expect(approvalProgress(twoOfThree({ approvedBy: [] }))).toBe("0 of 3 approvals yet");
    expect(approvalProgress(sampleRequest())).toBeUndefined();
    expect(approvalProgress(twoOfThree({ status: "denied" }))).toBeUndefined();
    expect(stillWaitingFor(twoOfThree())).toBe("1 more approval (2 of 3 approvals: <@U0ALICE> and <@U0BOB>)");
    expect(stillWaitingFor(sampleRequest())).toBe("a decision");
  });

  it("keeps the buttons on the approval message until the last approval, with the progress in its status", () => {
    const pending = approvalMessage(twoOfThree(), undefined);
    const json = JSON.stringify(pending.blocks);
    expect(json).toContain("approve_request");
    expect(json).toContain("deny_request");
    expect(json).toContain("2 of 3 approvals: <@U0ALICE> and <@U0BOB>");
    const approved = approvalMessage(
      twoOfThree({
        status: "creating",
        approvedBy: ["U0ALICE", "U0BOB", "U0CAROL"],
        decidedBy: "U0CAROL",
        decidedAt: 1,
      }),
      undefined,
    );
    expect(JSON.stringify(approved.blocks)).not.toContain("approve_request");
    expect(JSON.stringify(approved.blocks)).toContain("Approved by <@U0ALICE>, <@U0BOB> and <@U0CAROL>");
  });

  it("tells the approver whether their click creates the client or counts towards it (plain text, nothing parsed)", () => {
    expect(confirmText(twoOfThree({ approvedBy: ["U0ALICE"] }), "the tenant")).toBe(
      "Approve the client “Plant dashboard” in the tenant, with 1 redirect URL, 0 logout URLs and 1 CORS origin? Approval 2 of 3: created at the 3rd. “View full request” shows them all.",
    );
    expect(confirmText(twoOfThree(), "the tenant")).toBe(
      "Create the client “Plant dashboard” in the tenant now, with 1 redirect URL, 0 logout URLs and 1 CORS origin? Yours is approval 3 of 3. “View full request” shows them all.",
    );
    expect(confirmText(sampleRequest(), undefined)).toBe(
      "Create the client “Plant dashboard” now, with 1 redirect URL, 0 logout URLs and 1 CORS origin? “View full request” shows them all.",
    );
    const confirmOf = (r: Request) => {
      const approve = decisionButtons(r, undefined).elements.find((e) => e.action_id === "approve_request");
      return approve && "confirm" in approve ? approve.confirm : undefined;
    };
    expect(confirmOf(twoOfThree({ approvedBy: ["U0ALICE"] }))?.confirm?.text).toBe("Approve");
    expect(confirmOf(twoOfThree())?.confirm?.text).toBe("Approve and create");
    expect(confirmOf(twoOfThree())?.text.type).toBe("plain_text");
  });

  it("tells a second click of the same approver that it was counted already", () => {
    const text = refusalText("already_approved", twoOfThree({ id: 7, approvedBy: ["U0ALICE"] }));
    expect(text).toBe(alreadyApprovedText(twoOfThree({ id: 7, approvedBy: ["U0ALICE"] })));
    expect(text).toBe(
      "You have already approved request #7 (1 of 3 approvals); it needs 2 more approvals from other approvers. Nothing was changed.",
    );
  });
});

describe("approval by policy", () => {
  it("reads as approved by policy, never as a mention of a user called policy", () => {
    const r = byPolicy();
    expect(approverNames(r)).toBe("policy: only loopback URLs");
    expect(statusLine(r)).toContain("Approved by policy: only loopback URLs");
    const everything = [
      JSON.stringify(approvalMessage(r, undefined).blocks),
      JSON.stringify(approverThreadMessage(r, "created", CTX).blocks),
      JSON.stringify(requesterMessage(r, "created", CTX).blocks),
      JSON.stringify(requesterMessage(byPolicy({ status: "failed", lastError: { error: "x" } }), "failed", CTX).blocks),
    ].join("\n");
    expect(everything).not.toContain("<@policy>");
    expect(everything).toContain("approved by policy: only loopback URLs");
  });

  it("names every approver of a request that needed several, and the decider alone of an older one", () => {
    expect(approverNames(twoOfThree({ status: "created", decidedBy: "U0BOB" }))).toBe("<@U0ALICE> and <@U0BOB>");
    expect(approverNames(sampleRequest({ status: "created", decidedBy: "U0OLD", approvedBy: [] }))).toBe("<@U0OLD>");
  });
});
