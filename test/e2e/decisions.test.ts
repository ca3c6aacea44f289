import { afterEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, APPROVER_2, Harness, OUTSIDER, REQUESTER, textOf } from "../../devkit/harness.ts";
import { errorResponse } from "../../devkit/identityStandIn.ts";
import { payloadBody, SIGNING_SECRET, slashCommandBody } from "../../devkit/slackRequests.ts";

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const lastUpdateOf = (ts: string) =>
  h.slack
    .callsOf("chat.update")
    .filter((c) => c.args.ts === ts)
    .at(-1);

describe("requests from Slack", () => {
  it("rejects a bad signature with 401 and records nothing", async () => {
    h = await Harness.start();
    const body = slashCommandBody(REQUESTER, { triggerId: h.slack.issueTrigger(), responseUrl: h.slack.responseUrl() });
    // Signed, but with another secret (this one differs from the app's by construction).
    const forged = await h.post(body, { secret: `${SIGNING_SECRET}-forged` });
    expect(forged.status).toBe(401);
    const stale = await h.post(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const submission = await h.post(payloadBody({ type: "view_submission" }), { signature: "v0=deadbeef" });
    expect(submission.status).toBe(401);
    expect(h.slack.callsOf("views.open")).toHaveLength(0);
    expect(await h.store.reads.countByRequester(REQUESTER.id)).toBe(0);
    // the same body, correctly signed, is served: one modal, for this very command
    const good = await h.post(body);
    expect(good.status).toBe(200);
    const [opened] = await h.slack.waitForCalls("views.open");
    expect(opened?.args.trigger_id).toBe(new URLSearchParams(body).get("trigger_id"));
    expect(h.slack.callsOf("views.open")).toHaveLength(1);
  });

  it("opens the modal with the origin channel in private_metadata and answers help ephemerally", async () => {
    h = await Harness.start();
    await h.command(REQUESTER, "", "C0FROMHERE");
    const [open] = await h.slack.waitForCalls("views.open");
    const view = open?.args.view as { private_metadata: string; blocks: { block_id?: string }[] };
    expect(JSON.parse(view.private_metadata)).toEqual({ channelId: "C0FROMHERE" });
    expect(view.blocks.map((b) => b.block_id).filter(Boolean)).toEqual([
      "name",
      "redirectUris",
      "postLogoutRedirectUris",
      "allowedCorsOrigins",
      "accessTokenLifetime",
      "justification",
    ]);
    const help = await h.command(REQUESTER, "help");
    expect(help.json).toMatchObject({ response_type: "ephemeral" });
    expect((help.json as { text: string }).text).toContain("/create-auth-client");
    expect(h.slack.callsOf("views.open")).toHaveLength(1);
  });
});

describe("who may decide", () => {
  it("refuses a non-approver with an ephemeral note and changes nothing", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    await h.click(OUTSIDER, "approve_request", id, ts);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(OUTSIDER)[0]);
    expect(note.args.channel).toBe(APPROVAL_CHANNEL);
    expect(String(note.args.text)).toMatch(/only the designated approvers/i);
    await h.click(OUTSIDER, "deny_request", id, ts);
    await h.slack.waitFor(() => h.ephemeralsTo(OUTSIDER)[1]);
    expect(h.slack.callsOf("views.open")).toHaveLength(0);
    expect((await h.request(id))?.status).toBe("pending");
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
    expect(await h.store.reads.auditOf(id)).toHaveLength(1);
  });

  it("refuses self-approval by an approver who asked, unless ALLOW_SELF_APPROVAL=true", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid(APPROVER);
    await h.click(APPROVER, "approve_request", id, ts);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(APPROVER)[0]);
    expect(String(note.args.text)).toMatch(/another approver/i);
    expect((await h.request(id))?.status).toBe("pending");
    await h.stop();

    h = await Harness.start({ env: { ALLOW_SELF_APPROVAL: "true" } });
    const own = await h.submitValid(APPROVER);
    await h.click(APPROVER, "approve_request", own.id, own.ts);
    await h.waitForStatus(own.id, "created");
  });

  it("lets members of APPROVER_USERGROUP_ID decide", async () => {
    h = await Harness.start({ env: { APPROVER_USER_IDS: "", APPROVER_USERGROUP_ID: "S0APPROVERS" } });
    h.slack.usergroups.set("S0APPROVERS", [APPROVER_2.id]);
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.slack.waitFor(() => h.ephemeralsTo(APPROVER)[0]);
    expect((await h.request(id))?.status).toBe("pending");
    await h.click(APPROVER_2, "approve_request", id, ts);
    await h.waitForStatus(id, "created");
    expect(h.slack.callsOf("usergroups.users.list")[0]?.args.usergroup).toBe("S0APPROVERS");
  });

  it("says plainly it can't check who the approvers are when the user group can't be read, and changes nothing", async () => {
    h = await Harness.start({ env: { APPROVER_USER_IDS: "", APPROVER_USERGROUP_ID: "S0APPROVERS" } });
    h.slack.usergroups.set("S0APPROVERS", [APPROVER_2.id]);
    const { id, ts } = await h.submitValid();
    h.slack.fail("usergroups.users.list", "fatal_error", { times: 1000 });
    for (const [n, action] of ["approve_request", "deny_request"].entries()) {
      await h.click(APPROVER_2, action, id, ts);
      const note = await h.slack.waitFor(() => h.ephemeralsTo(APPROVER_2)[n]);
      expect(String(note.args.text)).toBe(
        "I can't check who the approvers are right now, so nothing was changed. Please try again in a few minutes.",
      );
    }
    expect(h.slack.callsOf("views.open")).toHaveLength(0);
    expect((await h.request(id))?.status).toBe("pending");
    expect(await h.store.reads.auditOf(id)).toHaveLength(1);
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
  });
});

describe("deciding", () => {
  it("replaces the buttons with who approved and when", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created");
    const update = await h.slack.waitFor(() => {
      const u = lastUpdateOf(ts);
      return u && textOf(u.args).includes("client created") ? u : undefined;
    });
    const blocks = JSON.stringify(update.args.blocks);
    expect(blocks).not.toContain("approve_request");
    expect(blocks).not.toContain("deny_request");
    expect(textOf(update.args)).toContain(`Approved by <@${APPROVER.id}> on <!date^`);
  });

  it("asks for a reason on Deny, then tells the requester and the channel", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    await h.click(APPROVER, "deny_request", id, ts);
    const [open] = await h.slack.waitForCalls("views.open");
    const modal = open?.args.view as { callback_id: string; private_metadata: string };
    expect(modal.callback_id).toBe("deny_request_reason");
    expect(JSON.parse(modal.private_metadata)).toEqual({ requestId: id });

    const empty = await h.submitDenyReason(APPROVER, id, "  ");
    expect(empty.json).toMatchObject({ response_action: "errors", errors: { reason: expect.any(String) } });
    expect((await h.request(id))?.status).toBe("pending");

    const denied = await h.submitDenyReason(APPROVER, id, "Use the shared staging client instead.");
    expect(denied.status).toBe(200);
    expect(denied.text).toBe("");
    const r = await h.waitForStatus(id, "denied");
    expect(r.decisionReason).toBe("Use the shared staging client instead.");
    const dm = await h.slack.waitFor(() => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("denied")));
    expect(textOf(dm.args)).toContain("Use the shared staging client instead.");
    expect(textOf(dm.args)).toContain(`<@${APPROVER.id}>`);
    const update = await h.slack.waitFor(() => lastUpdateOf(ts));
    expect(textOf(update.args)).toContain("Denied by");
    expect(JSON.stringify(update.args.blocks)).not.toContain("approve_request");
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);

    // A late approval of a denied request changes nothing
    await h.click(APPROVER_2, "approve_request", id, ts);
    const late = await h.slack.waitFor(() => h.ephemeralsTo(APPROVER_2)[0]);
    expect(String(late.args.text)).toMatch(/already denied/i);
    expect((await h.request(id))?.status).toBe("denied");
  });

  it("reports an Identity API 400 with its Error, Reason, Resolution and OperationId", async () => {
    h = await Harness.start();
    const { id, ts } = await h.submitValid();
    const failure = errorResponse(
      400,
      "Invalid client.",
      "RedirectUris contains a forbidden host.",
      "Use an allowed host.",
    );
    h.identity.inject({ route: "POST clients", status: 400, body: failure.body });
    await h.click(APPROVER, "approve_request", id, ts);
    const failed = await h.waitForStatus(id, "failed");
    const operationId = (failure.body as { OperationId: string }).OperationId;
    expect(failed.lastError).toEqual({
      status: 400,
      error: "Invalid client.",
      reason: "RedirectUris contains a forbidden host.",
      resolution: "Use an allowed host.",
      operationId,
    });
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
    for (const text of [
      textOf(
        (await h.slack.waitFor(() => h.slack.callsOf("chat.postMessage").find((c) => c.args.thread_ts === ts))).args,
      ),
      textOf((await h.slack.waitFor(() => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("failed")))).args),
    ]) {
      expect(text).toContain("Invalid client.");
      expect(text).toContain("RedirectUris contains a forbidden host.");
      expect(text).toContain("Use an allowed host.");
      expect(text).toContain(operationId);
    }
  });
});
