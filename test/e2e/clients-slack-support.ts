import { APPROVER, type Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import {
  type FormValues,
  modalStateValues,
  type Person,
  payloadBody,
  type SignedResponse,
  viewButtonClickPayload,
  viewSubmissionPayload,
} from "../../devkit/slackRequests.ts";
import type { SlackCall } from "../../devkit/slackStandIn.ts";
import type { Request } from "../../src/requests/request.ts";
import { CALLBACKS } from "../../src/slack/ids.ts";
import { WAIT_MS } from "./lifecycle-support.ts";

/** Where the clients list was asked for: its buttons come from an ephemeral message there. */
const ORIGIN = "C0ORIGIN";

let seq = 0;

/** A client created through the bot: asked for by `who`, approved, created. */
export async function createdClient(
  h: Harness,
  who: Person = REQUESTER,
  values: FormValues = VALID_FORM,
): Promise<{ createdBy: number; clientId: string }> {
  const { id, ts } = await h.submitValid(who, values);
  await h.click(APPROVER, "approve_request", id, ts);
  const created = await h.waitForStatus(id, "created", WAIT_MS);
  if (!created.createdClientId) throw new Error("created without a client Id");
  return { createdBy: id, clientId: created.createdClientId };
}

/** A client-list button clicked in the ephemeral `clients` answer. */
export function clickClient(h: Harness, user: Person, actionId: string, createdBy: number): Promise<SignedResponse> {
  return h.click(user, actionId, createdBy, "1.000099", ORIGIN);
}

/** The metadata the change and action forms carry (as surfaces/clientModals.ts writes it). */
function formMetadata(kind: string, clientId: string, tenant = "default"): string {
  return JSON.stringify({ kind, tenant, clientId, channelId: ORIGIN });
}

/** Submits the change form as `user` typed it. */
export function submitChange(
  h: Harness,
  user: Person,
  clientId: string,
  values: FormValues,
  options: { viewId?: string; metadata?: string } = {},
): Promise<SignedResponse> {
  return h.post(
    payloadBody(
      viewSubmissionPayload(user, {
        id: options.viewId ?? `VCHANGE${++seq}`,
        callbackId: CALLBACKS.clientChangeForm,
        privateMetadata: options.metadata ?? formMetadata("change", clientId),
        values: modalStateValues(values),
      }),
    ),
  );
}

/** Submits the disable / enable / delete form with its justification. */
export function submitClientAction(
  h: Harness,
  user: Person,
  kind: "disable" | "enable" | "delete",
  clientId: string,
  justification = "The application is retired; nobody signs in with it any more.",
): Promise<SignedResponse> {
  return h.post(
    payloadBody(
      viewSubmissionPayload(user, {
        id: `VACTION${++seq}`,
        callbackId: CALLBACKS.clientActionForm,
        privateMetadata: formMetadata(kind, clientId),
        values: modalStateValues({ justification }),
      }),
    ),
  );
}

/** The approver types the client's name to approve a delete. */
export function submitDeleteConfirm(
  h: Harness,
  user: Person,
  requestId: number,
  name: string,
  viewId = `VDELETE${++seq}`,
  options: { despiteDrift?: boolean } = {},
): Promise<SignedResponse> {
  return h.post(
    payloadBody(
      viewSubmissionPayload(user, {
        id: viewId,
        callbackId: CALLBACKS.deleteConfirm,
        privateMetadata: JSON.stringify({ requestId, despiteDrift: options.despiteDrift === true }),
        values: { confirm_name: { value: { type: "plain_text_input", value: name } } },
      }),
    ),
  );
}

/** A button clicked inside a modal (e.g. the drift modal): no channel, no response_url; the view is in the payload. */
export function clickInModal(h: Harness, user: Person, actionId: string, value: string, viewId: string) {
  return h.post(
    payloadBody(
      viewButtonClickPayload(user, {
        view: { id: viewId, type: "modal", callbackId: CALLBACKS.drift, title: "Drift" },
        actionId,
        value,
        blockId: `drift:${value}`,
        triggerId: h.slack.issueTrigger(),
      }),
    ),
  );
}

/** The view a views.open or views.update call carried. */
export function viewOf(call: SlackCall | undefined): {
  callback_id?: string;
  private_metadata?: string;
  blocks: unknown[];
} {
  return (call?.args.view ?? { blocks: [] }) as { callback_id?: string; private_metadata?: string; blocks: unknown[] };
}

/** All the text of a view, for assertions about what people read. */
export function viewText(call: SlackCall | undefined): string {
  return textOf({ blocks: viewOf(call).blocks });
}

/** The newest request of `user` once it is recorded and posted for approval: its number and message ts. */
export async function postedRequestOf(
  h: Harness,
  user: Person,
  before: number,
): Promise<{ request: Request; ts: string }> {
  const request = await h.slack.waitFor(
    async () => {
      const latest = await h.latestRequestOf(user);
      return latest && latest.id > before && latest.approvalMessageTs ? latest : undefined;
    },
    WAIT_MS,
    "the request's approval post",
  );
  return { request, ts: request.approvalMessageTs ?? "" };
}

/** The last approval message edit or post for `ts`. */
export function approvalMessageOf(h: Harness, ts: string): SlackCall | undefined {
  return [...h.slack.callsOf("chat.update").filter((c) => c.args.ts === ts)].at(-1);
}
