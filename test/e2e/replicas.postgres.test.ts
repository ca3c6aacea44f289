import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ChildApp } from "../../devkit/childApp.ts";
import {
  APPROVAL_CHANNEL,
  APPROVER,
  APPROVER_2,
  Harness,
  isApprovalPost,
  REQUESTER,
  textOf,
  VALID_FORM,
} from "../../devkit/harness.ts";
import {
  modalStateValues,
  type Person,
  payloadBody,
  postSigned,
  viewSubmissionPayload,
} from "../../devkit/slackRequests.ts";
import type { SlackCall } from "../../devkit/slackStandIn.ts";
import { MIGRATION_LOCK, openPostgres } from "../../src/db/postgres/open.ts";
import { BLOCKS, CALLBACKS } from "../../src/slack/ids.ts";
import { freshPostgresDatabase } from "../support/postgres.ts";
import { replicasPerTest } from "../support/replicas.ts";
import { approvalUpdates, dmsContaining, openOwnConnection, threadReplies, WAIT_MS } from "./identity-support.ts";
import { homesOf, openHome } from "./lifecycle-support.ts";

/*
 * Every guarantee of the bot, with several replicas on one PostgreSQL database and Slack's
 * requests spread across them. Replica 0 runs in this process (the harness's own app); the others
 * are separate processes running the compiled bot. All share one Slack and one Identity API
 * stand-in, so "once" is counted over all of them.
 */

/** Past the documented takeover time (lease + sweep): the taker's own work, on a busy machine. */
const TAKEOVER_SLACK_MS = 5_000;

const OTHER: Person = { id: "U0OTHER1", name: "olga" };
const THIRD: Person = { id: "U0THIRD1", name: "theo" };

/** The body of the request modal `viewId` submitted by `user` with VALID_FORM. */
function submission(user: Person, viewId: string, name = VALID_FORM.name): string {
  return payloadBody(
    viewSubmissionPayload(user, {
      id: viewId,
      callbackId: CALLBACKS.requestForm,
      privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
      values: modalStateValues({ ...VALID_FORM, name }),
    }),
  );
}

/** Approval posts of request `id` (refused ones included: the stand-in records every call). */
function approvalPostsOf(h: Harness, id: number): SlackCall[] {
  const block = JSON.stringify(BLOCKS.decision(id));
  return h.slack
    .callsOf("chat.postMessage")
    .filter((c) => isApprovalPost(c) && JSON.stringify(c.args.blocks).includes(block));
}

/** Direct messages to `user` about request `id`. */
function dmsAbout(h: Harness, user: Person, id: number): SlackCall[] {
  const mentions = new RegExp(`#${id}(?!\\d)`);
  return h.dmsTo(user).filter((c) => mentions.test(textOf(c.args)));
}

describe("replicas on one PostgreSQL database", () => {
  const start = replicasPerTest();

  it("a modal opened through one replica and submitted to another records one request; one submission delivered to all at once records one", async () => {
    const r = await start(2, { env: { MAX_PENDING_PER_USER: "20" } });
    const { h } = r;

    expect((await r.on(1, (x) => x.command(REQUESTER))).status).toBe(200);
    const [opened] = await h.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    const viewId = "VOPENEDON1";
    expect(opened?.args.view).toMatchObject({ callback_id: CALLBACKS.requestForm });
    const answer = await postSigned(r.urlOf(2), submission(REQUESTER, viewId));
    expect([answer.status, answer.text]).toEqual([200, ""]);
    const first = await h.slack.waitFor(() => h.latestRequestOf(REQUESTER), WAIT_MS, "the request");
    await h.slack.waitFor(() => dmsAbout(h, REQUESTER, first.id).length === 1, WAIT_MS, "the requester's DM");
    expect(first.submissionKey).toBe(viewId);
    expect(approvalPostsOf(h, first.id)).toHaveLength(1);

    // Five submissions, each delivered to every replica at the same moment (Slack retrying on
    // another connection, a load balancer repeating a request): each is recorded once.
    const keys = ["VAT1", "VAT2", "VAT3", "VAT4", "VAT5"];
    const answers = await Promise.all(
      keys.flatMap((key) =>
        Array.from({ length: r.count }, (_, replica) => postSigned(r.urlOf(replica), submission(REQUESTER, key))),
      ),
    );
    expect(answers.map((a) => [a.status, a.text])).toEqual(answers.map(() => [200, ""]));
    await h.slack.waitFor(
      async () => (await h.store.reads.countByRequester(REQUESTER.id)) === 1 + keys.length,
      WAIT_MS,
      "every submission recorded",
    );
    const recorded = await h.store.reads.listByRequester(REQUESTER.id, 100);
    expect(recorded.map((q) => q.submissionKey).sort()).toEqual([viewId, ...keys].sort());
    for (const request of recorded) {
      await h.slack.waitFor(() => dmsAbout(h, REQUESTER, request.id).length >= 1, WAIT_MS, `the DM of #${request.id}`);
    }
    // Every reply that can be sent has been; none twice.
    await h.slack.waitFor(() => h.approvalPosts().length === recorded.length, WAIT_MS, "the approval posts");
    for (const request of recorded) {
      expect(approvalPostsOf(h, request.id), `approval posts of #${request.id}`).toHaveLength(1);
      expect(dmsAbout(h, REQUESTER, request.id), `DMs of #${request.id}`).toHaveLength(1);
    }
    expect(r.eventsNamed("transition").filter((e) => e.to === "pending")).toHaveLength(recorded.length);
    expect(r.eventsNamed("record_failed")).toEqual([]);
  });

  it("20 Approve clicks split across the replicas: one Identity API POST, one client, one DM", async () => {
    const r = await start(2);
    const { h } = r;
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    // The creation takes a moment, so later clicks meet it under way.
    h.identity.inject({ route: "POST clients", delayMs: 300 });

    const clicks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        r.on(i, (x) => x.click(i % 2 === 0 ? APPROVER : APPROVER_2, "approve_request", id, ts)),
      ),
    );
    expect(clicks.map((c) => c.status)).toEqual(clicks.map(() => 200));

    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created.createdClientId).toBe(guid);
    await h.slack.waitFor(() => dmsContaining(h, REQUESTER, guid).length > 0, WAIT_MS, "the client Id DM");
    // The 19 who lost are each told so; then nothing is left to send.
    await h.slack.waitFor(
      () => h.ephemeralsTo(APPROVER).length + h.ephemeralsTo(APPROVER_2).length === 19,
      WAIT_MS,
      "19 notes to the approvers who came too late",
    );
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);
    expect(threadReplies(h, ts).filter((c) => textOf(c.args).includes(guid))).toHaveLength(1);
    const moves = (await h.store.reads.auditOf(id)).map((e) => `${e.fromStatus}>${e.toStatus}`);
    expect(moves).toEqual(["null>pending", "pending>approved", "approved>creating", "creating>created"]);
    // Every replica took clicks.
    for (const child of r.children) {
      expect(child.lines.some((l) => l.includes('"event":"slack_request"') && l.includes("block_actions"))).toBe(true);
    }
  });

  it("reminders and expiry: each reminder, and the expiry, is sent once, not once per replica", async () => {
    // Reminders every 180 ms, three at most; the request expires after 2.16 s. Every replica sweeps every 100 ms.
    const r = await start(2, { env: { REMINDER_HOURS: "0.00005", MAX_REMINDERS: "3", REQUEST_TTL_HOURS: "0.0006" } });
    const { h } = r;
    const { id, ts } = await h.submitValid();
    await h.waitForStatus(id, "expired", WAIT_MS);
    // Three reminders and the expiry notice in the thread; the expiry DM after the "waiting" one.
    await h.slack.waitFor(() => threadReplies(h, ts).length >= 4, WAIT_MS, "the reminders and the expiry notice");
    await h.slack.waitFor(() => dmsAbout(h, REQUESTER, id).length >= 2, WAIT_MS, "the expiry DM");
    // One more sweep of every replica finds nothing left to send.
    await Promise.all([h.service.runSchedule(), h.service.resume({ atStart: false })]);

    expect(r.eventsNamed("reminder_sent", id).map((e) => e.reminder)).toEqual([1, 2, 3]);
    const replies = threadReplies(h, ts).map((c) => textOf(c.args));
    expect(replies).toHaveLength(4);
    expect(replies.slice(0, 3).map((t) => /Reminder (\d+)/.exec(t)?.[1])).toEqual(["1", "2", "3"]);
    expect(replies[3]).toContain("expired");
    expect(dmsAbout(h, REQUESTER, id)).toHaveLength(2);
    expect(textOf(dmsAbout(h, REQUESTER, id)[1]?.args ?? {})).toContain("expired");
    const moves = (await h.store.reads.auditOf(id)).map((e) => `${e.fromStatus}>${e.toStatus}:${e.actor}`);
    expect(moves).toEqual(["null>pending:U0REQUEST", "pending>expired:system"]);
    const stored = await h.request(id);
    expect(stored?.remindersSent).toBe(3);
    expect(stored?.outcomeNotifiedAt).not.toBeNull();
  });

  it("approval posts the channel refused are posted once when it works again, even with a post still under way when another shows it works", async () => {
    const r = await start(2);
    const { h } = r;
    h.slack.fail("chat.postMessage", "channel_not_found", { channel: APPROVAL_CHANNEL, times: 1 });
    expect((await r.on(1, (x) => x.submitForm(REQUESTER, VALID_FORM))).text).toBe("");
    const waiting = await h.slack.waitFor(() => h.latestRequestOf(REQUESTER), WAIT_MS, "the request");
    await h.slack.waitFor(
      async () => (await h.store.approvalPosts.retryOf(waiting.id))?.attempts === 1,
      WAIT_MS,
      "the refused post to be queued",
    );
    await h.slack.waitFor(() => dmsAbout(h, REQUESTER, waiting.id).length === 1, WAIT_MS, "the 'not posted yet' DM");

    // The channel works again. The next post of the waiting request is slow to answer.
    h.slack.hold("chat.postMessage", 4000, {
      channel: APPROVAL_CHANNEL,
      matching: (args) => JSON.stringify(args.blocks).includes(JSON.stringify(BLOCKS.decision(waiting.id))),
    });
    // Another request posted fine shows every replica the channel works: the waiting one is due now.
    expect((await r.on(2, (x) => x.submitForm(OTHER, VALID_FORM))).text).toBe("");
    await h.slack.waitFor(() => approvalPostsOf(h, waiting.id).length === 2, WAIT_MS, "the retried post to be sent");
    // While that post is under way, a third request is posted through yet another replica.
    expect((await r.on(0, (x) => x.submitForm(THIRD, VALID_FORM))).text).toBe("");
    const third = await h.slack.waitFor(
      async () => {
        const q = await h.latestRequestOf(THIRD);
        return q?.approvalMessageTs ? q : undefined;
      },
      WAIT_MS,
      "the third request posted",
    );
    const posted = await h.slack.waitFor(
      async () => {
        const q = await h.request(waiting.id);
        return q?.approvalMessageTs ? q : undefined;
      },
      WAIT_MS,
      "the waiting request posted",
    );
    await h.slack.waitFor(() => dmsAbout(h, REQUESTER, waiting.id).length >= 2, WAIT_MS, "the 'posted' DM");
    await Promise.all([h.service.resume({ atStart: false }), h.service.runSchedule()]);

    // One refused post and one real one; the requester heard once of each.
    expect(approvalPostsOf(h, waiting.id)).toHaveLength(2);
    expect(dmsAbout(h, REQUESTER, waiting.id)).toHaveLength(2);
    expect(approvalPostsOf(h, third.id)).toHaveLength(1);
    expect(r.eventsNamed("approval_posted_late", waiting.id)).toHaveLength(1);
    expect((await h.store.approvalPosts.retryOf(waiting.id))?.attempts).toBe(1);
    expect(posted.status).toBe("pending");
  });

  it("an outcome its creator never told is told once, by one replica", async () => {
    const r = await start(2);
    const { h } = r;
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    // As a creator that recorded the client and died before telling anyone would have left it: the
    // moves stamped in the future first (no sweep takes the creation over meanwhile), the outcome
    // ten minutes ago (past the grace a creator has to tell its own outcome).
    let stamp = Date.now() + 10 * 60_000;
    const own = await openOwnConnection(h, () => stamp);
    try {
      const { requests } = own.stores;
      const set = { decidedBy: APPROVER.id, decidedAt: stamp };
      expect(await requests.transition({ id, from: "pending", to: "approved", actor: APPROVER.id, set })).toBeDefined();
      expect(await requests.transition({ id, from: "approved", to: "creating", actor: APPROVER.id })).toBeDefined();
      stamp = Date.now() - 10 * 60_000;
      const created = await requests.transition({
        id,
        from: "creating",
        to: "created",
        actor: "system",
        set: { createdClientId: guid, outcomeNotifiedAt: null },
      });
      expect(created?.status).toBe("created");
    } finally {
      await own.close();
    }
    const updatesBefore = approvalUpdates(h, ts).length;
    // Slack is slow to edit the message: a replica that edited it before claiming the outcome
    // would still be at it when the others' sweeps find the outcome untold.
    h.slack.hold("chat.update", 500, { times: r.count, matching: (args) => args.ts === ts });

    await h.slack.waitFor(() => dmsContaining(h, REQUESTER, guid).length > 0, WAIT_MS, "the client Id DM");
    await h.slack.waitFor(
      async () => (await h.request(id))?.outcomeNotifiedAt !== null,
      WAIT_MS,
      "the outcome marked told",
    );
    await h.slack.waitFor(() => approvalUpdates(h, ts).length > updatesBefore, WAIT_MS, "the approval message edit");
    // Every replica sweeps again: nobody tells it a second time.
    await Promise.all([h.service.resume({ atStart: false }), h.service.runSchedule()]);

    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);
    expect(threadReplies(h, ts).filter((c) => textOf(c.args).includes(guid))).toHaveLength(1);
    // The approval message is edited once too, by the replica that told the outcome.
    expect(approvalUpdates(h, ts).slice(updatesBefore)).toHaveLength(1);
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
  });

  it("kill -9 of the replica creating a client: another takes it over within lease + sweep, one client, the requester told once", {
    timeout: 60_000,
  }, async () => {
    const leaseSeconds = 3;
    const sweepSeconds = 1;
    const r = await start(2, {
      env: {
        OCS_CREATION_LEASE_SECONDS: String(leaseSeconds),
        REQUEST_SWEEP_SECONDS: String(sweepSeconds),
        OCS_REQUEST_TIMEOUT_SECONDS: "30",
      },
    });
    const { h } = r;
    const { id, ts } = await h.submitValid();
    const guid = (await h.request(id))?.clientGuid ?? "";
    // The Identity API holds the POST, then stores the client and drops the connection: the
    // creator never hears back, and it is killed meanwhile anyway.
    h.identity.inject({ route: "POST clients", delayMs: 1500, drop: "after-store" });
    const creator = r.children[0];
    if (!creator) throw new Error("no child replica");
    expect((await r.on(1, (x) => x.click(APPROVER, "approve_request", id, ts))).status).toBe(200);
    await h.slack.waitFor(() => h.identity.callsTo("POST clients").length === 1, WAIT_MS, "the creator's POST");
    await creator.kill9();
    const killedAt = Date.now();
    const left = await h.request(id);
    expect(left?.status).toBe("creating");
    const lastSignOfLife = left?.updatedAt ?? 0;

    const boundMs = (leaseSeconds + sweepSeconds) * 1000;
    const created = await h.waitForStatus(id, "created", boundMs + WAIT_MS);
    const takenOverAfterMs = Date.now() - killedAt;
    expect(created.createdClientId).toBe(guid);
    // Within the documented bound (plus slack for a loaded machine), and not before the lease ended.
    expect(takenOverAfterMs).toBeLessThanOrEqual(boundMs + TAKEOVER_SLACK_MS);
    const takeover = (await h.store.reads.auditOf(id)).find(
      (e) => e.fromStatus === "creating" && e.toStatus === "creating",
    );
    expect(takeover?.actor).toBe("system");
    expect((takeover?.at ?? 0) - lastSignOfLife).toBeGreaterThanOrEqual(leaseSeconds * 1000);

    await h.slack.waitFor(() => dmsContaining(h, REQUESTER, guid).length > 0, WAIT_MS, "the client Id DM");
    expect([...h.identity.clients.keys()]).toEqual([guid.toLowerCase()]);
    expect(h.identity.callsTo("POST clients").map((p) => (p.body as { Id?: string }).Id)).toEqual([guid, guid]);
    expect(h.identity.callsTo("GET client")).toHaveLength(1);
    expect(dmsContaining(h, REQUESTER, guid)).toHaveLength(1);
    expect(threadReplies(h, ts).filter((c) => textOf(c.args).includes(guid))).toHaveLength(1);
    expect(r.eventsNamed("creation_resumed", id)).toHaveLength(1);
  });

  it("App Home and status show the same whichever replica answers", async () => {
    const r = await start(2);
    const { h } = r;
    // Three requests, submitted, decided and created through different replicas.
    const created = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Created one" });
    const denied = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Denied one" });
    const pending = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Pending one" });
    await r.on(1, (x) => x.click(APPROVER, "approve_request", created.id, created.ts));
    await h.waitForStatus(created.id, "created", WAIT_MS);
    expect((await r.on(2, (x) => x.submitDenyReason(APPROVER, denied.id, "Use the shared client"))).text).toBe("");
    await h.waitForStatus(denied.id, "denied", WAIT_MS);

    for (const person of [REQUESTER, APPROVER]) {
      const before = homesOf(h, person).length;
      for (let replica = 0; replica < r.count; replica++) {
        expect((await r.on(replica, (x) => openHome(x, person))).status).toBe(200);
        await h.slack.waitFor(() => homesOf(h, person).length === before + replica + 1, WAIT_MS, "the Home tab");
      }
      const homes = homesOf(h, person).slice(before);
      expect(homes).toHaveLength(r.count);
      for (const home of homes) expect(home.blocks).toEqual(homes[0]?.blocks);
      if (person === REQUESTER) {
        for (const q of [created, denied, pending]) expect(homes[0]?.text).toContain(`#${q.id}`);
        expect(homes[0]?.text).toContain((await h.request(created.id))?.createdClientId ?? "missing");
      } else {
        expect(homes[0]?.text).toContain(`#${pending.id}`);
      }
    }

    for (const [person, words] of [
      [REQUESTER, "status"],
      [APPROVER, `status ${created.id}`],
    ] as const) {
      const replies = [];
      for (let replica = 0; replica < r.count; replica++) {
        const before = h.slack.responses.length;
        expect((await r.on(replica, (x) => x.command(person, words))).status).toBe(200);
        const reply = await h.slack.waitFor(() => h.slack.responses[before], WAIT_MS, `the ${words} reply`);
        replies.push(reply.body);
      }
      for (const reply of replies) expect(reply).toEqual(replies[0]);
      expect(JSON.stringify(replies[0])).toContain(`#${created.id}`);
    }
  });
});

describe("migrations with replicas starting together", () => {
  it("on an empty database, one replica applies them while the others wait; all start, each migration applied once", {
    timeout: 60_000,
  }, async () => {
    const h = await Harness.start();
    const empty = await freshPostgresDatabase("migrate_together");
    const children: Promise<ChildApp>[] = [];
    const holder = new pg.Client({ connectionString: empty.url });
    try {
      await holder.connect();
      // The test holds the migration lock, as a replica still migrating would.
      await holder.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      const env = { ...h.envForChild(), DATABASE_URL: empty.url };
      for (let i = 0; i < 3; i++) children.push(ChildApp.start(env, 30_000));
      const waiting = async () =>
        Number(
          (
            await holder.query<{ n: string }>(
              "select count(*) as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
            )
          ).rows[0]?.n,
        );
      await h.slack.waitFor(async () => (await waiting()) === 3, WAIT_MS, "three replicas waiting for the lock");
      const tables = await holder.query<{ found: string | null }>(
        "select to_regclass('public.requests')::text as found",
      );
      expect(tables.rows[0]?.found).toBeNull();

      // Released: they all go at the same moment; one migrates, the others wait for it and find nothing to do.
      await holder.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
      const started = await Promise.all(children);
      expect(started).toHaveLength(3);

      const journal = JSON.parse(
        readFileSync(fileURLToPath(new URL("../../drizzle/postgres/meta/_journal.json", import.meta.url)), "utf8"),
      ) as { entries: { when: number }[] };
      const applied = await holder.query<{ created_at: string }>(
        "select created_at from drizzle.__drizzle_migrations order by id",
      );
      expect(applied.rows.map((m) => Number(m.created_at))).toEqual(journal.entries.map((e) => e.when));
      const triggers = await holder.query("select 1 from pg_trigger where tgname = 'requests_audit'");
      expect(triggers.rowCount).toBe(1);

      // And they work: a request submitted through one of them is recorded and posted.
      h.baseUrl = started[1]?.baseUrl ?? "";
      const answer = await h.submitForm(REQUESTER, VALID_FORM);
      expect(answer.text).toBe("");
      await h.slack.waitFor(() => h.approvalPosts().length === 1, WAIT_MS, "the approval post");
    } finally {
      await holder.end().catch(() => undefined);
      const settled = await Promise.allSettled(children);
      for (const child of settled) if (child.status === "fulfilled") await child.value.kill9();
      await h.stop();
      await empty.drop();
    }
  });

  it("a replica waits for another's migration longer than its statement timeout, and keeps that timeout afterwards", async () => {
    const empty = await freshPostgresDatabase("migrate_wait");
    const holder = new pg.Client({ connectionString: empty.url });
    const config = {
      kind: "postgres",
      url: empty.url,
      poolMax: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 300,
    } as const;
    let opened: Awaited<ReturnType<typeof openPostgres>> | undefined;
    try {
      await holder.connect();
      await holder.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      const opening = openPostgres(config);
      // Held for several times the statement timeout, as a long migration would.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await holder.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
      opened = await opening;
      expect(await opened.healthy()).toBe(true);
      // Its one connection, the one that migrated, is back under the statement timeout.
      await expect(opened.drizzle.execute("select pg_sleep(2)")).rejects.toThrow();
    } finally {
      await opened?.close();
      await holder.end().catch(() => undefined);
      await empty.drop();
    }
  });
});
