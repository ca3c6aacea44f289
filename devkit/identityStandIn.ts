import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { jsonOrText, readBody, sleep } from "./http.ts";

export const TENANT_ID = "0b5c7a1e-4a8d-4a7e-9c4b-2f1d3e5a6b7c";
export const OCS_CLIENT_ID = "slack-bot-client";
export const OCS_CLIENT_SECRET = "super-secret-ocs-value-1234";

/** What the next matching request meets instead of the normal answer. */
export interface IdentityFault {
  /**
   * Which requests: "POST clients", "GET client", "GET clients" (the list), "PUT client",
   * "DELETE client", "token", "discovery", or "any".
   */
  route: IdentityRoute | "any";
  status?: number;
  body?: unknown;
  /** Sent raw instead of `body` (non-JSON bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /**
   * "before": close the connection without doing anything; "after-store": do the work (create,
   * change or delete the client), then close without answering.
   */
  drop?: "before" | "after-store";
  /** With `status`: do the normal work first (a POST creates the client, a PUT changes it), then answer `status` instead. */
  store?: boolean;
  times?: number;
}

type IdentityRoute =
  | "POST clients"
  | "GET client"
  | "GET clients"
  | "PUT client"
  | "DELETE client"
  | "token"
  | "discovery";

export interface IdentityCall {
  method: string;
  path: string;
  route: IdentityRoute | "other";
  body: unknown;
  authorization: string | undefined;
  at: number;
  /** The request's Content-Type header. */
  contentType?: string | undefined;
  /** The query string, without its "?" ("" when none). */
  query?: string;
}

type StoredClient = Record<string, unknown> & { Id: string };

const ALLOWED_PROPERTIES = new Set([
  "Id",
  "Name",
  "RedirectUris",
  "PostLogoutRedirectUris",
  "AllowedCorsOrigins",
  "AccessTokenLifetime",
  "Enabled",
  "ClientUri",
  "LogoUri",
  "Tags",
  "AllowOfflineAccess",
]);

/** What PUT may change, and what it checks of each property (absent or null: left as it is). */
const UPDATABLE = [
  "Name",
  "RedirectUris",
  "PostLogoutRedirectUris",
  "AllowedCorsOrigins",
  "AccessTokenLifetime",
  "Enabled",
];

/**
 * A local stand-in for an AVEVA Data Hub tenant's Identity API: discovery, client-credentials
 * tokens and the AuthorizationCodeClients endpoints (list, create, read, change, delete) with the
 * documented rules, plus switches to inject failures and to change clients as the portal would.
 */
export class IdentityStandIn {
  readonly calls: IdentityCall[] = [];
  readonly clients = new Map<string, StoredClient>();
  readonly issuedTokens: string[] = [];
  tokenLifetimeSeconds = 3600;
  clientId = OCS_CLIENT_ID;
  clientSecret = OCS_CLIENT_SECRET;
  tenantId = TENANT_ID;
  /** Writes answer 405, as a regional host does. */
  regional = false;
  /** Where discovery says the token endpoint is. */
  tokenEndpointPath = "/identity/connect/token";
  private readonly faults: IdentityFault[] = [];
  private readonly revoked = new Set<string>();
  private server: Server | undefined;
  url = "";
  /** Keep every call in `calls` (tests read them); a long benchmark turns this off to bound memory. */
  recordCalls = true;
  /** Told of each call as it arrives, before it is answered (benchmarks time arrivals with it). */
  onCall: ((call: IdentityCall) => void) | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  inject(fault: IdentityFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Makes every token issued so far answer 401, as an expired or revoked token would. */
  revokeTokens(): void {
    for (const t of this.issuedTokens) this.revoked.add(t);
  }

  callsTo(route: IdentityCall["route"]): IdentityCall[] {
    return this.calls.filter((c) => c.route === route);
  }

  /** The client with Id `id` as stored, whatever the letter case of the Id. */
  client(id: string): StoredClient | undefined {
    return this.clients.get(id.toLowerCase());
  }

  /**
   * Changes a client as someone in the portal would, behind the bot's back (drift): the given
   * properties replace the stored ones. Throws for an unknown client.
   */
  changeInPortal(id: string, change: Record<string, unknown>): void {
    const client = this.client(id);
    if (!client) throw new Error(`No client ${id} to change`);
    this.clients.set(id.toLowerCase(), { ...client, ...change, Id: client.Id });
  }

  /** Deletes a client as someone in the portal would. */
  deleteInPortal(id: string): void {
    if (!this.clients.delete(id.toLowerCase())) throw new Error(`No client ${id} to delete`);
  }

  private routeOf(method: string, path: string): IdentityCall["route"] {
    if (path === "/identity/.well-known/openid-configuration") return "discovery";
    if (path === this.tokenEndpointPath) return "token";
    const base = `/api/v1/Tenants/${this.tenantId}/AuthorizationCodeClients`;
    if (method === "POST" && path === base) return "POST clients";
    if (method === "GET" && path === base) return "GET clients";
    if (path.startsWith(`${base}/`) && !path.slice(base.length + 1).includes("/")) {
      if (method === "GET") return "GET client";
      if (method === "PUT") return "PUT client";
      if (method === "DELETE") return "DELETE client";
    }
    return "other";
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "");
    const method = req.method ?? "GET";
    const route = this.routeOf(method, path);
    let body: unknown = raw;
    if ((req.headers["content-type"] ?? "").includes("json")) body = jsonOrText(raw);
    else if (route === "token") body = Object.fromEntries(new URLSearchParams(raw));
    const call: IdentityCall = {
      method,
      path,
      route,
      body,
      authorization: req.headers.authorization,
      at: Date.now(),
      contentType: req.headers["content-type"],
      query: (req.url ?? "").split("?")[1] ?? "",
    };
    if (this.recordCalls) this.calls.push(call);
    this.onCall?.(call);

    const fault = this.faults.find((f) => (f.route === route || f.route === "any") && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.drop === "before") return void req.socket.destroy();
      if (fault.drop === "after-store") {
        this.answer(method, path, route, body, req);
        return void req.socket.destroy();
      }
      if (fault.status) {
        if (fault.store) this.answer(method, path, route, body, req);
        if (res.destroyed) return;
        res.writeHead(fault.status, {
          "Content-Type": fault.rawBody !== undefined ? "text/plain" : "application/json",
          ...fault.headers,
        });
        return void res.end(fault.rawBody ?? (fault.body === undefined ? "" : JSON.stringify(fault.body)));
      }
    }
    if (res.destroyed) return;
    const answer = this.answer(method, path, route, body, req);
    res.writeHead(answer.status, {
      "Content-Type": "application/json",
      "Operation-Id": randomUUID(),
      ...answer.headers,
    });
    res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
  }

  private answer(
    method: string,
    path: string,
    route: IdentityCall["route"],
    body: unknown,
    req: IncomingMessage,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    if (route === "discovery") {
      return {
        status: 200,
        body: { issuer: `${this.url}/identity`, token_endpoint: `${this.url}${this.tokenEndpointPath}` },
      };
    }
    if (route === "token") {
      const form = body as Record<string, string>;
      if (form.grant_type !== "client_credentials") return { status: 400, body: { error: "unsupported_grant_type" } };
      if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) {
        return { status: 400, body: { error: "invalid_client" } };
      }
      const token = `at-${randomUUID()}`;
      this.issuedTokens.push(token);
      return {
        status: 200,
        body: { access_token: token, expires_in: this.tokenLifetimeSeconds, token_type: "Bearer" },
      };
    }
    const token = req.headers.authorization?.replace(/^Bearer /, "");
    if (!token || !this.issuedTokens.includes(token) || this.revoked.has(token)) return { status: 401 };
    if (route === "POST clients") {
      if (this.regional) return errorResponse(405, "Method not allowed.", "Writes go to the global host.");
      return this.create(body);
    }
    if (route === "GET clients") {
      // skip and count as documented; count defaults to 100. The whole size in Total-Count.
      const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const skip = Number(query.get("skip") ?? 0);
      const count = Number(query.get("count") ?? 100);
      if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(count) || count < 1) {
        return errorResponse(400, "Invalid paging.", "skip and count must be whole numbers.");
      }
      const all = [...this.clients.values()];
      return {
        status: 200,
        body: all.slice(skip, skip + count),
        headers: { "Total-Count": String(all.length) },
      };
    }
    const id = path.split("/").pop() ?? "";
    if (route === "GET client") {
      const client = this.client(id);
      return client
        ? { status: 200, body: client }
        : errorResponse(404, "Client not found.", `No client with Id ${id}.`);
    }
    if (route === "PUT client" || route === "DELETE client") {
      if (this.regional) return errorResponse(405, "Method not allowed.", "Writes go to the global host.");
      if (!this.client(id)) return errorResponse(404, "Client not found.", `No client with Id ${id}.`);
      if (route === "PUT client") return this.update(id, body);
      this.clients.delete(id.toLowerCase());
      return { status: 204 };
    }
    return errorResponse(404, "Not found.", `${method} ${path}`);
  }

  /** PUT: the properties sent replace the stored ones; absent or null ones stay as they are. */
  private update(id: string, body: unknown): { status: number; body?: unknown } {
    if (!body || typeof body !== "object") return errorResponse(400, "Invalid request body.", "Expected JSON.");
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).filter((k) => !ALLOWED_PROPERTIES.has(k));
    if (unknown.length > 0) return errorResponse(400, "Unknown properties.", unknown.join(", "));
    if (b.Id != null && (typeof b.Id !== "string" || b.Id.toLowerCase() !== id.toLowerCase())) {
      return errorResponse(400, "Invalid Id.", "The Id in the body differs from the Id in the path.");
    }
    const redirects = b.RedirectUris;
    if (redirects != null && (!Array.isArray(redirects) || redirects.length < 1 || redirects.length > 10)) {
      return errorResponse(400, "Invalid RedirectUris.", "Between 1 and 10 redirect URIs are required.");
    }
    const logout = b.PostLogoutRedirectUris;
    if (logout != null && (!Array.isArray(logout) || logout.length > 10)) {
      return errorResponse(400, "Invalid PostLogoutRedirectUris.", "At most 10 post logout redirect URIs.");
    }
    const lifetime = b.AccessTokenLifetime;
    if (
      lifetime != null &&
      (typeof lifetime !== "number" || !Number.isInteger(lifetime) || lifetime < 60 || lifetime > 3600)
    ) {
      return errorResponse(400, "Invalid AccessTokenLifetime.", "Must be between 60 and 3600 seconds.");
    }
    if (b.Name != null && (typeof b.Name !== "string" || b.Name.trim() === "")) {
      return errorResponse(400, "Invalid Name.", "Name must not be empty.");
    }
    if (b.Enabled != null && typeof b.Enabled !== "boolean") {
      return errorResponse(400, "Invalid Enabled.", "Enabled is true or false.");
    }
    const stored = this.client(id) as StoredClient;
    const changed: StoredClient = { ...stored };
    for (const key of UPDATABLE) if (b[key] != null) changed[key] = b[key];
    this.clients.set(id.toLowerCase(), changed);
    return { status: 200, body: changed };
  }

  private create(body: unknown): { status: number; body?: unknown } {
    if (!body || typeof body !== "object") return errorResponse(400, "Invalid request body.", "Expected JSON.");
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).filter((k) => !ALLOWED_PROPERTIES.has(k));
    if (unknown.length > 0) return errorResponse(400, "Unknown properties.", unknown.join(", "));
    const redirects = b.RedirectUris;
    if (!Array.isArray(redirects) || redirects.length < 1 || redirects.length > 10) {
      return errorResponse(400, "Invalid RedirectUris.", "Between 1 and 10 redirect URIs are required.");
    }
    const logout = b.PostLogoutRedirectUris;
    if (logout != null && (!Array.isArray(logout) || logout.length > 10)) {
      return errorResponse(400, "Invalid PostLogoutRedirectUris.", "At most 10 post logout redirect URIs.");
    }
    const lifetime = b.AccessTokenLifetime ?? 3600;
    if (typeof lifetime !== "number" || !Number.isInteger(lifetime) || lifetime < 60 || lifetime > 3600) {
      return errorResponse(400, "Invalid AccessTokenLifetime.", "Must be between 60 and 3600 seconds.");
    }
    if (typeof b.Name !== "string" || b.Name.trim() === "")
      return errorResponse(400, "Invalid Name.", "Name is required.");
    const id = typeof b.Id === "string" && b.Id !== "" ? b.Id : randomUUID();
    if (this.clients.has(id.toLowerCase())) {
      return errorResponse(409, "Client already exists.", `A client with Id ${id} already exists.`);
    }
    const client: StoredClient = {
      ...b,
      Id: id,
      AccessTokenLifetime: lifetime,
      PostLogoutRedirectUris: logout ?? [],
      AllowedCorsOrigins: b.AllowedCorsOrigins ?? [],
    };
    this.clients.set(id.toLowerCase(), client);
    return { status: 201, body: client };
  }
}

export function errorResponse(
  status: number,
  error: string,
  reason: string,
  resolution = "Correct the request and try again.",
) {
  return {
    status,
    body: { OperationId: randomUUID(), Error: error, Reason: reason, Resolution: resolution, DynamicProperties: {} },
  };
}
