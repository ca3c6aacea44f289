import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdentityStandIn, OCS_CLIENT_ID, OCS_CLIENT_SECRET, TENANT_ID } from "../../devkit/identityStandIn.ts";
import { IdentityClient, LIST_PAGE_FRESH_MS, NAME_SEARCH } from "../../src/identity/client.ts";
import { IdentityApiError } from "../../src/identity/errors.ts";
import { Redactor } from "../../src/log.ts";
import { toIdentityBody } from "../../src/requests/identityBody.ts";

const RETRY = { maxAttempts: 5, maxTotalMs: 5000, baseDelayMs: 1, maxDelayMs: 5, requestTimeoutMs: 1000 };
const OURS = "5f0c2f9e-9d4e-4a51-8f3a-0a8b7c6d5e4f";

describe("IdentityClient.findClientNamed (the list endpoint: a few small pages, each within a short timeout)", () => {
  let identity: IdentityStandIn;
  let client: IdentityClient;
  /** The client's clock, moved by hand: pages read are used again while they are fresh. */
  let clock: number;
  const later = () => {
    clock += LIST_PAGE_FRESH_MS;
  };

  beforeEach(async () => {
    clock = 1_000_000;
    identity = new IdentityStandIn();
    const url = await identity.start();
    client = new IdentityClient(
      { name: "default", url, tenantId: TENANT_ID, clientId: OCS_CLIENT_ID, clientSecret: OCS_CLIENT_SECRET },
      RETRY,
      new Redactor([OCS_CLIENT_SECRET]),
      {},
      undefined,
      () => clock,
    );
  });
  afterEach(async () => {
    await identity.stop();
  });

  /** `n` clients named "Client 0" … ; `named` puts a given name at given positions. */
  const seed = (n: number, named: Record<number, { Name: string; Id?: string }> = {}) => {
    for (let i = 0; i < n; i++) {
      const id = named[i]?.Id ?? `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      identity.clients.set(id.toLowerCase(), { Id: id, Name: named[i]?.Name ?? `Client ${i}` });
    }
  };
  const pages = () => identity.callsTo("GET clients").map((c) => c.path);
  const queries = () => identity.callsTo("GET clients").length;

  it("uses a small count, a few pages and a short timeout by default", () => {
    expect(NAME_SEARCH.pageSize).toBeLessThanOrEqual(100);
    expect(NAME_SEARCH.pageSize * NAME_SEARCH.maxPages).toBeLessThanOrEqual(500);
    expect(NAME_SEARCH.timeoutMs).toBeLessThanOrEqual(5_000);
  });

  it("reads page after page until it finds the name, ignoring letter case, outer spaces and our own client", async () => {
    seed(180, { 40: { Name: "Plant dashboard", Id: OURS }, 170: { Name: "  PLANT Dashboard " } });
    const found = await client.findClientNamed("Plant dashboard", OURS.toUpperCase());
    expect(found).toBe("00000000-0000-4000-8000-000000000170");
    expect(queries()).toBe(4);
    expect(pages().every((p) => p === `/api/v1/Tenants/${TENANT_ID}/AuthorizationCodeClients`)).toBe(true);
  });

  it("stops at the last page (a short one, or Total-Count reached) when the name is not there", async () => {
    seed(50);
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBeUndefined();
    // 50 clients in all: the full first page is the last one.
    expect(queries()).toBe(1);
    seed(75);
    later();
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBeUndefined();
    expect(queries()).toBe(3);
  });

  it("reads at most maxPages pages: a name further on is not found", async () => {
    seed(1000, { 250: { Name: "Plant dashboard" } });
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBeUndefined();
    expect(queries()).toBe(NAME_SEARCH.maxPages);
    expect(await client.findClientNamed("Plant dashboard", OURS, { ...NAME_SEARCH, maxPages: 6 })).toBe(
      "00000000-0000-4000-8000-000000000250",
    );
  });

  it("shares pages between searches, while being read and for a few seconds after", async () => {
    seed(120, { 110: { Name: "Plant dashboard" } });
    const found = await Promise.all([
      client.findClientNamed("Plant dashboard", OURS),
      client.findClientNamed("plant DASHBOARD", OURS),
      client.findClientNamed("Something else", OURS),
    ]);
    expect(found).toEqual(["00000000-0000-4000-8000-000000000110", "00000000-0000-4000-8000-000000000110", undefined]);
    expect(queries()).toBe(3);
    // Made in the portal meanwhile: not seen while the pages are fresh, seen once they are not.
    seed(120, { 5: { Name: "Plant dashboard" } });
    clock += LIST_PAGE_FRESH_MS - 1;
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBe("00000000-0000-4000-8000-000000000110");
    expect(queries()).toBe(3);
    clock += 1;
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBe("00000000-0000-4000-8000-000000000005");
    expect(queries()).toBe(4);
  });

  it("reads the list again after a change of its own to the tenant, fresh pages or not", async () => {
    seed(10);
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBeUndefined();
    await client.ensureAuthorizationCodeClient(
      toIdentityBody({
        clientGuid: OURS,
        name: "Plant dashboard",
        redirectUris: ["https://plant.example.com/callback"],
        postLogoutRedirectUris: [],
        allowedCorsOrigins: [],
        accessTokenLifetime: 3600,
      }),
    );
    expect(await client.findClientNamed("plant dashboard", "another")).toBe(OURS);
    expect(queries()).toBe(2);
  });

  it("keeps no failed read: the next search asks again", async () => {
    seed(3, { 1: { Name: "Plant dashboard" } });
    identity.inject({ route: "GET clients", status: 503, body: { Error: "Busy." } });
    await expect(client.findClientNamed("Plant dashboard", OURS)).rejects.toBeInstanceOf(IdentityApiError);
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBe("00000000-0000-4000-8000-000000000001");
    expect(queries()).toBe(2);
  });

  it("sends skip and count as documented, with the bearer token", async () => {
    seed(101);
    await client.findClientNamed("nothing like it", OURS);
    expect(identity.callsTo("GET clients").map((c) => c.query)).toEqual([
      "skip=0&count=50",
      "skip=50&count=50",
      "skip=100&count=50",
    ]);
    expect(identity.callsTo("GET clients").every((c) => c.authorization?.startsWith("Bearer at-"))).toBe(true);
  });

  it("reads clients that carry their Id as ClientId too", async () => {
    identity.inject({
      route: "GET clients",
      status: 200,
      body: [
        { ClientId: "abc", Name: "Other" },
        { ClientId: "def", Name: "plant dashboard", Enabled: true },
      ],
    });
    expect(await client.findClientNamed("Plant dashboard", OURS)).toBe("def");
  });

  it("gives up on a page that takes longer than its timeout", async () => {
    seed(3, { 1: { Name: "Plant dashboard" } });
    identity.inject({ route: "GET clients", delayMs: 400 });
    const error = await client
      .findClientNamed("Plant dashboard", OURS, { ...NAME_SEARCH, timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdentityApiError);
    expect((error as IdentityApiError).kind).toBe("timeout");
  });

  it("fails with an IdentityApiError on an error answer or a body that is no list of clients", async () => {
    identity.inject({ route: "GET clients", status: 500, body: { Error: "Boom." } });
    await expect(client.findClientNamed("x", OURS)).rejects.toBeInstanceOf(IdentityApiError);
    for (const body of [{ clients: [] }, [{ Name: "no Id" }], [{ Id: 42, Name: "x" }]]) {
      identity.inject({ route: "GET clients", status: 200, body });
      const error = await client.findClientNamed("x", OURS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdentityApiError);
      expect((error as IdentityApiError).kind).toBe("invalid_response");
    }
  });
});
