import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, Harness, REQUESTER } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import { WAIT_MS, waitForClientIdDm } from "./identity-support.ts";

/** Ten approvers; the first one clicks several times. */
const APPROVERS: Person[] = Array.from({ length: 10 }, (_, i) => ({
  id: `U0APPR${String(i).padStart(2, "0")}`,
  name: `approver${i}`,
}));

describe("Identity API: concurrent Approve clicks", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it("20 Approve clicks on one request arriving at once make exactly one POST", async () => {
    h = await Harness.start({ env: { APPROVER_USER_IDS: APPROVERS.map((a) => a.id).join(",") } });
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    // Slow the POST so that late clicks land while the creation is under way, not only after it.
    h.identity.inject({ route: "POST clients", delayMs: 300 });

    const clickers: Person[] = [
      ...APPROVERS,
      ...APPROVERS.slice(0, 9),
      APPROVERS[0] as Person, // the same approver a third time
    ];
    expect(clickers).toHaveLength(20);
    const answers = await Promise.all(clickers.map((who) => h.click(who, "approve_request", id, ts)));
    expect(answers.map((a) => a.status)).toEqual(clickers.map(() => 200));

    const created = await h.waitForStatus(id, "created", WAIT_MS);
    await waitForClientIdDm(h, REQUESTER, guid);
    const refusals = await h.slack.waitForCalls("chat.postEphemeral", 19, () => true, WAIT_MS);

    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect(h.identity.callsTo("GET client")).toHaveLength(0);
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    expect(h.identity.callsTo("token")).toHaveLength(1);
    expect(created.createdClientId).toBe(guid);

    const audit = await h.store.reads.auditOf(id);
    const approvals = audit.filter((a) => a.toStatus === "approved");
    expect(approvals).toHaveLength(1);
    expect(audit.filter((a) => a.toStatus === "creating")).toHaveLength(1);
    const winner = approvals[0]?.actor;
    expect(created.decidedBy).toBe(winner);

    // Everyone else is told, privately, that nothing changed.
    expect(refusals).toHaveLength(19);
    for (const r of refusals) {
      expect(String(r.args.text)).toContain("Nothing was changed");
      expect(String(r.args.text)).toContain(`<@${winner}>`);
    }
    const refusedCount = new Map<string, number>();
    for (const r of refusals) refusedCount.set(String(r.args.user), (refusedCount.get(String(r.args.user)) ?? 0) + 1);
    const clickCount = new Map<string, number>();
    for (const c of clickers) clickCount.set(c.id, (clickCount.get(c.id) ?? 0) + 1);
    for (const [user, clicks] of clickCount) {
      expect(refusedCount.get(user) ?? 0).toBe(user === winner ? clicks - 1 : clicks);
    }
    expect(h.dmsTo(REQUESTER).filter((c) => JSON.stringify(c.args).includes(guid))).toHaveLength(1);
  });

  it("creates no more clients at once than OCS_MAX_CONCURRENT_CREATIONS; the others wait their turn", async () => {
    h = await Harness.start({ env: { OCS_MAX_CONCURRENT_CREATIONS: "1" } });
    const first = await h.submitValid();
    const second = await h.submitValid();
    // The first creation is held at the Identity API, so the second can only start after it.
    h.identity.inject({ route: "POST clients", delayMs: 1500 });
    const answers = await Promise.all([
      h.click(APPROVER, "approve_request", first.id, first.ts),
      h.click(APPROVER, "approve_request", second.id, second.ts),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await expect.poll(() => h.identity.callsTo("POST clients").length, { timeout: WAIT_MS }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);

    await h.waitForStatus(first.id, "created", WAIT_MS);
    await h.waitForStatus(second.id, "created", WAIT_MS);
    const posts = h.identity.callsTo("POST clients");
    expect(posts).toHaveLength(2);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1400);
  });
});
