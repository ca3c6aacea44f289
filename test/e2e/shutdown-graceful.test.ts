import { connect } from "node:net";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChildApp } from "../../devkit/childApp.ts";
import { APPROVAL_CHANNEL, APPROVER, Harness, REQUESTER, VALID_FORM } from "../../devkit/harness.ts";
import {
  buttonClickPayload,
  modalStateValues,
  payloadBody,
  postSigned,
  viewSubmissionPayload,
} from "../../devkit/slackRequests.ts";
import { openDatabase } from "../../src/db/open.ts";
import { CALLBACKS } from "../../src/slack/ids.ts";
import { rawSql } from "../support/rawSql.ts";

const WAIT = 10_000;

interface StoredRequest {
  id: number;
  status: string;
  client_guid: string;
  created_client_id: string | null;
  approval_message_ts: string | null;
}

/** Whether a fresh connection to the port is refused (the app no longer takes requests). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("graceful stop (SIGTERM / SIGINT) of the app started as `npm start` does", () => {
  let h: Harness;
  let child: ChildApp | undefined;

  beforeEach(async () => {
    // The harness provides the stand-ins and the database (SQLite file or PostgreSQL database); the app itself runs as a child process.
    h = await Harness.start();
    await h.app.stop();
  });
  afterEach(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill9();
    child = undefined;
    await h.stop();
  });

  /** What is stored, read on a connection of the test's own (the app is another process). */
  const readRequests = (): Promise<StoredRequest[]> =>
    rawSql<StoredRequest & Record<string, unknown>>(
      h,
      "select id, status, client_guid, created_client_id, approval_message_ts from requests order by id",
    );

  async function startChild(): Promise<ChildApp> {
    child = await ChildApp.start({ ...h.envForChild(), LOG_LEVEL: "info", OCS_REQUEST_TIMEOUT_SECONDS: "20" });
    return child;
  }

  async function submit(app: ChildApp, viewId: string) {
    const answer = await postSigned(
      app.baseUrl,
      payloadBody(
        viewSubmissionPayload(REQUESTER, {
          id: viewId,
          callbackId: CALLBACKS.requestForm,
          privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
          values: modalStateValues(VALID_FORM),
        }),
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
  }

  it("SIGTERM during a creation: stops taking requests, lets the creation finish, closes the database, exits 0", async () => {
    const app = await startChild();
    await submit(app, "VSTOP1");
    const request = await h.slack.waitFor(
      async () => (await readRequests()).find((r) => r.approval_message_ts),
      WAIT,
      "the post",
    );

    h.identity.inject({ route: "POST clients", delayMs: 1500 });
    const click = await postSigned(
      app.baseUrl,
      payloadBody(
        buttonClickPayload(APPROVER, {
          actionId: "approve_request",
          value: String(request.id),
          channelId: APPROVAL_CHANNEL,
          messageTs: request.approval_message_ts ?? "",
          triggerId: h.slack.issueTrigger(),
          responseUrl: h.slack.responseUrl(),
        }),
      ),
    );
    expect(click.status).toBe(200);
    await h.slack.waitFor(() => h.identity.callsTo("POST clients").length === 1, WAIT, "the creation under way");

    const exited = app.signal("SIGTERM");
    let exitedYet = false;
    void exited.then(() => {
      exitedYet = true;
    });
    // New connections are refused while the creation is still finishing.
    let refusedWhileRunning = false;
    const deadline = Date.now() + WAIT;
    while (!exitedYet && Date.now() < deadline) {
      if (await refused(app.port)) {
        refusedWhileRunning = !exitedYet;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(refusedWhileRunning).toBe(true);

    const [stored] = await readRequests();
    expect(stored?.status).toBe("created");
    expect(stored?.created_client_id).toBe(stored?.client_guid);
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    expect([...h.identity.clients.keys()]).toEqual([stored?.client_guid.toLowerCase()]);
    // The requester was told before the process ended.
    expect(h.dmsTo(REQUESTER).some((c) => String(c.args.text).includes(stored?.created_client_id ?? "?"))).toBe(true);

    const events = app.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const order = events
      .filter(
        (e) => e.event === "stopping" || e.event === "stopped" || (e.event === "transition" && e.to === "created"),
      )
      .map((e) => String(e.event === "transition" ? "created" : e.event));
    expect(order).toEqual(["stopping", "created", "stopped"]);
    expect(events.find((e) => e.event === "stopped")).toMatchObject({ drained: true });
    expect(app.stderr).toBe("");
  });

  it("SIGTERM while a submission is still being posted: the post completes and is stored before the exit", async () => {
    const app = await startChild();
    h.slack.latencyMs = 1500;
    await submit(app, "VSTOP2");
    await h.slack.waitFor(
      () => h.slack.callsOf("chat.postMessage").some((c) => c.args.channel === APPROVAL_CHANNEL),
      WAIT,
      "the approval post under way",
    );
    const { code } = await app.signal("SIGTERM");
    expect(code).toBe(0);
    const [stored] = await readRequests();
    expect(stored?.status).toBe("pending");
    expect(stored?.approval_message_ts).toBeTruthy();
    expect(app.lines.some((l) => l.includes('"event":"approval_post_failed"'))).toBe(false);
  });

  it("SIGINT when idle: exits 0 at once, and the database opens cleanly afterwards", async () => {
    const app = await startChild();
    await submit(app, "VSTOP3");
    await h.slack.waitFor(async () => (await readRequests())[0]?.approval_message_ts, WAIT, "the post");
    const { code, signal } = await app.signal("SIGINT");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(app.lines.some((l) => l.includes('"event":"stopped"'))).toBe(true);
    if (!h.databaseUrl) {
      const db = new Database(h.databasePath);
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      } finally {
        db.close();
      }
    }
    // Opened again as the bot opens it (migrations, then a query), on either database.
    const reopened = await openDatabase(h.config.database);
    try {
      expect(await reopened.healthy()).toBe(true);
      expect(await reopened.stores.reads.countByRequester(REQUESTER.id)).toBe(1);
    } finally {
      await reopened.close();
    }
    expect(await readRequests()).toHaveLength(1);
  });
});
