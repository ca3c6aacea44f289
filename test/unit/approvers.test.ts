import { describe, expect, it } from "vitest";
import { createLogger, Redactor } from "../../src/log.ts";
import { ApproversUnknownError } from "../../src/requests/ports.ts";
import { LIST_OF_APPROVERS_MAX_AGE_MS, SlackApprovers, type UsergroupLookup } from "../../src/slack/approvers.ts";

const MINUTE = 60_000;

/** The Web API's usergroups.users.list, answering with `members` or failing while `down` is set. */
class FakeSlack implements UsergroupLookup {
  members = ["U0ALICE", "U0BOB"];
  down = false;
  calls = 0;
  readonly usergroups = {
    users: {
      list: async (_args: { usergroup: string }) => {
        this.calls++;
        if (this.down) throw new Error("An API error occurred: fatal_error");
        return { ok: true, users: [...this.members] };
      },
    },
  };
}

function setUp(options: { listed?: string[] } = {}) {
  const slack = new FakeSlack();
  const lines: string[] = [];
  const log = createLogger({ level: "debug", redactor: new Redactor(), write: (l) => lines.push(l) });
  let clock = 1_000_000;
  const global = { userIds: options.listed ?? ["U0LISTED"], usergroupId: "S0GROUP" };
  const tenants = new Map([
    ["default", undefined],
    ["lab", { userIds: ["U0LAB"], usergroupId: undefined }],
  ]);
  const approvers = new SlackApprovers(slack, global, tenants, log, () => clock);
  return {
    slack,
    lines,
    approvers,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe("approvers from a user group", () => {
  it("bounds the age of the member list it keeps using while the lookup fails", () => {
    // Minutes, not hours: a removed approver can decide at most this long after Slack stops answering.
    expect(LIST_OF_APPROVERS_MAX_AGE_MS).toBeGreaterThanOrEqual(MINUTE);
    expect(LIST_OF_APPROVERS_MAX_AGE_MS).toBeLessThanOrEqual(15 * MINUTE);
  });

  it("keeps honouring the last known members for a few minutes, then refuses to guess", async () => {
    const { slack, approvers, advance, lines } = setUp();
    expect(await approvers.isApprover("U0BOB", "default")).toBe(true);
    // Bob leaves the group, and Slack stops answering.
    slack.members = ["U0ALICE"];
    slack.down = true;
    advance(2 * MINUTE);
    expect(await approvers.isApprover("U0BOB", "default")).toBe(true);
    expect(await approvers.isApprover("U0MALLORY", "default")).toBe(false);
    advance(LIST_OF_APPROVERS_MAX_AGE_MS - 2 * MINUTE);
    await expect(approvers.isApprover("U0BOB", "default")).rejects.toBeInstanceOf(ApproversUnknownError);
    await expect(approvers.isApprover("U0ALICE", "default")).rejects.toBeInstanceOf(ApproversUnknownError);
    expect(lines.some((l) => l.includes('"event":"usergroup_lookup_failed"'))).toBe(true);
    // The listed approvers need no lookup.
    expect(await approvers.isApprover("U0LISTED", "default")).toBe(true);

    // Slack answers again: the current list, Bob no longer in it.
    slack.down = false;
    expect(await approvers.isApprover("U0BOB", "default")).toBe(false);
    expect(await approvers.isApprover("U0ALICE", "default")).toBe(true);
  });

  it("refuses to guess when the group was never read", async () => {
    const { slack, approvers } = setUp();
    slack.down = true;
    await expect(approvers.isApprover("U0ALICE", "default")).rejects.toThrow(/approvers/i);
    expect(await approvers.isApprover("U0LISTED", "default")).toBe(true);
  });

  it("asks Slack at most once a minute while it answers", async () => {
    const { slack, approvers, advance } = setUp();
    for (let i = 0; i < 5; i++) await approvers.isApprover("U0ALICE", "default");
    expect(slack.calls).toBe(1);
    advance(MINUTE + 1);
    await approvers.isApprover("U0ALICE", "default");
    expect(slack.calls).toBe(2);
  });

  it("answers per tenant, and leaves out of tenantsOf only the tenants it cannot tell about", async () => {
    const { slack, approvers, advance } = setUp();
    expect(await approvers.isApprover("U0ALICE", "lab")).toBe(false);
    expect(await approvers.isApprover("U0LAB", "lab")).toBe(true);
    expect(await approvers.isApprover("U0LAB", "default")).toBe(false);
    // A tenant no longer configured falls back to the global approvers.
    expect(await approvers.isApprover("U0ALICE", "gone")).toBe(true);
    expect(await approvers.tenantsOf("U0ALICE")).toEqual(["default"]);
    expect(await approvers.tenantsOf("U0LAB")).toEqual(["lab"]);
    expect(await approvers.tenantsOf("U0MALLORY")).toEqual([]);

    slack.down = true;
    advance(LIST_OF_APPROVERS_MAX_AGE_MS);
    // The lab's approver is listed: no lookup needed, and what cannot be told is left out.
    expect(await approvers.tenantsOf("U0LAB")).toEqual(["lab"]);
    // Nothing can be told of the only tenant that might be theirs: no guess either way.
    await expect(approvers.tenantsOf("U0ALICE")).rejects.toBeInstanceOf(ApproversUnknownError);
    await expect(approvers.isApprover("U0ALICE", "default")).rejects.toBeInstanceOf(ApproversUnknownError);
    expect(await approvers.isApprover("U0ALICE", "lab")).toBe(false);
  });
});
