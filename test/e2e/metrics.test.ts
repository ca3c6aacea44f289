import { afterEach, describe, expect, it } from "vitest";
import { ChildApp, freePort } from "../../devkit/childApp.ts";
import {
  APPROVAL_CHANNEL,
  APPROVER,
  BOT_TOKEN,
  type Harness,
  OUTSIDER,
  REQUESTER,
  VALID_FORM,
} from "../../devkit/harness.ts";
import { OCS_CLIENT_SECRET, TENANT_ID } from "../../devkit/identityStandIn.ts";
import { SIGNING_SECRET, socketSlashCommandPayload } from "../../devkit/slackRequests.ts";
import { harnessPerTest, socketModeHarnessPerTest } from "../support/harnessPerTest.ts";
import { labelValuesOf, sampleOf, scrape } from "../support/metricsText.ts";
import { openHome, WAIT_MS } from "./lifecycle-support.ts";

/** Polls /metrics until `sample` (read from the page) is `value`; the page that had it. */
async function waitForSample(
  h: Harness,
  url: string,
  read: (page: string) => number | undefined,
  value: number,
  what: string,
): Promise<string> {
  let last: number | undefined;
  return h.slack.waitFor(
    async () => {
      const page = await scrape(url);
      last = read(page);
      return last === value ? page : undefined;
    },
    WAIT_MS,
    `${what} to be ${value} (last seen ${last})`,
  );
}

const acks = (page: string, kind: string) =>
  sampleOf(page, "auth_client_bot_slack_ack_duration_seconds_count", { kind });

describe("GET /metrics", () => {
  const start = harnessPerTest();

  it("is served on PORT by default, next to /healthz, with the process metrics and the start-up checks", async () => {
    const h = await start();
    expect(h.app.metricsPort).toBeUndefined();
    const page = await scrape(`${h.baseUrl}/metrics`);
    expect(sampleOf(page, "auth_client_bot_info", { mode: "http", database: h.app.database.dialect })).toBe(1);
    expect(page).toContain("process_cpu_user_seconds_total");
    expect(page).toContain("process_resident_memory_bytes");
    expect(page).toContain("nodejs_eventloop_lag_seconds");
    expect(sampleOf(page, "auth_client_bot_startup_check", { check: "slack_token", result: "ok" })).toBe(1);
    expect(sampleOf(page, "auth_client_bot_startup_check", { check: "approval_channel", result: "ok" })).toBe(1);
    expect(sampleOf(page, "auth_client_bot_database_up")).toBe(1);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    expect(h.logLines.find((l) => l.includes('"event":"started"'))).toContain('"metrics":"on-port"');
  });

  it("moves with the work: acks by kind, transitions, open requests, creation duration, Identity API calls", async () => {
    const h = await start();
    const url = `${h.baseUrl}/metrics`;
    const before = await scrape(url);
    expect(acks(before, "command")).toBe(0);
    expect(sampleOf(before, "auth_client_bot_creation_duration_seconds_count", { outcome: "created" })).toBe(0);

    await h.command(REQUESTER);
    await h.slack.waitForCalls("views.open");
    const { id, ts } = await h.submitValid();
    const waiting = await waitForSample(h, url, (p) => acks(p, "view_submission"), 1, "view_submission acks");
    expect(acks(waiting, "command")).toBe(1);
    expect(sampleOf(waiting, "auth_client_bot_request_transitions_total", { to: "pending" })).toBe(1);
    // The open requests are read at most once a second: the first scrape's answer may still stand.
    const pending = await waitForSample(
      h,
      url,
      (p) => sampleOf(p, "auth_client_bot_open_requests", { status: "pending" }),
      1,
      "pending requests",
    );
    expect(sampleOf(pending, "auth_client_bot_oldest_pending_request_age_seconds")).toBeGreaterThan(0);
    // Acked within Slack's 3 s, so within the 2.5 s bucket.
    expect(
      sampleOf(waiting, "auth_client_bot_slack_ack_duration_seconds_bucket", { kind: "view_submission", le: "2.5" }),
    ).toBe(1);

    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created");
    const done = await waitForSample(
      h,
      url,
      (p) => sampleOf(p, "auth_client_bot_creation_duration_seconds_count", { outcome: "created" }),
      1,
      "creations",
    );
    expect(acks(done, "block_actions")).toBe(1);
    expect(sampleOf(done, "auth_client_bot_creation_duration_seconds_count", { outcome: "failed" })).toBe(0);
    for (const to of ["approved", "creating", "created"]) {
      expect(sampleOf(done, "auth_client_bot_request_transitions_total", { to })).toBe(1);
    }
    const calls = (operation: string, status: string) =>
      sampleOf(done, "auth_client_bot_identity_api_calls_total", { operation, status });
    expect([calls("discovery", "200"), calls("token", "200"), calls("create_client", "201")]).toEqual([1, 1, 1]);
    const none = await waitForSample(
      h,
      url,
      (p) => sampleOf(p, "auth_client_bot_open_requests", { status: "pending" }),
      0,
      "pending requests",
    );
    expect(sampleOf(none, "auth_client_bot_oldest_pending_request_age_seconds")).toBe(0);

    await openHome(h, REQUESTER);
    await waitForSample(h, url, (p) => acks(p, "event"), 1, "event acks");
  });

  it("counts an Identity API 503 and its retry, then the success", async () => {
    const h = await start();
    h.identity.inject({ route: "POST clients", status: 503, times: 1 });
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created");
    const page = await waitForSample(
      h,
      `${h.baseUrl}/metrics`,
      (p) => sampleOf(p, "auth_client_bot_creation_duration_seconds_count", { outcome: "created" }),
      1,
      "creations",
    );
    expect(sampleOf(page, "auth_client_bot_identity_api_retries_total", { reason: "503" })).toBe(1);
    const calls = (status: string) =>
      sampleOf(page, "auth_client_bot_identity_api_calls_total", { operation: "create_client", status });
    expect([calls("503"), calls("201")]).toEqual([1, 1]);
  });

  it("counts a creation that fails, by outcome", async () => {
    const h = await start();
    h.identity.inject({ route: "POST clients", status: 400, times: 1 });
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "failed");
    const page = await waitForSample(
      h,
      `${h.baseUrl}/metrics`,
      (p) => sampleOf(p, "auth_client_bot_creation_duration_seconds_count", { outcome: "failed" }),
      1,
      "failed creations",
    );
    expect(sampleOf(page, "auth_client_bot_request_transitions_total", { to: "failed" })).toBe(1);
    expect(sampleOf(page, "auth_client_bot_identity_api_retries_total", { reason: "400" })).toBeUndefined();
  });

  it("counts Slack API errors by method and code, and rate limits by method", async () => {
    const h = await start();
    const url = `${h.baseUrl}/metrics`;
    h.slack.fail("views.open", "expired_trigger_id");
    await h.command(REQUESTER);
    await waitForSample(
      h,
      url,
      (p) =>
        sampleOf(p, "auth_client_bot_slack_api_errors_total", { method: "views.open", error: "expired_trigger_id" }),
      1,
      "views.open errors",
    );

    h.slack.fail("chat.postMessage", "ratelimited", { status: 429, retryAfterSeconds: 0, channel: APPROVAL_CHANNEL });
    await h.submitForm(REQUESTER, VALID_FORM);
    const page = await waitForSample(
      h,
      url,
      (p) => sampleOf(p, "auth_client_bot_slack_api_rate_limited_total", { method: "chat.postMessage" }),
      1,
      "chat.postMessage rate limits",
    );
    // Never the path of a response_url (it holds a secret), nor a token.
    expect(page).not.toContain("/response/");
    expect(page).not.toContain(BOT_TOKEN);
  });

  it("reports an approval channel the bot cannot post in", async () => {
    const h = await start({
      beforeBoot: async (harness) => {
        harness.slack.channelInfo = { is_member: false, is_private: true, is_archived: false };
      },
    });
    const page = await scrape(`${h.baseUrl}/metrics`);
    expect(
      sampleOf(page, "auth_client_bot_startup_check", { check: "approval_channel", result: "not_in_channel" }),
    ).toBe(1);
    expect(
      sampleOf(page, "auth_client_bot_startup_check", { check: "approval_channel", result: "ok" }),
    ).toBeUndefined();
  });

  it("never shows what people typed, who they are, or a secret", async () => {
    const h = await start();
    const hostile = 'Evil"} 1 auth_client_bot_info{mode="HOSTILE-NAME';
    const justification = "HOSTILE-JUSTIFICATION for the plant dashboard team, long enough to pass.";
    const { id, ts } = await h.submitValid(REQUESTER, { ...VALID_FORM, name: hostile, justification });
    await h.click(OUTSIDER, "approve_request", id, ts);
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created");
    const page = await waitForSample(
      h,
      `${h.baseUrl}/metrics`,
      (p) => sampleOf(p, "auth_client_bot_creation_duration_seconds_count", { outcome: "created" }),
      1,
      "creations",
    );
    for (const secretOrPerson of [
      "HOSTILE",
      "Evil",
      "dashboard.example.com",
      REQUESTER.id,
      APPROVER.id,
      OUTSIDER.id,
      REQUESTER.name,
      BOT_TOKEN,
      SIGNING_SECRET,
      OCS_CLIENT_SECRET,
      TENANT_ID,
      APPROVAL_CHANNEL,
      (await h.request(id))?.clientGuid ?? "no guid",
    ]) {
      expect(page).not.toContain(secretOrPerson);
    }
    for (const value of labelValuesOf(page)) expect(value).toMatch(/^[\w.+-]*$/);
    expect(sampleOf(page, "auth_client_bot_info", { mode: "http", database: h.app.database.dialect })).toBe(1);
  });

  it("moves to a port of its own with METRICS_PORT, and is then not on PORT", async () => {
    const h = await start({ env: { METRICS_PORT: "0" } });
    const port = h.app.metricsPort;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(h.app.port);
    const page = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(sampleOf(page, "auth_client_bot_info", { mode: "http", database: h.app.database.dialect })).toBe(1);
    expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(404);
    expect(h.logLines.find((l) => l.includes('"event":"started"'))).toContain(`"metrics":${port}`);

    // The work still moves the counters there.
    await h.submitValid();
    await waitForSample(
      h,
      `http://127.0.0.1:${port}/metrics`,
      (p) => acks(p, "view_submission"),
      1,
      "view_submission acks on METRICS_PORT",
    );
  });

  it("is switched off with METRICS_PORT=off: /metrics is not served, and the work runs as before", async () => {
    const h = await start({ env: { METRICS_PORT: "off" } });
    expect(h.app.metricsPort).toBeUndefined();
    expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created");
    expect(h.logLines.find((l) => l.includes('"event":"started"'))).toContain('"metrics":"off"');
  });
});

describe("GET /metrics in Socket Mode", () => {
  const { socket, start } = socketModeHarnessPerTest();

  it("is served on PORT, and counts the acks sent over the socket", async () => {
    const port = await freePort();
    const h = await start(port);
    await h.slack.waitFor(() => socket.connected, 5000, "socket connection");
    const url = `http://127.0.0.1:${port}/metrics`;
    const page = await scrape(url);
    expect(sampleOf(page, "auth_client_bot_info", { mode: "socket", database: h.app.database.dialect })).toBe(1);

    await socket.deliver(
      "slash_commands",
      socketSlashCommandPayload(REQUESTER, { triggerId: h.slack.issueTrigger(), responseUrl: h.slack.responseUrl() }),
    );
    await waitForSample(h, url, (p) => acks(p, "command"), 1, "command acks over the socket");
  });
});

describe("GET /metrics from the built bot (dist/main.js)", () => {
  const start = harnessPerTest();
  let child: ChildApp | undefined;
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill9();
    child = undefined;
  });

  it("loads prom-client from its chunk and serves /metrics on METRICS_PORT, not on PORT", async () => {
    const h = await start();
    const metricsPort = await freePort();
    child = await ChildApp.start({ ...h.envForChild(), LOG_LEVEL: "info", METRICS_PORT: String(metricsPort) });
    const page = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(page).toContain("process_cpu_user_seconds_total");
    expect(sampleOf(page, "auth_client_bot_startup_check", { check: "slack_token", result: "ok" })).toBe(1);
    expect((await fetch(`${child.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${child.baseUrl}/healthz`)).status).toBe(200);
    expect(await child.signal("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});
