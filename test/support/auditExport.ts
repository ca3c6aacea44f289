import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { CSV_COLUMNS } from "../../src/audit/export.ts";
import type { Database } from "../../src/db/database.ts";
import type { RequestForm } from "../../src/requests/form.ts";
import type { RequestStore } from "../../src/requests/ports.ts";
import type { Request } from "../../src/requests/request.ts";

/**
 * What the audit export tests share, on SQLite (test/audit-export.test.ts) and on PostgreSQL
 * (test/audit-export.postgres.test.ts): the requests they export, and what the export must say of them.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 0, 10, 12, 0);

const TRICKY_NAME = 'Dashboard, "beta"';
const TRICKY_JUSTIFICATION = 'Line one, with a comma\nLine "two"\r\n=SUM(A1)';

/** RFC 4180, to read back what the export wrote (quoted fields, doubled quotes, CRLF and LF inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

export const form = (name: string, justification: string): RequestForm => ({
  tenant: "default",
  name,
  redirectUris: ["https://app.example.com/callback", "http://localhost:5173/cb"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: ["https://app.example.com"],
  accessTokenLifetime: 1800,
  justification,
});

/** Records one request through the store, as the bot does. */
export async function recordRequest(
  store: RequestStore,
  name: string,
  justification: string,
  key: string,
  ttlMs: number,
  now: number,
): Promise<Request> {
  const result = await store.record({
    form: form(name, justification),
    requesterId: "U0REQUEST",
    originChannelId: undefined,
    submissionKey: key,
    expiresAt: now + ttlMs,
    nextReminderAt: null,
    maxPending: Number.MAX_SAFE_INTEGER,
  });
  if (result.kind !== "recorded") throw new Error(`not recorded: ${result.kind}`);
  return result.request;
}

/**
 * Two requests and their six transitions, at known times: #1 asked on day 0, approved and created
 * on day 1; #2 asked on day 5, denied on day 6 with a reason that needs quoting. `open` opens the
 * database with the clock it is given; the ids of the two requests are returned.
 */
export async function seedAuditData(open: (now: () => number) => Promise<Database>): Promise<number[]> {
  let now = T0;
  const database = await open(() => now);
  try {
    const store = database.stores.requests;
    const first = await recordRequest(store, TRICKY_NAME, TRICKY_JUSTIFICATION, "V1", 3 * DAY, now);
    now = T0 + DAY;
    await store.transition({
      id: first.id,
      from: "pending",
      to: "approved",
      actor: "U0APPROVE1",
      set: { decidedBy: "U0APPROVE1", decidedAt: now },
    });
    await store.transition({ id: first.id, from: "approved", to: "creating", actor: "U0APPROVE1" });
    await store.transition({
      id: first.id,
      from: "creating",
      to: "created",
      actor: "system",
      detail: "client x",
      set: { createdClientId: first.clientGuid },
    });
    now = T0 + 5 * DAY;
    const second = await recordRequest(store, "Second", "Needed, really.", "V2", 3 * DAY, now);
    now = T0 + 6 * DAY;
    await store.transition({
      id: second.id,
      from: "pending",
      to: "denied",
      actor: "U0APPROVE1",
      detail: 'Use "shared", not new',
      set: { decisionReason: 'Use "shared", not new', decidedBy: "U0APPROVE1", decidedAt: now },
    });
    return [first.id, second.id];
  } finally {
    await database.close();
  }
}

const col = (row: string[] | undefined, name: (typeof CSV_COLUMNS)[number]) => row?.[CSV_COLUMNS.indexOf(name)];

/** The whole CSV export of seedAuditData's requests: one row per transition, quoted where needed. */
export function expectFullCsv(out: string, ids: number[]): void {
  const [head, ...rows] = parseCsv(out);
  expect(head).toEqual([...CSV_COLUMNS]);
  expect(rows).toHaveLength(6);
  for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);

  const firstRows = rows.filter((r) => col(r, "request_id") === String(ids[0]));
  expect(firstRows.map((r) => `${col(r, "from_status")}>${col(r, "to_status")}`)).toEqual([
    ">pending",
    "pending>approved",
    "approved>creating",
    "creating>created",
  ]);
  // Round trip of what needed quoting: commas, quotes, LF and CRLF inside a field.
  expect(col(firstRows[0], "name")).toBe(TRICKY_NAME);
  expect(col(firstRows[0], "justification")).toBe(TRICKY_JUSTIFICATION);
  expect(col(firstRows[0], "redirect_uris")).toBe("https://app.example.com/callback http://localhost:5173/cb");
  expect(col(firstRows[0], "request_status")).toBe("created");
  expect(col(firstRows[0], "event_at")).toBe(new Date(T0).toISOString());
  expect(col(firstRows[0], "actor")).toBe("U0REQUEST");
  expect(col(firstRows[1], "event_at")).toBe(new Date(T0 + DAY).toISOString());
  expect(col(firstRows[1], "decided_at")).toBe(new Date(T0 + DAY).toISOString());
  expect(col(firstRows[3], "actor")).toBe("system");
  expect(col(firstRows[3], "detail")).toBe("client x");
  expect(col(firstRows[3], "created_client_id")).toBe(col(firstRows[3], "client_guid"));
  expect(col(firstRows[3], "request_created_at")).toBe(new Date(T0).toISOString());
  expect(col(firstRows[3], "expires_at")).toBe(new Date(T0 + 3 * DAY).toISOString());
  const denial = rows.find((r) => col(r, "to_status") === "denied");
  expect(col(denial, "request_id")).toBe(String(ids[1]));
  expect(col(denial, "detail")).toBe('Use "shared", not new');
  expect(col(denial, "decided_by")).toBe("U0APPROVE1");
  expect(col(denial, "decision_reason")).toBe('Use "shared", not new');
  expect(out).toContain('"Dashboard, ""beta"""');
}

export interface JsonExport {
  exportedAt: string;
  since: string | null;
  requests: {
    id: number;
    name: string;
    status: string;
    createdAt: string;
    transitions: { from: string | null; to: string; actor: string; at: string; detail: string | null }[];
  }[];
}

/** The whole JSON export of seedAuditData's requests: every request with its transitions, dates in ISO 8601. */
export function expectFullJson(out: string, ids: number[]): JsonExport {
  const parsed = JSON.parse(out) as JsonExport;
  expect(parsed.since).toBeNull();
  expect(parsed.requests.map((r) => [r.id, r.status])).toEqual([
    [ids[0], "created"],
    [ids[1], "denied"],
  ]);
  expect(parsed.requests[0]?.name).toBe(TRICKY_NAME);
  expect(parsed.requests[0]?.createdAt).toBe(new Date(T0).toISOString());
  expect(parsed.requests[0]?.transitions.map((t) => t.to)).toEqual(["pending", "approved", "creating", "created"]);
  expect(parsed.requests[1]?.transitions[1]).toMatchObject({
    from: "pending",
    to: "denied",
    actor: "U0APPROVE1",
    at: new Date(T0 + 6 * DAY).toISOString(),
    detail: 'Use "shared", not new',
  });
  return parsed;
}

/** The export since day 3 holds the second request only, with its two transitions. */
export function expectSinceDay3(json: string, csv: string, ids: number[]): void {
  const since = T0 + 3 * DAY;
  const parsed = JSON.parse(json) as { since: string; requests: { id: number; transitions: unknown[] }[] };
  expect(parsed.since).toBe(new Date(since).toISOString());
  expect(parsed.requests.map((r) => r.id)).toEqual([ids[1]]);
  expect(parsed.requests[0]?.transitions).toHaveLength(2);
  const rows = parseCsv(csv);
  expect(rows).toHaveLength(3);
  expect(rows.slice(1).map((r) => col(r, "request_id"))).toEqual([String(ids[1]), String(ids[1])]);
}

/** `npm run audit` as a child process (src/audit/cli.ts), with only the environment given here. */
export function runAuditProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/audit/cli.ts", ...args], {
      cwd: ROOT,
      // No .env of the checkout leaks in: the database comes from here or from --db.
      env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
