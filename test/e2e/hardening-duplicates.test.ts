import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { freePort } from "../../devkit/childApp.ts";
import { APPROVAL_CHANNEL, APPROVER, APPROVER_2, type Harness, REQUESTER, VALID_FORM } from "../../devkit/harness.ts";
import {
  buttonClickPayload,
  modalStateValues,
  type Person,
  payloadBody,
  slashCommandBody,
  socketSlashCommandPayload,
  viewSubmissionPayload,
} from "../../devkit/slackRequests.ts";
import { CALLBACKS } from "../../src/slack/ids.ts";
import { harnessPerTest, socketApproveClick, socketModeHarnessPerTest } from "../support/harnessPerTest.ts";

const WAIT = 10_000;
const RETRY = { "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout" };

describe("the same request delivered twice by Slack", () => {
  const start = harnessPerTest();

  const approvalPosts = (x: Harness) => x.approvalPosts();
  const lines = (x: Harness) => x.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const errorLines = (x: Harness) => lines(x).filter((l) => l.level === "error");

  function submissionBody(user: Person, viewId: string): string {
    return payloadBody(
      viewSubmissionPayload(user, {
        id: viewId,
        callbackId: CALLBACKS.requestForm,
        privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
        values: modalStateValues(VALID_FORM),
      }),
    );
  }

  function clickBody(x: Harness, user: Person, actionId: string, requestId: number, ts: string): string {
    return payloadBody(
      buttonClickPayload(user, {
        actionId,
        value: String(requestId),
        channelId: APPROVAL_CHANNEL,
        messageTs: ts,
        triggerId: x.slack.issueTrigger(),
        responseUrl: x.slack.responseUrl(),
      }),
    );
  }

  it("a slash command retried with the same trigger_id opens one modal", async () => {
    const x = await start();
    const body = slashCommandBody(REQUESTER, {
      triggerId: x.slack.issueTrigger(),
      responseUrl: x.slack.responseUrl(),
    });
    const first = await x.post(body);
    const again = await x.post(body, { headers: RETRY });
    expect([first.status, again.status]).toEqual([200, 200]);
    await x.slack.waitForCalls("views.open", 1, () => true, WAIT);
    await x.slack.waitFor(
      () => lines(x).filter((l) => l.event === "slack_request" && l.kind === "slash_command").length === 2,
      WAIT,
      "both deliveries handled",
    );
    expect(x.slack.callsOf("views.open")).toHaveLength(1);
    expect(lines(x).find((l) => l.event === "slack_request" && l.retryNum === 1)).toMatchObject({
      kind: "slash_command",
      retryReason: "http_timeout",
    });
    expect(errorLines(x)).toEqual([]);
  });

  it("a modal submitted twice with the same view id records one request and posts it once", async () => {
    const x = await start();
    const body = submissionBody(REQUESTER, "VSAME1");
    const first = await x.post(body);
    const again = await x.post(body, { headers: RETRY });
    expect([first.status, first.text, again.status, again.text]).toEqual([200, "", 200, ""]);
    await x.slack.waitFor(() => approvalPosts(x).length === 1, WAIT, "the approval post");
    await x.slack.waitFor(() => x.dmsTo(REQUESTER).length === 1, WAIT, "the requester's DM");
    expect(await x.store.reads.countByRequester(REQUESTER.id)).toBe(1);
    // A later sweep finds nothing left to post either.
    await x.service.resume({ atStart: false });
    expect(approvalPosts(x)).toHaveLength(1);
    expect(x.dmsTo(REQUESTER)).toHaveLength(1);
  });

  it("a double submit arriving at once records one request and posts it once", async () => {
    const x = await start();
    const body = submissionBody(REQUESTER, "VSAME2");
    const answers = await Promise.all([x.post(body), x.post(body), x.post(body, { headers: RETRY })]);
    expect(answers.map((a) => [a.status, a.text])).toEqual([
      [200, ""],
      [200, ""],
      [200, ""],
    ]);
    await x.slack.waitFor(() => approvalPosts(x).length === 1, WAIT, "the approval post");
    await x.slack.waitFor(() => x.dmsTo(REQUESTER).length === 1, WAIT, "the requester's DM");
    expect(await x.store.reads.countByRequester(REQUESTER.id)).toBe(1);
    expect(lines(x).filter((l) => l.event === "transition" && l.to === "pending")).toHaveLength(1);
  });

  it("a repeated submission at the pending limit is still the recorded request, not a limit notice", async () => {
    const x = await start({ env: { MAX_PENDING_PER_USER: "1" } });
    const body = submissionBody(REQUESTER, "VLIMIT");
    expect((await x.post(body)).text).toBe("");
    const again = await x.post(body, { headers: RETRY });
    expect(again.status).toBe(200);
    expect(again.text).toBe("");
    expect(await x.store.reads.countByRequester(REQUESTER.id)).toBe(1);
  });

  it("an Approve click delivered twice, and a second approver clicking at once, create one client", async () => {
    const x = await start();
    x.identity.inject({ route: "POST clients", delayMs: 300 });
    const { id, ts } = await x.submitValid();
    const click = clickBody(x, APPROVER, "approve_request", id, ts);
    const answers = await Promise.all([
      x.post(click),
      x.post(click, { headers: RETRY }),
      x.post(clickBody(x, APPROVER_2, "approve_request", id, ts)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const created = await x.waitForStatus(id, "created", WAIT);
    expect(x.identity.callsTo("POST clients")).toHaveLength(1);
    expect(x.identity.clients.size).toBe(1);
    expect((await x.store.reads.auditOf(id)).filter((e) => e.toStatus === "approved")).toHaveLength(1);
    // Whoever lost the race is told so, once; the repeated delivery gets no answer of its own.
    const loser = created.decidedBy === APPROVER.id ? APPROVER_2 : APPROVER;
    await x.slack.waitFor(() => x.ephemeralsTo(loser).length === 1, WAIT, "the loser's note");
    expect(x.ephemeralsTo(created.decidedBy === APPROVER.id ? APPROVER : APPROVER_2)).toEqual([]);
    expect(lines(x).filter((l) => l.event === "repeated_delivery_ignored")).toHaveLength(1);
  });

  it("a Deny click delivered twice opens the reason modal once", async () => {
    const x = await start();
    const { id, ts } = await x.submitValid();
    const click = clickBody(x, APPROVER, "deny_request", id, ts);
    await x.post(click);
    await x.post(click, { headers: RETRY });
    await x.slack.waitForCalls("views.open", 1, () => true, WAIT);
    await x.slack.waitFor(
      () => lines(x).filter((l) => l.event === "slack_request" && l.kind === "block_actions").length === 2,
      WAIT,
      "both deliveries handled",
    );
    expect(x.slack.callsOf("views.open")).toHaveLength(1);
    expect(errorLines(x)).toEqual([]);
  });
});

describe("the same envelope redelivered over Socket Mode", () => {
  const { socket, start: startInSocketMode } = socketModeHarnessPerTest();

  async function start(): Promise<Harness> {
    const x = await startInSocketMode(await freePort());
    await x.slack.waitFor(() => socket.connected, WAIT, "the socket connection");
    return x;
  }

  /** Delivers the envelope, then the very same envelope again, as Slack does when an ack went missing. */
  async function deliverTwice(type: "slash_commands" | "interactive", payload: unknown) {
    const envelopeId = randomUUID();
    const first = await socket.deliver(type, payload, envelopeId, WAIT);
    const again = await socket.deliver(type, payload, envelopeId, WAIT);
    return [first, again];
  }

  it("a redelivered slash command opens one modal, a redelivered submission records and posts once, a redelivered Approve creates once", async () => {
    const x = await start();
    await deliverTwice(
      "slash_commands",
      socketSlashCommandPayload(REQUESTER, { triggerId: x.slack.issueTrigger(), responseUrl: x.slack.responseUrl() }),
    );
    await x.slack.waitForCalls("views.open", 1, () => true, WAIT);

    const submission = viewSubmissionPayload(REQUESTER, {
      id: "VSOCKETDUP",
      callbackId: CALLBACKS.requestForm,
      privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
      values: modalStateValues(VALID_FORM),
    });
    const acks = await deliverTwice("interactive", submission);
    for (const ack of acks) expect(ack.payload ?? {}).toEqual({});
    const request = await x.slack.waitFor(async () => {
      const r = await x.latestRequestOf(REQUESTER);
      return r?.approvalMessageTs ? r : undefined;
    }, WAIT);

    x.identity.inject({ route: "POST clients", delayMs: 200 });
    await deliverTwice("interactive", socketApproveClick(x, request));
    await x.waitForStatus(request.id, "created", WAIT);

    expect(x.slack.callsOf("views.open")).toHaveLength(1);
    expect(await x.store.reads.countByRequester(REQUESTER.id)).toBe(1);
    expect(approvalPostsOf(x)).toHaveLength(1);
    expect(x.identity.callsTo("POST clients")).toHaveLength(1);
    expect(x.ephemeralsTo(APPROVER)).toEqual([]);
    const errors = x.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === "error");
    expect(errors).toEqual([]);
  });
});

function approvalPostsOf(x: Harness) {
  return x.approvalPosts();
}
