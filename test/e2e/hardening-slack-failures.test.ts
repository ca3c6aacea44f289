import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  APPROVAL_CHANNEL,
  type Harness,
  REQUESTER,
  TEST_POSTGRES_SERVER_ENV,
  VALID_FORM,
} from "../../devkit/harness.ts";
import type { Database } from "../../src/db/database.ts";
import { openPostgres } from "../../src/db/postgres/open.ts";
import { openSqlite } from "../../src/db/sqlite/open.ts";
import { validateRequestForm } from "../../src/requests/form.ts";
import type { Request } from "../../src/requests/request.ts";
import { slackRetryPolicy } from "../../src/slack/boltApp.ts";
import { harnessPerTest } from "../support/harnessPerTest.ts";
import { type FreshDatabase, freshPostgresDatabase } from "../support/postgres.ts";

const WAIT = 10_000;
const WAITING_FOR_APPROVAL = /is waiting for approval/;
const NOT_REACHED = /approvers have not been reached/;

describe("Slack Web API failures", () => {
  const start = harnessPerTest();

  const approvalPosts = (x: Harness) => x.approvalPosts();
  const dmsMatching = (x: Harness, pattern: RegExp) =>
    x.dmsTo(REQUESTER).filter((c) => pattern.test(String(c.args.text)));
  const logEvents = (x: Harness, event: string) =>
    x.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === event);

  /** Submits the valid form and waits until the request is recorded; the approval post may fail. */
  async function submitAndRecord(x: Harness): Promise<Request> {
    const answer = await x.submitForm(REQUESTER, VALID_FORM);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
    return x.slack.waitFor(() => x.latestRequestOf(REQUESTER), WAIT, "a recorded request");
  }

  it("keeps the production retries bounded", () => {
    expect(slackRetryPolicy.retries).toBeGreaterThanOrEqual(1);
    expect(slackRetryPolicy.retries).toBeLessThanOrEqual(5);
    expect(slackRetryPolicy.maxTimeout).toBeLessThanOrEqual(30_000);
  });

  it("waits out a 429 ratelimited answer for its Retry-After, then posts once (production retry policy)", async () => {
    const x = await start({ app: { slackRetries: undefined } });
    x.slack.fail("chat.postMessage", "ratelimited", { status: 429, retryAfterSeconds: 1, channel: APPROVAL_CHANNEL });

    const request = await submitAndRecord(x);
    const posted = await x.slack.waitFor(
      async () => (await x.request(request.id))?.approvalMessageTs ?? undefined,
      WAIT,
      "the approval message",
    );
    expect(posted).toBeTruthy();
    const [refused, accepted, ...more] = approvalPosts(x);
    expect(more).toEqual([]);
    // The retry came no sooner than Slack asked (a lower bound only: it cannot flake).
    expect((accepted?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(990);
    await x.slack.waitFor(() => dmsMatching(x, WAITING_FOR_APPROVAL).length === 1, WAIT, "the requester's DM");
    expect(dmsMatching(x, NOT_REACHED)).toEqual([]);
  });

  it.each(["channel_not_found", "not_in_channel", "is_archived"])(
    "%s: records the request, tells the requester plainly once, and posts it once the channel works",
    async (error) => {
      const x = await start({ app: { approvalPostRetryMs: 150 } });
      x.slack.fail("chat.postMessage", error, { channel: APPROVAL_CHANNEL, times: 3 });

      const request = await submitAndRecord(x);
      expect(request.status).toBe("pending");
      const [notice] = await x.slack.waitFor(() => {
        const found = dmsMatching(x, NOT_REACHED);
        return found.length > 0 ? found : undefined;
      }, WAIT);
      expect(JSON.stringify(notice?.args.blocks)).toContain(`<#${APPROVAL_CHANNEL}>`);

      // The sweep tries again with backoff; the fourth post goes through.
      await x.slack.waitFor(
        async () => (await x.request(request.id))?.approvalMessageTs ?? undefined,
        WAIT,
        "the late post",
      );
      await x.slack.waitFor(() => dmsMatching(x, WAITING_FOR_APPROVAL).length > 0, WAIT, "the 'now posted' DM");
      expect(approvalPosts(x)).toHaveLength(4);
      expect(dmsMatching(x, NOT_REACHED)).toHaveLength(1);
      expect(dmsMatching(x, WAITING_FOR_APPROVAL)).toHaveLength(1);
      expect((await x.store.approvalPosts.retryOf(request.id))?.attempts).toBe(3);
      expect(logEvents(x, "approval_post_failed").map((l) => [l.request, l.attempt, l.error])).toEqual([
        [request.id, 1, `An API error occurred: ${error}`],
        [request.id, 2, `An API error occurred: ${error}`],
        [request.id, 3, `An API error occurred: ${error}`],
      ]);
      expect(logEvents(x, "approval_posted_late")).toEqual([
        expect.objectContaining({ request: request.id, failedAttempts: 3 }),
      ]);
      expect((await x.request(request.id))?.status).toBe("pending");
    },
  );

  it("does not post again on every sweep while the channel stays broken, and posts at the next start", async () => {
    const x = await start();
    x.slack.fail("chat.postMessage", "not_in_channel", { channel: APPROVAL_CHANNEL, times: 1 });
    const request = await submitAndRecord(x);
    await x.slack.waitFor(() => dmsMatching(x, NOT_REACHED).length === 1, WAIT, "the 'not reached' DM");

    // Sweeps inside the backoff (one minute by default) leave it alone.
    for (let i = 0; i < 5; i++) await x.service.resume({ atStart: false });
    expect(approvalPosts(x)).toHaveLength(1);
    expect(dmsMatching(x, NOT_REACHED)).toHaveLength(1);
    expect((await x.request(request.id))?.approvalMessageTs).toBeNull();
    const retry = await x.store.approvalPosts.retryOf(request.id);
    expect(retry?.attempts).toBe(1);
    expect(retry?.lastError).toMatch(/not_in_channel/);
    expect(retry?.nextAttemptAt).toBeGreaterThan(Date.now() + 30_000);

    // A restart (the channel fixed meanwhile) posts it at once, and the requester hears once.
    await x.restart();
    await x.slack.waitFor(
      async () => (await x.request(request.id))?.approvalMessageTs ?? undefined,
      WAIT,
      "the post at start",
    );
    await x.slack.waitFor(() => dmsMatching(x, WAITING_FOR_APPROVAL).length === 1, WAIT, "the 'now posted' DM");
    expect(approvalPosts(x)).toHaveLength(2);
    expect(dmsMatching(x, NOT_REACHED)).toHaveLength(1);
  });

  it("posts waiting requests as soon as another post shows the channel works again", async () => {
    const x = await start();
    x.slack.fail("chat.postMessage", "channel_not_found", { channel: APPROVAL_CHANNEL, times: 1 });
    const first = await submitAndRecord(x);
    await x.slack.waitFor(() => dmsMatching(x, NOT_REACHED).length === 1, WAIT, "the 'not reached' DM");

    const second = await x.submitValid(REQUESTER, { ...VALID_FORM, name: "Second app" });
    expect(second.id).not.toBe(first.id);
    await x.slack.waitFor(
      async () => (await x.request(first.id))?.approvalMessageTs ?? undefined,
      WAIT,
      "the first request's post",
    );
    expect(approvalPosts(x)).toHaveLength(3);
  });

  it("times out a Slack call that hangs, and posts the request later", async () => {
    const x = await start({ app: { slackTimeoutMs: 1000, approvalPostRetryMs: 150 } });
    x.slack.fail("chat.postMessage", "never_answered", { channel: APPROVAL_CHANNEL, delayMs: 4000 });

    const request = await submitAndRecord(x);
    await x.slack.waitFor(() => dmsMatching(x, NOT_REACHED).length === 1, WAIT, "the 'not reached' DM");
    expect(logEvents(x, "approval_post_failed")[0]?.error).toMatch(/timeout|aborted/i);
    await x.slack.waitFor(
      async () => (await x.request(request.id))?.approvalMessageTs ?? undefined,
      WAIT,
      "the late post",
    );
    await x.slack.waitFor(() => dmsMatching(x, WAITING_FOR_APPROVAL).length === 1, WAIT, "the 'now posted' DM");
  });

  it("user_not_found on the DM: tells the requester in the channel where they typed the command", async () => {
    const x = await start();
    x.slack.fail("chat.postMessage", "user_not_found", { channel: REQUESTER.id });
    const { id } = await x.submitValid();
    const note = await x.slack.waitFor(() => x.ephemeralsTo(REQUESTER)[0], WAIT, "the ephemeral note");
    expect(note.args.channel).toBe("C0ORIGIN");
    expect(String(note.args.text)).toMatch(WAITING_FOR_APPROVAL);
    expect((await x.request(id))?.status).toBe("pending");
  });

  it("a requester who cannot be reached at all changes nothing for the request", async () => {
    const x = await start();
    x.slack.fail("chat.postMessage", "user_not_found", { channel: REQUESTER.id });
    x.slack.fail("chat.postEphemeral", "channel_not_found");
    const { id } = await x.submitValid();
    await x.slack.waitFor(() => logEvents(x, "notify_failed").length > 0, WAIT, "the notify_failed line");
    expect(logEvents(x, "notify_failed")[0]).toMatchObject({ request: id, what: "tell requester" });
    expect((await x.request(id))?.approvalMessageTs).toBeTruthy();
    expect(approvalPosts(x)).toHaveLength(1);
  });
});

describe("approval posts waiting in the database", () => {
  const T0 = 1_000_000;
  let now = T0;
  let database: Database;
  let postgres: FreshDatabase | undefined;
  beforeEach(async () => {
    now = T0;
    const clock = { now: () => now };
    // The database the run's project uses: a PostgreSQL database of its own, or SQLite in memory.
    if (process.env[TEST_POSTGRES_SERVER_ENV]) {
      postgres = await freshPostgresDatabase("queue");
      database = await openPostgres(
        { kind: "postgres", url: postgres.url, poolMax: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 15_000 },
        clock,
      );
    } else {
      database = openSqlite(":memory:", clock);
    }
  });
  afterEach(async () => {
    await database.close();
    await postgres?.drop();
    postgres = undefined;
  });
  const queue = () => database.stores.approvalPosts;

  let seq = 0;
  async function record(): Promise<Request> {
    const form = validateRequestForm(
      { name: "App", redirectUris: "https://a.example.com/cb", justification: "Needed for a test." },
      ["default"],
    );
    if (!form.ok) throw new Error("bad form");
    const recorded = await database.stores.requests.record({
      form: form.value,
      requesterId: "U0REPO",
      originChannelId: undefined,
      submissionKey: `VREPO${++seq}`,
      expiresAt: now + 3_600_000,
      nextReminderAt: null,
      maxPending: 100,
    });
    if (recorded.kind !== "recorded") throw new Error(`not recorded: ${recorded.kind}`);
    return recorded.request;
  }
  const unposted = async (untriedBefore: number) =>
    (await queue().listUnposted(now, untriedBefore, 50)).map((r) => r.id);
  const double = (n: number) => 1000 * 2 ** (n - 1);

  it("leaves a just-recorded request to its own announcement, and lists it once it is older than that", async () => {
    now = T0;
    const r = await record();
    expect(await unposted(T0)).not.toContain(r.id);
    expect(await unposted(T0 + 1)).toContain(r.id);
  });

  it("backs off after each failure, lists a request only when due, and lets one caller claim it", async () => {
    now = T0;
    const r = await record();
    expect(await queue().defer(r.id, now, "not_in_channel", double)).toMatchObject({
      attempts: 1,
      nextAttemptAt: T0 + 1000,
    });
    expect(await unposted(0)).not.toContain(r.id);
    now = T0 + 1000;
    expect(await unposted(0)).toContain(r.id);
    expect(await queue().claim(r.id, now, now + 60_000)).toBe(true);
    expect(await queue().claim(r.id, now, now + 60_000)).toBe(false);
    expect(await unposted(0)).not.toContain(r.id);
    expect(await queue().defer(r.id, now, "not_in_channel", double)).toMatchObject({
      attempts: 2,
      nextAttemptAt: now + 2000,
    });
  });

  it("keeps a post under way with the process that claimed it, even when another post ends the backoff", async () => {
    now = T0;
    const r = await record();
    await queue().defer(r.id, now, "channel_not_found", double);
    now = T0 + 1000;
    expect(await queue().claim(r.id, now, now + 60_000)).toBe(true);
    // Another replica's post works: the backoffs end, but this post stays with its claimer.
    now = T0 + 1010;
    expect(await queue().makeDue(now)).toBe(0);
    expect(await unposted(0)).not.toContain(r.id);
    expect(await queue().claim(r.id, now, now + 60_000)).toBe(false);
    // The claimer died: its claim lapses and another process takes the post.
    now = T0 + 1000 + 60_000;
    expect(await unposted(0)).toContain(r.id);
    expect(await queue().claim(r.id, now, now + 60_000)).toBe(true);
    // That post fails too: the claim is released and the backoff grows.
    expect(await queue().defer(r.id, now, "channel_not_found", double)).toMatchObject({
      attempts: 2,
      nextAttemptAt: now + 2000,
      claimedUntil: null,
    });
    expect((await queue().retryOf(r.id))?.claimedUntil).toBeNull();
    expect(await unposted(0)).not.toContain(r.id);
    expect(await queue().makeDue(now)).toBe(1);
    expect(await unposted(0)).toContain(r.id);
  });

  it("marks the requester told exactly once", async () => {
    const r = await record();
    await queue().defer(r.id, now, "is_archived", double);
    expect(await queue().claimUnpostedNotice(r.id, now)).toBe(true);
    expect(await queue().claimUnpostedNotice(r.id, now)).toBe(false);
  });

  it("ends the backoff of requests still waiting, and of those only", async () => {
    now = T0;
    const waiting = await record();
    const posted = await record();
    await queue().defer(waiting.id, now, "channel_not_found", double);
    await queue().defer(posted.id, now, "channel_not_found", double);
    await database.stores.requests.setApprovalMessage(posted.id, { channelId: "C0APPROVALS", ts: "1.0001" });
    expect(await queue().makeDue(now)).toBe(1);
    expect((await queue().retryOf(waiting.id))?.nextAttemptAt).toBe(now);
    expect((await queue().retryOf(posted.id))?.nextAttemptAt).toBe(T0 + 1000);
    expect(await unposted(0)).toContain(waiting.id);
    expect(await unposted(0)).not.toContain(posted.id);
  });
});
