import { afterEach, describe, expect, it } from "vitest";
import { ChildApp } from "../../devkit/childApp.ts";
import { APPROVER, BOT_TOKEN, Harness, REQUESTER } from "../../devkit/harness.ts";
import { OCS_CLIENT_SECRET } from "../../devkit/identityStandIn.ts";
import { SIGNING_SECRET } from "../../devkit/slackRequests.ts";
import type { Database } from "../../src/db/database.ts";
import { StoreUnavailableError } from "../../src/requests/ports.ts";
import type { Request } from "../../src/requests/request.ts";
import { dmsContaining, openOwnConnection, WAIT_MS, waitForClientIdDm } from "./identity-support.ts";

describe("Identity API: requests left unfinished are taken up again", () => {
  let h: Harness;
  let child: ChildApp | undefined;
  /** The test's own connection to the database (see `own`), and the time it stamps on what it writes. */
  let connection: Database | undefined;
  let stamp: number | undefined;
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill9();
    child = undefined;
    await connection?.close();
    connection = undefined;
    stamp = undefined;
    await h?.stop();
  });

  /** The database as the test sees it on a connection of its own (another process may own the app). */
  async function own(): Promise<Database> {
    connection ??= await openOwnConnection(h, () => stamp ?? Date.now());
    return connection;
  }

  /** Reads one request on the test's own connection. */
  const readRow = async (id: number): Promise<Request | undefined> => (await own()).stores.reads.get(id);

  /** Polls the database until request `id` has `status`. */
  const waitForRowStatus = (id: number, status: string) =>
    h.slack.waitFor(
      async () => {
        const row = await readRow(id);
        return row?.status === status ? row : undefined;
      },
      WAIT_MS,
      `request #${id} to be ${status} in the database`,
    );

  /**
   * Moves a pending request as an approval, and a claim of its creation by a process that then
   * died, would have left it: `approved`, or `creating`, last written (its lease renewed) at `at`.
   * The moves go through the store, so the audit trail is what such a run would have written.
   */
  async function leaveAs(id: number, status: "approved" | "creating", at: number): Promise<void> {
    const { requests } = (await own()).stores;
    try {
      // Approved "in the future" first, so no sweep takes it up before it is left as asked.
      stamp = status === "approved" ? at : Date.now() + 10 * 60_000;
      const approved = await requests.transition({
        id,
        from: "pending",
        to: "approved",
        actor: APPROVER.id,
        set: { decidedBy: APPROVER.id, decidedAt: stamp },
      });
      expect(approved?.status).toBe("approved");
      if (status === "approved") return;
      stamp = at;
      const claimed = await requests.transition({
        id,
        from: "approved",
        to: "creating",
        actor: APPROVER.id,
        detail: "calling the Identity API",
      });
      expect(claimed?.updatedAt).toBe(at);
    } finally {
      stamp = undefined;
    }
  }

  /**
   * Dates the lease of a creation under way back (or forward) to `at`, as if its process had
   * stopped renewing it then. Not read back: the app's sweep may take an old lease over at once.
   */
  async function setLease(id: number, at: number): Promise<void> {
    stamp = at;
    try {
      await (await own()).stores.requests.renewLease(id);
    } finally {
      stamp = undefined;
    }
  }

  /** Starts the app as a separate process (so that it can be killed with -9) and sends Slack's requests to it. */
  async function startChild(env: Record<string, string>): Promise<ChildApp> {
    child = await ChildApp.start(env);
    h.baseUrl = child.baseUrl;
    return child;
  }

  /**
   * Submits a request in the harness's own app, then moves the app into a child process, with the
   * Identity API set to hold the next POST for 4 s and then drop the connection (`drop` says whether
   * the client is stored first). The request timeout outlasts the hold, so the bot is still waiting
   * for the answer when it is killed.
   */
  async function startChildWithPostHeld(drop: "before" | "after-store") {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    await h.app.stop();

    h.identity.inject({ route: "POST clients", delayMs: 4000, drop });
    const env = { ...h.envForChild(), OCS_REQUEST_TIMEOUT_SECONDS: "30" };
    return { id, ts, guid, env, first: await startChild(env) };
  }

  /** Kills the child with -9 once its POST has reached the Identity API (which is holding it). */
  async function kill9AtFirstPost(running: ChildApp): Promise<void> {
    await h.slack.waitFor(() => h.identity.callsTo("POST clients").length === 1, WAIT_MS, "the first POST");
    await running.kill9();
  }

  it("kill -9 between the approval and the Identity API's answer: after a restart the client exists once and the requester gets its Id", {
    timeout: 60_000,
  }, async () => {
    // The POST is held for a while; then the server stores the client and drops the connection.
    const { id, ts, guid, env, first } = await startChildWithPostHeld("after-store");
    expect((await h.click(APPROVER, "approve_request", id, ts)).status).toBe(200);
    await kill9AtFirstPost(first);

    // Killed before the answer: nothing stored yet, the request is mid-creation.
    expect(h.identity.clients.size).toBe(0);
    expect((await readRow(id))?.status).toBe("creating");
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(0);
    // The server finishes the work nobody is waiting for any more.
    await h.slack.waitFor(() => h.identity.clients.size === 1, WAIT_MS, "the server to store the client");

    const second = await startChild(env);
    const row = await waitForRowStatus(id, "created");
    expect(row.createdClientId).toBe(guid);
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    const posts = h.identity.callsTo("POST clients");
    expect(posts).toHaveLength(2);
    expect(posts.map((p) => (p.body as { Id?: string }).Id)).toEqual([guid, guid]);
    expect(h.identity.callsTo("GET client")).toHaveLength(1);

    await waitForClientIdDm(h, REQUESTER, guid);
    await second.waitForLine((l) => l.includes('"event":"creation_resumed"') && l.includes(`"request":${id}`));
    expect((await second.signal("SIGTERM")).code).toBe(0);
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);

    // Both processes logged at debug level, and neither logged a secret.
    const logs = [...first.lines, ...second.lines].join("\n");
    expect(logs).toContain('"level":"debug"');
    for (const secret of [OCS_CLIENT_SECRET, BOT_TOKEN, SIGNING_SECRET, ...h.identity.issuedTokens]) {
      expect(logs.includes(secret), `${secret.slice(0, 8)}… in the child's logs`).toBe(false);
    }
  });

  it("kill -9 while the POST is unanswered and never stored: after a restart the client is created once", {
    timeout: 60_000,
  }, async () => {
    const { id, ts, guid, env, first } = await startChildWithPostHeld("before");
    await h.click(APPROVER, "approve_request", id, ts);
    await kill9AtFirstPost(first);
    expect((await readRow(id))?.status).toBe("creating");

    await startChild(env);
    const row = await waitForRowStatus(id, "created");
    expect(row.createdClientId).toBe(guid);
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    await waitForClientIdDm(h, REQUESTER, guid);
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);
  });

  it("a request left `approved` is created at the next start", async () => {
    h = await Harness.start();
    const { id } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    await h.app.stop();
    await leaveAs(id, "approved", Date.now());

    await h.restart();
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect(h.identity.clients.size).toBe(1);
    await waitForClientIdDm(h, REQUESTER, guid);
    const resumed = (await h.store.reads.auditOf(id)).filter((a) => a.toStatus === "creating");
    expect(resumed.map((a) => [a.fromStatus, a.actor])).toEqual([["approved", "system"]]);
  });

  it("a `creating` request older than the retry window is re-driven while running; a fresh one is left alone", async () => {
    h = await Harness.start();
    const stale = await h.submitValid();
    const fresh = await h.submitValid({ id: "U0OTHER1", name: "olga" });
    const staleGuid = (await h.request(stale.id))?.clientGuid ?? "";
    const freshGuid = (await h.request(fresh.id))?.clientGuid ?? "";
    // As if another run had claimed both and then vanished: one long ago, one just now.
    await leaveAs(stale.id, "creating", Date.now() - 10 * 60_000);
    await leaveAs(fresh.id, "creating", Date.now() + 60_000);

    const created = await h.waitForStatus(stale.id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(staleGuid);
    await waitForClientIdDm(h, REQUESTER, staleGuid);
    expect((await h.request(fresh.id))?.status).toBe("creating");
    expect(h.identity.callsTo("POST clients").map((p) => (p.body as { Id?: string }).Id)).toEqual([staleGuid]);

    // Once it is old too, it is taken up.
    await setLease(fresh.id, Date.now() - 10 * 60_000);
    const second = await h.waitForStatus(fresh.id, "created", WAIT_MS);
    expect(second.createdClientId).toBe(freshGuid);
    expect(h.identity.clients.size).toBe(2);
  });

  it("a client created while the database could not record it is not called failed: it is finished after its lease, and told once", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    // The database refuses the first move out of `creating` (the outcome), as in a short outage
    // that is over by the time anything else is written.
    const requests = h.store.requests;
    const transition = requests.transition;
    let refused = 0;
    requests.transition = async (input) => {
      if (input.from === "creating" && refused++ === 0) {
        throw new StoreUnavailableError("transition", new Error("Connection terminated unexpectedly"));
      }
      return transition(input);
    };

    await h.click(APPROVER, "approve_request", id, ts);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    await waitForClientIdDm(h, REQUESTER, guid);

    expect(refused).toBeGreaterThan(1);
    const moves = (await h.store.reads.auditOf(id)).map((e) => `${e.fromStatus}>${e.toStatus}:${e.actor}`);
    expect(moves).toEqual([
      "null>pending:U0REQUEST",
      `pending>approved:${APPROVER.id}`,
      `approved>creating:${APPROVER.id}`,
      "creating>creating:system",
      "creating>created:system",
    ]);
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    expect(h.identity.callsTo("POST clients")).toHaveLength(2);
    expect(h.identity.callsTo("GET client")).toHaveLength(1);
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);
    expect(h.dmsTo(REQUESTER).filter((c) => /failed|could not/i.test(JSON.stringify(c.args)))).toEqual([]);
    const events = h.logLines.map((l) => JSON.parse(l) as { event?: string; request?: number });
    expect(events.filter((e) => e.event === "creation_interrupted" && e.request === id)).toHaveLength(1);
    expect(events.filter((e) => e.event === "creation_crashed")).toEqual([]);
  });
});
