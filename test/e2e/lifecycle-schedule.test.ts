import { afterEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, REQUESTER, textOf } from "../../devkit/harness.ts";
import { type RunningApp, startApp } from "../../src/app.ts";
import { nextReminderAfter } from "../../src/requests/reminders.ts";
import { actionIdsIn, setRequestTime, threadReplies, updatesOf, WAIT_MS } from "./lifecycle-support.ts";

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
