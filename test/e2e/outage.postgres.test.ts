import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APPROVER, Harness, type HarnessOptions, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import { type PostgresServer, startPostgres } from "../../devkit/postgresServer.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import { BLOCKS } from "../../src/slack/ids.ts";
import { UNREACHABLE_DATABASE_TEXT } from "../../src/slack/surfaces/refusals.ts";
import { rawSql } from "../support/rawSql.ts";
import { dmsContaining, waitForClientIdDm } from "./identity-support.ts";
import { homesOf, openHome, WAIT_MS } from "./lifecycle-support.ts";

/*
 * The PostgreSQL server going away under a running bot, and coming back. The file has a server of
 * its own, so stopping it touches no other test. The app runs in this process: the outage is the
 * database's, and the test reads the app's log lines and calls its sweep directly.
 */

const OTHER: Person = { id: "U0OTHER1", name: "olga" };

/** How long /healthz may take to say the database is gone: its own 2 s timeout, plus slack for a busy machine. */
const HEALTH_DEADLINE_MS = 4_000;

describe("PostgreSQL outages", () => {
  let server: PostgresServer;
  let halted = false;
  let h: Harness | undefined;

  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    if (halted) await restart();
    await h?.stop();
    h = undefined;
  });

  async function start(options: HarnessOptions = {}): Promise<Harness> {
    h = await Harness.start({ ...options, databaseUrl: await server.createDatabase("outage") });
    return h;
  }
  async function halt(): Promise<void> {
    await server.halt();
    halted = true;
  }
  async function restart(): Promise<void> {
    await server.restart();
    halted = false;
  }

  async function health(x: Harness): Promise<{ status: number; body: unknown; ms: number }> {
    const started = Date.now();
    const response = await fetch(`${x.baseUrl}/healthz`);
    return { status: response.status, body: await response.json(), ms: Date.now() - started };
  }

  const events = (x: Harness, name: string) =>
    x.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === name);

  it("while it is down: /healthz says 503 at once, a submission is answered in the form, clicks, the deny form, status and App Home say so; nothing is half-recorded or posted", async () => {
    const x = await start();
    const { id, ts } = await x.submitValid();
    // Everything the submission sends, sent: the approval post, then the requester's DM.
    await x.slack.waitFor(() => x.dmsTo(REQUESTER).length === 1, WAIT_MS, "the requester's DM");
    expect((await health(x)).status).toBe(200);
    const posts = x.approvalPosts().length;
    const dms = x.dmsTo(REQUESTER).length;

    await halt();
    const down = await health(x);
    expect([down.status, down.body]).toEqual([503, { status: "unavailable" }]);
    expect(down.ms).toBeLessThanOrEqual(HEALTH_DEADLINE_MS);

    // The form still opens (Slack's trigger dies in 3 s; the database is not needed for it)…
    expect((await x.command(OTHER)).status).toBe(200);
    await x.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    // …and its submission is answered in the form itself: nothing recorded, try again.
    const submitted = await x.submitForm(OTHER, VALID_FORM, { viewId: "VDOWN1" });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toMatchObject({
      response_action: "errors",
      errors: { justification: expect.stringContaining("could not be saved") },
    });

    // A click: acked, then the clicker is told nothing changed.
    expect((await x.click(APPROVER, "approve_request", id, ts)).status).toBe(200);
    const note = await x.slack.waitFor(() => x.ephemeralsTo(APPROVER)[0], WAIT_MS, "the clicker's note");
    expect(note.args.text).toBe(UNREACHABLE_DATABASE_TEXT);
    // The deny reason form is answered in the form.
    const denied = await x.submitDenyReason(APPROVER, id, "Use the shared client");
    expect(denied.json).toMatchObject({
      response_action: "errors",
      errors: { [BLOCKS.denyReason]: UNREACHABLE_DATABASE_TEXT },
    });
    // status answers the same.
    const statusReplies = x.slack.responses.length;
    expect((await x.command(REQUESTER, "status")).status).toBe(200);
    const reply = await x.slack.waitFor(() => x.slack.responses[statusReplies], WAIT_MS, "the status reply");
    expect(reply.body).toMatchObject({ response_type: "ephemeral", text: UNREACHABLE_DATABASE_TEXT });
    // App Home shows a short notice instead of nothing.
    expect((await openHome(x, REQUESTER)).status).toBe(200);
    const home = await x.slack.waitFor(() => homesOf(x, REQUESTER)[0], WAIT_MS, "the Home tab");
    expect(home.text).toContain("can't reach my database");
    expect(home.blocks).toHaveLength(1);

    expect(x.approvalPosts()).toHaveLength(posts);
    expect(x.dmsTo(REQUESTER)).toHaveLength(dms);
    expect(x.dmsTo(OTHER)).toEqual([]);
    expect(x.identity.callsTo("POST clients")).toEqual([]);

    // Back up: nothing of the above was half-done.
    await restart();
    expect(await rawSql(x, "select id, status from requests order by id")).toEqual([{ id, status: "pending" }]);
    expect(await rawSql(x, "select count(*)::int as n from audit_events")).toEqual([{ n: 1 }]);
    expect(await rawSql(x, "select count(*)::int as n from approval_post_retries")).toEqual([{ n: 0 }]);
  });

  it("when it is back, the bot recovers by itself: /healthz 200, submissions and clicks work, the sweep runs again", {
    timeout: 60_000,
  }, async () => {
    const x = await start({ env: { REQUEST_SWEEP_SECONDS: "0.2" } });
    const { id, ts } = await x.submitValid();
    // Due to expire while the database is down.
    const expiresAt = Date.now() + 1_500;
    await rawSql(x, "update requests set expires_at = ? where id = ?", [expiresAt, id]);

    await halt();
    await x.slack.waitFor(
      () => events(x, "schedule_failed").length > 0 && Date.now() > expiresAt,
      WAIT_MS,
      "a failed sweep, past the expiry",
    );
    expect((await health(x)).status).toBe(503);
    expect((await x.request(id).catch(() => "unavailable")) === "unavailable").toBe(true);

    await restart();
    // No restart of the bot: the pool connects again on the next query.
    await x.slack.waitFor(async () => (await health(x)).status === 200, WAIT_MS, "/healthz 200");
    // The sweep runs again and expires what fell due meanwhile, once.
    const expired = await x.waitForStatus(id, "expired", WAIT_MS);
    expect(expired.expiresAt).toBe(expiresAt);
    await x.slack.waitFor(() => dmsContaining(x, REQUESTER, "expired").length === 1, WAIT_MS, "the expiry DM");
    const audit = (await x.store.reads.auditOf(id)).map((e) => `${e.fromStatus}>${e.toStatus}:${e.actor}`);
    expect(audit).toEqual(["null>pending:U0REQUEST", "pending>expired:system"]);
    expect(x.slack.callsOf("chat.postMessage").filter((c) => c.args.thread_ts === ts)).toHaveLength(1);

    // A new submission is recorded and posted; its approval creates the client.
    const fresh = await x.submitValid(OTHER);
    await x.click(APPROVER, "approve_request", fresh.id, fresh.ts);
    const created = await x.waitForStatus(fresh.id, "created", WAIT_MS);
    await waitForClientIdDm(x, OTHER, created.createdClientId ?? "");
    expect(x.identity.clients.size).toBe(1);
  });

  it("a client created while it was down is finished once it is back: one client, the requester told once", {
    timeout: 60_000,
  }, async () => {
    const x = await start();
    const { id, ts } = await x.submitValid();
    const guid = (await x.request(id))?.clientGuid ?? "";
    // The Identity API answers after a while; by then the database is gone.
    x.identity.inject({ route: "POST clients", delayMs: 1_000 });
    await x.click(APPROVER, "approve_request", id, ts);
    await x.slack.waitFor(() => x.identity.callsTo("POST clients").length === 1, WAIT_MS, "the POST");
    await halt();
    await x.slack.waitFor(() => x.identity.clients.size === 1, WAIT_MS, "the client to be created");
    await x.slack.waitFor(
      () => events(x, "creation_interrupted").length === 1,
      WAIT_MS,
      "the creation to give up on the database",
    );
    // Nobody was told anything while the outcome could not be recorded.
    expect(dmsContaining(x, REQUESTER, guid)).toEqual([]);

    await restart();
    const created = await x.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    await waitForClientIdDm(x, REQUESTER, guid);
    expect([...x.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    expect(x.identity.callsTo("GET client")).toHaveLength(1);
    expect(dmsContaining(x, REQUESTER, guid)).toHaveLength(1);
    expect(x.dmsTo(REQUESTER).filter((c) => textOf(c.args).includes("failed"))).toEqual([]);
    expect(events(x, "creation_crashed")).toEqual([]);
  });
});
