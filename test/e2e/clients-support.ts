import { APPROVER, type Harness, REQUESTER } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import type { ClientRequestKind, ClientSettings } from "../../src/requests/clients.ts";
import type { RequestForm } from "../../src/requests/form.ts";
import type { Request } from "../../src/requests/request.ts";
import type { ClientSubmitResult, DecisionResult } from "../../src/requests/service.ts";

/** Generous: the machine is small and shared. */
export const WAIT_MS = 10_000;

/** The client the harness's valid form creates, as the Identity API reads it. */
export const CREATED_SETTINGS: ClientSettings = {
  name: "Plant dashboard",
  redirectUris: ["https://dashboard.example.com/callback", "http://localhost:5173/callback"],
  postLogoutRedirectUris: ["https://dashboard.example.com/"],
  allowedCorsOrigins: ["https://dashboard.example.com"],
  accessTokenLifetime: 1800,
  enabled: true,
};

/** The change form for the created client: its settings with `change` applied. */
export function changeForm(change: Partial<RequestForm> = {}): RequestForm {
  return {
    tenant: "default",
    name: CREATED_SETTINGS.name,
    redirectUris: [...CREATED_SETTINGS.redirectUris],
    postLogoutRedirectUris: [...CREATED_SETTINGS.postLogoutRedirectUris],
    allowedCorsOrigins: [...CREATED_SETTINGS.allowedCorsOrigins],
    accessTokenLifetime: CREATED_SETTINGS.accessTokenLifetime,
    justification: "Move to the new callback.",
    ...change,
  };
}

/** A client created through the bot for `requester` (submitted, approved, created): its create request and Id. */
export async function createdClient(h: Harness, requester: Person = REQUESTER) {
  const { id, ts } = await h.submitValid(requester);
  await h.click(APPROVER, "approve_request", id, ts);
  const origin = await h.waitForStatus(id, "created", WAIT_MS);
  // The name check runs after the post: its GETs must not meet a test's one-shot faults.
  await h.nameCheckDone(id);
  return { origin, clientId: origin.createdClientId as string };
}

let keys = 0;

/** Asks for `kind` of client `clientId` as `requester`, through the domain as the Slack side does. */
export function ask(
  h: Harness,
  kind: ClientRequestKind,
  clientId: string,
  options: { requester?: Person; form?: RequestForm; justification?: string } = {},
): Promise<ClientSubmitResult> {
  return h.service.submitClientRequest({
    kind,
    tenant: "default",
    clientId,
    ...(options.form ? { form: options.form } : {}),
    justification: options.justification ?? `Please ${kind} it.`,
    requesterId: (options.requester ?? REQUESTER).id,
    originChannelId: "C0ORIGIN",
    submissionKey: `VCLIENT${++keys}-${Date.now()}`,
  });
}

/** Like `ask`, for a request that must be recorded: the request. */
export async function asked(
  h: Harness,
  kind: ClientRequestKind,
  clientId: string,
  options: Parameters<typeof ask>[3] = {},
): Promise<Request> {
  const result = await ask(h, kind, clientId, options);
  if (result.kind !== "recorded") throw new Error(`expected a recorded request, got ${JSON.stringify(result)}`);
  await h.service.announce(result.request);
  return result.request;
}

/** The request of a decision that must have been taken. */
export function decided(result: DecisionResult): Request {
  if (!result.ok) throw new Error(`expected the decision to be taken, got ${result.refusal}`);
  return result.request;
}
