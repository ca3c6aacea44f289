import { describe, expect, it } from "vitest";
import { freePort } from "../../devkit/childApp.ts";
import { REQUESTER, VALID_FORM } from "../../devkit/harness.ts";
import { modalStateValues, socketSlashCommandPayload, viewSubmissionPayload } from "../../devkit/slackRequests.ts";
import { SOCKET_MODE_APP_TOKEN, socketApproveClick, socketModeHarnessPerTest } from "../support/harnessPerTest.ts";

describe("Socket Mode", () => {
  const { socket, start } = socketModeHarnessPerTest();

  it("connects with the app token, serves /healthz on PORT, and runs the flow over the socket", async () => {
    const port = await freePort();
    const h = await start(port);
    const open = h.slack.callsOf("apps.connections.open")[0];
    expect(open?.token).toBe(SOCKET_MODE_APP_TOKEN);
    await h.slack.waitFor(() => socket.connected, 5000, "socket connection");

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    // no HTTP events endpoint in Socket Mode
    expect((await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST" })).status).toBe(404);

    const command = await socket.deliver(
      "slash_commands",
      socketSlashCommandPayload(REQUESTER, { triggerId: h.slack.issueTrigger(), responseUrl: h.slack.responseUrl() }),
    );
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
    const request = await h.slack.waitFor(async () => {
      const r = await h.latestRequestOf(REQUESTER);
      return r?.approvalMessageTs ? r : undefined;
    });
    await socket.deliver("interactive", socketApproveClick(h, request));
    const created = await h.waitForStatus(request.id, "created");
    expect(h.identity.clients.has(created.clientGuid)).toBe(true);
  });
});
