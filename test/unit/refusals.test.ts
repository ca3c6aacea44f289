import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { requestStatuses } from "../../src/db/schema.ts";
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
    expect(refusalText("not_requester", r)).toBe("Only <@U0REQUEST> can cancel request #42.");
    expect(refusalText("not_found", undefined)).toMatch(/can't find/);
  });
});
