import { describe, expect, it } from "vitest";
import { HOSTILE, maximalRequest } from "../../devkit/maximalRequest.ts";
import { blockTextLength, RESPONSE_URL } from "../../devkit/slackLimits.ts";
import { toIdentityBody } from "../../src/requests/identityBody.ts";
import type { ApproverEvent, RequesterEvent } from "../../src/requests/ports.ts";
import { type AuditEntry, type Request, type RequestStatus, requestStatuses } from "../../src/requests/request.ts";
import { approvalMessage, confirmText, type SlackMessage } from "../../src/slack/surfaces/approvalMessage.ts";
import { MESSAGE_TEXT_BUDGET } from "../../src/slack/surfaces/blocks.ts";
import { denyModal } from "../../src/slack/surfaces/denyModal.ts";
import { describeLifetime } from "../../src/slack/surfaces/format.ts";
import { fullRequestModal } from "../../src/slack/surfaces/fullRequest.ts";
import { HOME_PAGE_SIZE, HOME_WAITING_SIZE, homeView } from "../../src/slack/surfaces/home.ts";
import {
  approverThreadMessage,
  type MessageContext,
  requesterCard,
  requesterMessage,
  supersededCard,
} from "../../src/slack/surfaces/outcomeMessages.ts";
import { refusalText } from "../../src/slack/surfaces/refusals.ts";
import { requestDetail, requestList } from "../../src/slack/surfaces/status.ts";
import { shownWhole, textObjects, viewButtonValue } from "../support/slackTexts.ts";
import { type Surface, slackAcceptsEvery, typedTextInertInEvery } from "../support/surfaceChecks.ts";

type Args = Record<string, unknown>;

/** Two tenants with long labels (name and host), as OCS_TENANTS gives them. */
const TENANT = "production-europe-north (euno.datahub.connect.aveva.com)";
const CTX: MessageContext = { approvalChannelId: "C0APPROVALS", tenantLabel: TENANT, requestTtlMs: 72 * 3_600_000 };
const T0 = Date.UTC(2026, 10, 30, 9, 0);

/** A text the approver typed, at the deny modal's limit: hostile, with `&` and emoji. */
const REASON = `${HOSTILE} ${"&😀".repeat(147)}`;
/** What an Identity API might answer: long, with markup of its own. */
const API_TEXT = `<!channel> ${"&<>".repeat(700)}`;

function maximal(status: RequestStatus, overrides: Partial<Request> = {}): Request {
  const decided = !["pending", "expired"].includes(status);
  return maximalRequest({
    id: 123_456,
    status,
    decidedBy: decided ? (status === "cancelled" ? "U0REQUEST" : "U0APPROVE1") : null,
    decidedAt: decided ? T0 : null,
    decisionReason: status === "denied" ? REASON : null,
    createdClientId: status === "created" ? "5f0c2f9e-9d4e-4a51-8f3a-0a8b7c6d5e4f" : null,
    lastError:
      status === "failed"
        ? { status: 400, error: API_TEXT, reason: API_TEXT, resolution: API_TEXT, operationId: API_TEXT }
        : null,
    attempts: status === "failed" ? 6 : 0,
    ...overrides,
  });
}

/** Five approvers' ids, as long as Slack's (W + 10). */
const FIVE = ["W0APPROVE01", "W0APPROVE02", "W0APPROVE03", "W0APPROVE04", "W0APPROVE05"];
const fourOfFive = () => maximal("pending", { requiredApprovals: 5, approvedBy: FIVE.slice(0, 4) });
const byFive = (status: RequestStatus) =>
  maximal(status, { requiredApprovals: 5, approvedBy: FIVE, decidedBy: FIVE[4] ?? null });
const byPolicy = () =>
  maximal("created", { decidedBy: "policy", decisionReason: "only loopback URLs", approvedBy: [] });

/**
 * Every risk hint at once, at its longest: five approvals needed, half the redirect and logout URLs
 * plain http on loopback (as long as the form allows), hosts that differ both ways, the shortest
 * lifetime, ten redirect URLs, and a long, hostile Id for the client of the same name.
 */
function everyHint(status: RequestStatus = "pending"): Request {
  const r = maximal(status);
  const loopback = (urls: string[]) =>
    urls.map((u, i) => (i % 2 ? u : u.replace(/^https:\/\/[^/]+/, "http://localhost:65535")));
  return {
    ...r,
    requiredApprovals: 5,
    approvedBy: status === "pending" ? FIVE.slice(0, 4) : r.approvedBy,
    redirectUris: loopback(r.redirectUris),
    postLogoutRedirectUris: loopback(r.postLogoutRedirectUris),
    nameTakenBy: `${HOSTILE} ${"&<>".repeat(100)}`,
  };
}

const STATUSES = requestStatuses;
const REQUESTER_EVENTS: [RequesterEvent, RequestStatus][] = [
  ["recorded", "pending"],
  ["recorded_unposted", "pending"],
  ["denied", "denied"],
  ["cancelled", "cancelled"],
  ["expired", "expired"],
  ["created", "created"],
  ["failed", "failed"],
];
const APPROVER_EVENTS: [ApproverEvent, RequestStatus][] = [
  ["created", "created"],
  ["failed", "failed"],
  ["retrying", "creating"],
  ["denied", "denied"],
  ["cancelled", "cancelled"],
  ["expired", "expired"],
  ["reminder", "pending"],
];

const history: AuditEntry[] = Array.from({ length: 40 }, (_, i) => ({
  id: i + 1,
  requestId: 123_456,
  actor: i % 2 ? "system" : "U0APPROVE1",
  fromStatus: "creating",
  toStatus: "failed",
  detail: i % 3 ? API_TEXT : REASON,
  at: T0 + i * 1000,
}));

const post = (m: SlackMessage): Args => ({ channel: "C0APPROVALS", text: m.text, blocks: m.blocks });

/** Every message and view the bot builds, at the form's maximums, with hostile text everywhere. */
function everySurface(): Surface[] {
  const out: [string, string, Args][] = [];
  for (const s of STATUSES) {
    out.push([`approval message, ${s}`, "chat.update", post(approvalMessage(maximal(s), TENANT))]);
    out.push([`requester card, ${s}`, "chat.update", post(requesterCard(maximal(s), CTX))]);
    out.push([
      `status detail, ${s}`,
      RESPONSE_URL,
      { response_type: "ephemeral", ...requestDetail(maximal(s), TENANT, history) },
    ]);
  }
  for (const [event, s] of REQUESTER_EVENTS) {
    out.push([`requester DM, ${event}`, "chat.postMessage", post(requesterMessage(maximal(s), event, CTX))]);
    out.push([`requester ephemeral, ${event}`, "chat.postEphemeral", post(requesterMessage(maximal(s), event, CTX))]);
  }
  for (const [event, s] of APPROVER_EVENTS) {
    out.push([`thread reply, ${event}`, "chat.postMessage", post(approverThreadMessage(maximal(s), event, CTX))]);
  }
  out.push(["superseded card", "chat.update", post(supersededCard(maximal("pending")))]);
  // Approval policies at their maximums: 5 approvals, 4 of them in; approved by 5; approved by policy.
  out.push(["approval message, 4 of 5 approvals", "chat.update", post(approvalMessage(fourOfFive(), TENANT))]);
  out.push(["approval message, approved by 5", "chat.update", post(approvalMessage(byFive("created"), TENANT))]);
  out.push(["approval message, approved by policy", "chat.update", post(approvalMessage(byPolicy(), TENANT))]);
  out.push(["approval message, every risk hint", "chat.update", post(approvalMessage(everyHint(), TENANT))]);
  out.push([
    "approval message, every risk hint, failed",
    "chat.update",
    post(approvalMessage(everyHint("failed"), TENANT)),
  ]);
  out.push([
    "full request, every risk hint",
    "views.open",
    { trigger_id: "T", view: fullRequestModal(everyHint(), TENANT) },
  ]);
  out.push([
    "thread reply, reminder at 4 of 5",
    "chat.postMessage",
    post(approverThreadMessage(fourOfFive(), "reminder", CTX)),
  ]);
  out.push([
    "thread reply, created by 5",
    "chat.postMessage",
    post(approverThreadMessage(byFive("created"), "created", CTX)),
  ]);
  out.push([
    "requester DM, failed after 5",
    "chat.postMessage",
    post(requesterMessage(byFive("failed"), "failed", CTX)),
  ]);
  out.push([
    "refusal, already approved",
    "chat.postEphemeral",
    { channel: "C0APPROVALS", user: "U0APPROVE1", text: refusalText("already_approved", fourOfFive()) },
  ]);
  const many = (n: number, status: RequestStatus) =>
    Array.from({ length: n }, (_, i) => maximal(status, { id: 999_000 + i }));
  out.push([
    "status list",
    RESPONSE_URL,
    { response_type: "ephemeral", ...requestList(many(10, "created"), 99, () => TENANT) },
  ]);
  out.push([
    "App Home",
    "views.publish",
    {
      user_id: "U0APPROVE1",
      view: homeView({
        mine: many(HOME_PAGE_SIZE, "pending"),
        mineTotal: 500,
        hasNewer: true,
        hasOlder: true,
        cursor: { before: 999_999 },
        waiting: {
          requests: many(HOME_WAITING_SIZE, "pending").map((r) => ({ ...r, ...fourOfFive(), id: r.id })),
          total: 300,
        },
        approvalChannelId: "C0APPROVALS",
        tenantLabel: () => TENANT,
        notice: refusalText("already_decided", maximal("denied")),
      }),
    },
  ]);
  out.push(["deny modal", "views.open", { trigger_id: "T", view: denyModal(maximal("pending")) }]);
  for (const s of STATUSES) {
    out.push([`full request, ${s}`, "views.open", { trigger_id: "T", view: fullRequestModal(maximal(s), TENANT) }]);
  }
  return out;
}

describe("every message and view at the form's maximums", () => {
  slackAcceptsEvery(everySurface, 40);
});

describe("what people typed is inert everywhere", () => {
  typedTextInertInEvery(everySurface);
});

/** Everything the Identity API body carries, as people read it. */
function sentValues(r: Request, tenantLabel: string): string[] {
  const body = toIdentityBody(r);
  return [
    body.Name,
    body.Id,
    tenantLabel,
    describeLifetime(body.AccessTokenLifetime),
    ...body.RedirectUris,
    ...body.PostLogoutRedirectUris,
    ...body.AllowedCorsOrigins,
  ];
}

describe("what approvers see is what Approve creates", () => {
  const r = maximal("pending");

  it("the approval message carries Approve next to View full request, which shows every value sent, whole", () => {
    const message = approvalMessage(r, TENANT);
    expect(JSON.stringify(message.blocks)).toContain('"action_id":"approve_request"');
    expect(viewButtonValue(message.blocks)).toBe(String(r.id));
    const seen = [...textObjects(message.blocks), ...textObjects(fullRequestModal(r, TENANT).blocks)];
    const missing = sentValues(r, TENANT).filter((v) => !shownWhole(seen, v));
    expect(missing).toEqual([]);
  });

  it("the full view alone shows every value sent, whole, in the order of the form", () => {
    const seen = textObjects(fullRequestModal(r, TENANT).blocks);
    expect(sentValues(r, TENANT).filter((v) => !shownWhole(seen, v))).toEqual([]);
    const all = seen.map((t) => t.text).join("\n");
    const at = (v: string) => all.indexOf(v);
    expect(at(r.redirectUris[9] ?? "")).toBeLessThan(at(r.postLogoutRedirectUris[0] ?? ""));
    expect(at(r.postLogoutRedirectUris[9] ?? "")).toBeLessThan(at(r.allowedCorsOrigins[0] ?? ""));
    expect(all).toContain("Also sent: enabled yes · offline access (refresh tokens) no");
  });

  it("a message that leaves something out says so, and says where the rest is", () => {
    const text = textObjects(approvalMessage(r, TENANT).blocks)
      .map((t) => t.text)
      .join("\n");
    expect(text).toContain("6 more URLs not shown here: “View full request” shows all 10 in full.");
    expect(text).toMatch(/\d more origins? not shown here: “View full request” shows all 10 in full\./);
    expect(text).toContain("(Shortened here: “View full request” shows all of it.)");
  });

  it("a request that fits is shown whole on the message itself, with no note of anything left out", () => {
    const small = maximalRequest({
      name: "Plant dashboard & co",
      redirectUris: ["https://dashboard.example.com/callback?a=1&b=2"],
      postLogoutRedirectUris: ["https://dashboard.example.com/"],
      allowedCorsOrigins: ["https://dashboard.example.com"],
      justification: "Needed for the new site.",
    });
    const seen = textObjects(approvalMessage(small, TENANT).blocks);
    expect(sentValues(small, TENANT).filter((v) => !shownWhole(seen, v) && v !== small.clientGuid)).toEqual([]);
    expect(seen.map((t) => t.text).join("\n")).not.toMatch(/not shown here|Shortened here/);
  });

  it("every App Home entry waiting for a decision carries View full request next to Approve", () => {
    const waiting = [maximal("pending", { id: 7 }), maximal("pending", { id: 8 })];
    const view = homeView({
      mine: [],
      mineTotal: 0,
      hasNewer: false,
      hasOlder: false,
      cursor: {},
      waiting: { requests: waiting, total: 2 },
      approvalChannelId: "C0APPROVALS",
      tenantLabel: () => TENANT,
    });
    const decisions = view.blocks.filter((b) => b.type === "actions" && b.block_id?.startsWith("decision:"));
    expect(decisions.map((b) => viewButtonValue([b]))).toEqual(["7", "8"]);
    const text = textObjects(view.blocks)
      .map((t) => t.text)
      .join("\n");
    expect(text).toContain("Redirect URLs (10):");
    expect(text).toContain("Logout redirect URLs (10):");
    expect(text).toContain("CORS origins (10):");
    expect(text).toContain("(Shortened here: “View full request” shows all of it.)");
  });

  it("the approval message and the full view flag every risk hint, each bounded", () => {
    const r = everyHint();
    for (const blocks of [approvalMessage(r, TENANT).blocks, fullRequestModal(r, TENANT).blocks]) {
      const text = textObjects(blocks)
        .map((t) => t.text)
        .join("\n");
      expect(text).toContain("Worth a second look");
      expect(text).toContain("Another client in this tenant already has this name (client Id <!channel>");
      expect(text).toContain("Plain http loopback URLs in a tenant that needs 5 approvals: http://localhost:65535/");
      expect(text).toContain("and 7 more.");
      expect(text).toContain("Redirect hosts and CORS origins differ: CORS origins on ");
      expect(text).toContain("Token lifetime of 60 s, under 5 minutes.");
      expect(text).toContain("10 redirect URLs (more than 5).");
    }
    expect(blockTextLength(approvalMessage(r, TENANT).blocks)).toBeLessThanOrEqual(MESSAGE_TEXT_BUDGET);
  });

  it("the Approve confirmation names the whole client and the tenant within 300 characters", () => {
    const label = `${"very-long-tenant-name-".repeat(8)} (uswe.datahub.connect.aveva.com)`;
    const text = confirmText(r, label);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toContain(`Create the client “${r.name}” in very-long-tenant-name-`);
    expect(text).toContain("now, with 10 redirect URLs, 10 logout URLs and 10 CORS origins?");
    expect(text).not.toMatch(/\p{Cs}/u);
    expect(confirmText(r, undefined)).toMatch(/^Create the client “.*” now, with 10 redirect URLs/);
    // Five approvals needed, none in yet: the longest wording, the name still whole.
    const counted = confirmText({ ...r, requiredApprovals: 5 }, label);
    expect(counted.length).toBeLessThanOrEqual(300);
    expect(counted).toContain(`Approve the client “${r.name}” in very-long-tenant-name-`);
    expect(counted).toContain("Approval 1 of 5: created at the 5th.");
  });
});
