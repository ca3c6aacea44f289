import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, BOT_TOKEN, Harness, REQUESTER } from "../../devkit/harness.ts";
import { OCS_CLIENT_SECRET } from "../../devkit/identityStandIn.ts";
import { SIGNING_SECRET } from "../../devkit/slackRequests.ts";
import { allSlackArgs, tokenArguments, WAIT_MS, waitForApprovalUpdate, waitForClientIdDm } from "./identity-support.ts";

/** The SQLite database's files, byte for byte (as text): whatever was ever written and is still on disk. */
function sqliteFiles(path: string): string {
  return ["", "-wal", "-shm", "-journal"]
    .map((suffix) => `${path}${suffix}`)
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString("latin1"))
    .join("\n");
}

/** Every row of every table of a PostgreSQL database, each as text (all its columns, JSON included). */
async function everyRowOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `select format('%I.%I', table_schema, table_name) as name from information_schema.tables
       where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    expect(tables.rows.map((t) => t.name)).toEqual(
      expect.arrayContaining(["public.requests", "public.audit_events", "public.approval_post_retries"]),
    );
    const rows: string[] = [];
    for (const { name } of tables.rows) {
      const result = await client.query<{ row: string }>(`select t::text as row from ${name} t`);
      rows.push(...result.rows.map((r) => r.row));
    }
    return rows.join("\n");
  } finally {
    await client.end();
  }
}

describe("Identity API: no secret leaks", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** Submits a valid request and clicks Approve on its approval message. */
  async function submitAndApprove(): Promise<{ id: number; ts: string }> {
    const request = await h.submitValid();
    await h.click(APPROVER, "approve_request", request.id, request.ts);
    return request;
  }

  /** Waits until the approval message of a failed request shows `shown`, then clicks Retry. */
  async function retryOnceShown(request: { id: number; ts: string }, shown: string, what: string): Promise<void> {
    await waitForApprovalUpdate(h, request.ts, (t) => t.includes(shown), what);
    await h.click(APPROVER, "retry_request", request.id, request.ts);
  }

  it("a full run with failures (invalid_client, 500s, 401s, echoed secrets) leaks no secret into logs, Slack, errors or the database", {
    timeout: 60_000,
  }, async () => {
    h = await Harness.start({ env: { LOG_LEVEL: "debug", OCS_RETRY_MAX_ATTEMPTS: "3" } });

    // 1. A plain success: discovery, a token, a POST.
    const a = await submitAndApprove();
    await h.waitForStatus(a.id, "created", WAIT_MS);

    // 2. The token is revoked: 401, a fresh token, success.
    h.identity.revokeTokens();
    const b = await submitAndApprove();
    await h.waitForStatus(b.id, "created", WAIT_MS);

    // 3. 500s until retries run out, the service echoing the bearer token it received; then Retry.
    const token = h.identity.issuedTokens.at(-1) ?? "";
    h.identity.inject({
      route: "POST clients",
      status: 500,
      times: 3,
      body: { OperationId: "op-echo", Error: `Token ${token} failed.`, Reason: `Authorization: Bearer ${token}` },
    });
    const c = await submitAndApprove();
    const failedC = await h.waitForStatus(c.id, "failed", WAIT_MS);
    expect(failedC.lastError?.operationId).toBe("op-echo");
    await retryOnceShown(c, "op-echo", "the failure");
    await h.waitForStatus(c.id, "created", WAIT_MS);

    // 4. The secret stops working: 401, then invalid_client with the secret echoed back; then Retry.
    // (Submitted first: the name check after the post must not be the one to meet the refusal.)
    const d = await h.submitValid();
    await h.nameCheckDone(d.id);
    h.identity.revokeTokens();
    h.identity.inject({
      route: "token",
      status: 400,
      body: { error: "invalid_client", error_description: `client_secret '${OCS_CLIENT_SECRET}' is not valid` },
    });
    await h.click(APPROVER, "approve_request", d.id, d.ts);
    const failedD = await h.waitForStatus(d.id, "failed", WAIT_MS);
    expect(failedD.lastError?.error).toContain("invalid_client");
    await retryOnceShown(d, "invalid_client", "the credentials problem");
    const createdD = await h.waitForStatus(d.id, "created", WAIT_MS);
    await waitForClientIdDm(h, REQUESTER, createdD.createdClientId ?? "");

    // The secrets did travel where they belong, so their absence elsewhere means something.
    expect(h.identity.callsTo("token").some((t) => JSON.stringify(t.body).includes(OCS_CLIENT_SECRET))).toBe(true);
    expect(h.identity.issuedTokens.length).toBeGreaterThanOrEqual(3);
    expect(h.slack.calls.every((call) => call.token === BOT_TOKEN)).toBe(true);
    const secrets = [OCS_CLIENT_SECRET, BOT_TOKEN, SIGNING_SECRET, ...h.identity.issuedTokens];

    const requests = [a, b, c, d].map(({ id }) => id);
    const errors = await Promise.all(
      requests.map(async (id) => JSON.stringify((await h.request(id))?.lastError ?? null)),
    );
    const audit = JSON.stringify((await Promise.all(requests.map((id) => h.store.reads.auditOf(id)))).flat());
    await h.app.stop();
    const database = h.databaseUrl ? await everyRowOf(h.databaseUrl) : sqliteFiles(h.databasePath);

    const logs = h.logLines.join("\n");
    expect(h.logLines.some((l) => l.includes('"level":"debug"'))).toBe(true);
    expect(logs).toContain('"event":"identity_retry"');
    expect(database).toContain("op-echo");

    // The bot token goes to Slack only as the credential of auth.test (Bolt's own check), never as content.
    const credentialArgs = tokenArguments(h);
    expect(credentialArgs.methods.every((m) => m === "auth.test")).toBe(true);
    expect(credentialArgs.values.every((v) => v === BOT_TOKEN)).toBe(true);
    const places = { logs, slack: allSlackArgs(h), errors: errors.join("\n"), audit, database };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) {
        expect(text.includes(secret), `${secret.slice(0, 8)}… found in ${where}`).toBe(false);
      }
    }
  });
});
