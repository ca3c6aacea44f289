import { afterEach, describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, type Harness, REQUESTER, textOf } from "../../devkit/harness.ts";
import { buttonClickPayload, type Person, payloadBody, postSigned } from "../../devkit/slackRequests.ts";
import { type RunningApp, startApp } from "../../src/app.ts";
import { writeAudit } from "../../src/audit/export.ts";
import { parseCsv } from "../support/auditExport.ts";
import { harnessPerTest } from "../support/harnessPerTest.ts";
import { buttonValues, clickInHome, homesOf, openHome, WAIT_MS, waitForHome } from "./lifecycle-support.ts";

/** Several approvals per request (REQUIRED_APPROVALS): progress, repeats, the requester, deny, races. */

const APPROVER_3: Person = { id: "U0APPROVE3", name: "carol" };
const FOUR_APPROVERS = [APPROVER, APPROVER_2, APPROVER_3, REQUESTER].map((p) => p.id).join(",");

const start = harnessPerTest();

const updatesOf = (h: Harness, ts: string) => h.slack.callsOf("chat.update").filter((c) => c.args.ts === ts);
const waitForUpdate = (h: Harness, ts: string, what: (text: string, blocks: string) => boolean) =>
  h.slack.waitFor(
    () => updatesOf(h, ts).find((u) => what(textOf(u.args), JSON.stringify(u.args.blocks))),
    WAIT_MS,
    "the approval message to change",
  );
const noteTo = (h: Harness, who: Person, n: number) =>
  h.slack.waitFor(() => h.ephemeralsTo(who)[n - 1], WAIT_MS, `note ${n} to ${who.name}`);

describe("two approvals required", () => {
  it("counts each approver once and never the requester; the second approval creates the client; status, trail and export show both", async () => {
    const h = await start({
      env: { REQUIRED_APPROVALS: "2", APPROVER_USER_IDS: FOUR_APPROVERS, ALLOW_SELF_APPROVAL: "true" },
    });
    const { id, ts } = await h.submitValid(REQUESTER);
    const posted = h.approvalPosts().at(-1);
    expect(textOf(posted?.args ?? {})).toContain("0 of 2 approvals yet");
    // The confirmation says a first click only counts.
    expect(JSON.stringify(posted?.args.blocks)).toContain("Approval 1 of 2: created at the 2nd.");

    // The requester is an approver, and self-approval is allowed, yet never counts towards two.
    await h.click(REQUESTER, "approve_request", id, ts);
    expect(String((await noteTo(h, REQUESTER, 1)).args.text)).toMatch(/another approver has to decide/);

    await h.click(APPROVER, "approve_request", id, ts);
    const progress = await waitForUpdate(h, ts, (text) => text.includes("1 of 2 approvals"));
    expect(textOf(progress.args)).toContain(`1 of 2 approvals: <@${APPROVER.id}>`);
    // The buttons stay until the last approval, whose confirmation says it creates the client.
    const blocks = JSON.stringify(progress.args.blocks);
    expect(blocks).toContain("approve_request");
    expect(blocks).toContain("deny_request");
    expect(blocks).toContain("now, with 2 redirect URLs, 1 logout URL and 1 CORS origin? Yours is approval 2 of 2.");
    expect(blocks).toContain('"text":"Approve and create"');
    expect(await h.request(id)).toMatchObject({ status: "pending", approvedBy: [APPROVER.id] });

    // A second click of the same approver is told so and counts nothing.
    await h.click(APPROVER, "approve_request", id, ts);
    expect(String((await noteTo(h, APPROVER, 1)).args.text)).toMatch(/already approved request #\d+ \(1 of 2/);
    expect(await h.request(id)).toMatchObject({ status: "pending", approvedBy: [APPROVER.id] });
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);

    await h.click(APPROVER_2, "approve_request", id, ts);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    expect(created).toMatchObject({ approvedBy: [APPROVER.id, APPROVER_2.id], decidedBy: APPROVER_2.id });
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    const final = await waitForUpdate(h, ts, (text) => text.includes("client created"));
    expect(textOf(final.args)).toContain(`Approved by <@${APPROVER.id}> and <@${APPROVER_2.id}>`);
    expect(JSON.stringify(final.args.blocks)).not.toContain("approve_request");
    const dm = await h.slack.waitFor(() => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("is ready")));
    expect(textOf(dm.args)).toContain(`approved by <@${APPROVER.id}> and <@${APPROVER_2.id}>`);

    // The audit trail: both approvals, by whom, in order.
    const trail = (await h.store.reads.auditOf(id)).map((e) => [e.actor, e.fromStatus, e.toStatus, e.detail]);
    expect(trail.slice(0, 4)).toEqual([
      [REQUESTER.id, null, "pending", null],
      [APPROVER.id, "pending", "pending", "approval 1 of 2"],
      [APPROVER_2.id, "pending", "approved", "approval 2 of 2"],
      [APPROVER_2.id, "approved", "creating", "calling the Identity API"],
    ]);

    // `status <id>` shows both.
    await h.command(REQUESTER, `status ${id}`);
    const reply = await h.slack.waitFor(() => h.slack.responses.at(-1), WAIT_MS, "the status reply");
    const status = textOf(reply.body);
    expect(status).toContain(`approved · <@${APPROVER.id}> · approval 1 of 2`);
    expect(status).toContain(`pending → approved · <@${APPROVER_2.id}> · approval 2 of 2`);

    // The audit export has a row for each.
    let csv = "";
    await writeAudit(h.store.audit, { format: "csv", since: undefined }, (chunk) => {
      csv += chunk;
    });
    const [header, ...rows] = parseCsv(csv);
    const col = (name: string) => header?.indexOf(name) ?? -1;
    const approvals = rows
      .filter((r) => r[col("request_id")] === String(id) && r[col("from_status")] === "pending")
      .map((r) => [r[col("actor")], r[col("to_status")], r[col("detail")]]);
    expect(approvals).toEqual([
      [APPROVER.id, "pending", "approval 1 of 2"],
      [APPROVER_2.id, "approved", "approval 2 of 2"],
    ]);
  });

  it("a Deny after one approval ends the request: no client, the requester is told", async () => {
    const h = await start({ env: { REQUIRED_APPROVALS: "2" } });
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await waitForUpdate(h, ts, (text) => text.includes("1 of 2 approvals"));
    await h.click(APPROVER_2, "deny_request", id, ts);
    await h.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    expect((await h.submitDenyReason(APPROVER_2, id, "One approval is not enough here.")).text).toBe("");
    const denied = await h.waitForStatus(id, "denied", WAIT_MS);
    expect(denied).toMatchObject({ decidedBy: APPROVER_2.id, approvedBy: [APPROVER.id] });
    await h.slack.waitFor(() => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("was denied")));
    // A late approval changes nothing.
    await h.click(APPROVER_2, "approve_request", id, ts);
    expect(String((await noteTo(h, APPROVER_2, 1)).args.text)).toMatch(/already denied/);
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
    expect((await h.request(id))?.status).toBe("denied");
  });

  it("reminds approvers until enough have approved, saying how many are missing", async () => {
    const h = await start({
      env: { REQUIRED_APPROVALS: "2", REMINDER_HOURS: "0.0001", MAX_REMINDERS: "3", REQUEST_TTL_HOURS: "1" },
    });
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await waitForUpdate(h, ts, (text) => text.includes("1 of 2 approvals"));
    const reminders = () =>
      h.slack.callsOf("chat.postMessage").filter((c) => c.args.thread_ts === ts && textOf(c.args).includes("Reminder"));
    // A reminder sent after the first approval says what is still missing.
    const after = await h.slack.waitFor(
      () => reminders().find((c) => textOf(c.args).includes("1 more approval")),
      WAIT_MS,
      "a reminder after the first approval",
    );
    expect(textOf(after.args)).toContain(`1 of 2 approvals: <@${APPROVER.id}>`);
    await h.click(APPROVER_2, "approve_request", id, ts);
    await h.waitForStatus(id, "created", WAIT_MS);
    const sent = reminders().length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(reminders()).toHaveLength(sent);
    expect((await h.request(id))?.nextReminderAt).toBeNull();
  });

  it("App Home leaves out what the approver has approved, and shows the others the progress", async () => {
    const h = await start({ env: { REQUIRED_APPROVALS: "2" } });
    const { id } = await h.submitValid();
    await openHome(h, APPROVER);
    const home = await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (1)"));
    expect(buttonValues(home.blocks, "approve_request")).toEqual([String(id)]);
    const seen = homesOf(h, APPROVER).length;
    await clickInHome(h, APPROVER, "approve_request", String(id), home.privateMetadata);
    const after = await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (0)"), seen);
    expect(buttonValues(after.blocks, "approve_request")).toEqual([]);
    expect((await h.request(id))?.approvedBy).toEqual([APPROVER.id]);

    await openHome(h, APPROVER_2);
    const other = await waitForHome(h, APPROVER_2, (x) => x.text.includes("Waiting for you (1)"));
    expect(other.text).toContain(`1 of 2 approvals: <@${APPROVER.id}>`);
    expect(buttonValues(other.blocks, "approve_request")).toEqual([String(id)]);
  });
});

describe("the last two approvals at once", () => {
  let second: RunningApp | undefined;
  afterEach(async () => {
    await second?.stop();
    second = undefined;
  });

  it("make one client, also when each reaches another replica", async () => {
    const h = await start({ env: { REQUIRED_APPROVALS: "3", APPROVER_USER_IDS: FOUR_APPROVERS } });
    // A second instance on the same database: one click goes to each.
    second = await startApp(h.config, { slackRetries: { retries: 0 }, skipStartupChecks: true, writeLog: () => {} });
    const secondUrl = `http://127.0.0.1:${second.port}`;
    const clickOn = (url: string, user: Person, id: number, ts: string) =>
      postSigned(
        url,
        payloadBody(
          buttonClickPayload(user, {
            actionId: "approve_request",
            value: String(id),
            channelId: "C0APPROVALS",
            messageTs: ts,
            triggerId: h.slack.issueTrigger(),
            responseUrl: h.slack.responseUrl(),
          }),
        ),
      );
    h.identity.inject({ route: "POST clients", delayMs: 200, times: 10 });
    for (let round = 0; round < 3; round++) {
      const { id, ts } = await h.submitValid(REQUESTER, {
        name: `Race ${round}`,
        redirectUris: "https://dashboard.example.com/callback",
        justification: "Three approvers are needed for this one.",
      });
      await h.click(APPROVER, "approve_request", id, ts);
      await h.slack.waitFor(async () => (await h.request(id))?.approvedBy.length === 1, WAIT_MS, "the first approval");
      const answers = await Promise.all([
        clickOn(h.baseUrl, APPROVER_2, id, ts),
        clickOn(secondUrl, APPROVER_3, id, ts),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      const created = await h.waitForStatus(id, "created", WAIT_MS);
      expect([...created.approvedBy].sort()).toEqual([APPROVER.id, APPROVER_2.id, APPROVER_3.id].sort());
      const trail = await h.store.reads.auditOf(id);
      expect(trail.filter((e) => e.toStatus === "approved")).toHaveLength(1);
      expect(trail.filter((e) => e.toStatus === "creating")).toHaveLength(1);
    }
    expect(h.identity.callsTo("POST clients")).toHaveLength(3);
    expect(h.identity.clients.size).toBe(3);
    // One "client ready" message per request, whichever replica created it.
    await h.slack.waitFor(() => h.dmsTo(REQUESTER).filter((c) => textOf(c.args).includes("is ready")).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.dmsTo(REQUESTER).filter((c) => textOf(c.args).includes("is ready"))).toHaveLength(3);
  });
});
