import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdentityStandIn, OCS_CLIENT_ID, OCS_CLIENT_SECRET, TENANT_ID } from "../../devkit/identityStandIn.ts";
import type { TenantConfig } from "../../src/config.ts";
import { IdentityApiError } from "../../src/identity/errors.ts";
import { TokenProvider, untrustedEndpoint } from "../../src/identity/token.ts";
import { Redactor } from "../../src/log.ts";

describe("TokenProvider (against the Identity API stand-in)", () => {
  let identity: IdentityStandIn;
  let tenant: TenantConfig;
  let redactor: Redactor;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    identity = new IdentityStandIn();
    const url = await identity.start();
    tenant = { name: "default", url, tenantId: TENANT_ID, clientId: OCS_CLIENT_ID, clientSecret: OCS_CLIENT_SECRET };
    redactor = new Redactor([OCS_CLIENT_SECRET]);
    clock = 1_000_000;
  });
  afterEach(async () => {
    await identity.stop();
  });

  const provider = (timeoutMs = 2000) => new TokenProvider(tenant, redactor, timeoutMs, now);

  it("reads discovery, then asks its token_endpoint for a client-credentials token (no scope)", async () => {
    identity.tokenEndpointPath = "/somewhere/else/token";
    const token = await provider().token();

    expect(identity.issuedTokens).toEqual([token]);
    expect(identity.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /identity/.well-known/openid-configuration",
      "POST /somewhere/else/token",
    ]);
    const [, call] = identity.calls;
    expect(call?.contentType).toBe("application/x-www-form-urlencoded");
    expect(call?.body).toEqual({
      grant_type: "client_credentials",
      client_id: OCS_CLIENT_ID,
      client_secret: OCS_CLIENT_SECRET,
    });
  });

  it("reuses the token, and reads discovery only once", async () => {
    const tokens = provider();
    const first = await tokens.token();
    clock += 60_000;
    for (let i = 0; i < 5; i++) expect(await tokens.token()).toBe(first);
    expect(identity.callsTo("token")).toHaveLength(1);
    expect(identity.callsTo("discovery")).toHaveLength(1);
  });

  it("renews shortly before expires_in, without reading discovery again", async () => {
    const tokens = provider();
    const first = await tokens.token();
    clock += 3600_000 - 61_000;
    expect(await tokens.token()).toBe(first);
    clock += 2000;
    const second = await tokens.token();
    expect(second).not.toBe(first);
    expect(identity.issuedTokens).toEqual([first, second]);
    expect(identity.callsTo("discovery")).toHaveLength(1);
  });

  it("renews a short-lived token at half its life", async () => {
    identity.tokenLifetimeSeconds = 60;
    const tokens = provider();
    const first = await tokens.token();
    clock += 29_000;
    expect(await tokens.token()).toBe(first);
    clock += 2000;
    expect(await tokens.token()).not.toBe(first);
    expect(identity.callsTo("token")).toHaveLength(2);
  });

  it("asks for one token at a time, however many callers want one together", async () => {
    identity.inject({ route: "token", delayMs: 200 });
    const tokens = provider();
    const all = await Promise.all(Array.from({ length: 20 }, () => tokens.token()));
    expect(new Set(all).size).toBe(1);
    expect(identity.callsTo("token")).toHaveLength(1);
    expect(identity.callsTo("discovery")).toHaveLength(1);
  });

  it("also shares one token request when the cached token expired", async () => {
    const tokens = provider();
    await tokens.token();
    clock += 3600_000;
    identity.inject({ route: "token", delayMs: 100 });
    const all = await Promise.all(Array.from({ length: 10 }, () => tokens.token()));
    expect(new Set(all).size).toBe(1);
    expect(identity.callsTo("token")).toHaveLength(2);
  });

  it("forgets a refused token, but not a newer one that replaced it", async () => {
    const tokens = provider();
    const first = await tokens.token();
    tokens.invalidate("some-older-token");
    expect(await tokens.token()).toBe(first);
    tokens.invalidate(first);
    const second = await tokens.token();
    expect(second).not.toBe(first);
    tokens.invalidate(first);
    expect(await tokens.token()).toBe(second);
    expect(identity.callsTo("token")).toHaveLength(2);
  });

  it("teaches the redactor every token it receives", async () => {
    const token = await provider().token();
    expect(redactor.redact(`token=${token}`)).toBe("token=[redacted]");
  });

  it("reports invalid_client as a configuration problem an admin can act on, without the secret", async () => {
    identity.clientSecret = "another-secret";
    const error = await provider()
      .token()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdentityApiError);
    const e = error as IdentityApiError;
    expect(e.kind).toBe("configuration");
    expect(e.retryable).toBe(false);
    expect(e.error).toContain("refused the bot's own credentials");
    expect(e.error).toContain("invalid_client");
    expect(e.resolution).toContain("OCS_CLIENT_ID and OCS_CLIENT_SECRET");
    const everything = JSON.stringify({ ...e.toStored(), message: e.message, stack: e.stack });
    expect(everything).not.toContain(OCS_CLIENT_SECRET);
    expect(identity.callsTo("token")).toHaveLength(1);
  });

  it("names the tenant in a credentials problem when several are configured", async () => {
    tenant = { ...tenant, name: "plant-eu", clientSecret: "wrong-secret-value" };
    const error = (await provider()
      .token()
      .catch((e: unknown) => e)) as IdentityApiError;
    expect(error.kind).toBe("configuration");
    expect(error.error).toContain('for tenant "plant-eu"');
  });

  it("never passes on a secret or token the token endpoint echoes back", async () => {
    const tokens = provider();
    const issued = await tokens.token();
    clock += 3600_000;
    identity.inject({
      route: "token",
      status: 400,
      body: {
        error: "invalid_client",
        error_description: `client_secret ${OCS_CLIENT_SECRET} is not valid; previous token ${issued}`,
      },
    });
    const error = (await tokens.token().catch((e: unknown) => e)) as IdentityApiError;
    expect(error.kind).toBe("configuration");
    const everything = JSON.stringify({ ...error.toStored(), message: error.message });
    expect(everything).not.toContain(OCS_CLIENT_SECRET);
    expect(everything).not.toContain(issued);
    expect(everything).toContain("[redacted]");
  });

  it("does not cache a failure: the next call asks again and succeeds", async () => {
    identity.inject({ route: "token", status: 500, body: { Error: "Boom.", OperationId: "op-token-500" } });
    const tokens = provider();
    const error = (await tokens.token().catch((e: unknown) => e)) as IdentityApiError;
    expect(error).toMatchObject({ kind: "http", status: 500, operationId: "op-token-500", retryable: true });
    expect(await tokens.token()).toBe(identity.issuedTokens[0]);
    expect(identity.callsTo("token")).toHaveLength(2);
  });

  it("reads discovery again after a failed discovery", async () => {
    identity.inject({ route: "discovery", status: 503 });
    const tokens = provider();
    await expect(tokens.token()).rejects.toMatchObject({ kind: "http", status: 503 });
    const token = await tokens.token();
    expect(identity.issuedTokens).toEqual([token]);
    expect(identity.callsTo("discovery")).toHaveLength(2);
  });

  it("refuses a discovery document without a token_endpoint", async () => {
    identity.inject({ route: "discovery", status: 200, body: { issuer: "x" } });
    await expect(provider().token()).rejects.toMatchObject({ kind: "invalid_response" });
    expect(identity.callsTo("token")).toHaveLength(0);
  });

  it.each<[string, (url: string) => string, RegExp]>([
    ["on another host", () => "https://login.evil.example/connect/token", /on login\.evil\.example/],
    ["on another port of the same host", (url) => `${url.replace(/:\d+$/, ":1")}/connect/token`, /not on OCS_URL/],
    ["plain http to a host that is not loopback", () => "http://login.example.com/connect/token", /not https/],
  ])("never sends the secret to a token_endpoint %s", async (_, endpointFor, why) => {
    identity.inject({ route: "discovery", status: 200, body: { token_endpoint: endpointFor(tenant.url) } });
    const failure = await provider()
      .token()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(IdentityApiError);
    expect(failure).toMatchObject({ kind: "configuration", retryable: false });
    expect((failure as IdentityApiError).error).toMatch(why);
    expect(identity.callsTo("token")).toHaveLength(0);
  });

  it("accepts https on OCS_URL's host, in any letter case", () => {
    expect(untrustedEndpoint("https://UsWe.Example.com/identity/connect/token", "https://uswe.example.com")).toBe(
      undefined,
    );
    expect(untrustedEndpoint("https://uswe.example.com:8443/token", "https://uswe.example.com")).toMatch(/not on/);
    expect(untrustedEndpoint("ftp://uswe.example.com/token", "https://uswe.example.com")).toMatch(/not https/);
  });

  it("refuses a token answer without an access_token", async () => {
    identity.inject({ route: "token", status: 200, body: { token_type: "Bearer", expires_in: 3600 } });
    await expect(provider().token()).rejects.toMatchObject({ kind: "invalid_response" });
  });

  it("times out a token endpoint that does not answer", async () => {
    identity.inject({ route: "token", delayMs: 1500 });
    await expect(provider(200).token()).rejects.toMatchObject({ kind: "timeout", retryable: true });
  });

  it("times out a discovery endpoint that does not answer", async () => {
    identity.inject({ route: "discovery", delayMs: 1500 });
    await expect(provider(200).token()).rejects.toMatchObject({ kind: "timeout", retryable: true });
    expect(identity.callsTo("token")).toHaveLength(0);
  });

  it("reports a dropped connection as a retryable network error", async () => {
    identity.inject({ route: "token", drop: "before" });
    await expect(provider().token()).rejects.toMatchObject({ kind: "network", retryable: true });
  });
});
