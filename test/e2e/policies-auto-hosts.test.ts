import { describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, type Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import type { FormValues } from "../../devkit/slackRequests.ts";
import { harnessPerTest } from "../support/harnessPerTest.ts";
import { actionIdsIn, threadReplies, WAIT_MS } from "./lifecycle-support.ts";

/** AUTO_APPROVE_LOOPBACK_ONLY and ALLOWED_REDIRECT_HOSTS, end to end. */

const start = harnessPerTest();

const LOOPBACK_ONLY: FormValues = {
  ...VALID_FORM,
  name: "Local development",
  redirectUris: "http://localhost:5173/callback\nhttp://127.0.0.1:5173/callback",
  postLogoutRedirectUris: "http://[::1]:5173/",
  allowedCorsOrigins: "http://localhost:5173",
};

const errorsOf = (answer: { json: unknown }) => (answer.json as { errors?: Record<string, string> }).errors ?? {};

/** Submits and returns the request recorded for it, without waiting for an approval post. */
async function submit(h: Harness, values: FormValues) {
  const answer = await h.submitForm(REQUESTER, values);
  expect(answer.status).toBe(200);
  expect(answer.text).toBe("");
  const request = await h.latestRequestOf(REQUESTER);
  if (!request) throw new Error("nothing recorded");
  return request;
}

describe("approval by policy (AUTO_APPROVE_LOOPBACK_ONLY)", () => {
  it("creates a loopback-only client without a click, and still tells the approval channel, without buttons", async () => {
    const h = await start({ env: { AUTO_APPROVE_LOOPBACK_ONLY: "true" } });
    const request = await submit(h, LOOPBACK_ONLY);
    const created = await h.waitForStatus(request.id, "created", WAIT_MS);
    expect(created).toMatchObject({ decidedBy: "policy", decisionReason: "only loopback URLs", approvedBy: [] });
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);

    // The approvers see it: a post without buttons, approved by policy, and the outcome in its thread.
    const [post] = h.approvalPosts();
    expect(post).toBeDefined();
    // No decision to take: only the full request, one click away.
    expect(actionIdsIn(post?.args.blocks)).toEqual(["view_request"]);
    expect(textOf(post?.args ?? {})).toContain("Approved by policy: only loopback URLs");
    const ts = created.approvalMessageTs as string;
    const reply = await h.slack.waitFor(
      () => threadReplies(h, ts).find((c) => textOf(c.args).includes("client created")),
      WAIT_MS,
      "the outcome in the thread",
    );
    expect(textOf(reply.args)).toContain("Approved by policy: only loopback URLs");
    const dm = await h.slack.waitFor(() => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("is ready")));
    expect(textOf(dm.args)).toContain("approved by policy: only loopback URLs");
    expect(textOf(dm.args)).not.toContain("<@policy>");

    const trail = (await h.store.reads.auditOf(request.id)).map((e) => [e.actor, e.fromStatus, e.toStatus, e.detail]);
    expect(trail.slice(0, 3)).toEqual([
      [REQUESTER.id, null, "pending", null],
      ["policy", "pending", "approved", "only loopback URLs"],
      ["policy", "approved", "creating", "calling the Identity API"],
    ]);
    // Nothing waits for a decision: no reminder is due.
    expect(created.nextReminderAt).toBeNull();
  });

  it("a request that just misses the rule (one https CORS origin) waits for an approver as usual", async () => {
    const h = await start({ env: { AUTO_APPROVE_LOOPBACK_ONLY: "true" } });
    const { id, ts } = await h.submitValid(REQUESTER, {
      ...LOOPBACK_ONLY,
      allowedCorsOrigins: "https://app.example.com",
    });
    const request = await h.request(id);
    expect(request).toMatchObject({ status: "pending", decidedBy: null });
    expect(actionIdsIn(h.approvalPosts().at(-1)?.args.blocks)).toEqual([
      "view_request",
      "approve_request",
      "deny_request",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
    await h.click(APPROVER, "approve_request", id, ts);
    await h.waitForStatus(id, "created", WAIT_MS);
  });

  it("is off by default: a loopback-only request waits for an approver", async () => {
    const h = await start();
    const { id } = await h.submitValid(REQUESTER, LOOPBACK_ONLY);
    expect((await h.request(id))?.status).toBe("pending");
  });

  it("posts the request later when the approval channel refused it, and creates the client meanwhile", async () => {
    const h = await start({ env: { AUTO_APPROVE_LOOPBACK_ONLY: "true" }, app: { approvalPostRetryMs: 150 } });
    h.slack.fail("chat.postMessage", "channel_not_found", { channel: APPROVAL_CHANNEL, times: 1 });
    const request = await submit(h, LOOPBACK_ONLY);
    await h.waitForStatus(request.id, "created", WAIT_MS);
    // The stand-in records the refused post too: the second one is the one that reached the channel.
    const post = await h.slack.waitFor(() => h.approvalPosts()[1], WAIT_MS, "the late approval post");
    await h.slack.waitFor(async () => (await h.request(request.id))?.approvalMessageTs, WAIT_MS, "its ts");
    expect(textOf(post.args)).toContain("Approved by policy: only loopback URLs");
    expect(actionIdsIn(post.args.blocks)).toEqual(["view_request"]);
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
  });
});

describe("allowed hosts (ALLOWED_REDIRECT_HOSTS)", () => {
  it("refuses URLs off the allowed hosts inline, naming them, and records nothing", async () => {
    const h = await start({ env: { ALLOWED_REDIRECT_HOSTS: "*.example.com,partner.org" } });
    const answer = await h.submitForm(REQUESTER, {
      ...VALID_FORM,
      redirectUris: "https://dashboard.example.com/callback\nhttps://example.com/callback",
      postLogoutRedirectUris: "https://sub.partner.org/",
      allowedCorsOrigins: "https://dashboard.example.com.evil.net",
    });
    expect(answer.json).toMatchObject({ response_action: "errors" });
    const errors = errorsOf(answer);
    expect(errors.redirectUris).toBe(
      "https://example.com/callback is not on an allowed host: allowed hosts are *.example.com and partner.org, and loopback hosts (localhost, 127.0.0.1, [::1]).",
    );
    expect(errors.postLogoutRedirectUris).toContain("https://sub.partner.org/ is not on an allowed host");
    expect(errors.allowedCorsOrigins).toContain("https://dashboard.example.com.evil.net is not on an allowed host");
    expect(errors.name).toBeUndefined();
    expect(await h.store.reads.countByRequester(REQUESTER.id)).toBe(0);
    expect(h.approvalPosts()).toHaveLength(0);
  });

  it("accepts subdomains of a *. rule, exact hosts and loopback hosts", async () => {
    const h = await start({ env: { ALLOWED_REDIRECT_HOSTS: "*.example.com,partner.org" } });
    const { id } = await h.submitValid(REQUESTER, {
      ...VALID_FORM,
      redirectUris: "https://a.b.example.com/callback\nhttp://localhost:5173/callback\nhttp://[::1]:8080/cb",
      postLogoutRedirectUris: "https://partner.org/bye",
      allowedCorsOrigins: "https://dashboard.example.com\nhttp://127.0.0.1:5173",
    });
    expect((await h.request(id))?.status).toBe("pending");
  });

  it("are unrestricted when unset", async () => {
    const h = await start();
    const { id } = await h.submitValid(REQUESTER, { ...VALID_FORM, redirectUris: "https://anything.net/callback" });
    expect((await h.request(id))?.status).toBe("pending");
  });
});
