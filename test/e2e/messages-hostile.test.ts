import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, OUTSIDER, REQUESTER } from "../../devkit/harness.ts";
import { IdentityStandIn } from "../../devkit/identityStandIn.ts";
import { HOSTILE, MAXIMAL_FORM } from "../../devkit/maximalRequest.ts";
import { blockTextLength, CHECKED_METHODS } from "../../devkit/slackLimits.ts";
import type { SlackCall } from "../../devkit/slackStandIn.ts";
import type { AuthorizationCodeClientBody } from "../../src/identity/client.ts";
import type { Request } from "../../src/requests/request.ts";
import { MESSAGE_TEXT_BUDGET } from "../../src/slack/surfaces/blocks.ts";
import { describeLifetime } from "../../src/slack/surfaces/format.ts";
import { parsingProblems, shownWhole, type TextObject, textObjects, viewButtonValue } from "../support/slackTexts.ts";
import {
  clickInHome,
  homesOf,
  openHome,
  setRequestTime,
  threadReplies,
  updatesOf,
  WAIT_MS,
} from "./lifecycle-support.ts";

/** An approver's deny reason at the modal's limit: hostile, with `&` and emoji. */
const REASON = `${HOSTILE} ${"&😀".repeat(147)}`;
/** What a misbehaving Identity API answers: long, with markup of its own. */
const API_TEXT = `<!channel> ${"&<>".repeat(700)}`;
const TENANT = "beta";

/**
 * The largest request the form accepts, typed by someone hostile, through every surface of the
 * real app against the Slack stand-in, which refuses what Slack would refuse: every call must be
 * accepted, nothing typed may reach Slack's parser, and approvers see all that Approve creates.
 */
describe("maximal, hostile requests through every surface", () => {
  let h: Harness;
  const tenants: IdentityStandIn[] = [];
  let beta: IdentityStandIn;
  const ids: Record<"approved" | "denied" | "failed" | "cancelled" | "expired", number> = {
    approved: 0,
    denied: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
  };
  const ts: Record<number, string> = {};

  beforeAll(async () => {
    const alpha = new IdentityStandIn();
    beta = new IdentityStandIn();
    beta.tenantId = "9d2f6c1a-3b4e-4f5a-8c7d-6e5f4a3b2c1d";
    tenants.push(alpha, beta);
    const config: Record<string, unknown> = {};
    for (const [name, stand] of [
      ["alpha", alpha],
      [TENANT, beta],
    ] as const) {
      const url = await stand.start();
      config[name] = { url, tenantId: stand.tenantId, clientId: stand.clientId, clientSecret: stand.clientSecret };
    }
    h = await Harness.start({ env: { OCS_TENANTS: JSON.stringify(config), MAX_PENDING_PER_USER: "20" } });
    for (const key of Object.keys(ids) as (keyof typeof ids)[]) {
      const submitted = await h.submitValid(REQUESTER, { ...MAXIMAL_FORM, tenant: TENANT });
      ids[key] = submitted.id;
      ts[submitted.id] = submitted.ts;
    }
  });

  afterAll(async () => {
    await h?.stop();
    for (const t of tenants) await t.stop();
  });

  const approvalPost = (id: number) => {
    const post = h.approvalPosts().find((c) => c.args.text?.toString().startsWith(`Request #${id} `));
    if (!post) throw new Error(`no approval post for #${id}`);
    return post;
  };

  /** Clicks View full request as `who` and returns the modal it opened. */
  async function viewFull(click: () => Promise<unknown>): Promise<SlackCall> {
    const before = h.slack.callsOf("views.open").length;
    await click();
    const [open] = (await h.slack.waitForCalls("views.open", before + 1, () => true, WAIT_MS)).slice(before);
    if (!open) throw new Error("no views.open");
    expect((open.args.view as { callback_id?: string }).callback_id).toBe("full_request");
    return open;
  }

  /** Everything the Identity API body carries, as people read it (the tenant by its label). */
  function sentValues(body: AuthorizationCodeClientBody, tenantLabel: string): string[] {
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

  const tenantLabel = () => `${TENANT} (${new URL(h.config.tenants[1]?.url ?? "").host})`;
  let seenByApprover: TextObject[] = [];

  it("shows approvers, on the message and one click away, every value Approve then sends, whole", async () => {
    const id = ids.approved;
    const post = approvalPost(id);
    expect(viewButtonValue(post.args.blocks)).toBe(String(id));
    const modal = await viewFull(() => h.click(APPROVER, "view_request", id, ts[id]));
    seenByApprover = [...textObjects(post.args.blocks), ...textObjects(modal.args.view)];

    await h.click(APPROVER, "approve_request", id, ts[id]);
    await h.waitForStatus(id, "created", WAIT_MS);
    await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).some((c) => String(c.args.text).includes(" is ready. Client Id:")),
      WAIT_MS,
      "created DM",
    );
    const sent = beta.callsTo("POST clients").at(-1)?.body as AuthorizationCodeClientBody;
    expect(sent.Name).toBe(MAXIMAL_FORM.name);
    expect(sent.RedirectUris).toHaveLength(10);
    expect(sentValues(sent, tenantLabel()).filter((v) => !shownWhole(seenByApprover, v))).toEqual([]);
  });

  it("shows the same from App Home, where Approve is offered too", async () => {
    await openHome(h, APPROVER);
    const home = await h.slack.waitFor(
      () => homesOf(h, APPROVER).find((p) => p.text.includes(`#${ids.denied}`)),
      WAIT_MS,
      "Home with the waiting requests",
    );
    const decision = home.blocks.find((b) => b.type === "actions" && b.block_id === `decision:${ids.denied}`);
    expect(JSON.stringify(decision)).toContain('"action_id":"approve_request"');
    expect(viewButtonValue([decision])).toBe(String(ids.denied));
    const modal = await viewFull(() => clickInHome(h, APPROVER, "view_request", String(ids.denied)));
    const request = (await h.request(ids.denied)) as Request;
    const seen = [...textObjects(home.blocks), ...textObjects(modal.args.view)];
    const body: AuthorizationCodeClientBody = {
      Id: request.clientGuid,
      Name: request.name,
      RedirectUris: request.redirectUris,
      PostLogoutRedirectUris: request.postLogoutRedirectUris,
      AllowedCorsOrigins: request.allowedCorsOrigins,
      AccessTokenLifetime: request.accessTokenLifetime,
      Enabled: true,
      ClientUri: null,
      LogoUri: null,
      Tags: null,
      AllowOfflineAccess: false,
    };
    expect(sentValues(body, tenantLabel()).filter((v) => !shownWhole(seen, v))).toEqual([]);
  });

  it("shows the full request to its requester, and to nobody else but approvers", async () => {
    await viewFull(() => h.click(REQUESTER, "view_request", ids.denied, "1.1", `D${REQUESTER.id}`));
    const opens = h.slack.callsOf("views.open").length;
    const ephemerals = h.ephemeralsTo(OUTSIDER).length;
    await h.click(OUTSIDER, "view_request", ids.denied, ts[ids.denied]);
    const [note] = (
      await h.slack.waitForCalls("chat.postEphemeral", ephemerals + 1, (c) => c.args.user === OUTSIDER.id, WAIT_MS)
    ).slice(ephemerals);
    expect(note?.args.text).toBe(`I can't show request #${ids.denied}: it doesn't exist, or it isn't yours to see.`);
    expect(h.slack.callsOf("views.open")).toHaveLength(opens);
  });

  it("denies through the deny modal with a hostile reason, told in the message, its thread and a DM", async () => {
    const id = ids.denied;
    const opens = h.slack.callsOf("views.open").length;
    await h.click(APPROVER, "deny_request", id, ts[id]);
    const [modal] = (await h.slack.waitForCalls("views.open", opens + 1, () => true, WAIT_MS)).slice(opens);
    expect(modal?.args.view).toMatchObject({ callback_id: "deny_request_reason" });
    expect((await h.submitDenyReason(APPROVER, id, REASON)).text).toBe("");
    await h.waitForStatus(id, "denied", WAIT_MS);
    await h.slack.waitFor(() => threadReplies(h, ts[id] ?? "").length > 0, WAIT_MS, "deny thread reply");
    await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).some((c) => String(c.args.text).endsWith("was denied.")),
      WAIT_MS,
      "denied DM",
    );
    // The reason reaches every reader as the approver typed it, whole.
    const update = updatesOf(h, APPROVAL_CHANNEL, ts[id] ?? "").at(-1);
    expect(shownWhole(textObjects(update?.args.blocks), REASON)).toBe(true);
    expect(shownWhole(textObjects(threadReplies(h, ts[id] ?? "")[0]?.args.blocks), REASON)).toBe(true);
  });

  it("fails a creation with a long, marked-up error, told everywhere with Retry", async () => {
    const id = ids.failed;
    beta.inject({
      route: "POST clients",
      status: 400,
      body: { Error: API_TEXT, Reason: API_TEXT, Resolution: API_TEXT, OperationId: `op-${HOSTILE}` },
    });
    await h.click(APPROVER, "approve_request", id, ts[id]);
    await h.waitForStatus(id, "failed", WAIT_MS);
    await h.slack.waitFor(
      () => updatesOf(h, APPROVAL_CHANNEL, ts[id] ?? "").some((c) => JSON.stringify(c.args).includes("retry_request")),
      WAIT_MS,
      "the message with Retry",
    );
    await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).some((c) => String(c.args.text).startsWith(`Creating the client for request #${id}`)),
      WAIT_MS,
      "failed DM",
    );
  });

  it("cancels from the requester's DM", async () => {
    const id = ids.cancelled;
    const card = await h.slack.waitFor(() => h.store.requests.requesterMessageOf(id), WAIT_MS, "requester DM");
    await h.click(REQUESTER, "cancel_request", id, card.ts, card.channelId);
    await h.waitForStatus(id, "cancelled", WAIT_MS);
    await h.slack.waitFor(() => updatesOf(h, card.channelId, card.ts).length > 0, WAIT_MS, "the DM turned outcome");
  });

  it("reminds, then expires, telling the requester by ephemeral note when their DM fails", async () => {
    const id = ids.expired;
    await setRequestTime(h, id, "next_reminder_at", Date.now() - 1000);
    await h.slack.waitFor(
      () => threadReplies(h, ts[id] ?? "").some((c) => String(c.args.text).includes("Reminder")),
      WAIT_MS,
      "reminder",
    );
    h.slack.fail("chat.postMessage", "cannot_dm_bot", { channel: REQUESTER.id });
    await setRequestTime(h, id, "expires_at", Date.now() - 1000);
    await h.waitForStatus(id, "expired", WAIT_MS);
    const note = await h.slack.waitFor(
      () => h.ephemeralsTo(REQUESTER).find((c) => String(c.args.text).includes("expired")),
      WAIT_MS,
      "expiry ephemeral",
    );
    expect(String(note.args.text)).toMatch(/^Request #\d+ \(&lt;!channel&gt; &lt;@U0VICTIM&gt;/);
  });

  it("answers status, as a list and in detail, through the response_url", async () => {
    /** The reply to one command, through its response_url (each awaited: replies may overtake one another). */
    const reply = async (text: string) => {
      const before = h.slack.responses.length;
      await h.command(REQUESTER, text);
      await h.slack.waitFor(() => h.slack.responses.length > before, WAIT_MS, `the reply to ${text}`);
      return h.slack.responses[before]?.body;
    };
    const list = await reply("status");
    const detail = await reply(`status ${ids.failed}`);
    const nonsense = await reply("status <!channel>&&&😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀");
    expect(JSON.stringify(list)).toContain(`*#${ids.failed}*`);
    expect(viewButtonValue(detail?.blocks)).toBe(String(ids.failed));
    expect(String(nonsense?.text)).toMatch(/^`&lt;!channel&gt;&amp;&amp;&amp;😀+…` is not a request number/u);
    const unknown = await h.command(REQUESTER, `${HOSTILE.replace(/ /g, "")}😀😀😀😀😀`);
    expect((unknown.json as { text?: string }).text).toMatch(
      /^I don't know `&lt;!channel&gt;&lt;@U0VICTIM&gt;&lt;ht…`\. /,
    );
  });

  it("made every call Slack accepts, parsing nothing anyone typed, each message within the budget", () => {
    expect(h.slack.refused).toEqual([]);
    const checked = h.slack.calls.filter((c) => CHECKED_METHODS.includes(c.method));
    const payloads = [...checked.map((c) => c.args), ...h.slack.responses.map((r) => r.body)];
    // Every kind of surface was sent at least once.
    const count = (method: string) => checked.filter((c) => c.method === method).length;
    expect(count("chat.postMessage")).toBeGreaterThanOrEqual(15);
    expect(count("chat.update")).toBeGreaterThanOrEqual(10);
    expect(count("chat.postEphemeral")).toBeGreaterThanOrEqual(2);
    expect(count("views.open")).toBeGreaterThanOrEqual(4);
    expect(count("views.publish")).toBeGreaterThanOrEqual(1);
    expect(h.slack.responses.length).toBeGreaterThanOrEqual(3);

    expect(payloads.flatMap((args) => parsingProblems(args))).toEqual([]);
    const messages = [...checked.filter((c) => c.method.startsWith("chat.")).map((c) => c.args)];
    const largest = Math.max(...messages.map((args) => blockTextLength(args.blocks)));
    expect(largest).toBeGreaterThan(4000);
    expect(largest).toBeLessThanOrEqual(MESSAGE_TEXT_BUDGET);
  });
});
