import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { requestStatuses } from "../../src/requests/request.ts";
import { refusalText } from "../../src/slack/surfaces/refusals.ts";

describe("refusal texts", () => {
  it("says where a request stands, in a sentence, for every status", () => {
    const expected: Record<string, RegExp> = {
      pending: /^Request #42 is already being handled\./,
      approved: /^Request #42 is already approved by <@U0A>; its client is being created\./,
      creating: /^Request #42 is already approved by <@U0A>; its client is being created\./,
      created: /^Request #42 is already approved by <@U0A> and its client is created\./,
      failed:
        /^Request #42 is already approved by <@U0A>, but creating its client failed; an approver can press Retry\./,
      denied: /^Request #42 is already denied by <@U0A>\./,
      cancelled: /^Request #42 is already cancelled by its requester\./,
      expired: /^Request #42 has already expired without a decision\./,
    };
    for (const status of requestStatuses) {
      const text = refusalText("already_decided", sampleRequest({ status, decidedBy: "U0A" }));
      expect(text).toMatch(expected[status] as RegExp);
      expect(text).toMatch(/Nothing was changed\.$/);
    }
  });

  it("explains who may act", () => {
    const r = sampleRequest();
    expect(refusalText("not_approver", r)).toBe(
      "Only the designated approvers can decide on request #42. Nothing was changed.",
    );
    expect(refusalText("self_approval", r)).toMatch(/you asked for request #42 yourself/i);
    // Someone else's request reads as a missing one: a refusal must not tell whose it is.
    expect(refusalText("not_found", undefined)).toBe(
      "That request doesn't exist, or it isn't yours to change. Nothing was changed.",
    );
    expect(refusalText("not_found", r)).toBe(refusalText("not_found", undefined));
    expect(refusalText("not_found", r)).not.toContain("U0REQUEST");
  });

  it("says plainly when who the approvers are can't be checked, naming no request and no requester", () => {
    const text = refusalText("approvers_unknown", sampleRequest());
    expect(text).toBe(
      "I can't check who the approvers are right now, so nothing was changed. Please try again in a few minutes.",
    );
    expect(refusalText("approvers_unknown", undefined)).toBe(text);
  });

  it("says a request past its expiry has expired", () => {
    expect(refusalText("expired", sampleRequest({ status: "expired" }))).toBe(
      "Request #42 has expired without a decision. Nothing was changed.",
    );
    expect(refusalText("expired", undefined)).toBe("This request has expired without a decision. Nothing was changed.");
  });
});
