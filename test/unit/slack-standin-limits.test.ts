import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Harness } from "../../devkit/harness.ts";
import { SlackStandIn } from "../../devkit/slackStandIn.ts";

const TOKEN = "xoxb-test";
const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });

describe("the Slack stand-in refuses what Slack would refuse", () => {
  let slack: SlackStandIn;
  let api = "";
  beforeEach(async () => {
    slack = new SlackStandIn();
    api = await slack.start();
  });
  afterEach(async () => {
    await slack.stop();
  });

  const call = async (method: string, args: Record<string, unknown>) => {
    const res = await fetch(`${api}${method}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(args),
    });
    return (await res.json()) as { ok: boolean; error?: string };
  };

  it("answers a section over 3,000 characters with invalid_blocks and records why", async () => {
    const answer = await call("chat.postMessage", { channel: "C1", text: "t", blocks: [section("x".repeat(3001))] });
    expect(answer).toEqual({ ok: false, error: "invalid_blocks" });
    expect(slack.refused).toEqual([
      {
        method: "chat.postMessage",
        args: expect.objectContaining({ channel: "C1" }),
        error: "invalid_blocks",
        problems: ["blocks[0].text.text: 3,001 characters (limit 3,000)"],
      },
    ]);
  });

  it("answers blocks holding more than 12,000 characters of text together with msg_blocks_too_long", async () => {
    const blocks = Array.from({ length: 5 }, () => section("y".repeat(2500)));
    expect(await call("chat.update", { channel: "C1", ts: "1.1", text: "t", blocks })).toEqual({
      ok: false,
      error: "msg_blocks_too_long",
    });
    expect(slack.refused.map((r) => r.error)).toEqual(["msg_blocks_too_long"]);
  });

  it("refuses a modal with an over-long title with invalid_arguments", async () => {
    const view = { type: "modal", title: { type: "plain_text", text: "t".repeat(25) }, blocks: [] };
    expect(await call("views.open", { trigger_id: "1.2.trigger", view })).toEqual({
      ok: false,
      error: "invalid_arguments",
    });
  });

  it("accepts what Slack accepts, and records nothing as refused", async () => {
    const answer = await call("chat.postMessage", { channel: "C1", text: "t", blocks: [section("x".repeat(3000))] });
    expect(answer.ok).toBe(true);
    expect(slack.refused).toEqual([]);
  });

  it("answers a refused response_url body with HTTP 400 and the error, like Slack, and keeps the post", async () => {
    const url = slack.responseUrl();
    const bad = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", text: "t", blocks: [section("z".repeat(3001))] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("invalid_blocks");
    expect(slack.responses).toHaveLength(1);
    expect(slack.refused.map((r) => r.method)).toEqual(["response_url"]);

    const good = await fetch(slack.responseUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", text: "fine" }),
    });
    expect(good.status).toBe(200);
    expect(slack.refused).toHaveLength(1);
  });

  it("checks nothing when told not to (a benchmark)", async () => {
    slack.checkLimits = false;
    const answer = await call("chat.postMessage", { channel: "C1", text: "t", blocks: [section("x".repeat(3001))] });
    expect(answer.ok).toBe(true);
    expect(slack.refused).toEqual([]);
  });
});

describe("the harness", () => {
  it("fails a test whose app made a call Slack would refuse, naming the call and its problems", () => {
    const h = new Harness();
    expect(() => h.assertNoRefusedCalls()).not.toThrow();
    h.slack.refused.push({
      method: "chat.postMessage",
      args: {},
      error: "msg_blocks_too_long",
      problems: ["blocks: 12,014 characters of text in all blocks together (limit about 12,000)"],
    });
    expect(() => h.assertNoRefusedCalls()).toThrow(
      /refused 1 call\(s\):\nchat.postMessage: msg_blocks_too_long \(blocks: 12,014 characters/,
    );
  });
});
