import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../devkit/childApp.ts";
import { APPROVAL_CHANNEL, BOT_TOKEN, Harness } from "../../devkit/harness.ts";
import { SlackStandIn } from "../../devkit/slackStandIn.ts";
import { type Config, parseConfig } from "../../src/config.ts";
import { createLogger, Redactor } from "../../src/log.ts";
import { runStartupChecks, StartupError } from "../../src/slack/startupChecks.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("start-up checks of the Slack side", () => {
  let slack: SlackStandIn;
  let config: Config;
  let lines: Record<string, unknown>[];
  const log = () =>
    createLogger({ level: "debug", redactor: new Redactor([BOT_TOKEN]), write: (l) => lines.push(JSON.parse(l)) });
  /** The checks as the app runs them, without retries (their own Web API client logs through `log`). */
  const check = () =>
    runStartupChecks(config, { slackApiUrl: `${slack.url}/api/`, retryConfig: { retries: 0 } }, log());
  const warnings = () => lines.filter((l) => l.event === "approval_channel_unusable");

  beforeEach(async () => {
    slack = new SlackStandIn();
    await slack.start();
    lines = [];
    const parsed = parseConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: "s3cret-signing",
      SLACK_API_URL: `${slack.url}/api/`,
      OCS_URL: "https://uswe.datahub.connect.aveva.com",
      OCS_TENANT_ID: "0b5c7a1e-4a8d-4a7e-9c4b-2f1d3e5a6b7c",
      OCS_CLIENT_ID: "id",
      OCS_CLIENT_SECRET: "secret-value",
      APPROVAL_CHANNEL_ID: APPROVAL_CHANNEL,
      APPROVER_USER_IDS: "U0APPROVE1",
    });
    if (!parsed.ok) throw new Error(parsed.message);
    config = parsed.config;
  });
  afterEach(async () => {
    await slack.stop();
  });

  it("passes quietly, and returns the bot's identity, when the token works and the bot is in the channel", async () => {
    const identity = await check();
    expect(identity).toEqual({ botId: "B0TEST", botUserId: "UBOT" });
    expect(warnings()).toEqual([]);
    expect(slack.callsOf("conversations.info")[0]?.args.channel).toBe(APPROVAL_CHANNEL);
  });

  it.each(["invalid_auth", "not_authed", "account_inactive", "token_revoked"])(
    "stops the start when Slack refuses the token (%s), naming SLACK_BOT_TOKEN and where to copy it",
    async (code) => {
      slack.fail("auth.test", code);
      const error = await check().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupError);
      expect((error as Error).message).toMatch(
        new RegExp(`SLACK_BOT_TOKEN \\(${code}\\).*Bot User OAuth Token.*OAuth & Permissions`),
      );
      // The channel was asked about at the same time; with the token refused, nothing is said of it.
      expect(lines.filter((l) => String(l.event).startsWith("approval_channel"))).toEqual([]);
    },
  );

  it("stops the start when Slack cannot be reached at all, naming SLACK_API_URL", async () => {
    await slack.stop();
    const error = await check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(/could not be reached.*SLACK_API_URL/);
  });

  const channelCases: [string, Record<string, unknown>, string, RegExp][] = [
    ["archived", { is_archived: true, is_member: true }, "is_archived", /archived: unarchive it.*APPROVAL_CHANNEL_ID/],
    [
      "private, bot not invited",
      { is_private: true, is_member: false },
      "not_in_channel",
      /private approval channel.*invite it there \(\/invite @/,
    ],
  ];
  it.each(channelCases)("warns, naming the fix, when the channel is %s", async (_what, info, problem, fix) => {
    slack.channelInfo = { is_archived: false, is_private: false, ...info };
    await check();
    expect(warnings()).toEqual([expect.objectContaining({ level: "warn", channel: APPROVAL_CHANNEL, problem })]);
    expect(String(warnings()[0]?.fix)).toMatch(fix);
  });

  it("warns about a public channel the bot is not in only without chat:write.public", async () => {
    slack.channelInfo = { is_archived: false, is_private: false, is_member: false };
    await check();
    expect(warnings()).toEqual([]);

    slack.scopes = "commands,chat:write,channels:read,groups:read";
    await check();
    expect(warnings()).toHaveLength(1);
    expect(String(warnings()[0]?.fix)).toMatch(/invite it there.*or add the chat:write.public scope/);
  });

  it.each([
    ["channel_not_found", /cannot find the approval channel C0APPROVALS: check APPROVAL_CHANNEL_ID/],
    ["missing_scope", /channels:read \/ groups:read.*reinstall/],
    ["internal_error", /Could not check the approval channel C0APPROVALS \(internal_error\)/],
  ])("warns, naming the fix, when conversations.info answers %s", async (code, fix) => {
    slack.fail("conversations.info", code);
    await expect(check()).resolves.toBeDefined();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ problem: code });
    expect(String(warnings()[0]?.fix)).toMatch(fix);
  });
});

describe("start-up of the app with a broken Slack side", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it("starts with a channel warning and still records requests (they wait for the channel)", async () => {
    h.slack.channelInfo = { is_archived: true, is_member: true, is_private: false };
    await h.restart();
    const warning = h.logLines.map((l) => JSON.parse(l)).find((l) => l.event === "approval_channel_unusable");
    expect(warning).toMatchObject({ level: "warn", problem: "is_archived" });
    const answer = await h.submitForm(
      { id: "U0WARNED", name: "wanda" },
      {
        name: "Warned app",
        redirectUris: "https://warned.example.com/cb",
        justification: "Needed while the channel is archived.",
      },
    );
    expect(answer.status).toBe(200);
    expect(await h.store.reads.countByRequester("U0WARNED")).toBe(1);
  });

  it("does not call auth.test twice at start (Bolt is given the bot's identity)", async () => {
    const before = h.slack.callsOf("auth.test").length;
    await h.restart();
    expect(h.slack.callsOf("auth.test").length - before).toBe(1);
  });

  it("exits with code 1 and one readable message, without a stack trace, when Slack refuses the token", async () => {
    h.slack.fail("auth.test", "invalid_auth", { times: 10 });
    const dir = mkdtempSync(join(tmpdir(), "auth-client-bot-start-"));
    try {
      const env = { ...h.envForChild(), DATABASE_PATH: join(dir, "bot.sqlite"), PORT: String(await freePort()) };
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString("utf8");
      });
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString("utf8");
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
      expect(code).toBe(1);
      expect(stderr.trim()).toMatch(/^The bot cannot start: Slack refused SLACK_BOT_TOKEN \(invalid_auth\)\./);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain(BOT_TOKEN);
      expect(stdout).not.toContain('"event":"started"');
      for (const line of stdout.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
