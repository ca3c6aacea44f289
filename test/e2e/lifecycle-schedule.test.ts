import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import type { SignedResponse } from "../../devkit/slackRequests.ts";
import { type RunningApp, startApp } from "../../src/app.ts";
import { nextReminderAfter } from "../../src/requests/reminders.ts";
import {
  actionIdsIn,
  buttonValues,
  clickInHome,
  homesOf,
  openHome,
  setRequestTime,
  threadReplies,
  updatesOf,
  WAIT_MS,
  waitForHome,
} from "./lifecycle-support.ts";

const HOUR = 3_600_000;

const reminders = (h: Harness, ts: string) =>
  threadReplies(h, ts).filter((c) => textOf(c.args).includes("still waiting for a decision"));

describe("reminders", () => {
  let h: Harness | undefined;
  let second: RunningApp | undefined;
  afterEach(async () => {
    await second?.stop();
    second = undefined;
    await h?.stop();
    h = undefined;
  });

  it("reminds approvers in the thread once per interval, up to MAX_REMINDERS, across a restart", async () => {
    // 0.0001 h = 360 ms between reminders; the harness runs the schedule every 100 ms.
    h = await Harness.start({ env: { REMINDER_HOURS: "0.0001", MAX_REMINDERS: "2", REQUEST_TTL_HOURS: "1" } });
    const { id, ts } = await h.submitValid();
    const harness = h;
    await h.slack.waitFor(() => reminders(harness, ts).length >= 1, WAIT_MS, "the first reminder");

    await h.restart();

    // The second reminder comes from the new process: the schedule lives in the database.
    await h.slack.waitFor(() => reminders(harness, ts).length >= 2, WAIT_MS, "the second reminder");
    const stored = await h.slack.waitFor(
      async () => {
        const r = await harness.request(id);
        return r?.nextReminderAt === null ? r : undefined;
      },
      WAIT_MS,
      "no reminder left",
    );
    expect(stored.remindersSent).toBe(2);
    const sent = reminders(h, ts);
    expect(sent).toHaveLength(2);
    expect(textOf(sent[0]?.args ?? {})).toContain("Reminder 1");
    expect(textOf(sent[1]?.args ?? {})).toContain("Reminder 2");
    expect(textOf(sent[0]?.args ?? {})).toContain(`<@${REQUESTER.id}>`);
    expect(stored.status).toBe("pending");
  });

  it("after downtime spanning several intervals sends one reminder, not one per missed interval", async () => {
    h = await Harness.start({
      env: { REMINDER_HOURS: "1", MAX_REMINDERS: "5", REQUEST_TTL_HOURS: "72", REQUEST_SWEEP_SECONDS: "3600" },
    });
    const { id, ts } = await h.submitValid();
    // Three reminder times have passed while (as it were) nobody was running.
    const dueSince = Date.now() - 3 * HOUR - 60_000;
    await setRequestTime(h, id, "next_reminder_at", dueSince);

    await h.service.runSchedule();
    await h.service.runSchedule();

    expect(reminders(h, ts)).toHaveLength(1);
    const r = await h.request(id);
    expect(r?.remindersSent).toBe(1);
    // The next one is a whole interval ahead on the original cadence.
    expect(r?.nextReminderAt).toBe(dueSince + 4 * HOUR);
  });

  it("two app instances on one database, and concurrent runs, never send the same reminder twice", async () => {
    h = await Harness.start({
      env: { REMINDER_HOURS: "1", MAX_REMINDERS: "3", REQUEST_TTL_HOURS: "72", REQUEST_SWEEP_SECONDS: "3600" },
    });
    // The same configuration: the same database, and the same sweep interval (an hour).
    second = await startApp(h.config, {
      slackRetries: { retries: 0 },
      skipStartupChecks: true,
      writeLog: () => {},
    });
    const { id, ts } = await h.submitValid();
    const other = await h.submitValid();
    // Both requests' reminders fall due at the same moment.
    await setRequestTime(h, id, "next_reminder_at", Date.now() - 1000);
    await setRequestTime(h, other.id, "next_reminder_at", Date.now() - 1000);

    await Promise.all([
      h.service.runSchedule(),
      second.service.runSchedule(),
      h.service.runSchedule(),
      second.service.runSchedule(),
    ]);

    expect(reminders(h, ts)).toHaveLength(1);
    expect(reminders(h, other.ts)).toHaveLength(1);
    expect((await h.request(id))?.remindersSent).toBe(1);
    expect((await h.request(other.id))?.remindersSent).toBe(1);
  });

  it("two instances ticking every 100 ms on one database send exactly MAX_REMINDERS", async () => {
    h = await Harness.start({ env: { REMINDER_HOURS: "0.00005", MAX_REMINDERS: "3", REQUEST_TTL_HOURS: "1" } });
    // The same configuration: the same database, and the harness's sweep every 100 ms.
    expect(h.config.sweepIntervalMs).toBe(100);
    second = await startApp(h.config, {
      slackRetries: { retries: 0 },
      skipStartupChecks: true,
      writeLog: () => {},
    });
    const { id, ts } = await h.submitValid();
    const harness = h;
    await h.slack.waitFor(
      async () => (await harness.request(id))?.nextReminderAt === null,
      WAIT_MS,
      "all reminders to be sent",
    );
    // The last claim may still be posting: wait for its message, then count.
    await h.slack.waitFor(() => reminders(harness, ts).length >= 3, WAIT_MS, "three reminders");
    const texts = reminders(h, ts).map((c) => /Reminder (\d+)/.exec(textOf(c.args))?.[1]);
    expect(texts).toEqual(["1", "2", "3"]);
  });
});

describe("expiry", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("expires a pending request after REQUEST_TTL_HOURS, across a restart: buttons go, everyone is told once", async () => {
    // 0.0005 h = 1.8 s.
    h = await Harness.start({ env: { REQUEST_TTL_HOURS: "0.0005", MAX_REMINDERS: "0" } });
    const { id, ts } = await h.submitValid();
    const harness = h;
    const card = await h.slack.waitFor(() => harness.store.requests.requesterMessageOf(id), WAIT_MS, "DM");
    const dmsBefore = h.dmsTo(REQUESTER).length;

    await h.restart();
    const expired = await h.waitForStatus(id, "expired", WAIT_MS);
    expect(expired.expiresAt).toBeLessThanOrEqual(expired.updatedAt);

    const approval = await h.slack.waitFor(
      () => updatesOf(harness, APPROVAL_CHANNEL, ts).find((c) => textOf(c.args).includes("Expired")),
      WAIT_MS,
      "approval message edit",
    );
    expect(actionIdsIn(approval.args.blocks)).toEqual(["view_request"]);
    await h.slack.waitFor(
      () => threadReplies(harness, ts).find((c) => textOf(c.args).includes("expired")),
      WAIT_MS,
      "thread reply",
    );
    const dm = await h.slack.waitFor(() => harness.dmsTo(REQUESTER)[dmsBefore], WAIT_MS, "expiry DM");
    expect(textOf(dm.args)).toContain("expired");
    expect(textOf(dm.args)).toContain("What next");
    const cardEdit = await h.slack.waitFor(() => updatesOf(harness, card.channelId, card.ts)[0], WAIT_MS, "DM edit");
    expect(actionIdsIn(cardEdit.args.blocks)).toEqual(["view_request"]);

    expect((await h.store.reads.auditOf(id)).at(-1)).toMatchObject({
      actor: "system",
      fromStatus: "pending",
      toStatus: "expired",
    });
    // A few more ticks change nothing and tell nobody again.
    await h.service.runSchedule();
    expect(h.dmsTo(REQUESTER)).toHaveLength(dmsBefore + 1);
    expect(threadReplies(h, ts).filter((c) => textOf(c.args).includes("expired"))).toHaveLength(1);

    // Approving an expired request is refused.
    await h.click(APPROVER, "approve_request", id, ts);
    const refusal = await h.slack.waitFor(() => harness.ephemeralsTo(APPROVER)[0], WAIT_MS, "refusal");
    expect(String(refusal.args.text)).toContain("expired");
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
  });
});

describe("expiry is enforced at decision time, before any sweep", () => {
  let h: Harness;
  let seq = 0;
  beforeAll(async () => {
    // No sweep during the test: whatever expires, the decision itself expires it.
    h = await Harness.start({ env: { REQUEST_SWEEP_SECONDS: "3600", MAX_REMINDERS: "0", MAX_PENDING_PER_USER: "50" } });
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A pending request whose expiry time passed a minute ago (as if nobody had run since). */
  async function pastItsExpiry(): Promise<{ id: number; ts: string; name: string }> {
    const name = `Expiring app ${++seq}`;
    const { id, ts } = await h.submitValid(REQUESTER, { ...VALID_FORM, name });
    await h.slack.waitFor(() => h.store.requests.requesterMessageOf(id), WAIT_MS, "the requester's DM");
    await setRequestTime(h, id, "expires_at", Date.now() - 60_000);
    return { id, ts, name };
  }

  const expiryDms = (name: string) =>
    h.dmsTo(REQUESTER).filter((c) => textOf(c.args).includes(name) && textOf(c.args).includes("expired"));
  const expiryReplies = (ts: string) => threadReplies(h, ts).filter((c) => textOf(c.args).includes("expired"));

  /** What the clicker was told: an ephemeral note, the deny form's error, or the Home tab's notice. */
  type Refusal = (request: { id: number; ts: string }) => Promise<string>;
  const ephemeralTo = (user: typeof APPROVER, answer: () => Promise<SignedResponse>) => async () => {
    const before = h.ephemeralsTo(user).length;
    expect((await answer()).status).toBe(200);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(user)[before], WAIT_MS, "a note to the clicker");
    return String(note.args.text);
  };
  const refusals: [string, Refusal][] = [
    ["Approve", (r) => ephemeralTo(APPROVER, () => h.click(APPROVER, "approve_request", r.id, r.ts))()],
    ["Deny", (r) => ephemeralTo(APPROVER, () => h.click(APPROVER, "deny_request", r.id, r.ts))()],
    [
      "the deny reason (a form opened before the expiry, sent after)",
      async (r) => {
        const answer = await h.submitDenyReason(APPROVER, r.id, "Too late, but no.");
        return String((answer.json as { errors?: { reason?: string } }).errors?.reason);
      },
    ],
    ["Cancel", (r) => ephemeralTo(REQUESTER, () => h.click(REQUESTER, "cancel_request", r.id, "1.1", REQUESTER.id))()],
    [
      "Approve in App Home",
      async (r) => {
        const before = homesOf(h, APPROVER).length;
        await clickInHome(h, APPROVER, "approve_request", String(r.id));
        return (await waitForHome(h, APPROVER, (home) => home.text.includes("expired"), before)).text;
      },
    ],
  ];

  it.each(refusals)(
    "%s past the expiry time is refused; the request expires, everyone told once",
    async (_what, refuse) => {
      const request = await pastItsExpiry();
      const text = await refuse(request);
      expect(text).toContain(`Request #${request.id} has expired without a decision. Nothing was changed.`);

      const expired = await h.waitForStatus(request.id, "expired", WAIT_MS);
      expect(expired.decidedBy).toBeNull();
      expect((await h.store.reads.auditOf(request.id)).map((e) => `${e.actor} ${e.fromStatus}→${e.toStatus}`)).toEqual([
        `${REQUESTER.id} null→pending`,
        "system pending→expired",
      ]);
      await h.slack.waitFor(() => expiryDms(request.name).length > 0, WAIT_MS, "the expiry DM");
      await h.slack.waitFor(() => expiryReplies(request.ts).length > 0, WAIT_MS, "the thread reply");
      const approvalEdit = await h.slack.waitFor(
        () => updatesOf(h, APPROVAL_CHANNEL, request.ts).find((c) => textOf(c.args).includes("Expired")),
        WAIT_MS,
        "the approval message edit",
      );
      // No decision is offered any more; the full request stays one click away.
      expect(actionIdsIn(approvalEdit.args.blocks)).toEqual(["view_request"]);

      // A late sweep and a second click change nothing and tell nobody again.
      await h.service.runSchedule();
      await h.click(APPROVER, "approve_request", request.id, request.ts);
      await h.slack.waitFor(
        () => h.ephemeralsTo(APPROVER).some((c) => String(c.args.text).includes(`#${request.id} has`)),
        WAIT_MS,
        "the second refusal",
      );
      expect(expiryDms(request.name)).toHaveLength(1);
      expect(expiryReplies(request.ts)).toHaveLength(1);
      expect(await h.store.reads.auditOf(request.id)).toHaveLength(2);
      expect(h.identity.callsTo("POST clients")).toHaveLength(0);
    },
  );

  it("App Home offers no Approve / Deny for a request past its expiry, and does not count it", async () => {
    const live = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Still waiting" });
    const stale = await pastItsExpiry();
    const before = homesOf(h, APPROVER).length;
    await openHome(h, APPROVER);
    const home = await waitForHome(h, APPROVER, () => true, before);
    expect(buttonValues(home.blocks, "approve_request")).toContain(String(live.id));
    expect(buttonValues(home.blocks, "approve_request")).not.toContain(String(stale.id));
    expect(buttonValues(home.blocks, "deny_request")).not.toContain(String(stale.id));
    const pending = await h.store.reads.pendingFor(
      { approverId: APPROVER.id, tenants: ["default"], ownIncluded: false },
      100,
    );
    expect(pending.requests.map((r) => r.id)).not.toContain(stale.id);
    expect(home.text).toContain(`Waiting for you (${pending.total})`);
    // Still pending in the database until a decision or the sweep expires it.
    expect((await h.request(stale.id))?.status).toBe("pending");
  });
});

describe("nextReminderAfter", () => {
  const base = { nextReminderAt: 10 * HOUR, expiresAt: 100 * HOUR };

  it("keeps the cadence when on time", () => {
    expect(nextReminderAfter(base, 10 * HOUR + 5, HOUR, true)).toBe(11 * HOUR);
  });
  it("skips intervals missed while stopped", () => {
    expect(nextReminderAfter(base, 13.5 * HOUR, HOUR, true)).toBe(14 * HOUR);
    expect(nextReminderAfter(base, 14 * HOUR, HOUR, true)).toBe(15 * HOUR);
  });
  it("stops at the limit and before expiry", () => {
    expect(nextReminderAfter(base, 10 * HOUR, HOUR, false)).toBeNull();
    expect(nextReminderAfter({ ...base, expiresAt: 11 * HOUR }, 10 * HOUR, HOUR, true)).toBeNull();
    expect(nextReminderAfter({ ...base, nextReminderAt: null }, 10 * HOUR, HOUR, true)).toBeNull();
  });
});
