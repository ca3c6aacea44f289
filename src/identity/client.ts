import * as z from "zod";
import type { RetryConfig, TenantConfig } from "../config.ts";
import type { Redactor } from "../log.ts";
import type { ClientSettings } from "../requests/clients.ts";
import { IdentityApiError } from "./errors.ts";
import { errorFromAnswer, type HttpAnswer, send } from "./http.ts";
import { type IdentityMetrics, type IdentityOperation, noIdentityMetrics } from "./metrics.ts";
import { type RetryHooks, withRetry } from "./retry.ts";
import { type ClientUpdateBody, settingsAnswer, toUpdateBody } from "./settings.ts";
import { TokenProvider } from "./token.ts";

/** The create body, exactly the properties the Identity API documents for this client type. */
export interface AuthorizationCodeClientBody {
  Id: string;
  Name: string;
  RedirectUris: string[];
  PostLogoutRedirectUris: string[];
  AllowedCorsOrigins: string[];
  AccessTokenLifetime: number;
  Enabled: true;
  ClientUri: null;
  LogoUri: null;
  Tags: null;
  AllowOfflineAccess: false;
}

const clientAnswer = z.looseObject({ Id: z.string().min(1) });
/**
 * A page of the list endpoint: an array of clients, each with its Id (`Id` as documented; `ClientId`
 * accepted too) and its Name. Everything else in them is ignored.
 */
const listAnswer = z.array(
  z
    .looseObject({
      Id: z.string().min(1).optional(),
      ClientId: z.string().min(1).optional(),
      Name: z.string().nullish(),
    })
    .refine((c) => c.Id !== undefined || c.ClientId !== undefined, { error: "a client without an Id" })
    .transform((c) => ({ id: (c.ClientId ?? c.Id) as string, name: c.Name ?? "" })),
);

/** How far a search of the list endpoint goes: a few small pages, each within a short timeout. */
export interface ListBounds {
  /** Clients per page (the `count` query parameter). */
  pageSize: number;
  /** Pages read at most. */
  maxPages: number;
  /** Each page's timeout. */
  timeoutMs: number;
}

/** A page of the list endpoint, and the Total-Count it gave (NaN without one). */
interface ListPage {
  clients: { id: string; name: string }[];
  total: number;
}

export const NAME_SEARCH: ListBounds = { pageSize: 50, maxPages: 4, timeoutMs: 2_000 };

/**
 * How long a page of the list read for a name check is used again. Every submission checks its
 * name, so a busy minute would otherwise read the same pages hundreds of times; a client made in
 * the portal (or by another replica) meanwhile is seen once this passes (the check only informs
 * approvers); this process's own changes to the tenant are seen at once (they drop the pages kept).
 */
export const LIST_PAGE_FRESH_MS = 5_000;

/** How a live read of one client is bounded: it only informs a person (a listing, a form, a check). */
const CLIENT_READ_TIMEOUT_MS = 3_000;

export interface DeletedClient {
  /**
   * True when the first attempt found no such client: it was gone before the bot asked. A 404
   * after an attempt that got no clear answer (a timeout, a 5xx) is taken for that attempt's own
   * work, so false.
   */
  alreadyGone: boolean;
}

export interface EnsuredClient {
  clientId: string;
  /** True when the client was found already created (a repeated POST answered 409). */
  alreadyExisted: boolean;
}

/** The Identity API of one tenant, as far as this bot needs it. */
export class IdentityClient {
  readonly tokens: TokenProvider;
  /** Pages of the list read lately or being read, by URL, with when their read started. */
  private readonly listPages = new Map<string, { page: Promise<ListPage>; readAt: number }>();

  constructor(
    private readonly tenant: TenantConfig,
    private readonly retry: RetryConfig,
    private readonly redactor: Redactor,
    private readonly hooks: RetryHooks = {},
    private readonly metrics: IdentityMetrics = noIdentityMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new TokenProvider(tenant, redactor, retry.requestTimeoutMs, now, metrics);
  }

  /** Errors leave this module with every known secret and token taken out (the service's words could echo them). */
  private clean(error: unknown): never {
    throw error instanceof IdentityApiError ? error.redacted((text) => this.redactor.redact(text)) : error;
  }

  private collectionUrl(): string {
    return `${this.tenant.url}/api/v1/Tenants/${encodeURIComponent(this.tenant.tenantId)}/AuthorizationCodeClients`;
  }

  /** A call with the bearer token; a 401 drops the token and tries once more with a fresh one. */
  private async authorized(
    operation: IdentityOperation,
    method: string,
    url: string,
    body?: unknown,
    timeoutMs: number = this.retry.requestTimeoutMs,
  ): Promise<HttpAnswer> {
    for (let round = 0; ; round++) {
      const token = await this.tokens.token();
      const answer = await send(url, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: "application/json",
          ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        timeoutMs,
        observe: (outcome) => this.metrics.identityCall(operation, outcome),
      });
      if (answer.status === 401 && round === 0) {
        this.tokens.invalidate(token);
        continue;
      }
      // Whatever a write did (or may have done, unanswered), pages read before it may not show it.
      if (method !== "GET") this.listPages.clear();
      return answer;
    }
  }

  private readClient(answer: HttpAnswer): string {
    const parsed = clientAnswer.safeParse(answer.json);
    if (!parsed.success) {
      throw new IdentityApiError({
        kind: "invalid_response",
        status: answer.status,
        error: "The Identity API's answer did not include the client's Id.",
        operationId: answer.headers.get("Operation-Id") ?? undefined,
      });
    }
    return parsed.data.Id;
  }

  private clientUrl(id: string): string {
    return `${this.collectionUrl()}/${encodeURIComponent(id)}`;
  }

  /** An attempt whose errors leave redacted, retried what is worth retrying; every retry counted. */
  private retrying<T>(attempt: () => Promise<T>, hooks: RetryHooks): Promise<T> {
    // Each attempt's error is redacted as it happens: retry hooks see (and may log) every one.
    const cleanAttempt = () => attempt().catch((error: unknown) => this.clean(error));
    const onRetry = hooks.onRetry ?? this.hooks.onRetry;
    return withRetry(cleanAttempt, this.retry, {
      ...this.hooks,
      ...hooks,
      onRetry: (info) => {
        this.metrics.identityRetry(info.error.status ?? info.error.kind);
        return onRetry?.(info);
      },
    });
  }

  /**
   * The settings of client `id` as the tenant has them now (GET …/AuthorizationCodeClients/{id});
   * undefined when there is no such client. One call within `timeoutMs`, never retried: a read
   * only informs, and its caller shows a failure as "unreadable".
   */
  readAuthorizationCodeClient(id: string, timeoutMs = CLIENT_READ_TIMEOUT_MS): Promise<ClientSettings | undefined> {
    return this.readSettings(id, timeoutMs).catch((error: unknown) => this.clean(error));
  }

  private async readSettings(id: string, timeoutMs: number): Promise<ClientSettings | undefined> {
    const answer = await this.authorized("read_client", "GET", this.clientUrl(id), undefined, timeoutMs);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw errorFromAnswer(answer);
    const parsed = settingsAnswer.safeParse(answer.json);
    if (!parsed.success) {
      throw new IdentityApiError({
        kind: "invalid_response",
        status: answer.status,
        error: "The Identity API's answer was not an authorization code client with its settings.",
        operationId: answer.headers.get("Operation-Id") ?? undefined,
      });
    }
    return parsed.data;
  }

  /**
   * Sets every managed property of client `id` to `settings` (PUT …/{id}; a list sent empty is
   * emptied). Retried like a creation: a PUT repeated after a lost answer sets the same values.
   * A 404 (the client is gone) is not retried.
   */
  updateAuthorizationCodeClient(id: string, settings: ClientSettings, hooks: RetryHooks = {}): Promise<void> {
    return this.retrying(() => this.updateOnce(toUpdateBody(id, settings)), hooks);
  }

  private async updateOnce(body: ClientUpdateBody): Promise<void> {
    const answer = await this.authorized("update_client", "PUT", this.clientUrl(body.Id), body);
    if (answer.status === 404) throw this.gone(answer, body.Id);
    if (answer.status !== 200 && answer.status !== 204) throw errorFromAnswer(answer);
    // The documented 200 carries the client; an answer about another client is not a success.
    if (answer.json !== undefined) {
      const echoed = clientAnswer.safeParse(answer.json);
      if (!echoed.success || echoed.data.Id.toLowerCase() !== body.Id.toLowerCase()) {
        throw new IdentityApiError({
          kind: "invalid_response",
          status: answer.status,
          error: "The Identity API's answer to the change was not the client changed.",
          operationId: answer.headers.get("Operation-Id") ?? undefined,
        });
      }
    }
  }

  /**
   * Deletes client `id` (DELETE …/{id}): 204 deleted; 404 already gone (not an error); a 409 is
   * the service refusing, with its words, not retried. Retried otherwise like a creation.
   */
  deleteAuthorizationCodeClient(id: string, hooks: RetryHooks = {}): Promise<DeletedClient> {
    let attempts = 0;
    return this.retrying(async () => {
      attempts++;
      const answer = await this.authorized("delete_client", "DELETE", this.clientUrl(id));
      if (answer.status === 404) return { alreadyGone: attempts === 1 };
      if (answer.status !== 204 && answer.status !== 200) throw errorFromAnswer(answer);
      return { alreadyGone: false };
    }, hooks);
  }

  /** A 404 to a change: the client was deleted in the tenant (the service's OperationId kept). */
  private gone(answer: HttpAnswer, id: string): IdentityApiError {
    const said = errorFromAnswer(answer);
    return new IdentityApiError({
      kind: "http",
      status: 404,
      error: "The client no longer exists in the tenant.",
      reason: said.reason ?? `No authorization code client with the Id ${id}.`,
      resolution: "It was deleted outside the bot: there is nothing left to change.",
      operationId: said.operationId,
      retryable: false,
    });
  }

  getAuthorizationCodeClient(id: string): Promise<string | undefined> {
    return this.findClient(id).catch((error: unknown) => this.clean(error));
  }

  private async findClient(id: string): Promise<string | undefined> {
    const answer = await this.authorized("read_client", "GET", this.clientUrl(id));
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw errorFromAnswer(answer);
    return this.readClient(answer);
  }

  /**
   * The Id of a client of this tenant named `name` (letter case and outer spaces aside), other
   * than `exceptId`; undefined when none is among the clients read. Reads at most
   * `bounds.maxPages` pages of `bounds.pageSize` clients (GET …/AuthorizationCodeClients?skip&count),
   * each within `bounds.timeoutMs`, without retries: the answer only informs approvers.
   */
  findClientNamed(name: string, exceptId: string, bounds: ListBounds = NAME_SEARCH): Promise<string | undefined> {
    return this.searchByName(name, exceptId, bounds).catch((error: unknown) => this.clean(error));
  }

  private async searchByName(name: string, exceptId: string, bounds: ListBounds): Promise<string | undefined> {
    const wanted = name.trim().toLowerCase();
    const except = exceptId.toLowerCase();
    for (let page = 0; page < bounds.maxPages; page++) {
      const skip = page * bounds.pageSize;
      const { clients, total } = await this.listPage(skip, bounds);
      const found = clients.find((c) => c.id.toLowerCase() !== except && c.name.trim().toLowerCase() === wanted);
      if (found) return found.id;
      // The last page: a short one (or one that ignored count), or Total-Count reached.
      if (clients.length !== bounds.pageSize || (Number.isFinite(total) && skip + clients.length >= total)) {
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * One page of the list. Searches share it while it is being read (every submission starts one,
   * so under a burst most would read the same pages at the same moment) and for LIST_PAGE_FRESH_MS
   * after; a failed read is not kept.
   */
  private listPage(skip: number, bounds: ListBounds): Promise<ListPage> {
    const url = `${this.collectionUrl()}?skip=${skip}&count=${bounds.pageSize}`;
    const now = this.now();
    const kept = this.listPages.get(url);
    if (kept && now - kept.readAt < LIST_PAGE_FRESH_MS) return kept.page;
    const page = this.readListPage(url, bounds.timeoutMs);
    const entry = { page, readAt: now };
    this.listPages.set(url, entry);
    page.catch(() => {
      if (this.listPages.get(url) === entry) this.listPages.delete(url);
    });
    return page;
  }

  private async readListPage(url: string, timeoutMs: number): Promise<ListPage> {
    const answer = await this.authorized("list_clients", "GET", url, undefined, timeoutMs);
    if (answer.status !== 200) throw errorFromAnswer(answer);
    const parsed = listAnswer.safeParse(answer.json);
    if (!parsed.success) {
      throw new IdentityApiError({
        kind: "invalid_response",
        status: answer.status,
        error: "The Identity API's list of clients was not a list of clients with an Id each.",
        operationId: answer.headers.get("Operation-Id") ?? undefined,
      });
    }
    return { clients: parsed.data, total: Number(answer.headers.get("Total-Count") ?? Number.NaN) };
  }

  /** One attempt: POST, and after a 409 on our own Id, find the client that attempt already made. */
  private async ensureOnce(body: AuthorizationCodeClientBody): Promise<EnsuredClient> {
    const answer = await this.authorized("create_client", "POST", this.collectionUrl(), body);
    if (answer.status === 201 || answer.status === 200) {
      return { clientId: this.readClient(answer), alreadyExisted: false };
    }
    if (answer.status !== 409) throw errorFromAnswer(answer);
    const existing = await this.findClient(body.Id);
    if (existing) return { clientId: existing, alreadyExisted: true };
    const conflict = errorFromAnswer(answer);
    // The Id is a random GUID chosen for this request, so the client taking it is almost surely
    // the one an earlier attempt created, not readable yet (reads may lag writes): try again,
    // within the same bounds as any passing failure.
    throw new IdentityApiError({
      kind: "http",
      status: 409,
      error: conflict.error,
      reason:
        conflict.reason ?? `The Id ${body.Id} is taken, but no authorization code client with that Id could be read.`,
      resolution:
        conflict.resolution ??
        "Press Retry in a minute (the client may not be readable yet); if it fails again, submit a new request: it gets a new Id.",
      operationId: conflict.operationId,
      retryable: true,
    });
  }

  /**
   * Creates the client with the Id chosen at submission, retrying what is worth retrying.
   * Safe to call again for the same body: at most one client is ever created.
   */
  ensureAuthorizationCodeClient(body: AuthorizationCodeClientBody, hooks: RetryHooks = {}): Promise<EnsuredClient> {
    return this.retrying(() => this.ensureOnce(body), hooks);
  }
}

/** One IdentityClient per configured tenant, by tenant name. */
export class IdentityClients {
  private readonly clients = new Map<string, IdentityClient>();

  constructor(
    tenants: TenantConfig[],
    retry: RetryConfig,
    redactor: Redactor,
    hooks: RetryHooks = {},
    metrics: IdentityMetrics = noIdentityMetrics,
  ) {
    for (const t of tenants) this.clients.set(t.name, new IdentityClient(t, retry, redactor, hooks, metrics));
  }

  forTenant(name: string): IdentityClient {
    const client = this.clients.get(name);
    if (!client) {
      throw new IdentityApiError({
        kind: "configuration",
        error: `The tenant "${name}" is no longer configured.`,
        resolution: "Add it back to OCS_TENANTS, or deny the request.",
      });
    }
    return client;
  }
}
