import type { AuditSource } from "../requests/ports.ts";
import type { AuditEntry, Request } from "../requests/request.ts";

/** The audit export: every request and every transition, as CSV or JSON, a batch at a time. */

export type AuditFormat = "csv" | "json";

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

export const CSV_COLUMNS = [
  "request_id",
  "tenant",
  "kind",
  "target_client_id",
  "requester_id",
  "name",
  "redirect_uris",
  "post_logout_redirect_uris",
  "allowed_cors_origins",
  "access_token_lifetime",
  "justification",
  "client_guid",
  "created_client_id",
  "request_status",
  "decided_by",
  "decided_at",
  "decision_reason",
  "last_error",
  "attempts",
  "expires_at",
  "request_created_at",
  "request_updated_at",
  "event_id",
  "event_at",
  "actor",
  "from_status",
  "to_status",
  "detail",
] as const;

/**
 * What a spreadsheet would run as a formula when the cell starts with it (OWASP, CSV injection):
 * =, +, -, @, tab and CR. Such a cell gets a ' in front, which spreadsheets read as "text"; so does
 * a cell that starts with ' itself, so the rule back is simple: a cell starting with ' had one
 * put in front, and the stored text is the cell without its first character.
 */
const NEEDS_APOSTROPHE = /^[=+\-@\t\r']/;

/** One CSV field (RFC 4180): formulas neutralised, quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  const stored = value === null || value === undefined ? "" : String(value);
  const text = NEEDS_APOSTROPHE.test(stored) ? `'${stored}` : stored;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(r: Request, e: AuditEntry | undefined): string {
  const fields = [
    r.id,
    r.tenant,
    r.kind,
    r.targetClientId,
    r.requesterId,
    r.name,
    // URLs never hold spaces (the form refuses them), so a space separates them unambiguously.
    r.redirectUris.join(" "),
    r.postLogoutRedirectUris.join(" "),
    r.allowedCorsOrigins.join(" "),
    r.accessTokenLifetime,
    r.justification,
    r.clientGuid,
    r.createdClientId,
    r.status,
    r.decidedBy,
    iso(r.decidedAt),
    r.decisionReason,
    r.lastError ? JSON.stringify(r.lastError) : "",
    r.attempts,
    iso(r.expiresAt),
    iso(r.createdAt),
    iso(r.updatedAt),
    e?.id,
    e ? iso(e.at) : "",
    e?.actor,
    e?.fromStatus,
    e?.toStatus,
    e?.detail,
  ];
  return `${fields.map(csvField).join(",")}\r\n`;
}

function jsonRequest(r: Request, events: AuditEntry[]) {
  return {
    id: r.id,
    tenant: r.tenant,
    kind: r.kind,
    targetClientId: r.targetClientId,
    requesterId: r.requesterId,
    name: r.name,
    redirectUris: r.redirectUris,
    postLogoutRedirectUris: r.postLogoutRedirectUris,
    allowedCorsOrigins: r.allowedCorsOrigins,
    accessTokenLifetime: r.accessTokenLifetime,
    justification: r.justification,
    clientGuid: r.clientGuid,
    createdClientId: r.createdClientId,
    status: r.status,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt === null ? null : iso(r.decidedAt),
    decisionReason: r.decisionReason,
    lastError: r.lastError,
    attempts: r.attempts,
    expiresAt: iso(r.expiresAt),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    transitions: events.map((e) => ({
      id: e.id,
      at: iso(e.at),
      actor: e.actor,
      from: e.fromStatus,
      to: e.toStatus,
      detail: e.detail,
    })),
  };
}

const BATCH = 500;

/**
 * Writes the export through `write`, a batch of requests at a time (memory stays flat). CSV has
 * one row per transition; a request without a transition in the period gets one row of its own.
 */
export async function writeAudit(
  source: AuditSource,
  options: { format: AuditFormat; since: number | undefined },
  write: (chunk: string) => void,
  exportedAt: Date = new Date(),
): Promise<{ requests: number; transitions: number }> {
  let requests = 0;
  let transitions = 0;
  if (options.format === "csv") write(`${CSV_COLUMNS.join(",")}\r\n`);
  else {
    const since = options.since === undefined ? null : iso(options.since);
    write(`{"exportedAt":${JSON.stringify(exportedAt.toISOString())},"since":${JSON.stringify(since)},"requests":[`);
  }
  for (let after = 0; ; ) {
    const batch = await source.exportBatch(options.since, after, BATCH);
    const last = batch.requests.at(-1);
    if (!last) break;
    after = last.id;
    const byRequest = new Map<number, AuditEntry[]>();
    for (const e of batch.events) {
      const list = byRequest.get(e.requestId);
      if (list) list.push(e);
      else byRequest.set(e.requestId, [e]);
    }
    let chunk = "";
    for (const r of batch.requests) {
      const events = byRequest.get(r.id) ?? [];
      if (options.format === "csv") {
        chunk += events.length === 0 ? csvRow(r, undefined) : events.map((e) => csvRow(r, e)).join("");
      } else {
        chunk += `${requests === 0 ? "" : ","}\n${JSON.stringify(jsonRequest(r, events))}`;
      }
      requests++;
      transitions += events.length;
    }
    write(chunk);
  }
  if (options.format === "json") write(`${requests === 0 ? "" : "\n"}]}\n`);
  return { requests, transitions };
}
