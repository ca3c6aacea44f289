import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdentityStandIn, OCS_CLIENT_ID, OCS_CLIENT_SECRET, TENANT_ID } from "../../devkit/identityStandIn.ts";
import type { RetryConfig, TenantConfig } from "../../src/config.ts";
import { type AuthorizationCodeClientBody, IdentityClient, IdentityClients } from "../../src/identity/client.ts";
import { IdentityApiError } from "../../src/identity/errors.ts";
import type { RetryHooks } from "../../src/identity/retry.ts";
import { Redactor } from "../../src/log.ts";

const RETRY: RetryConfig = {
  maxAttempts: 5,
  maxTotalMs: 5000,
  baseDelayMs: 1,
  maxDelayMs: 5,
  requestTimeoutMs: 1000,
};

function body(overrides: Partial<AuthorizationCodeClientBody> = {}): AuthorizationCodeClientBody {
  return {
    Id: randomUUID(),
    Name: "Plant dashboard",
    RedirectUris: ["https://dashboard.example.com/callback"],
    PostLogoutRedirectUris: ["https://dashboard.example.com/"],
    AllowedCorsOrigins: ["https://dashboard.example.com"],
    AccessTokenLifetime: 1800,
    Enabled: true,
    ClientUri: null,
    LogoUri: null,
    Tags: null,
    AllowOfflineAccess: false,
    ...overrides,
  };
}

const collection = `/api/v1/Tenants/${TENANT_ID}/AuthorizationCodeClients`;

describe("IdentityClient (against the Identity API stand-in)", () => {
  let identity: IdentityStandIn;
  let tenant: TenantConfig;
  let redactor: Redactor;
  let sleeps: number[];
  let hooks: RetryHooks;

  beforeEach(async () => {
    identity = new IdentityStandIn();
    const url = await identity.start();
    tenant = { name: "default", url, tenantId: TENANT_ID, clientId: OCS_CLIENT_ID, clientSecret: OCS_CLIENT_SECRET };
    redactor = new Redactor([OCS_CLIENT_SECRET]);
    sleeps = [];
    hooks = {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    };
  });
  afterEach(async () => {
    await identity.stop();
  });

  const client = (retry: Partial<RetryConfig> = {}) =>
    new IdentityClient(tenant, { ...RETRY, ...retry }, redactor, hooks);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected a failure");
      },
      (e: unknown) => {
        if (!(e instanceof IdentityApiError)) throw e;
        return e;
      },
    );
  const posts = () => identity.callsTo("POST clients");

  it("POSTs exactly the body, with the bearer token, and returns the created client's Id", async () => {
    const b = body();
    const ensured = await client().ensureAuthorizationCodeClient(b);

    expect(ensured).toEqual({ clientId: b.Id, alreadyExisted: false });
    expect(posts()).toHaveLength(1);
    const [post] = posts();
    expect(post?.path).toBe(collection);
    expect(post?.body).toEqual(b);
    expect(post?.contentType).toBe("application/json");
    expect(post?.authorization).toBe(`Bearer ${identity.issuedTokens[0]}`);
    expect([...identity.clients.keys()]).toEqual([b.Id.toLowerCase()]);
  });

  it("reuses one token across creations", async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await c.ensureAuthorizationCodeClient(body());
    expect(identity.callsTo("token")).toHaveLength(1);
    expect(identity.callsTo("discovery")).toHaveLength(1);
    expect(identity.clients.size).toBe(3);
  });

  it("asks for one token while many creations start together", async () => {
    identity.inject({ route: "token", delayMs: 200 });
    const c = client();
    const bodies = Array.from({ length: 10 }, () => body());
    const ensured = await Promise.all(bodies.map((b) => c.ensureAuthorizationCodeClient(b)));
    expect(ensured.map((e) => e.clientId)).toEqual(bodies.map((b) => b.Id));
    expect(identity.callsTo("token")).toHaveLength(1);
    expect(posts()).toHaveLength(10);
  });

  it("on a 401 drops the cached token and retries once with a fresh one", async () => {
    const c = client();
    await c.ensureAuthorizationCodeClient(body());
    const [stale] = identity.issuedTokens;
    identity.revokeTokens();

    const b = body();
    const ensured = await c.ensureAuthorizationCodeClient(b);
    expect(ensured.clientId).toBe(b.Id);
    expect(identity.issuedTokens).toHaveLength(2);
    const [, fresh] = identity.issuedTokens;
    expect(posts().map((p) => p.authorization)).toEqual([`Bearer ${stale}`, `Bearer ${stale}`, `Bearer ${fresh}`]);
    expect(sleeps).toEqual([]);
  });

  it("gives up on a second 401 in a row: one fresh token, no retries", async () => {
    identity.inject({ route: "POST clients", status: 401, times: 2 });
    const error = await failure(client().ensureAuthorizationCodeClient(body()));
    expect(error).toMatchObject({ kind: "http", status: 401, retryable: false });
    expect(error.error).toBe("The Identity API did not accept the bot's access token.");
    expect(posts()).toHaveLength(2);
    expect(identity.callsTo("token")).toHaveLength(2);
    expect(identity.clients.size).toBe(0);
  });

  it("finds the client after a POST whose answer was lost once the server had stored it", async () => {
    identity.inject({ route: "POST clients", drop: "after-store" });
    const b = body();
    const ensured = await client().ensureAuthorizationCodeClient(b);
    expect(ensured).toEqual({ clientId: b.Id, alreadyExisted: true });
    expect(identity.calls.filter((c) => c.route !== "token" && c.route !== "discovery").map((c) => c.route)).toEqual([
      "POST clients",
      "POST clients",
      "GET client",
    ]);
    expect(identity.callsTo("GET client")[0]?.path).toBe(`${collection}/${b.Id}`);
    expect(identity.clients.size).toBe(1);
  });

  it("finds the client after a 408 that in fact created it", async () => {
    identity.inject({ route: "POST clients", status: 408, store: true, body: { Error: "Timed out." } });
    const b = body();
    const ensured = await client().ensureAuthorizationCodeClient(b);
    expect(ensured).toEqual({ clientId: b.Id, alreadyExisted: true });
    expect(posts()).toHaveLength(2);
    expect(identity.clients.size).toBe(1);
  });

  it("is safe to call again for the same body: one client, the same Id", async () => {
    const c = client();
    const b = body();
    const [first, second] = await Promise.all([c.ensureAuthorizationCodeClient(b), c.ensureAuthorizationCodeClient(b)]);
    expect(first?.clientId).toBe(b.Id);
    expect(second?.clientId).toBe(b.Id);
    expect([first?.alreadyExisted, second?.alreadyExisted].sort()).toEqual([false, true]);
    expect(identity.clients.size).toBe(1);
  });

  it("retries a 409 whose client cannot be read, and reports it with the Id once the attempts run out", async () => {
    const b = body();
    identity.inject({
      route: "POST clients",
      status: 409,
      times: 100,
      body: { OperationId: "op-409", Error: "Client already exists." },
    });
    const error = await failure(client({ maxAttempts: 3 }).ensureAuthorizationCodeClient(b));
    expect(error).toMatchObject({ kind: "http", status: 409, operationId: "op-409", error: "Client already exists." });
    expect(error.reason).toContain(b.Id);
    expect(error.resolution).toContain("Retry");
    expect(posts()).toHaveLength(3);
    expect(identity.callsTo("GET client")).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(identity.clients.size).toBe(0);
  });

  it("finds the client an earlier attempt made when it becomes readable only later (409, GET 404, then found)", async () => {
    identity.inject({ route: "POST clients", drop: "after-store" });
    identity.inject({ route: "GET client", status: 404, body: { Error: "Not found." } });
    const b = body();
    const ensured = await client().ensureAuthorizationCodeClient(b);
    expect(ensured).toEqual({ clientId: b.Id, alreadyExisted: true });
    expect(posts()).toHaveLength(3);
    expect(identity.callsTo("GET client")).toHaveLength(2);
    expect(identity.clients.size).toBe(1);
  });

  it.each([408, 500, 502, 503, 504])("retries HTTP %i until it succeeds", async (status) => {
    identity.inject({ route: "POST clients", status, times: 2, body: { Error: "Try later." } });
    const b = body();
    const ensured = await client().ensureAuthorizationCodeClient(b);
    expect(ensured).toEqual({ clientId: b.Id, alreadyExisted: false });
    expect(posts()).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(identity.clients.size).toBe(1);
  });

  it("honours Retry-After on a 429", async () => {
    identity.inject({ route: "POST clients", status: 429, headers: { "Retry-After": "2" }, body: {} });
    await client().ensureAuthorizationCodeClient(body());
    expect(sleeps).toEqual([2000]);
    expect(posts()).toHaveLength(2);
  });

  it("retries a dropped connection and a timeout", async () => {
    identity.inject({ route: "POST clients", drop: "before" });
    identity.inject({ route: "POST clients", delayMs: 1500 });
    const b = body();
    const ensured = await client({ requestTimeoutMs: 300 }).ensureAuthorizationCodeClient(b);
    expect(ensured.clientId).toBe(b.Id);
    expect(posts().length).toBeGreaterThanOrEqual(3);
    expect(identity.clients.size).toBe(1);
  });

  it("times out and retries the GET that follows a 409", async () => {
    identity.inject({ route: "POST clients", drop: "after-store" });
    identity.inject({ route: "GET client", delayMs: 1500 });
    const b = body();
    const ensured = await client({ requestTimeoutMs: 300 }).ensureAuthorizationCodeClient(b);
    expect(ensured).toEqual({ clientId: b.Id, alreadyExisted: true });
    expect(identity.callsTo("GET client")).toHaveLength(2);
    expect(identity.clients.size).toBe(1);
  });

  it("retries a token endpoint that fails for a moment", async () => {
    identity.inject({ route: "token", status: 503 });
    identity.inject({ route: "discovery", drop: "before" });
    const b = body();
    expect((await client().ensureAuthorizationCodeClient(b)).clientId).toBe(b.Id);
    expect(posts()).toHaveLength(1);
  });

  it("stops after OCS_RETRY_MAX_ATTEMPTS and throws the last error", async () => {
    identity.inject({
      route: "POST clients",
      status: 500,
      times: 100,
      body: { OperationId: "op-500", Error: "Internal error.", Reason: "Database unavailable." },
    });
    const error = await failure(client({ maxAttempts: 3 }).ensureAuthorizationCodeClient(body()));
    expect(error.toStored()).toEqual({
      status: 500,
      error: "Internal error.",
      reason: "Database unavailable.",
      operationId: "op-500",
    });
    expect(posts()).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("stops when the retry window is spent", async () => {
    identity.inject({ route: "POST clients", status: 503, times: 100, headers: { "Retry-After": "10" } });
    const error = await failure(client({ maxAttempts: 50, maxTotalMs: 5000 }).ensureAuthorizationCodeClient(body()));
    expect(error.status).toBe(503);
    expect(posts()).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("keeps the Operation-Id header and a plain-text reason of a non-JSON error", async () => {
    identity.inject({
      route: "POST clients",
      status: 502,
      times: 100,
      rawBody: "upstream request timeout",
      headers: { "Operation-Id": "op-gateway" },
    });
    const error = await failure(client({ maxAttempts: 2 }).ensureAuthorizationCodeClient(body()));
    expect(error.toStored()).toEqual({
      status: 502,
      error: "The Identity API answered HTTP 502.",
      reason: "upstream request timeout",
      operationId: "op-gateway",
    });
  });

  it("does not retry a 400 and keeps the service's words", async () => {
    const b = body({ RedirectUris: Array.from({ length: 11 }, (_, i) => `https://a.example.com/${i}`) });
    const error = await failure(client().ensureAuthorizationCodeClient(b));
    expect(error).toMatchObject({
      kind: "http",
      status: 400,
      error: "Invalid RedirectUris.",
      reason: "Between 1 and 10 redirect URIs are required.",
    });
    expect(error.operationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts()).toHaveLength(1);
    expect(identity.clients.size).toBe(0);
  });

  it("does not retry a 403 and names the Tenant Administrator role", async () => {
    identity.inject({ route: "POST clients", status: 403, body: { OperationId: "op-403", Error: "Forbidden." } });
    const error = await failure(client().ensureAuthorizationCodeClient(body()));
    expect(error).toMatchObject({ status: 403, operationId: "op-403", error: "Forbidden." });
    expect(error.resolution).toContain("Tenant Administrator");
    expect(posts()).toHaveLength(1);
  });

  it("does not retry a 404 and points at the tenant settings", async () => {
    tenant = { ...tenant, tenantId: "11111111-2222-3333-4444-555555555555" };
    const error = await failure(client().ensureAuthorizationCodeClient(body()));
    expect(error.status).toBe(404);
    expect(identity.calls.filter((c) => c.method === "POST" && c.route !== "token")).toHaveLength(1);
  });

  it("explains the 405 of a regional host with the global host", async () => {
    identity.regional = true;
    const error = await failure(client().ensureAuthorizationCodeClient(body()));
    expect(error.status).toBe(405);
    expect(error.resolution).toContain("global host");
    expect(posts()).toHaveLength(1);
  });

  it("reports invalid_client as a configuration problem without calling the API", async () => {
    identity.clientSecret = "the-secret-was-rotated";
    const error = await failure(client().ensureAuthorizationCodeClient(body()));
    expect(error.kind).toBe("configuration");
    expect(error.error).toContain("invalid_client");
    expect(JSON.stringify(error.toStored())).not.toContain(OCS_CLIENT_SECRET);
    expect(identity.callsTo("token")).toHaveLength(1);
    expect(posts()).toHaveLength(0);
  });

  it("refuses a 201 without the client's Id", async () => {
    identity.inject({ route: "POST clients", status: 201, body: { Name: "x" }, headers: { "Operation-Id": "op-201" } });
    const error = await failure(client().ensureAuthorizationCodeClient(body()));
    expect(error).toMatchObject({ kind: "invalid_response", status: 201, operationId: "op-201" });
    expect(posts()).toHaveLength(1);
  });

  it("never passes on the access token, even when the service echoes it", async () => {
    const c = client();
    await c.ensureAuthorizationCodeClient(body());
    const [token] = identity.issuedTokens;
    identity.inject({
      route: "POST clients",
      status: 403,
      body: { Error: `Token ${token} lacks a role.`, Reason: `Authorization: Bearer ${token}`, OperationId: "op" },
    });
    const error = await failure(c.ensureAuthorizationCodeClient(body()));
    const everything = JSON.stringify({ ...error.toStored(), message: error.message });
    expect(everything).not.toContain(token);
    expect(error.operationId).toBe("op");
  });

  it("reads one client by Id, or nothing when it does not exist", async () => {
    const b = body();
    const c = client();
    await c.ensureAuthorizationCodeClient(b);
    expect(await c.getAuthorizationCodeClient(b.Id)).toBe(b.Id);
    expect(await c.getAuthorizationCodeClient(randomUUID())).toBeUndefined();
  });
});

describe("IdentityClients", () => {
  it("refuses a tenant that is no longer configured, in words an admin understands", () => {
    const clients = new IdentityClients([], RETRY, new Redactor());
    expect(() => clients.forTenant("gone")).toThrow(IdentityApiError);
    try {
      clients.forTenant("gone");
    } catch (e) {
      expect(e).toMatchObject({ kind: "configuration", retryable: false });
      expect((e as IdentityApiError).error).toContain('"gone"');
    }
  });
});
