import { afterEach } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, type HarnessOptions } from "../../devkit/harness.ts";
import { socketButtonClickPayload } from "../../devkit/slackRequests.ts";
import { SocketModeStandIn } from "../../devkit/socketModeStandIn.ts";
import type { Request } from "../../src/requests/request.ts";

// Kept apart from devkit/harness.ts, which the demo and the benchmark import too and which must not depend on vitest.

/**
 * For a describe block whose tests each start their own harness: registers an afterEach that stops
 * the one a test started, and returns the function that starts it.
 */
export function harnessPerTest(): (options?: HarnessOptions) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (options = {}) => {
    current = await Harness.start(options);
    return current;
  };
}

export const SOCKET_MODE_APP_TOKEN = "xapp-test-app-token-for-tests-only";

/**
 * harnessPerTest for the app in Socket Mode: one Socket Mode stand-in, stopped after each test
 * together with the harness. `start(port)` gives the app an app token and no signing secret (so no
 * HTTP events endpoint), serves /healthz on `port`, and points apps.connections.open at the stand-in.
 */
export function socketModeHarnessPerTest(): { socket: SocketModeStandIn; start: (port: number) => Promise<Harness> } {
  const socket = new SocketModeStandIn();
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.stop();
    await socket.stop();
    current = undefined;
  });
  const start = async (port: number): Promise<Harness> => {
    current = await Harness.start({
      env: { SLACK_APP_TOKEN: SOCKET_MODE_APP_TOKEN, SLACK_SIGNING_SECRET: "", PORT: String(port) },
      beforeBoot: (harness) => socket.start(harness.slack),
    });
    return current;
  };
  return { socket, start };
}

/** The envelope payload of APPROVER clicking Approve on `request`'s approval message, over Socket Mode. */
export function socketApproveClick(harness: Harness, request: Request) {
  return socketButtonClickPayload(APPROVER, {
    actionId: "approve_request",
    value: String(request.id),
    channelId: APPROVAL_CHANNEL,
    messageTs: request.approvalMessageTs,
    triggerId: harness.slack.issueTrigger(),
    responseUrl: harness.slack.responseUrl(),
  });
}
