import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, Harness, OUTSIDER, REQUESTER, textOf } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import {
  clickClient,
  createdClient,
  postedRequestOf,
  submitChange,
  submitClientAction,
  viewText,
} from "./clients-slack-support.ts";
import { buttonValues, clickInHome, openHome, WAIT_MS, waitForHome } from "./lifecycle-support.ts";

const LONGER: Parameters<typeof submitChange>[3] = {
  name: "Plant dashboard",
  redirectUris: "https://dashboard.example.com/callback\nhttp://localhost:5173/callback",
  postLogoutRedirectUris: "https://dashboard.example.com/",
  allowedCorsOrigins: "https://dashboard.example.com",
  accessTokenLifetime: "3600",
  justification: "Sessions of an hour, as the other plant tools have.",
};

describe("drift: the client changed in the tenant since the request", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("shows the approver what changed (as read then → now), counts nothing, and applies anyway on request, recorded", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitChange(h, REQUESTER, clientId, LONGER);
    const { request, ts } = await postedRequestOf(h, REQUESTER, createdBy);
    h.identity.changeInPortal(clientId, {
      AccessTokenLifetime: 600,
      RedirectUris: ["https://dashboard.example.com/callback", "https://portal.example.com/cb"],
    });

    await h.click(APPROVER, "approve_request", request.id, ts);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(APPROVER)[0], WAIT_MS, "the drift note");
    expect(note.args.channel).toBe(APPROVAL_CHANNEL);
    const text = textOf(note.args);
    expect(text).toContain("*What changed in the tenant*");
    expect(text).toContain("− http://localhost:5173/callback\n+ https://portal.example.com/cb");
    expect(text).toContain("*Token lifetime*: 1800 s (30 minutes) → 600 s (10 minutes)");
    // What Apply anyway would do to the client as it is now.
    expect(text).toContain("600 s (10 minutes) → 3600 s (1 hour)");
    expect(h.identity.callsTo("PUT client")).toHaveLength(0);
    const still = await h.request(request.id);
    expect(still).toMatchObject({ status: "pending", approvedBy: [] });

    await h.click(APPROVER, "drift_apply_anyway", request.id, "1.000777");
    const done = await h.waitForStatus(request.id, "created", WAIT_MS);
    expect(done.outcomeNote).toContain("although the client had changed in the tenant");
    expect(
      h.identity.callsTo("PUT client").map((c) => (c.body as { AccessTokenLifetime: number }).AccessTokenLifetime),
    ).toEqual([3600]);
    const replaced = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.body.replace_original === true),
      WAIT_MS,
      "the note replaced",
    );
    expect(textOf(replaced.body)).toContain(`You approved request #${request.id} although its client changed`);
    const audit = await h.store.reads.auditOf(request.id);
    expect(audit.map((e) => e.detail ?? "").join("\n")).toContain("although the client had changed");
  });

  it("from the Home tab, the drift opens as a modal", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitChange(h, REQUESTER, clientId, LONGER);
    const { request } = await postedRequestOf(h, REQUESTER, createdBy);
    h.identity.changeInPortal(clientId, { AccessTokenLifetime: 600 });
    await clickInHome(h, APPROVER, "approve_request", String(request.id));
    const modal = await h.slack.waitFor(
      () => h.slack.callsOf("views.open").find((c) => JSON.stringify(c.args.view).includes("client_drift")),
      WAIT_MS,
      "the drift modal",
    );
    expect(viewText(modal)).toContain("*Token lifetime*: 1800 s (30 minutes) → 600 s (10 minutes)");
    expect((await h.request(request.id))?.status).toBe("pending");
  });
});

describe("who may ask about a client", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  /** `/create-auth-client <text>` as `user`, and the text of its reply (one at a time: replies may overtake each other). */
  async function ask(user: Person, text: string): Promise<string> {
    const before = h.slack.responses.length;
    await h.command(user, text);
    const reply = await h.slack.waitFor(() => h.slack.responses[before], WAIT_MS, `the reply to ${text}`);
    return textOf(reply.body);
  }

  it("refuses anyone but its requester and the approvers, on every click, as if the client did not exist", async () => {
    const { createdBy, clientId } = await createdClient(h);
    const mine = await ask(OUTSIDER, `clients ${createdBy}`);
    const missing = await ask(OUTSIDER, "clients 99999");
    const byId = await ask(OUTSIDER, `clients ${clientId}`);
    const list = await ask(OUTSIDER, "clients");
    expect(mine).toBe(missing);
    expect(byId).toBe(missing);
    expect(mine).toContain("I can't find that client, or it isn't yours to manage");
    expect(list).toContain("You have no clients created through me.");

    for (const action of ["client_change", "client_disable", "client_delete"]) {
      await clickClient(h, OUTSIDER, action, createdBy);
    }
    const updates = await h.slack.waitFor(
      () => (h.slack.callsOf("views.update").length >= 3 ? h.slack.callsOf("views.update") : undefined),
      WAIT_MS,
      "three answers",
    );
    for (const update of updates) expect(viewText(update)).toContain("I can't find that client, or it isn't yours");

    const forged = await submitClientAction(h, OUTSIDER, "delete", clientId);
    expect(JSON.stringify(forged.json)).toContain("I can't find that client, or it isn't yours");
    const forgedChange = await submitChange(h, OUTSIDER, clientId, LONGER);
    expect(JSON.stringify(forgedChange.json)).toContain("I can't find that client, or it isn't yours");
    expect(await h.store.reads.countByRequester(OUTSIDER.id)).toBe(0);
    expect(h.identity.callsTo("PUT client")).toHaveLength(0);
  });

  it("lets an approver look a client up by request number or client Id, and ask for a change", async () => {
    const { createdBy, clientId } = await createdClient(h);
    const byNumber = await ask(APPROVER, `clients #${createdBy}`);
    const byId = await ask(APPROVER, `clients ${clientId}`);
    const nonsense = await ask(APPROVER, "clients <!channel>");
    expect(byNumber).toContain(`client Id \`${clientId}\``);
    expect(byId).toBe(byNumber);
    expect(nonsense).toContain("is neither a request number nor a client Id");
    expect(nonsense).not.toContain("<!channel>");

    await clickClient(h, APPROVER, "client_change", createdBy);
    await h.slack.waitFor(
      () => h.slack.callsOf("views.update").find((c) => JSON.stringify(c.args.view).includes("client_change_form")),
      WAIT_MS,
      "the change form",
    );
    await submitClientAction(h, APPROVER, "disable", clientId);
    const { request } = await postedRequestOf(h, APPROVER, 0);
    expect(request).toMatchObject({ kind: "disable", requesterId: APPROVER.id, targetClientId: clientId });
  });
});

describe("Your clients in App Home", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("shows the requester's clients as read now, with their buttons and the requests open about them", async () => {
    const { createdBy, clientId } = await createdClient(h);
    await submitClientAction(h, REQUESTER, "disable", clientId);
    const { request } = await postedRequestOf(h, REQUESTER, createdBy);
    h.identity.changeInPortal(clientId, { Name: "Plant dashboard (renamed in the portal)" });
    await openHome(h, REQUESTER);
    const home = await waitForHome(h, REQUESTER, (p) => p.text.includes("Your clients"));
    expect(home.text).toContain(`*Plant dashboard (renamed in the portal)* · client Id \`${clientId}\``);
    expect(home.text).toContain(`Open requests about it: #${request.id} disable (pending)`);
    expect(buttonValues(home.blocks, "client_change")).toEqual([String(createdBy)]);
    expect(buttonValues(home.blocks, "client_disable")).toEqual([String(createdBy)]);
    expect(home.text).toContain(`*#${request.id}* Disable: Plant dashboard · waiting for approval`);

    await openHome(h, OUTSIDER);
    const outsider = await waitForHome(h, OUTSIDER);
    expect(outsider.text).toContain("No client created through me is yours yet.");
    expect(buttonValues(outsider.blocks, "client_change")).toEqual([]);
  });
});
