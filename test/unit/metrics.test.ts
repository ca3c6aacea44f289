import { afterEach, describe, expect, it } from "vitest";
import { IdentityStandIn, OCS_CLIENT_ID, OCS_CLIENT_SECRET, TENANT_ID } from "../../devkit/identityStandIn.ts";
import { parseConfig } from "../../src/config.ts";
import { IdentityClient } from "../../src/identity/client.ts";
import { Redactor } from "../../src/log.ts";
import { type PrometheusOptions, prometheusMetrics } from "../../src/metrics/prometheus.ts";
import type { OpenRequests } from "../../src/requests/ports.ts";
import { ackKindOf } from "../../src/slack/ackTimes.ts";
import { observedFetch } from "../../src/slack/observedFetch.ts";
import { labelValuesOf, sampleOf } from "../support/metricsText.ts";

const NOW = 1_750_000_000_000;
const OPEN: OpenRequests = { pending: 3, approved: 1, creating: 2, oldestPendingCreatedAt: NOW - 90_000 };

function registry(overrides: Partial<PrometheusOptions> = {}) {
  return prometheusMetrics({
    reads: { openRequests: async () => OPEN },
    mode: "http",
    database: "sqlite",
    now: () => NOW,
    ...overrides,
  });
}

const page = async (r: ReturnType<typeof registry>) => (await r.render()).body;

describe("Prometheus metrics (src/metrics/prometheus.ts)", () => {
  it("renders every metric with its labels and values after the calls the domain and Slack code make", async () => {
    const r = registry();
    const m = r.metrics;
    m.transitioned("pending");
    m.transitioned("pending");
    m.transitioned("created");
    m.creationFinished("created", 1_500);
    m.creationFinished("failed", 40_000);
    m.identityCall("create_client", 503);
    m.identityCall("create_client", 201);
    m.identityCall("token", "timeout");
    m.identityRetry(503);
    m.identityRetry("network");
    m.slackApiError("chat.postMessage", "channel_not_found");
    m.slackRateLimited("chat.update");
    m.acked("view_submission", 0.2);
    m.acked("view_submission", 2.7);
    m.startupCheck("approval_channel", "not_in_channel");
    const text = await page(r);

    expect(sampleOf(text, "auth_client_bot_info", { mode: "http", database: "sqlite" })).toBe(1);
    expect(sampleOf(text, "auth_client_bot_request_transitions_total", { to: "pending" })).toBe(2);
    expect(sampleOf(text, "auth_client_bot_request_transitions_total", { to: "created" })).toBe(1);
    expect(sampleOf(text, "auth_client_bot_request_transitions_total", { to: "expired" })).toBe(0);
    expect(sampleOf(text, "auth_client_bot_creation_duration_seconds_count", { outcome: "created" })).toBe(1);
    expect(sampleOf(text, "auth_client_bot_creation_duration_seconds_sum", { outcome: "created" })).toBe(1.5);
    expect(sampleOf(text, "auth_client_bot_creation_duration_seconds_bucket", { outcome: "failed", le: "30" })).toBe(0);
    expect(sampleOf(text, "auth_client_bot_creation_duration_seconds_bucket", { outcome: "failed", le: "60" })).toBe(1);
    const call = (operation: string, status: string) =>
      sampleOf(text, "auth_client_bot_identity_api_calls_total", { operation, status });
    expect([call("create_client", "503"), call("create_client", "201"), call("token", "timeout")]).toEqual([1, 1, 1]);
    expect(sampleOf(text, "auth_client_bot_identity_api_retries_total", { reason: "503" })).toBe(1);
    expect(sampleOf(text, "auth_client_bot_identity_api_retries_total", { reason: "network" })).toBe(1);
    expect(
      sampleOf(text, "auth_client_bot_slack_api_errors_total", {
        method: "chat.postMessage",
        error: "channel_not_found",
      }),
    ).toBe(1);
    expect(sampleOf(text, "auth_client_bot_slack_api_rate_limited_total", { method: "chat.update" })).toBe(1);
    expect(sampleOf(text, "auth_client_bot_slack_ack_duration_seconds_count", { kind: "view_submission" })).toBe(2);
    expect(
      sampleOf(text, "auth_client_bot_slack_ack_duration_seconds_bucket", { kind: "view_submission", le: "2.5" }),
    ).toBe(1);
    expect(sampleOf(text, "auth_client_bot_slack_ack_duration_seconds_count", { kind: "event" })).toBe(0);
    expect(
      sampleOf(text, "auth_client_bot_startup_check", { check: "approval_channel", result: "not_in_channel" }),
    ).toBe(1);
    // The default process metrics, on the private registry.
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("reads the open requests at scrape time: counts by status and the oldest pending age", async () => {
    const text = await page(registry());
    expect(sampleOf(text, "auth_client_bot_database_up")).toBe(1);
    expect(sampleOf(text, "auth_client_bot_open_requests", { status: "pending" })).toBe(3);
    expect(sampleOf(text, "auth_client_bot_open_requests", { status: "approved" })).toBe(1);
    expect(sampleOf(text, "auth_client_bot_open_requests", { status: "creating" })).toBe(2);
    expect(sampleOf(text, "auth_client_bot_oldest_pending_request_age_seconds")).toBe(90);

    const none = await page(
      registry({ reads: { openRequests: async () => ({ ...OPEN, pending: 0, oldestPendingCreatedAt: undefined }) } }),
    );
    expect(sampleOf(none, "auth_client_bot_oldest_pending_request_age_seconds")).toBe(0);
  });

  it("still serves the page when the database fails: database_up 0, the open requests NaN", async () => {
    const text = await page(
      registry({ reads: { openRequests: () => Promise.reject(new Error("connection refused")) } }),
    );
    expect(sampleOf(text, "auth_client_bot_database_up")).toBe(0);
    expect(sampleOf(text, "auth_client_bot_open_requests", { status: "pending" })).toBeNaN();
    expect(sampleOf(text, "auth_client_bot_oldest_pending_request_age_seconds")).toBeNaN();
    expect(sampleOf(text, "auth_client_bot_info", { mode: "http", database: "sqlite" })).toBe(1);
  });

  it("does not wait for a database that hangs, and does not ask it again while the first query runs", async () => {
    let asked = 0;
    let clock = NOW;
    const r = registry({
      reads: {
        openRequests: () => {
          asked++;
          return new Promise<OpenRequests>(() => {});
        },
      },
      readTimeoutMs: 50,
      now: () => clock,
    });
    const started = performance.now();
    const first = await page(r);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(sampleOf(first, "auth_client_bot_database_up")).toBe(0);
    clock += 5_000;
    const second = await page(r);
    expect(sampleOf(second, "auth_client_bot_database_up")).toBe(0);
    expect(asked).toBe(1);
  });

  it("asks the database once per scrape, however many gauges read it", async () => {
    let asked = 0;
    const r = registry({
      reads: {
        openRequests: async () => {
          asked++;
          return OPEN;
        },
      },
    });
    await page(r);
    expect(asked).toBe(1);
  });

  it("turns anything but a Slack method name or error code into 'other'", async () => {
    const r = registry();
    const hostile = 'x"} 1\nauth_client_bot_info{mode="evil';
    r.metrics.slackApiError(hostile, hostile);
    r.metrics.slackApiError("chat.postMessage", "Invalid token xoxb-1234");
    r.metrics.slackRateLimited("/services/T000/B000/secretpath");
    r.metrics.startupCheck("approval_channel", "getaddrinfo ENOTFOUND slack.example.com");
    const text = await page(r);
    expect(text).not.toContain("evil");
    expect(text).not.toContain("xoxb");
    expect(text).not.toContain("secretpath");
    expect(text).not.toContain("ENOTFOUND");
    expect(sampleOf(text, "auth_client_bot_slack_api_errors_total", { method: "other", error: "other" })).toBe(1);
    expect(
      sampleOf(text, "auth_client_bot_slack_api_errors_total", { method: "chat.postMessage", error: "other" }),
    ).toBe(1);
    expect(sampleOf(text, "auth_client_bot_startup_check", { check: "approval_channel", result: "other" })).toBe(1);
  });
});

describe("Identity API calls and retries, counted by the Identity client", () => {
  const identity = new IdentityStandIn();
  afterEach(async () => {
    await identity.stop();
  });

  it("counts each call by operation and status, and the retry of a 503", async () => {
    const url = await identity.start();
    const r = registry();
    const client = new IdentityClient(
      { name: "default", url, tenantId: TENANT_ID, clientId: OCS_CLIENT_ID, clientSecret: OCS_CLIENT_SECRET },
      { maxAttempts: 3, maxTotalMs: 5_000, baseDelayMs: 1, maxDelayMs: 5, requestTimeoutMs: 2_000 },
      new Redactor([OCS_CLIENT_SECRET]),
      { sleep: async () => {} },
      r.metrics,
    );
    identity.inject({ route: "POST clients", status: 503, times: 1 });
    await client.ensureAuthorizationCodeClient({
      Id: "7d8c9b0a-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
      Name: "Plant dashboard",
      RedirectUris: ["https://dashboard.example.com/callback"],
      PostLogoutRedirectUris: [],
      AllowedCorsOrigins: [],
      AccessTokenLifetime: 3600,
      Enabled: true,
      ClientUri: null,
      LogoUri: null,
      Tags: null,
      AllowOfflineAccess: false,
    });
    const text = await page(r);
    const call = (operation: string, status: string) =>
      sampleOf(text, "auth_client_bot_identity_api_calls_total", { operation, status });
    expect([
      call("discovery", "200"),
      call("token", "200"),
      call("create_client", "503"),
      call("create_client", "201"),
    ]).toEqual([1, 1, 1, 1]);
    expect(sampleOf(text, "auth_client_bot_identity_api_retries_total", { reason: "503" })).toBe(1);
    expect(text).not.toContain("Plant dashboard");
    expect(text).not.toContain(TENANT_ID);
  });
});

describe("Slack Web API calls, counted by the observed fetch (src/slack/observedFetch.ts)", () => {
  const API = "https://slack.example.com/api/";
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });

  function observed(answer: () => Promise<Response>) {
    const errors: [string, string][] = [];
    const limited: string[] = [];
    const fetch = observedFetch(
      { slackApiError: (method, error) => errors.push([method, error]), slackRateLimited: (m) => limited.push(m) },
      API,
      answer,
    );
    return { fetch, errors, limited };
  }

  it("counts an ok:false answer by method and Slack's error code, and hands the same answer on", async () => {
    const o = observed(async () => json({ ok: false, error: "channel_not_found" }));
    const answer = await o.fetch(`${API}chat.postMessage`, { method: "POST" });
    expect(await answer.json()).toEqual({ ok: false, error: "channel_not_found" });
    expect(o.errors).toEqual([["chat.postMessage", "channel_not_found"]]);
  });

  it("counts nothing for a success, whose body reaches the client untouched", async () => {
    const o = observed(async () => json({ ok: true, ts: "1.2" }));
    const answer = await o.fetch(`${API}chat.update`, { method: "POST" });
    expect(await answer.text()).toBe('{"ok":true,"ts":"1.2"}');
    expect(o.errors).toEqual([]);
  });

  it("counts 429s as rate limits, other HTTP errors and failed requests as errors", async () => {
    const limited = observed(async () => new Response("", { status: 429, headers: { "retry-after": "1" } }));
    expect((await limited.fetch(`${API}views.open`)).status).toBe(429);
    expect(limited.limited).toEqual(["views.open"]);

    const broken = observed(async () => new Response("bad gateway", { status: 502 }));
    await broken.fetch(`${API}users.info`);
    expect(broken.errors).toEqual([["users.info", "http_502"]]);

    const down = observed(() => Promise.reject(new TypeError("fetch failed")));
    await expect(down.fetch(`${API}auth.test`)).rejects.toThrow("fetch failed");
    expect(down.errors).toEqual([["auth.test", "request_failed"]]);
  });

  it("names response_url posts response_url, never by their path (it holds a secret)", async () => {
    const o = observed(async () => new Response("expired_url", { status: 404 }));
    await o.fetch("https://hooks.slack.com/commands/T0/123/s3cr3tPath");
    expect(o.errors).toEqual([["response_url", "http_404"]]);
  });
});

describe("ack kinds", () => {
  it("maps Slack's payloads to the fixed kinds", () => {
    expect(ackKindOf({ command: "/create-auth-client" })).toBe("command");
    expect(ackKindOf({ type: "block_actions" })).toBe("block_actions");
    expect(ackKindOf({ type: "view_submission", view: {} })).toBe("view_submission");
    expect(ackKindOf({ type: "block_suggestion" })).toBe("options");
    expect(ackKindOf({ type: "event_callback", event: { type: "app_home_opened" } })).toBe("event");
    expect(ackKindOf({ type: "shortcut" })).toBe("other");
    expect(ackKindOf({ type: 'evil"}' })).toBe("other");
    expect(ackKindOf(null)).toBe("other");
  });
});

describe("METRICS_PORT", () => {
  const env = {
    SLACK_BOT_TOKEN: "xoxb-1",
    SLACK_SIGNING_SECRET: "secret",
    APPROVAL_CHANNEL_ID: "C0APPROVALS",
    APPROVER_USER_IDS: "U0APPROVE1",
    OCS_URL: "https://uswe.datahub.connect.aveva.com",
    OCS_TENANT_ID: TENANT_ID,
    OCS_CLIENT_ID: "client",
    OCS_CLIENT_SECRET: "client-secret",
  };
  const metricsOf = (extra: Record<string, string>) => {
    const parsed = parseConfig({ ...env, ...extra });
    return parsed.ok ? parsed.config.metrics : parsed.message;
  };

  it("unset serves /metrics on PORT; a number on its own port; off nowhere", () => {
    expect(metricsOf({})).toEqual({ serve: "on-port" });
    expect(metricsOf({ METRICS_PORT: " " })).toEqual({ serve: "on-port" });
    expect(metricsOf({ METRICS_PORT: "9464" })).toEqual({ serve: "own-port", port: 9464 });
    expect(metricsOf({ METRICS_PORT: "Off" })).toEqual({ serve: "off" });
  });

  it("refuses anything else, and PORT's own port, saying what to set", () => {
    for (const value of ["false", "70000", "-1", "9464x"]) {
      expect(metricsOf({ METRICS_PORT: value })).toContain("METRICS_PORT must be a port number (0-65535)");
    }
    expect(metricsOf({ PORT: "8080", METRICS_PORT: "8080" })).toContain("METRICS_PORT is the same port as PORT");
    expect(metricsOf({ METRICS_PORT: "3000" })).toContain("METRICS_PORT is the same port as PORT");
  });
});

describe("what never becomes a label", () => {
  it("label values on a busy page are all from the fixed sets", async () => {
    const r = registry();
    r.metrics.transitioned("denied");
    r.metrics.acked("command", 0.01);
    r.metrics.identityCall("read_client", 404);
    const values = labelValuesOf(await page(r));
    for (const value of values) expect(value).toMatch(/^[\w.+-]*$/);
  });
});
