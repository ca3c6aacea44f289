import { afterEach, describe, expect, it } from "vitest";
import { ChildApp } from "../../devkit/childApp.ts";
import { APPROVER, Harness } from "../../devkit/harness.ts";
import type { Database } from "../../src/db/database.ts";
import type { Request } from "../../src/requests/request.ts";
import { submitDeleteConfirm } from "./clients-slack-support.ts";
import { asked, CREATED_SETTINGS, changeForm, createdClient, decided, WAIT_MS } from "./clients-support.ts";
import { openOwnConnection } from "./identity-support.ts";

/**
 * Applying a request about a client (PUT, DELETE) has the guarantees of a creation: retried when
 * worth it, failed with the service's words and an OperationId otherwise, Retry, and taken up
 * again after a crash or a restart, applied once.
 */
describe("after the client exists: applying survives failures and crashes", () => {
  let h: Harness;
  let child: ChildApp | undefined;
  let connection: Database | undefined;
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill9();
    child = undefined;
    await connection?.close();
    connection = undefined;
    await h?.stop();
  });

  /** The request as stored, on the test's own connection (another process may own the app). */
  const readRow = async (id: number): Promise<Request | undefined> => {
    connection ??= await openOwnConnection(h);
    return connection.stores.reads.get(id);
  };
  const waitForRowStatus = (id: number, status: string) =>
    h.slack.waitFor(
      async () => {
        const row = await readRow(id);
        return row?.status === status ? row : undefined;
      },
      WAIT_MS,
      `request #${id} to be ${status} in the database`,
    );
  /** The request's audit trail, on the test's own connection. */
  const auditOf = async (id: number) => {
    connection ??= await openOwnConnection(h);
    return connection.stores.reads.auditOf(id);
  };
  const moves = async (id: number) =>
    (await h.store.reads.auditOf(id)).map((e) => `${e.fromStatus}>${e.toStatus}:${e.actor}`);

  /**
   * A client, and a request about it waiting for approval, recorded in the harness's own app; then
   * the app moved into a child process (so that it can be killed with -9) with the next `route`
   * call held for 4 s and then dropped after the Identity API did the work.
   */
  async function childWithCallHeld(
    route: "PUT client" | "DELETE client",
    request: (clientId: string) => Promise<Request>,
  ) {
    h = await Harness.start();
    const { clientId } = await createdClient(h);
    const pending = await request(clientId);
    const ts = await h.slack.waitFor(async () => (await h.request(pending.id))?.approvalMessageTs ?? undefined);
    await h.app.stop();
    h.identity.inject({ route, delayMs: 4000, drop: "after-store" });
    const env = { ...h.envForChild(), OCS_REQUEST_TIMEOUT_SECONDS: "30" };
    child = await ChildApp.start(env);
    h.baseUrl = child.baseUrl;
    return { clientId, id: pending.id, ts, env, first: child };
  }

  it("kill -9 between the approval and the PUT's answer: after a restart the change is applied, once", {
    timeout: 60_000,
  }, async () => {
    const wanted = changeForm({ redirectUris: ["https://dashboard.example.com/cb2"], accessTokenLifetime: 900 });
    const { clientId, id, ts, env, first } = await childWithCallHeld("PUT client", (clientId) =>
      asked(h, "change", clientId, { form: wanted }),
    );
    expect((await h.click(APPROVER, "approve_request", id, ts)).status).toBe(200);
    await h.slack.waitFor(() => h.identity.callsTo("PUT client").length === 1, WAIT_MS, "the first PUT");
    await first.kill9();
    expect((await readRow(id))?.status).toBe("creating");

    child = await ChildApp.start(env);
    h.baseUrl = child.baseUrl;
    const applied = await waitForRowStatus(id, "created");
    expect(applied).toMatchObject({ createdClientId: clientId, outcomeNote: null, lastError: null });
    const puts = h.identity.callsTo("PUT client");
    expect(puts).toHaveLength(2);
    expect(puts[1]?.body).toEqual(puts[0]?.body);
    expect(h.identity.client(clientId)).toMatchObject({
      RedirectUris: ["https://dashboard.example.com/cb2"],
      AccessTokenLifetime: 900,
      Enabled: true,
    });
    await child.waitForLine((l) => l.includes('"event":"creation_resumed"') && l.includes(`"request":${id}`));
    await h.slack.waitFor(async () => (await readRow(id))?.outcomeNotifiedAt ?? undefined, WAIT_MS, "the outcome told");
    expect((await child.signal("SIGTERM")).code).toBe(0);
    const done = (await auditOf(id)).filter((e) => e.toStatus === "created");
    expect(done).toHaveLength(1);
  });

  it("kill -9 after the DELETE was done but before its answer: after a restart it is recorded deleted, not 'already gone'", {
    timeout: 60_000,
  }, async () => {
    const { clientId, id, env, first } = await childWithCallHeld("DELETE client", (clientId) =>
      asked(h, "delete", clientId),
    );
    // A delete is approved by typing the client's name (the Approve button opens that form).
    await submitDeleteConfirm(h, APPROVER, id, CREATED_SETTINGS.name);
    await h.slack.waitFor(() => h.identity.callsTo("DELETE client").length === 1, WAIT_MS, "the first DELETE");
    await first.kill9();
    await h.slack.waitFor(() => h.identity.client(clientId) === undefined, WAIT_MS, "the server to delete it");

    child = await ChildApp.start(env);
    h.baseUrl = child.baseUrl;
    const deleted = await waitForRowStatus(id, "created");
    // The second DELETE answered 404: the first one's work, not someone else's.
    expect(deleted).toMatchObject({ createdClientId: clientId, outcomeNote: null });
    expect(h.identity.callsTo("DELETE client")).toHaveLength(2);
    expect((await auditOf(id)).at(-1)?.detail).toBe(`client ${clientId} deleted`);
  });

  it("a request about a client left `approved` by a stopped process is applied at the next start", async () => {
    h = await Harness.start();
    const { clientId } = await createdClient(h);
    const disable = await asked(h, "disable", clientId);
    await h.app.stop();
    connection = await openOwnConnection(h);
    const approved = await connection.stores.requests.approve({ id: disable.id, actor: APPROVER.id });
    expect(approved?.status).toBe("approved");

    await h.restart();
    await h.waitForStatus(disable.id, "created", WAIT_MS);
    expect(h.identity.callsTo("PUT client")).toHaveLength(1);
    expect(h.identity.client(clientId)?.Enabled).toBe(false);
    expect(await moves(disable.id)).toEqual([
      "null>pending:U0REQUEST",
      `pending>approved:${APPROVER.id}`,
      "approved>creating:system",
      "creating>created:system",
    ]);
  });

  it("retries a PUT that answered 408 and 500, counting every call", async () => {
    h = await Harness.start();
    const { clientId } = await createdClient(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ name: "Dashboard" }) });
    h.identity.inject({ route: "PUT client", status: 408, body: { Error: "Timed out." } });
    h.identity.inject({ route: "PUT client", status: 500, body: { Error: "Oops." } });
    decided(await h.service.approve(change.id, APPROVER.id));
    const applied = await h.waitForStatus(change.id, "created", WAIT_MS);
    expect(applied.attempts).toBe(3);
    expect(h.identity.callsTo("PUT client")).toHaveLength(3);
    expect(h.identity.client(clientId)?.Name).toBe("Dashboard");
  });

  it("a DELETE the service refuses (409) fails with its words and OperationId; Retry deletes it", async () => {
    h = await Harness.start();
    const { clientId } = await createdClient(h);
    const del = await asked(h, "delete", clientId);
    h.identity.inject({
      route: "DELETE client",
      status: 409,
      body: { Error: "Conflict.", Reason: "The client is in use.", OperationId: "op-409" },
    });
    decided(await h.service.approve(del.id, APPROVER.id, { confirmedName: "Plant dashboard" }));
    const failed = await h.waitForStatus(del.id, "failed", WAIT_MS);
    expect(failed.lastError).toMatchObject({ status: 409, error: "Conflict.", operationId: "op-409" });
    expect(h.identity.callsTo("DELETE client")).toHaveLength(1);
    expect(h.identity.client(clientId)).toBeDefined();

    decided(await h.service.retry(del.id, APPROVER.id));
    const deleted = await h.waitForStatus(del.id, "created", WAIT_MS);
    expect(deleted).toMatchObject({ createdClientId: clientId, lastError: null });
    expect(h.identity.client(clientId)).toBeUndefined();
  });

  it("a delete whose client went between the approval and the DELETE is recorded applied: already deleted in the tenant", async () => {
    h = await Harness.start();
    const { clientId } = await createdClient(h);
    const del = await asked(h, "delete", clientId);
    // Held long enough for the client to go between the approval's read and the DELETE.
    h.identity.inject({ route: "DELETE client", delayMs: 300 });
    decided(await h.service.approve(del.id, APPROVER.id, { confirmedName: "Plant dashboard" }));
    h.identity.deleteInPortal(clientId);
    const done = await h.waitForStatus(del.id, "created", WAIT_MS);
    expect(done).toMatchObject({ createdClientId: clientId, outcomeNote: "already deleted in the tenant" });
    expect(h.identity.callsTo("DELETE client")).toHaveLength(1);
    expect((await h.store.reads.auditOf(del.id)).at(-1)?.detail).toBe(`client ${clientId} was already gone`);
  });

  it("a change whose client was deleted after the approval fails: the client no longer exists", async () => {
    h = await Harness.start();
    const { clientId } = await createdClient(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 120 }) });
    // Held long enough for the client to go between the approval's read and the PUT.
    h.identity.inject({ route: "PUT client", delayMs: 300, drop: "before" });
    decided(await h.service.approve(change.id, APPROVER.id));
    h.identity.deleteInPortal(clientId);
    const failed = await h.waitForStatus(change.id, "failed", WAIT_MS);
    expect(failed.lastError).toMatchObject({ status: 404, error: "The client no longer exists in the tenant." });
    expect(failed.lastError?.operationId).toBeTruthy();
    expect(h.identity.callsTo("PUT client")).toHaveLength(2);
    expect(CREATED_SETTINGS.accessTokenLifetime).not.toBe(120);
  });
});
