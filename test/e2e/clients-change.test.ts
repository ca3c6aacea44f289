import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, APPROVER_2, Harness, REQUESTER, textOf } from "../../devkit/harness.ts";
import type { FormValues } from "../../devkit/slackRequests.ts";
import {
  approvalMessageOf,
  clickClient,
  createdClient,
  postedRequestOf,
  submitChange,
  viewOf,
  viewText,
} from "./clients-slack-support.ts";
import { WAIT_MS } from "./lifecycle-support.ts";

/** VALID_FORM's client, changed: the loopback redirect URL removed, one added, the lifetime halved. */
const CHANGED: FormValues = {
  name: "Plant dashboard",
  redirectUris: "https://dashboard.example.com/callback\nhttps://new.example.com/callback",
  postLogoutRedirectUris: "https://dashboard.example.com/",
  allowedCorsOrigins: "https://dashboard.example.com",
  accessTokenLifetime: "900",
  justification: "The new site signs in through its own host; the local one is no longer used.",
};

describe("changing a client through the same review", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "20" } });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** The reply the `clients` command sent to its response_url. */
  async function clientsReply(count: number) {
    const posts = await h.slack.waitFor(
      () => (h.slack.responses.length >= count ? h.slack.responses : undefined),
      WAIT_MS,
      "the clients reply",
    );
    return posts[count - 1]?.body ?? {};
  }

  it("lists the requester's clients as the tenant has them, and pre-fills the change form from it", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await h.command(REQUESTER, "clients");
    const reply = await clientsReply(1);
    expect(reply.response_type).toBe("ephemeral");
    const text = textOf(reply);
    expect(text).toContain(
      `*Plant dashboard* · client Id \`${clientId}\` · :large_green_circle: enabled · from request #${createdBy}`,
    );
    expect(text).toContain("Redirect URLs (2): https://dashboard.example.com/callback, http://localhost:5173/callback");
    expect(text).toContain("Token lifetime: 1800 s (30 minutes)");
    expect(JSON.stringify(reply.blocks)).toContain(`"action_id":"client_change","value":"${createdBy}"`);

    await clickClient(h, REQUESTER, "client_change", createdBy);
    const update = await h.slack.waitFor(() => h.slack.callsOf("views.update")[0], WAIT_MS, "the change form");
    expect(viewOf(h.slack.callsOf("views.open")[0]).blocks).toHaveLength(1);
    const form = viewOf(update);
    expect(form.callback_id).toBe("client_change_form");
    expect(JSON.parse(form.private_metadata ?? "")).toEqual({
      kind: "change",
      tenant: "default",
      clientId,
      channelId: "C0ORIGIN",
    });
    const initial = JSON.stringify(form.blocks);
    expect(initial).toContain(
      '"initial_value":"https://dashboard.example.com/callback\\nhttp://localhost:5173/callback"',
    );
    expect(initial).toContain('"initial_value":"1800"');
    expect(initial).not.toContain('"block_id":"tenant"');
  });

  it("approved: the approvers read the diff, exactly the documented PUT is sent, the requester is told", async () => {
    const { createdBy, clientId } = await createdClient(h);
    const answer = await submitChange(h, REQUESTER, clientId, CHANGED);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
    const { request, ts } = await postedRequestOf(h, REQUESTER, createdBy);
    expect(request).toMatchObject({ kind: "change", targetClientId: clientId, status: "pending" });

    const post = h.approvalPosts().at(-1);
    const text = textOf(post?.args ?? {});
    expect(text).toContain(`Request #${request.id} · Change: Plant dashboard`);
    expect(text).toContain("*Allowed redirect URLs*: 1 removed (−), 1 added (+)");
    expect(text).toContain("− http://localhost:5173/callback\n+ https://new.example.com/callback");
    expect(text).toContain("*Token lifetime*: 1800 s (30 minutes) → 900 s (15 minutes)");
    expect(text).toContain("Unchanged: name, logout redirect URLs, CORS origins, enabled.");

    await h.click(APPROVER, "approve_request", request.id, ts);
    await h.waitForStatus(request.id, "created", WAIT_MS);
    const puts = h.identity.callsTo("PUT client");
    expect(puts).toHaveLength(1);
    expect(puts[0]?.path).toMatch(new RegExp(`/AuthorizationCodeClients/${clientId}$`));
    expect(puts[0]?.body).toEqual({
      Id: clientId,
      Name: "Plant dashboard",
      RedirectUris: ["https://dashboard.example.com/callback", "https://new.example.com/callback"],
      PostLogoutRedirectUris: ["https://dashboard.example.com/"],
      AllowedCorsOrigins: ["https://dashboard.example.com"],
      AccessTokenLifetime: 900,
      Enabled: true,
    });
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);

    const dm = await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("Your change to the client")),
      WAIT_MS,
      "the requester's DM",
    );
    expect(textOf(dm.args)).toContain("Changes can take up to an hour to take effect.");
    const edited = await h.slack.waitFor(() => {
      const last = approvalMessageOf(h, ts);
      return last && textOf(last.args).includes("change applied") ? last : undefined;
    });
    expect(JSON.stringify(edited.args.blocks)).not.toContain("approve_request");
    expect(
      h.slack
        .callsOf("chat.postMessage")
        .some((c) => c.args.thread_ts === ts && textOf(c.args).includes("change applied")),
    ).toBe(true);
  });

  it("denied: nothing is sent to the tenant, and the requester is told nothing changed", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitChange(h, REQUESTER, clientId, CHANGED);
    const { request } = await postedRequestOf(h, REQUESTER, createdBy);
    await h.submitDenyReason(APPROVER, request.id, "Keep the local URL until the cut-over.");
    await h.waitForStatus(request.id, "denied", WAIT_MS);
    const dm = await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("was denied by")),
      WAIT_MS,
      "the denial DM",
    );
    expect(textOf(dm.args)).toContain("Nothing was changed.");
    expect(h.identity.callsTo("PUT client")).toHaveLength(0);
  });

  it("holds a change to the form's rules and the tenant's hosts, and refuses one that changes nothing", async () => {
    const { createdBy, clientId } = await createdClient(h);
    const bad = await submitChange(h, REQUESTER, clientId, { ...CHANGED, redirectUris: "http://evil.example/cb" });
    expect(bad.json).toMatchObject({ response_action: "errors" });
    expect(Object.keys((bad.json as { errors: object }).errors)).toEqual(["redirectUris"]);
    const same = await submitChange(h, REQUESTER, clientId, {
      ...CHANGED,
      redirectUris: "https://dashboard.example.com/callback\nhttp://localhost:5173/callback",
      accessTokenLifetime: "1800",
    });
    expect(JSON.stringify(same.json)).toContain("These are the client's settings already");
    expect((await h.latestRequestOf(REQUESTER))?.id).toBe(createdBy);
  });

  it("two change requests for one client: the second, approved after the first was applied, shows drift and can be sent back", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitChange(h, REQUESTER, clientId, CHANGED);
    const first = await postedRequestOf(h, REQUESTER, createdBy);
    await submitChange(h, REQUESTER, clientId, {
      ...CHANGED,
      accessTokenLifetime: "1800",
      allowedCorsOrigins: "https://new.example.com",
    });
    const second = await postedRequestOf(h, REQUESTER, first.request.id);

    await h.click(APPROVER, "approve_request", first.request.id, first.ts);
    await h.waitForStatus(first.request.id, "created", WAIT_MS);
    await h.click(APPROVER_2, "approve_request", second.request.id, second.ts);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(APPROVER_2)[0], WAIT_MS, "the drift note");
    expect(note.args.channel).toBe(APPROVAL_CHANNEL);
    const text = textOf(note.args);
    expect(text).toContain(`changed in the tenant since request #${second.request.id} was made`);
    expect(text).toContain("*Token lifetime*: 1800 s (30 minutes) → 900 s (15 minutes)");
    expect(JSON.stringify(note.args.blocks)).toContain('"action_id":"drift_apply_anyway"');
    expect(h.identity.callsTo("PUT client")).toHaveLength(1);
    expect((await h.request(second.request.id))?.status).toBe("pending");

    await h.click(APPROVER_2, "drift_send_back", second.request.id, "1.000777");
    const back = await h.waitForStatus(second.request.id, "denied", WAIT_MS);
    expect(back.decisionReason).toMatch(/^Sent back/);
    const dm = await h.slack.waitFor(
      () => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes("was sent back by")),
      WAIT_MS,
      "the send-back DM",
    );
    expect(textOf(dm.args)).toContain("`/create-auth-client clients` shows the client as it is now");
    await h.slack.waitFor(
      () => h.slack.responses.find((r) => textOf(r.body).includes(`You sent request #${second.request.id} back`)),
      WAIT_MS,
      "the drift note replaced",
    );
    expect(h.identity.callsTo("PUT client")).toHaveLength(1);
    const audit = await h.store.reads.auditOf(second.request.id);
    expect(audit.at(-1)).toMatchObject({ actor: APPROVER_2.id, toStatus: "denied" });
    expect(audit.at(-1)?.detail).toContain("sent back");
  });

  it("View full request shows the whole diff and every setting Approve sends", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitChange(h, REQUESTER, clientId, CHANGED);
    const { request, ts } = await postedRequestOf(h, REQUESTER, createdBy);
    await h.click(APPROVER, "view_request", request.id, ts);
    const open = await h.slack.waitFor(() => h.slack.callsOf("views.open")[0], WAIT_MS, "the full request");
    const text = viewText(open);
    expect(text).toContain("− http://localhost:5173/callback");
    expect(text).toContain("+ https://new.example.com/callback");
    expect(text).toContain("*The client after approval*");
    expect(text).toContain("• https://dashboard.example.com/");
    expect(text).toContain("*Enabled*\nyes");
  });
});
