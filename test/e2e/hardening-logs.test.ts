import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, BOT_TOKEN, Harness, REQUESTER } from "../../devkit/harness.ts";
import { OCS_CLIENT_SECRET } from "../../devkit/identityStandIn.ts";
import { SIGNING_SECRET } from "../../devkit/slackRequests.ts";

const WAIT = 10_000;

type Line = Record<string, unknown>;

describe("readable logs of a whole request", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** Command, submission, approval, creation: the whole life of one request. */
  async function runRequest(x: Harness): Promise<number> {
    await x.command(REQUESTER);
    await x.slack.waitForCalls("views.open", 1, () => true, WAIT);
    const { id, ts } = await x.submitValid();
    await x.click(APPROVER, "approve_request", id, ts);
    await x.waitForStatus(id, "created", WAIT);
    await x.slack.waitFor(
      () => x.dmsTo(REQUESTER).some((c) => String(c.args.text).includes("is ready")),
      WAIT,
      "the requester told",
    );
    return id;
  }

  function parse(x: Harness): Line[] {
    return x.logLines.map((line) => {
      expect(line).not.toContain("\n");
      return JSON.parse(line) as Line;
    });
  }

  function expectNoSecrets(x: Harness): void {
    const text = x.logLines.join("\n");
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, OCS_CLIENT_SECRET, ...x.identity.issuedTokens]) {
      expect(text).not.toContain(secret);
    }
  }

  it("LOG_LEVEL=info: one line per transition with request, actor, states and durations; one per Slack request", async () => {
    const x = await Harness.start({ env: { LOG_LEVEL: "info" } });
    h = x;
    const id = await runRequest(x);
    const lines = parse(x);
    expect(lines.every((l) => l.level === "info" || l.level === "warn" || l.level === "error")).toBe(true);
    for (const l of lines)
      expect(l).toMatchObject({ time: expect.any(String), level: expect.any(String), name: "bot" });

    const transitions = lines.filter((l) => l.event === "transition" && l.request === id);
    expect(transitions.map((l) => [l.actor, l.from, l.to])).toEqual([
      [REQUESTER.id, null, "pending"],
      [APPROVER.id, "pending", "approved"],
      [APPROVER.id, "approved", "creating"],
      ["system", "creating", "created"],
    ]);
    const created = transitions.at(-1);
    expect(created?.durationMs).toEqual(expect.any(Number));
    expect(created?.ageMs).toEqual(expect.any(Number));

    // A Slack request's line is written when its listener is done (after the ack, after the posts).
    await x.slack.waitFor(
      () => parse(x).filter((l) => l.event === "slack_request").length === 3,
      WAIT,
      "a line per Slack request",
    );
    const handled = parse(x).filter((l) => l.event === "slack_request");
    expect(handled.map((l) => [l.kind, l.what, l.user, l.ok]).sort()).toEqual([
      ["block_actions", "approve_request", APPROVER.id, true],
      ["slash_command", "/create-auth-client", REQUESTER.id, true],
      ["view_submission", "create_auth_client", REQUESTER.id, true],
    ]);
    for (const l of handled) expect(l.durationMs).toEqual(expect.any(Number));
    expectNoSecrets(x);
  });

  it("LOG_LEVEL=warn: no info or debug line at all for the same request, and what is written is valid JSON", async () => {
    const x = await Harness.start({ env: { LOG_LEVEL: "warn" } });
    h = x;
    x.slack.fail("chat.postMessage", "user_not_found", { channel: REQUESTER.id, times: 1 });
    x.slack.fail("chat.postEphemeral", "channel_not_found", { times: 1 });
    await runRequest(x);
    const lines = parse(x);
    expect(lines.filter((l) => l.level === "info" || l.level === "debug")).toEqual([]);
    // The warning that does belong there is there.
    expect(lines.some((l) => l.level === "warn" && l.event === "notify_failed")).toBe(true);
    expectNoSecrets(x);
  });

  it("LOG_LEVEL=debug: Bolt's and the Web API client's own debug lines go through the same JSON lines and redaction", async () => {
    const x = await Harness.start({ env: { LOG_LEVEL: "debug" } });
    h = x;
    await runRequest(x);
    const lines = parse(x);
    expect(lines.some((l) => l.level === "debug")).toBe(true);
    expectNoSecrets(x);
  });
});
