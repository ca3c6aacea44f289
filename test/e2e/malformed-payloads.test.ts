import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness } from "../../devkit/harness.ts";
import { buttonClickPayload, payloadBody, viewSubmissionPayload } from "../../devkit/slackRequests.ts";
import { ACTIONS, CALLBACKS } from "../../src/slack/ids.ts";

/**
 * Signed but malformed payloads, as a forged client (or a future Slack change) could send them:
 * each gets a prompt, clean answer, and nothing changes.
 */
let h: Harness;
let pendingId: number;
beforeAll(async () => {
  h = await Harness.start();
  pendingId = (await h.submitValid()).id;
});
afterAll(async () => {
  await h?.stop();
});

function submission(callbackId: string, privateMetadata: unknown, values: Record<string, Record<string, unknown>>) {
  const payload = viewSubmissionPayload(APPROVER, {
    id: "VMALFORMED",
    callbackId,
    privateMetadata: "",
    values,
  });
  return h.post(payloadBody({ ...payload, view: { ...payload.view, private_metadata: privateMetadata } }));
}

function click(value: unknown, actionId: string = ACTIONS.approve) {
  const payload = buttonClickPayload(APPROVER, {
    actionId,
    value: "",
    channelId: APPROVAL_CHANNEL,
    messageTs: "1.000001",
    triggerId: h.slack.issueTrigger(),
    responseUrl: h.slack.responseUrl(),
  });
  const [action] = payload.actions;
  return h.post(payloadBody({ ...payload, actions: [{ ...action, value }] }));
}

const denyMetadata = () => JSON.stringify({ requestId: pendingId });

describe("malformed payloads", () => {
  it.each<[string, unknown]>([
    ["a number", 42],
    ["an object", { text: "no" }],
    ["an array", ["no"]],
    ["true", true],
  ])("answers a deny reason that is %s with the form's error, and denies nothing", async (_, value) => {
    const answer = await submission(CALLBACKS.denyReason, denyMetadata(), {
      reason: { value: { type: "plain_text_input", value } },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_action: "errors", errors: { reason: expect.any(String) } });
    expect((await h.request(pendingId))?.status).toBe("pending");
  });

  it.each<[string, Record<string, Record<string, unknown>>]>([
    ["no input blocks at all", {}],
    ["a block without the input", { reason: {} }],
    ["a block that is not an object", { reason: "text" as unknown as Record<string, unknown> }],
  ])("answers a deny form with %s cleanly", async (_, values) => {
    const answer = await submission(CALLBACKS.denyReason, denyMetadata(), values);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_action: "errors" });
    expect((await h.request(pendingId))?.status).toBe("pending");
  });

  it.each<[string, unknown]>([
    ["a number", 7],
    ["an object", { requestId: "1" }],
    ["JSON of another shape", JSON.stringify([1])],
    ["not JSON", "{"],
  ])("answers a deny form whose private_metadata is %s as out of date", async (_, metadata) => {
    const answer = await submission(CALLBACKS.denyReason, metadata, {
      reason: { value: { type: "plain_text_input", value: "Not needed" } },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_action: "errors" });
    expect((await h.request(pendingId))?.status).toBe("pending");
  });

  it.each<[string, unknown]>([
    ["a number", 5],
    ["an object", { value: "x" }],
    ["an array", ["https://app.example.com/cb"]],
  ])("answers a request form whose fields are %s with field errors, and records nothing", async (_, value) => {
    const before = await h.store.reads.countByRequester(APPROVER.id);
    const answer = await submission(CALLBACKS.requestForm, JSON.stringify({ channelId: "C0ORIGIN" }), {
      name: { value: { type: "plain_text_input", value } },
      redirectUris: { value: { type: "plain_text_input", value } },
      accessTokenLifetime: { value: { type: "number_input", value } },
      justification: { value: { type: "plain_text_input", value } },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_action: "errors" });
    expect(await h.store.reads.countByRequester(APPROVER.id)).toBe(before);
  });

  it.each<[string, unknown]>([
    ["a number", 1],
    ["an object", { id: 1 }],
    ["missing", undefined],
    ["a huge number", "99999999999999999999"],
  ])("acks a button whose value is %s and changes nothing", async (_, value) => {
    const answer = await click(value);
    expect(answer.status).toBe(200);
    expect((await h.request(pendingId))?.status).toBe("pending");
  });

  it("still serves a well-formed decision afterwards", async () => {
    const answer = await h.submitDenyReason(APPROVER, pendingId, "Not needed");
    expect(answer.status).toBe(200);
    expect((await h.request(pendingId))?.status).toBe("denied");
  });
});
