import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdentityStandIn, OCS_CLIENT_ID, OCS_CLIENT_SECRET, TENANT_ID } from "../../devkit/identityStandIn.ts";
import { IdentityClient } from "../../src/identity/client.ts";
import { IdentityApiError } from "../../src/identity/errors.ts";
import { Redactor } from "../../src/log.ts";
import type { ClientSettings } from "../../src/requests/clients.ts";

const RETRY = { maxAttempts: 4, maxTotalMs: 5000, baseDelayMs: 1, maxDelayMs: 5, requestTimeoutMs: 1000 };

const SETTINGS: ClientSettings = {
  name: "Plant dashboard",
  redirectUris: ["https://dashboard.example.com/callback"],
  postLogoutRedirectUris: ["https://dashboard.example.com/"],
  allowedCorsOrigins: ["https://dashboard.example.com"],
  accessTokenLifetime: 1800,
  enabled: true,
};

describe("IdentityClient: reading, changing and deleting a client (against the stand-in)", () => {
  let identity: IdentityStandIn;
  let client: IdentityClient;
  let retries: number[];
  let id: string;

  beforeEach(async () => {
    identity = new IdentityStandIn();
    const url = await identity.start();
    retries = [];
    client = new IdentityClient(
      { name: "default", url, tenantId: TENANT_ID, clientId: OCS_CLIENT_ID, clientSecret: OCS_CLIENT_SECRET },
      RETRY,
      new Redactor([OCS_CLIENT_SECRET]),
      { sleep: async () => undefined, onRetry: ({ error }) => void retries.push(error.status ?? 0) },
    );
    id = randomUUID();
    identity.clients.set(id, {
      Id: id,
      Name: SETTINGS.name,
      RedirectUris: SETTINGS.redirectUris,
      PostLogoutRedirectUris: SETTINGS.postLogoutRedirectUris,
      AllowedCorsOrigins: SETTINGS.allowedCorsOrigins,
      AccessTokenLifetime: SETTINGS.accessTokenLifetime,
      Enabled: true,
      ClientUri: null,
      LogoUri: null,
      Tags: null,
      AllowOfflineAccess: false,
    });
  });
  afterEach(async () => {
    await identity.stop();
  });

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
  const path = (clientId: string) => `/api/v1/Tenants/${TENANT_ID}/AuthorizationCodeClients/${clientId}`;

  describe("readAuthorizationCodeClient", () => {
    it("reads every managed setting, and nothing for an unknown Id", async () => {
      expect(await client.readAuthorizationCodeClient(id)).toEqual(SETTINGS);
      expect(await client.readAuthorizationCodeClient(randomUUID())).toBeUndefined();
      expect(identity.callsTo("GET client").map((c) => c.path)[0]).toBe(path(id));
    });

    it("reads absent lists as empty and an absent lifetime as the documented default", async () => {
      identity.changeInPortal(id, {
        PostLogoutRedirectUris: null,
        AllowedCorsOrigins: undefined,
        AccessTokenLifetime: null,
      });
      expect(await client.readAuthorizationCodeClient(id)).toEqual({
        ...SETTINGS,
        postLogoutRedirectUris: [],
        allowedCorsOrigins: [],
        accessTokenLifetime: 3600,
      });
    });

    it("refuses an answer that is not a client with its settings", async () => {
      identity.inject({ route: "GET client", status: 200, body: { Id: id, Name: "x" } });
      expect((await failure(client.readAuthorizationCodeClient(id))).kind).toBe("invalid_response");
    });

    it("tries once within its own short timeout: a slow or failing service is an error, never retried", async () => {
      identity.inject({ route: "GET client", delayMs: 400 });
      expect((await failure(client.readAuthorizationCodeClient(id, 100))).kind).toBe("timeout");
      identity.inject({ route: "GET client", status: 500, body: { Error: "Down." } });
      expect((await failure(client.readAuthorizationCodeClient(id))).status).toBe(500);
      expect(identity.callsTo("GET client")).toHaveLength(2);
    });
  });

  describe("updateAuthorizationCodeClient", () => {
    const wanted: ClientSettings = {
      ...SETTINGS,
      name: "Plant dashboard v2",
      redirectUris: ["https://dashboard.example.com/cb2"],
      postLogoutRedirectUris: [],
      accessTokenLifetime: 600,
      enabled: false,
    };

    it("PUTs every managed property, lists emptied with []", async () => {
      await client.updateAuthorizationCodeClient(id, wanted);
      const [put] = identity.callsTo("PUT client");
      expect(put?.path).toBe(path(id));
      expect(put?.body).toEqual({
        Id: id,
        Name: "Plant dashboard v2",
        RedirectUris: ["https://dashboard.example.com/cb2"],
        PostLogoutRedirectUris: [],
        AllowedCorsOrigins: ["https://dashboard.example.com"],
        AccessTokenLifetime: 600,
        Enabled: false,
      });
      expect(await client.readAuthorizationCodeClient(id)).toEqual(wanted);
      // Properties the bot does not manage are left as they were.
      expect(identity.client(id)?.AllowOfflineAccess).toBe(false);
    });

    it("retries a 408 and a 500, and a PUT whose answer was lost after the change was made", async () => {
      identity.inject({ route: "PUT client", status: 408, body: { Error: "Timed out." } });
      identity.inject({ route: "PUT client", status: 500, store: true, body: { Error: "Oops." } });
      identity.inject({ route: "PUT client", drop: "after-store" });
      await client.updateAuthorizationCodeClient(id, wanted);
      expect(identity.callsTo("PUT client")).toHaveLength(4);
      expect(retries).toEqual([408, 500, 0]);
      expect(await client.readAuthorizationCodeClient(id)).toEqual(wanted);
    });

    it("does not retry a 404: the client no longer exists in the tenant", async () => {
      identity.deleteInPortal(id);
      const error = await failure(client.updateAuthorizationCodeClient(id, wanted));
      expect(error.status).toBe(404);
      expect(error.error).toBe("The client no longer exists in the tenant.");
      expect(error.operationId).toBeTruthy();
      expect(identity.callsTo("PUT client")).toHaveLength(1);
    });

    it.each([400, 403])("does not retry a %i and keeps the service's words", async (status) => {
      identity.inject({ route: "PUT client", status, body: { Error: "No.", Reason: "Because.", OperationId: "op-1" } });
      const error = await failure(client.updateAuthorizationCodeClient(id, wanted));
      expect([error.status, error.reason, error.operationId]).toEqual([status, "Because.", "op-1"]);
      expect(identity.callsTo("PUT client")).toHaveLength(1);
    });

    it("refuses a 200 about another client", async () => {
      identity.inject({ route: "PUT client", status: 200, body: { Id: randomUUID() } });
      expect((await failure(client.updateAuthorizationCodeClient(id, wanted))).kind).toBe("invalid_response");
    });
  });

  describe("deleteAuthorizationCodeClient", () => {
    it("deletes the client (204)", async () => {
      expect(await client.deleteAuthorizationCodeClient(id)).toEqual({ alreadyGone: false });
      expect(identity.client(id)).toBeUndefined();
      expect(identity.callsTo("DELETE client").map((c) => c.path)).toEqual([path(id)]);
    });

    it("answers alreadyGone for a client that was gone before it asked (404)", async () => {
      identity.deleteInPortal(id);
      expect(await client.deleteAuthorizationCodeClient(id)).toEqual({ alreadyGone: true });
    });

    it("takes a 404 after an unanswered attempt for that attempt's own work", async () => {
      identity.inject({ route: "DELETE client", status: 500, store: true, body: { Error: "Oops." } });
      expect(await client.deleteAuthorizationCodeClient(id)).toEqual({ alreadyGone: false });
      expect(identity.callsTo("DELETE client")).toHaveLength(2);
      expect(retries).toEqual([500]);
    });

    it("does not retry a 409, and keeps the service's words", async () => {
      identity.inject({
        route: "DELETE client",
        status: 409,
        body: { Error: "Conflict.", Reason: "The client is in use.", OperationId: "op-409" },
      });
      const error = await failure(client.deleteAuthorizationCodeClient(id));
      expect([error.status, error.reason, error.operationId]).toEqual([409, "The client is in use.", "op-409"]);
      expect(identity.client(id)).toBeDefined();
      expect(identity.callsTo("DELETE client")).toHaveLength(1);
    });

    it("retries a 408 until the client is deleted", async () => {
      identity.inject({ route: "DELETE client", status: 408, times: 2, body: { Error: "Timed out." } });
      expect(await client.deleteAuthorizationCodeClient(id)).toEqual({ alreadyGone: false });
      expect(retries).toEqual([408, 408]);
      expect(identity.client(id)).toBeUndefined();
    });
  });

  describe("the stand-in", () => {
    it("merges a PUT as documented: absent and null properties stay; an unknown Id answers 404", async () => {
      const token = await client.tokens.token();
      const put = (clientId: string, body: unknown) =>
        fetch(`${identity.url}${path(clientId)}`, {
          method: "PUT",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      expect((await put(id, { Name: "Renamed", RedirectUris: null })).status).toBe(200);
      expect(await client.readAuthorizationCodeClient(id)).toEqual({ ...SETTINGS, name: "Renamed" });
      expect((await put(randomUUID(), { Name: "x" })).status).toBe(404);
      expect((await put(id, { Id: randomUUID(), Name: "x" })).status).toBe(400);
      expect((await put(id, { AccessTokenLifetime: 30 })).status).toBe(400);
    });

    it("writes answer 405 on a regional host", async () => {
      identity.regional = true;
      expect((await failure(client.deleteAuthorizationCodeClient(id))).status).toBe(405);
      expect((await failure(client.updateAuthorizationCodeClient(id, SETTINGS))).status).toBe(405);
    });
  });
});
