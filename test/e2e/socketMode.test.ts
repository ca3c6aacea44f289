import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/childApp.ts";
import { APPROVER, Harness, REQUESTER, VALID_FORM } from "../support/harness.ts";
import { modalStateValues, viewSubmissionPayload } from "../support/slackRequests.ts";
import { SocketModeStandIn } from "../support/socketModeStandIn.ts";

const APP_TOKEN = "xapp-test-app-token-for-tests-only";

describe("Socket Mode", () => {
  let h: Harness | undefined;
  const socket = new SocketModeStandIn();
  afterEach(async () => {
    await h?.stop();
    await socket.stop();
  });

  it("connects with the app token, serves /healthz on PORT, and runs the flow over the socket", async () => {
    const port = await freePort();
    h = await Harness.start({
      env: { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: "", PORT: String(port) },
      beforeBoot: (harness) => socket.start(harness.slack),
    });
    const open = h.slack.callsOf("apps.connections.open")[0];
    expect(open?.token).toBe(APP_TOKEN);
    await h.slack.waitFor(() => socket.connected, 5000, "socket connection");

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    // no HTTP events endpoint in Socket Mode
    expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST" })).status).toBe(404);

    const command = await socket.deliver("slash_commands", {
      command: "/create-auth-client",
      text: "",
      user_id: REQUESTER.id,
      user_name: REQUESTER.name,
      channel_id: "C0ORIGIN",
      team_id: "T0TEST",
      trigger_id: h.slack.issueTrigger(),
      response_url: h.slack.responseUrl(),
    });
    expect(command.envelope_id).toBeTruthy();
    await h.slack.waitForCalls("views.open");

    const submission = viewSubmissionPayload(REQUESTER, {
      id: "VSOCKET1",
      callbackId: "create_auth_client",
      privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
      values: modalStateValues({ ...VALID_FORM, name: "" }),
    });
    const refused = await socket.deliver("interactive", submission);
    expect(refused.payload).toMatchObject({ response_action: "errors", errors: { name: expect.any(String) } });

    const valid = viewSubmissionPayload(REQUESTER, {
      id: "VSOCKET2",
      callbackId: "create_auth_client",
      privateMetadata: JSON.stringify({ channelId: "C0ORIGIN" }),
      values: modalStateValues(VALID_FORM),
    });
    await socket.deliver("interactive", valid);
    const harness = h;
    const request = await harness.slack.waitFor(() => {
      const r = harness.service.repository.listByRequester(REQUESTER.id, 1)[0];
      return r?.approvalMessageTs ? r : undefined;
    });
    await socket.deliver("interactive", {
      type: "block_actions",
      user: { id: APPROVER.id, username: APPROVER.name, team_id: "T0TEST" },
      team: { id: "T0TEST", domain: "example" },
      channel: { id: "C0APPROVALS", name: "approvals" },
      container: { type: "message", message_ts: request.approvalMessageTs, channel_id: "C0APPROVALS" },
      trigger_id: h.slack.issueTrigger(),
      response_url: h.slack.responseUrl(),
      actions: [
        { type: "button", action_id: "approve_request", block_id: "d", value: String(request.id), action_ts: "1" },
      ],
    });
    const created = await h.waitForStatus(request.id, "created");
    expect(h.identity.clients.has(created.clientGuid)).toBe(true);
  });
});
