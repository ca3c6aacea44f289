import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, Harness, REQUESTER, VALID_FORM } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import { dmsContaining, threadReplies, WAIT_MS, waitForClientIdDm } from "./identity-support.ts";

describe("Identity API: creation never duplicates and never loses a request", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** Submits, approves and waits for `created`; returns the request as stored. */
  async function approveAndCreate(requester: Person = REQUESTER) {
    const { id, ts } = await h.submitValid(requester);
    const guid = (await h.request(id))?.clientGuid ?? "";
    expect((await h.click(APPROVER, "approve_request", id, ts)).status).toBe(200);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    return { id, ts, guid, created };
  }

  it("a POST whose answer is lost after the server stored the client ends with one client and the requester told its Id", async () => {
    h = await Harness.start();
    h.identity.inject({ route: "POST clients", drop: "after-store" });

    const { id, ts, guid, created } = await approveAndCreate();

    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    const posts = h.identity.callsTo("POST clients");
    expect(posts).toHaveLength(2);
    expect(posts.map((p) => (p.body as { Id?: string }).Id)).toEqual([guid, guid]);
    expect(h.identity.callsTo("GET client").map((c) => c.path)).toEqual([
      `/api/v1/Tenants/${h.identity.tenantId}/AuthorizationCodeClients/${guid}`,
    ]);
    expect(created.createdClientId).toBe(guid);
    expect(created.lastError).toBeNull();

    await waitForClientIdDm(h, REQUESTER, guid);
    await h.slack.waitFor(
      () => threadReplies(h, ts).find((c) => JSON.stringify(c.args).includes(guid)),
      WAIT_MS,
      "thread reply with the Id",
    );
    const audit = (await h.store.reads.auditOf(id)).map((a) => [a.fromStatus, a.toStatus, a.detail]);
    expect(audit.map(([from, to]) => `${from}>${to}`)).toEqual([
      "null>pending",
      "pending>approved",
      "approved>creating",
      "creating>created",
    ]);
    expect(String(audit[3]?.[2])).toContain("found after a repeated request");
    // Told once, not once per attempt.
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);
  });

  it("a 408 after the server in fact created the client is followed by a 409 and a GET, not a second client", async () => {
    h = await Harness.start();
    h.identity.inject({
      route: "POST clients",
      status: 408,
      store: true,
      body: { OperationId: "op-408", Error: "Request timed out." },
    });
    const { guid, created } = await approveAndCreate();
    expect(h.identity.clients.size).toBe(1);
    expect(h.identity.callsTo("POST clients")).toHaveLength(2);
    expect(h.identity.callsTo("GET client")).toHaveLength(1);
    expect(created.createdClientId).toBe(guid);
    await waitForClientIdDm(h, REQUESTER, guid);
  });

  it("a POST that times out (OCS_REQUEST_TIMEOUT_SECONDS) is retried and still makes one client", async () => {
    h = await Harness.start({ env: { OCS_REQUEST_TIMEOUT_SECONDS: "0.5" } });
    h.identity.inject({ route: "POST clients", delayMs: 2000 });
    const { guid, created } = await approveAndCreate();
    expect(created.createdClientId).toBe(guid);
    expect(h.identity.callsTo("POST clients").length).toBeGreaterThanOrEqual(2);
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    const retried = h.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "identity_retry");
    expect(retried.length).toBeGreaterThanOrEqual(1);
    await waitForClientIdDm(h, REQUESTER, guid);
  });

  it("the Id found on a 409 is recorded even when the stand-in already holds that client", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    h.identity.clients.set(guid.toLowerCase(), { Id: guid, Name: VALID_FORM.name ?? "" });

    await h.click(APPROVER, "approve_request", id, ts);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect(h.identity.callsTo("GET client")).toHaveLength(1);
    expect(h.identity.clients.size).toBe(1);
  });

  it("a 401 drops the cached token and retries once with a fresh one", async () => {
    h = await Harness.start();
    await approveAndCreate();
    const [stale] = h.identity.issuedTokens;
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    // The check for a client of the same name (after the post) uses the token too: revoke it after that.
    await h.nameCheckDone(id);
    expect(h.identity.callsTo("GET clients")).toHaveLength(2);
    h.identity.revokeTokens();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created", WAIT_MS);
    expect(h.identity.issuedTokens).toHaveLength(2);
    const [, fresh] = h.identity.issuedTokens;
    expect(h.identity.callsTo("POST clients").map((p) => p.authorization)).toEqual([
      `Bearer ${stale}`,
      `Bearer ${stale}`,
      `Bearer ${fresh}`,
    ]);
    expect(h.identity.clients.has(guid.toLowerCase())).toBe(true);
    expect(h.identity.callsTo("discovery")).toHaveLength(1);
  });

  it("many approvals together share one discovery and one token request", async () => {
    h = await Harness.start();
    // Tokens stale within a second: those of the name checks after each post are gone by the
    // time of the approvals, which must all ask for a new one together.
    h.identity.tokenLifetimeSeconds = 1;
    const requesters: Person[] = [
      REQUESTER,
      APPROVER_2,
      { id: "U0REQ3", name: "carl" },
      { id: "U0REQ4", name: "dina" },
    ];
    const submitted: { id: number; ts: string }[] = [];
    for (const r of requesters) submitted.push(await h.submitValid(r));
    for (const { id } of submitted) await h.nameCheckDone(id);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const before = h.identity.callsTo("token").length;
    h.identity.inject({ route: "token", delayMs: 300 });

    const answers = await Promise.all(submitted.map(({ id, ts }) => h.click(APPROVER, "approve_request", id, ts)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    for (const { id } of submitted) await h.waitForStatus(id, "created", WAIT_MS);

    expect(h.identity.callsTo("discovery")).toHaveLength(1);
    expect(h.identity.callsTo("token").length - before).toBe(1);
    expect(h.identity.callsTo("POST clients")).toHaveLength(4);
    expect(h.identity.clients.size).toBe(4);
  });
});
