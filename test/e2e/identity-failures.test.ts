import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, Harness, OUTSIDER, REQUESTER, textOf } from "../../devkit/harness.ts";
import { OCS_CLIENT_SECRET } from "../../devkit/identityStandIn.ts";
import {
  actionIdsOf,
  approvalUpdates,
  dmsContaining,
  threadReplies,
  WAIT_MS,
  waitForApprovalUpdate,
  waitForClientIdDm,
} from "./identity-support.ts";

const SERVER_ERROR = {
  OperationId: "op-fail-5e1",
  Error: "Internal server error.",
  Reason: "The identity store did not answer.",
  Resolution: "Try again later.",
  DynamicProperties: {},
};

describe("Identity API failures: failed requests, their message, and Retry", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  /** Submits and approves a request, then waits until it is `failed`. */
  async function approveUntilFailed() {
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    await h.click(APPROVER, "approve_request", id, ts);
    const failed = await h.waitForStatus(id, "failed", WAIT_MS);
    return { id, ts, guid, failed };
  }

  it("when retries run out the request is failed, and the approval message shows Error, Reason, Resolution, OperationId and Retry", async () => {
    h = await Harness.start({ env: { OCS_RETRY_MAX_ATTEMPTS: "3" } });
    h.identity.inject({ route: "POST clients", status: 500, body: SERVER_ERROR, times: 3 });

    const { id, ts, guid, failed } = await approveUntilFailed();

    expect(h.identity.callsTo("POST clients").map((p) => (p.body as { Id?: string }).Id)).toEqual([guid, guid, guid]);
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toEqual({
      status: 500,
      error: "Internal server error.",
      reason: "The identity store did not answer.",
      resolution: "Try again later.",
      operationId: "op-fail-5e1",
    });
    expect(failed.createdClientId).toBeNull();
    expect(h.identity.clients.size).toBe(0);

    const update = await waitForApprovalUpdate(h, ts, (t) => t.includes("op-fail-5e1"), "the failure");
    const text = textOf(update.args);
    for (const part of [
      "Internal server error.",
      "The identity store did not answer.",
      "Try again later.",
      "op-fail-5e1",
      "HTTP 500",
    ]) {
      expect(text).toContain(part);
    }
    expect(actionIdsOf(update.args)).toEqual(["view_request", "retry_request"]);
    expect(JSON.stringify(update.args.blocks)).toContain(`"value":"${id}"`);

    await h.slack.waitFor(
      () => threadReplies(h, ts).find((c) => textOf(c.args).includes("op-fail-5e1")),
      WAIT_MS,
      "a thread reply with the failure",
    );
    await h.slack.waitFor(
      () => dmsContaining(h, REQUESTER, "op-fail-5e1")[0],
      WAIT_MS,
      "the requester told of the failure",
    );
    const retries = h.logLines.filter((l) => l.includes('"event":"identity_retry"'));
    expect(retries).toHaveLength(2);
  });

  it("Retry is refused to non-approvers and to the requester, and creates the client for an approver", async () => {
    h = await Harness.start({
      env: {
        OCS_RETRY_MAX_ATTEMPTS: "2",
        APPROVER_USER_IDS: `${APPROVER.id},${APPROVER_2.id},${REQUESTER.id}`,
      },
    });
    h.identity.inject({ route: "POST clients", status: 503, body: SERVER_ERROR, times: 2 });
    const { id, ts, guid } = await approveUntilFailed();
    await waitForApprovalUpdate(h, ts, (t) => t.includes("op-fail-5e1"), "the failure");
    const postsBefore = h.identity.callsTo("POST clients").length;

    await h.click(OUTSIDER, "retry_request", id, ts);
    const [toOutsider] = await h.slack.waitFor(
      () => (h.ephemeralsTo(OUTSIDER).length > 0 ? h.ephemeralsTo(OUTSIDER) : undefined),
      WAIT_MS,
      "an ephemeral to the outsider",
    );
    expect(String(toOutsider?.args.text)).toContain("Only the designated approvers");
    expect(toOutsider?.args.channel).toBe(h.config.approvalChannelId);

    await h.click(REQUESTER, "retry_request", id, ts);
    const [toRequester] = await h.slack.waitFor(
      () => (h.ephemeralsTo(REQUESTER).length > 0 ? h.ephemeralsTo(REQUESTER) : undefined),
      WAIT_MS,
      "an ephemeral to the requester",
    );
    expect(String(toRequester?.args.text)).toContain("yourself");
    expect((await h.request(id))?.status).toBe("failed");
    expect(h.identity.callsTo("POST clients")).toHaveLength(postsBefore);

    await h.click(APPROVER_2, "retry_request", id, ts);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    expect(created.lastError).toBeNull();
    const posts = h.identity.callsTo("POST clients");
    expect(posts).toHaveLength(postsBefore + 1);
    expect(posts.at(-1)?.body).toMatchObject({ Id: guid });
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);

    await waitForClientIdDm(h, REQUESTER, guid);
    const final = await waitForApprovalUpdate(h, ts, (t) => t.includes(guid), "the created client");
    expect(actionIdsOf(final.args)).toEqual(["view_request"]);
    expect(h.ephemeralsTo(APPROVER_2)).toHaveLength(0);
    const audit = await h.store.reads.auditOf(id);
    expect(audit.map((a) => `${a.fromStatus}>${a.toStatus}`)).toEqual([
      "null>pending",
      "pending>approved",
      "approved>creating",
      "creating>failed",
      "failed>creating",
      "creating>created",
    ]);
    expect(audit[4]?.actor).toBe(APPROVER_2.id);
  });

  it("Retry after a failure in which the server had in fact stored the client finds it (409 → GET), not a second one", async () => {
    h = await Harness.start({ env: { OCS_RETRY_MAX_ATTEMPTS: "3" } });
    // The first POST is stored but answered 500; the reads after the 409s fail until retries run out.
    h.identity.inject({ route: "POST clients", status: 500, store: true, body: SERVER_ERROR });
    h.identity.inject({ route: "GET client", status: 503, times: 2, body: { Error: "Unavailable." } });
    const { id, ts, guid, failed } = await approveUntilFailed();
    expect(failed.lastError?.status).toBe(503);
    expect(h.identity.clients.size).toBe(1);

    await h.click(APPROVER, "retry_request", id, ts);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    expect(h.identity.clients.size).toBe(1);
    expect(h.identity.callsTo("POST clients")).toHaveLength(4);
    await waitForClientIdDm(h, REQUESTER, guid);
  });

  it("two approvers pressing Retry together start one creation", async () => {
    h = await Harness.start({ env: { OCS_RETRY_MAX_ATTEMPTS: "1" } });
    h.identity.inject({ route: "POST clients", status: 500, body: SERVER_ERROR });
    const { id, ts, guid } = await approveUntilFailed();
    await waitForApprovalUpdate(h, ts, (t) => t.includes("op-fail-5e1"), "the failure");
    h.identity.inject({ route: "POST clients", delayMs: 300 });

    const answers = await Promise.all([
      h.click(APPROVER, "retry_request", id, ts),
      h.click(APPROVER_2, "retry_request", id, ts),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await h.waitForStatus(id, "created", WAIT_MS);
    await waitForClientIdDm(h, REQUESTER, guid);
    const refused = await h.slack.waitFor(
      () => {
        const all = [...h.ephemeralsTo(APPROVER), ...h.ephemeralsTo(APPROVER_2)];
        return all.length > 0 ? all : undefined;
      },
      WAIT_MS,
      "an ephemeral to the slower clicker",
    );
    expect(refused).toHaveLength(1);
    expect(String(refused[0]?.args.text)).toContain("Nothing was changed");
    expect(h.identity.callsTo("POST clients")).toHaveLength(2);
    expect(threadReplies(h, ts).filter((c) => textOf(c.args).includes("Retrying"))).toHaveLength(1);
    expect((await h.store.reads.auditOf(id)).filter((a) => a.toStatus === "creating")).toHaveLength(2);
  });

  it("a 403 fails at once and tells approvers about the Tenant Administrator role", async () => {
    h = await Harness.start();
    h.identity.inject({
      route: "POST clients",
      status: 403,
      body: { OperationId: "op-403", Error: "Forbidden.", Reason: "Insufficient permissions." },
    });
    const { ts, failed } = await approveUntilFailed();
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect(failed.lastError).toMatchObject({ status: 403, error: "Forbidden.", operationId: "op-403" });
    const update = await waitForApprovalUpdate(h, ts, (t) => t.includes("op-403"), "the 403");
    expect(textOf(update.args)).toContain("Tenant Administrator");
    expect(actionIdsOf(update.args)).toEqual(["view_request", "retry_request"]);
  });

  it("a regional host's 405 fails at once and says to use the global host", async () => {
    h = await Harness.start();
    h.identity.regional = true;
    const { ts, failed } = await approveUntilFailed();
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect(failed.lastError?.status).toBe(405);
    const update = await waitForApprovalUpdate(h, ts, (t) => t.includes("HTTP 405"), "the 405");
    expect(textOf(update.args)).toContain("global host");
    expect(textOf(update.args)).toContain("OCS_URL");
  });

  it("a 429 is retried after exactly its Retry-After", async () => {
    h = await Harness.start();
    h.identity.inject({ route: "POST clients", status: 429, headers: { "Retry-After": "1" }, body: {} });
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created", WAIT_MS);
    const retries = h.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "identity_retry");
    expect(retries.map((r) => [r.status, r.delayMs])).toEqual([[429, 1000]]);
    expect(h.identity.callsTo("POST clients")).toHaveLength(2);
    expect(h.identity.clients.size).toBe(1);
  });

  it.each([400, 404])("HTTP %i is not retried", async (status) => {
    h = await Harness.start();
    h.identity.inject({ route: "POST clients", status, body: { OperationId: `op-${status}`, Error: "No." } });
    const { failed } = await approveUntilFailed();
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect(failed.lastError).toMatchObject({ status, operationId: `op-${status}` });
  });

  it("a persistent 401 is retried once with a fresh token, then reported", async () => {
    h = await Harness.start();
    h.identity.inject({ route: "POST clients", status: 401, times: 2 });
    const { failed } = await approveUntilFailed();
    expect(h.identity.callsTo("POST clients")).toHaveLength(2);
    expect(h.identity.callsTo("token")).toHaveLength(2);
    expect(failed.lastError).toMatchObject({
      status: 401,
      error: "The Identity API did not accept the bot's access token.",
    });
  });

  it("invalid_client is reported as a configuration problem, without the secret, and no client call is made", async () => {
    h = await Harness.start();
    h.identity.clientSecret = "rotated-by-someone-else";
    const { id, ts } = await h.submitValid();
    // The name check after the post asks for a token first, and fails the same way.
    await h.nameCheckDone(id);
    expect(h.identity.callsTo("token")).toHaveLength(1);
    await h.click(APPROVER, "approve_request", id, ts);
    const failed = await h.waitForStatus(id, "failed", WAIT_MS);
    // The creation asked once more, and never retried a refusal of the bot's own credentials.
    expect(h.identity.callsTo("token")).toHaveLength(2);
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
    expect(h.identity.callsTo("GET clients")).toHaveLength(0);
    expect(failed.lastError?.error).toContain("refused the bot's own credentials");
    expect(failed.lastError?.resolution).toContain("OCS_CLIENT_ID and OCS_CLIENT_SECRET");
    const update = await waitForApprovalUpdate(h, ts, (t) => t.includes("invalid_client"), "the credentials problem");
    expect(JSON.stringify(update.args)).not.toContain(OCS_CLIENT_SECRET);
    const logged = h.logLines.find((l) => l.includes('"event":"identity_configuration_problem"'));
    expect(logged).toContain("OCS_CLIENT_SECRET");
    expect(logged).toContain('"level":"error"');
    expect(logged).not.toContain(OCS_CLIENT_SECRET);
    expect(approvalUpdates(h, ts).length).toBeGreaterThanOrEqual(1);
  });
});
