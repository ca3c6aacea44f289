import { describe } from "vitest";
import { maximalClientRequest, TARGET_CLIENT_ID } from "../../devkit/clientFixtures.ts";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { RESPONSE_URL } from "../../devkit/slackLimits.ts";
import { type ClientEntry, SENT_BACK_REASON } from "../../src/requests/clientRequests.ts";
import { type ClientRequestKind, type ClientSettings, changesBetween } from "../../src/requests/clients.ts";
import type { ApproverEvent, RequesterEvent } from "../../src/requests/ports.ts";
import { type Request, type RequestStatus, requestStatuses } from "../../src/requests/request.ts";
import type { SlackMessage } from "../../src/slack/surfaces/approvalMessage.ts";
import { clientApprovalMessage } from "../../src/slack/surfaces/clientApproval.ts";
import { clientFullRequestModal } from "../../src/slack/surfaces/clientFullRequest.ts";
import { clientActionModal, clientChangeModal, deleteConfirmModal } from "../../src/slack/surfaces/clientModals.ts";
import {
  clientRequesterCard,
  clientRequesterMessage,
  clientThreadMessage,
} from "../../src/slack/surfaces/clientOutcomes.ts";
import type { ClientRequest } from "../../src/slack/surfaces/clientRequest.ts";
import {
  CLIENTS_LIST_SIZE,
  clientLookupMessage,
  clientsListMessage,
  HOME_CLIENTS_SIZE,
  homeClientsSection,
} from "../../src/slack/surfaces/clientsList.ts";
import { driftMessage, driftModal } from "../../src/slack/surfaces/drift.ts";
import type { MessageContext } from "../../src/slack/surfaces/outcomeMessages.ts";
import { type Surface, slackAcceptsEvery, typedTextInertInEvery } from "../support/surfaceChecks.ts";

type Args = Record<string, unknown>;

const TENANT = "production-europe-north (euno.datahub.connect.aveva.com)";
const CTX: MessageContext = { approvalChannelId: "C0APPROVALS", tenantLabel: TENANT, requestTtlMs: 72 * 3_600_000 };
const T0 = Date.UTC(2026, 10, 30, 9, 0);
const API_TEXT = `<!channel> ${"&<>".repeat(700)}`;
const KINDS: ClientRequestKind[] = ["change", "disable", "enable", "delete"];
const STATUSES = requestStatuses;
const FIVE = ["W0APPROVE01", "W0APPROVE02", "W0APPROVE03", "W0APPROVE04", "W0APPROVE05"];

/** A request about a client at the form's maximums, in `status`, decided by five approvers where decided. */
function maximal(
  kind: ClientRequestKind,
  status: RequestStatus,
  overrides: Partial<ClientRequest> = {},
): ClientRequest {
  const decided = !["pending", "expired"].includes(status);
  const base: Partial<Request> = {
    id: 123_456,
    status,
    requiredApprovals: 5,
    approvedBy: status === "pending" ? FIVE.slice(0, 4) : FIVE,
    decidedBy: decided ? (status === "cancelled" ? "U0REQUEST" : (FIVE[4] ?? null)) : null,
    decidedAt: decided ? T0 : null,
    decisionReason: status === "denied" ? `${"&<>".repeat(160)}` : null,
    createdClientId: status === "created" ? TARGET_CLIENT_ID : null,
    lastError:
      status === "failed"
        ? { status: 400, error: API_TEXT, reason: API_TEXT, resolution: API_TEXT, operationId: API_TEXT }
        : null,
    attempts: status === "failed" ? 6 : 0,
  };
  return {
    ...maximalClientRequest(kind, base),
    outcomeNote: status === "created" ? API_TEXT.slice(0, 600) : null,
    ...overrides,
  };
}

/** The client as read now, changed in every field from the request's baseline (drift at its largest). */
function driftedLive(r: ClientRequest): ClientSettings {
  const other = (u: string) => u.replace(/^(https?:\/\/)../, "$1zz");
  return {
    name: r.baseline.name.replace("<!here>", "<!zzzz>"),
    redirectUris: r.baseline.redirectUris.map(other),
    postLogoutRedirectUris: r.baseline.postLogoutRedirectUris.map(other),
    allowedCorsOrigins: r.baseline.allowedCorsOrigins.map(other),
    accessTokenLifetime: 120,
    enabled: false,
  };
}

function maximalEntry(id: number, live: ClientEntry["live"]): ClientEntry {
  const r = maximal("change", "pending");
  return {
    clientId: TARGET_CLIENT_ID,
    tenant: "production",
    createdBy: sampleRequest({ id, name: r.baseline.name, status: "created", createdClientId: TARGET_CLIENT_ID }),
    live,
    open: KINDS.map((kind, i) => maximal(kind, "pending", { id: 999_990 + i })),
  };
}

const post = (m: SlackMessage): Args => ({ channel: "C0APPROVALS", text: m.text, blocks: m.blocks });
const REQUESTER_EVENTS: [RequesterEvent, RequestStatus][] = [
  ["recorded", "pending"],
  ["recorded_unposted", "pending"],
  ["denied", "denied"],
  ["cancelled", "cancelled"],
  ["expired", "expired"],
  ["created", "created"],
  ["failed", "failed"],
];
const THREAD_EVENTS: [ApproverEvent, RequestStatus][] = [
  ["created", "created"],
  ["failed", "failed"],
  ["denied", "denied"],
];

/** Every message and view about an existing client, at the form's maximums, hostile text everywhere. */
function everyClientSurface(): Surface[] {
  const out: [string, string, Args][] = [];
  for (const kind of KINDS) {
    for (const s of STATUSES) {
      out.push([
        `${kind}: approval message, ${s}`,
        "chat.update",
        post(clientApprovalMessage(maximal(kind, s), TENANT)),
      ]);
      out.push([`${kind}: requester card, ${s}`, "chat.update", post(clientRequesterCard(maximal(kind, s), CTX))]);
      out.push([
        `${kind}: full request, ${s}`,
        "views.open",
        { trigger_id: "T", view: clientFullRequestModal(maximal(kind, s), TENANT) },
      ]);
    }
    out.push([
      `${kind}: approval message, sent back`,
      "chat.update",
      post(clientApprovalMessage(maximal(kind, "denied", { decisionReason: SENT_BACK_REASON }), TENANT)),
    ]);
    for (const [event, s] of REQUESTER_EVENTS) {
      out.push([
        `${kind}: requester DM, ${event}`,
        "chat.postMessage",
        post(clientRequesterMessage(maximal(kind, s), event, CTX)),
      ]);
    }
    for (const [event, s] of THREAD_EVENTS) {
      const reason = event === "denied" ? { decisionReason: SENT_BACK_REASON } : {};
      const message = clientThreadMessage(maximal(kind, s, reason), event);
      if (message) out.push([`${kind}: thread reply, ${event}`, "chat.postMessage", post(message)]);
    }
    const pending = maximal(kind, "pending");
    const live = driftedLive(pending);
    out.push([
      `${kind}: drift note`,
      "chat.postEphemeral",
      {
        channel: "C0APPROVALS",
        user: "U0APPROVE1",
        ...driftMessage(pending, { live, changes: changesOf(pending, live) }),
      },
    ]);
    out.push([
      `${kind}: drift modal`,
      "views.open",
      { trigger_id: "T", view: driftModal(pending, { live, changes: changesOf(pending, live) }) },
    ]);
    out.push([
      `${kind}: drift note, gone`,
      "chat.postEphemeral",
      { channel: "C0APPROVALS", user: "U0APPROVE1", ...driftMessage(pending, { live: "gone", changes: {} }) },
    ]);
  }
  const asked = maximal("change", "pending");
  const client = { clientId: TARGET_CLIENT_ID, tenant: "production", live: asked.baseline };
  out.push(["change form", "views.open", { trigger_id: "T", view: clientChangeModal(client, TENANT, "C0ORIGIN") }]);
  for (const kind of ["disable", "enable", "delete"] as const) {
    out.push([
      `${kind} form`,
      "views.open",
      { trigger_id: "T", view: clientActionModal(kind, client, TENANT, "C0ORIGIN") },
    ]);
  }
  out.push([
    "delete confirmation",
    "views.open",
    { trigger_id: "T", view: deleteConfirmModal(maximal("delete", "pending"), TENANT) },
  ]);
  const entries = (n: number) =>
    Array.from({ length: n }, (_, i) => maximalEntry(999_000 + i, i % 3 === 1 ? "gone" : asked.baseline));
  out.push([
    "clients list",
    RESPONSE_URL,
    { response_type: "ephemeral", ...clientsListMessage(entries(CLIENTS_LIST_SIZE), true, () => TENANT) },
  ]);
  out.push([
    "client lookup",
    RESPONSE_URL,
    { response_type: "ephemeral", ...clientLookupMessage(maximalEntry(7, asked.baseline), TENANT) },
  ]);
  out.push([
    "App Home, your clients",
    "views.publish",
    {
      user_id: "U0REQUEST",
      view: { type: "home", blocks: homeClientsSection(entries(HOME_CLIENTS_SIZE), true, () => TENANT) },
    },
  ]);
  return out;
}

function changesOf(r: ClientRequest, live: ClientSettings) {
  return changesBetween(r.baseline, live);
}

describe("every message and view about an existing client, at the form's maximums", () => {
  slackAcceptsEvery(everyClientSurface, 100);
  typedTextInertInEvery(everyClientSurface);
});
