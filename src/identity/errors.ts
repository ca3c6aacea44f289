import type { StoredError } from "../requests/request.ts";

export type IdentityErrorKind =
  /** The service answered with an HTTP error status. */
  | "http"
  /** The connection failed or was reset before an answer arrived. */
  | "network"
  /** No answer within the call's timeout. */
  | "timeout"
  /** The bot's own credentials or settings are wrong: an administrator must act. */
  | "configuration"
  /** The service answered something we cannot read. */
  | "invalid_response";

/** How long a text of the service's (an error, a reason) may be once redacted. */
export const ERROR_TEXT_MAX_LENGTH = 300;

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** One line, at most ERROR_TEXT_MAX_LENGTH characters, cut between graphemes with a visible "…". */
export function shortened(text: string): string {
  const flat = text.replace(/[\p{Cc}\s]+/gu, " ").trim();
  if (flat.length <= ERROR_TEXT_MAX_LENGTH) return flat;
  let kept = "";
  for (const { segment } of graphemes.segment(flat)) {
    if (kept.length + segment.length > ERROR_TEXT_MAX_LENGTH - 1) break;
    kept += segment;
  }
  return `${kept}…`;
}

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export interface IdentityErrorFields {
  kind: IdentityErrorKind;
  status?: number;
  error: string;
  reason?: string;
  resolution?: string;
  operationId?: string;
  retryAfterMs?: number;
  /** Overrides the rule by kind and status, for a failure only the caller knows to be passing. */
  retryable?: boolean;
}

/** An Identity API failure, with the ErrorResponse fields people and support need. */
export class IdentityApiError extends Error {
  readonly kind: IdentityErrorKind;
  readonly status: number | undefined;
  readonly error: string;
  readonly reason: string | undefined;
  readonly resolution: string | undefined;
  readonly operationId: string | undefined;
  readonly retryAfterMs: number | undefined;
  private readonly retryableOverride: boolean | undefined;

  constructor(fields: IdentityErrorFields) {
    super(
      [fields.status ? `HTTP ${fields.status}` : fields.kind, fields.error, fields.reason].filter(Boolean).join(": "),
    );
    this.name = "IdentityApiError";
    this.kind = fields.kind;
    this.status = fields.status;
    this.error = fields.error;
    this.reason = fields.reason;
    this.resolution = fields.resolution;
    this.operationId = fields.operationId;
    this.retryAfterMs = fields.retryAfterMs;
    this.retryableOverride = fields.retryable;
  }

  get retryable(): boolean {
    if (this.retryableOverride !== undefined) return this.retryableOverride;
    if (this.kind === "network" || this.kind === "timeout") return true;
    return this.kind === "http" && this.status !== undefined && RETRYABLE_STATUSES.has(this.status);
  }

  /**
   * The same error with every text passed through `redact` (secrets never leave the identity
   * module), then made one line and shortened: redacting first, so that a cut never leaves part
   * of a secret behind.
   */
  redacted(redact: (text: string) => string): IdentityApiError {
    const clean = (text: string | undefined) => (text === undefined ? undefined : shortened(redact(text)));
    return new IdentityApiError({
      kind: this.kind,
      status: this.status,
      error: shortened(redact(this.error)),
      reason: clean(this.reason),
      resolution: clean(this.resolution),
      operationId: clean(this.operationId),
      retryAfterMs: this.retryAfterMs,
      retryable: this.retryableOverride,
    });
  }

  toStored(): StoredError {
    return {
      ...(this.status !== undefined ? { status: this.status } : {}),
      error: this.error,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.resolution ? { resolution: this.resolution } : {}),
      ...(this.operationId ? { operationId: this.operationId } : {}),
    };
  }
}

export interface StatusHint {
  error: string;
  resolution: string;
  /** Shown even when the service gives its own Resolution: only we know what the bot's admin must change. */
  always?: boolean;
}

/** Hints we add where the service's own words do not tell an administrator what to do. */
const STATUS_HINTS: Record<number, StatusHint> = {
  401: {
    error: "The Identity API did not accept the bot's access token.",
    resolution: "Check OCS_CLIENT_ID and OCS_CLIENT_SECRET, and that the client is enabled.",
  },
  403: {
    error: "The bot's client may not create clients in this tenant.",
    resolution: "Give the bot's client-credentials client the Tenant Administrator role.",
    always: true,
  },
  404: {
    error: "The tenant or resource was not found.",
    resolution: "Check OCS_TENANT_ID and OCS_URL.",
  },
  405: {
    error: "This host does not accept changes to identity resources.",
    resolution:
      "Set OCS_URL to the global host (https://uswe.datahub.connect.aveva.com): regional hosts answer 405 to writes.",
    always: true,
  },
};

export function hintFor(status: number): StatusHint | undefined {
  return STATUS_HINTS[status];
}

/** Reads Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Anything else must be an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"); "-5" or "soon" are ignored.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
