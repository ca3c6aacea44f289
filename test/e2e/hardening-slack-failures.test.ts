import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, type Harness, REQUESTER, VALID_FORM } from "../../devkit/harness.ts";
import { slackRetryPolicy } from "../../src/app.ts";
import { openDatabase } from "../../src/db/connection.ts";
import { validateRequestForm } from "../../src/requests/form.ts";
import { type Request, RequestRepository } from "../../src/requests/repository.ts";
import { harnessPerTest } from "../support/harnessPerTest.ts";

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
    return x.slack.waitFor(() => x.service.repository.listByRequester(REQUESTER.id, 1)[0], WAIT, "a recorded request");
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
      () => x.service.repository.get(request.id)?.approvalMessageTs,
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
      await x.slack.waitFor(() => x.service.repository.get(request.id)?.approvalMessageTs, WAIT, "the late post");
      await x.slack.waitFor(() => dmsMatching(x, WAITING_FOR_APPROVAL).length > 0, WAIT, "the 'now posted' DM");
      expect(approvalPosts(x)).toHaveLength(4);
      expect(dmsMatching(x, NOT_REACHED)).toHaveLength(1);
      expect(dmsMatching(x, WAITING_FOR_APPROVAL)).toHaveLength(1);
      expect(x.service.repository.approvalPostRetryOf(request.id)?.attempts).toBe(3);
      expect(logEvents(x, "approval_post_failed").map((l) => [l.request, l.attempt, l.error])).toEqual([
        [request.id, 1, `An API error occurred: ${error}`],
        [request.id, 2, `An API error occurred: ${error}`],
        [request.id, 3, `An API error occurred: ${error}`],
      ]);
      expect(logEvents(x, "approval_posted_late")).toEqual([
        expect.objectContaining({ request: request.id, failedAttempts: 3 }),
      ]);
      expect(x.service.repository.get(request.id)?.status).toBe("pending");
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
    expect(x.service.repository.get(request.id)?.approvalMessageTs).toBeNull();
    const retry = x.service.repository.approvalPostRetryOf(request.id);
    expect(retry?.attempts).toBe(1);
    expect(retry?.lastError).toMatch(/not_in_channel/);
    expect(retry?.nextAttemptAt).toBeGreaterThan(Date.now() + 30_000);

    // A restart (the channel fixed meanwhile) posts it at once, and the requester hears once.
    await x.restart();
    await x.slack.waitFor(() => x.service.repository.get(request.id)?.approvalMessageTs, WAIT, "the post at start");
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
      () => x.service.repository.get(first.id)?.approvalMessageTs,
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
    await x.slack.waitFor(() => x.service.repository.get(request.id)?.approvalMessageTs, WAIT, "the late post");
    await x.slack.waitFor(() => dmsMatching(x, WAITING_FOR_APPROVAL).length === 1, WAIT, "the 'now posted' DM");
  });

  it("user_not_found on the DM: tells the requester in the channel where they typed the command", async () => {
    const x = await start();
    x.slack.fail("chat.postMessage", "user_not_found", { channel: REQUESTER.id });
    const { id } = await x.submitValid();
    const note = await x.slack.waitFor(() => x.ephemeralsTo(REQUESTER)[0], WAIT, "the ephemeral note");
    expect(note.args.channel).toBe("C0ORIGIN");
    expect(String(note.args.text)).toMatch(WAITING_FOR_APPROVAL);
    expect(x.service.repository.get(id)?.status).toBe("pending");
  });

  it("a requester who cannot be reached at all changes nothing for the request", async () => {
    const x = await start();
    x.slack.fail("chat.postMessage", "user_not_found", { channel: REQUESTER.id });
    x.slack.fail("chat.postEphemeral", "channel_not_found");
    const { id } = await x.submitValid();
    await x.slack.waitFor(() => logEvents(x, "notify_failed").length > 0, WAIT, "the notify_failed line");
    expect(logEvents(x, "notify_failed")[0]).toMatchObject({ request: id, what: "tell requester" });
    expect(x.service.repository.get(id)?.approvalMessageTs).toBeTruthy();
    expect(approvalPosts(x)).toHaveLength(1);
  });
});

describe("approval posts waiting in the database", () => {
  const T0 = 1_000_000;
  let now = T0;
  let database: ReturnType<typeof openDatabase>;
  let repo: RequestRepository;
  beforeEach(() => {
    now = T0;
    database = openDatabase(":memory:");
    repo = new RequestRepository(database.db, () => now);
  });
  afterEach(() => database.close());

  let seq = 0;
  function record(): Request {
    const form = validateRequestForm(
      { name: "App", redirectUris: "https://a.example.com/cb", justification: "Needed for a test." },
      ["default"],
    );
    if (!form.ok) throw new Error("bad form");
    return repo.record(
      { form: form.value, requesterId: "U0REPO", originChannelId: undefined, submissionKey: `VREPO${++seq}` },
      3_600_000,
      undefined,
    ).request;
  }
  const unposted = (untriedBefore: number) => repo.listUnposted(now, untriedBefore).map((r) => r.id);
  const double = (n: number) => 1000 * 2 ** (n - 1);

  it("leaves a just-recorded request to its own announcement, and lists it once it is older than that", () => {
    now = T0;
    const r = record();
    expect(unposted(T0)).not.toContain(r.id);
    expect(unposted(T0 + 1)).toContain(r.id);
  });

  it("backs off after each failure, lists a request only when due, and lets one caller claim it", () => {
    now = T0;
    const r = record();
    expect(repo.deferApprovalPost(r.id, now, "not_in_channel", double)).toMatchObject({
      attempts: 1,
      nextAttemptAt: T0 + 1000,
    });
    expect(unposted(0)).not.toContain(r.id);
    now = T0 + 1000;
    expect(unposted(0)).toContain(r.id);
    expect(repo.claimApprovalPost(r.id, now, now + 60_000)).toBe(true);
    expect(repo.claimApprovalPost(r.id, now, now + 60_000)).toBe(false);
    expect(unposted(0)).not.toContain(r.id);
    expect(repo.deferApprovalPost(r.id, now, "not_in_channel", double)).toMatchObject({
      attempts: 2,
      nextAttemptAt: now + 2000,
    });
  });

  it("marks the requester told exactly once", () => {
    const r = record();
    repo.deferApprovalPost(r.id, now, "is_archived", double);
    expect(repo.claimUnpostedNotice(r.id, now)).toBe(true);
    expect(repo.claimUnpostedNotice(r.id, now)).toBe(false);
  });

  it("ends the backoff of requests still waiting, and of those only", () => {
    now = T0;
    const waiting = record();
    const posted = record();
    repo.deferApprovalPost(waiting.id, now, "channel_not_found", double);
    repo.deferApprovalPost(posted.id, now, "channel_not_found", double);
    repo.setApprovalMessage(posted.id, "C0APPROVALS", "1.0001");
    expect(repo.makeApprovalPostsDue(now)).toBe(1);
    expect(repo.approvalPostRetryOf(waiting.id)?.nextAttemptAt).toBe(now);
    expect(repo.approvalPostRetryOf(posted.id)?.nextAttemptAt).toBe(T0 + 1000);
    expect(unposted(0)).toContain(waiting.id);
    expect(unposted(0)).not.toContain(posted.id);
  });
});
