import * as z from "zod";
import type { TenantConfig } from "../config.ts";
import type { Redactor } from "../log.ts";
import { isLoopbackHost } from "../loopback.ts";
import { IdentityApiError } from "./errors.ts";
import { errorFromAnswer, send } from "./http.ts";

const discoveryDocument = z.looseObject({ token_endpoint: z.url() });
const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
});

/**
 * Why the client secret may not go to `endpoint`, or undefined when it may: only over https (http
 * to a loopback host aside, for local stand-ins) and only to OCS_URL's own host and port.
 */
export function untrustedEndpoint(endpoint: string, ocsUrl: string): string | undefined {
  const target = new URL(endpoint);
  const ocs = new URL(ocsUrl);
  if (target.protocol !== "https:" && !(target.protocol === "http:" && isLoopbackHost(target.hostname))) {
    return `it is not https (${target.protocol.replace(/:$/, "")})`;
  }
  if (target.host.toLowerCase() !== ocs.host.toLowerCase())
    return `it is on ${target.host}, not on OCS_URL's ${ocs.host}`;
  return undefined;
}

/** Tokens are renewed this long before they expire, or at half their life when that is shorter. */
const RENEW_MARGIN_MS = 60_000;

/**
 * Client-credentials tokens for one tenant: discovery read once, one token request at a time,
 * the token reused until shortly before it expires.
 */
export class TokenProvider {
  private tokenEndpoint: Promise<string> | undefined;
  private cached: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly tenant: TenantConfig,
    private readonly redactor: Redactor,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.fetchToken()
      .catch((error: unknown) => {
        // The token endpoint's own words could echo what was sent (the secret): never pass that on.
        throw error instanceof IdentityApiError ? error.redacted((text) => this.redactor.redact(text)) : error;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** Forgets a token the API refused, unless a newer one has replaced it already. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private discover(): Promise<string> {
    this.tokenEndpoint ??= (async () => {
      const answer = await send(`${this.tenant.url}/identity/.well-known/openid-configuration`, {
        method: "GET",
        headers: { Accept: "application/json" },
        timeoutMs: this.timeoutMs,
      });
      if (answer.status !== 200) throw errorFromAnswer(answer);
      const doc = discoveryDocument.safeParse(answer.json);
      if (!doc.success) {
        throw new IdentityApiError({
          kind: "invalid_response",
          error: "The Identity API's discovery document has no usable token_endpoint.",
          resolution: "Check OCS_URL: it should be the tenant's host, such as https://uswe.datahub.connect.aveva.com.",
        });
      }
      const endpoint = doc.data.token_endpoint;
      const refusal = untrustedEndpoint(endpoint, this.tenant.url);
      if (refusal) {
        throw new IdentityApiError({
          kind: "configuration",
          error: `The Identity API's discovery document names a token endpoint the bot will not send its secret to: ${refusal}.`,
          resolution: "Check OCS_URL: it should be the tenant's host, such as https://uswe.datahub.connect.aveva.com.",
        });
      }
      return endpoint;
    })().catch((error: unknown) => {
      this.tokenEndpoint = undefined;
      throw error;
    });
    return this.tokenEndpoint;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = await this.discover();
    const answer = await send(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: this.tenant.clientId,
        client_secret: this.tenant.clientSecret,
      }).toString(),
      timeoutMs: this.timeoutMs,
    });
    if (answer.status !== 200) {
      const error = errorFromAnswer(answer);
      if (answer.status === 400 || answer.status === 401) throw this.credentialsError(error);
      throw error;
    }
    const parsed = tokenAnswer.safeParse(answer.json);
    if (!parsed.success) {
      throw new IdentityApiError({
        kind: "invalid_response",
        error: "The Identity API's token endpoint answered without an access token.",
      });
    }
    const { access_token: token, expires_in: expiresIn } = parsed.data;
    this.redactor.add(token);
    const lifetimeMs = expiresIn * 1000;
    this.cached = { token, renewAt: this.now() + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 2) };
    return token;
  }

  private credentialsError(cause: IdentityApiError): IdentityApiError {
    const where = this.tenant.name === "default" ? "" : ` for tenant "${this.tenant.name}"`;
    return new IdentityApiError({
      kind: "configuration",
      status: cause.status,
      error: `The Identity API refused the bot's own credentials${where} (${cause.error}).`,
      reason: cause.reason,
      resolution:
        "Check OCS_CLIENT_ID and OCS_CLIENT_SECRET: the client-credentials client must exist in the tenant, be enabled, and its secret must not have expired.",
      operationId: cause.operationId,
    });
  }
}
