import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, Harness, OUTSIDER, REQUESTER } from "../../devkit/harness.ts";
import { isSentBack, SENT_BACK_REASON } from "../../src/requests/clientRequests.ts";
import { ask, asked, CREATED_SETTINGS, changeForm, createdClient, decided, WAIT_MS } from "./clients-support.ts";

/**
 * A client's life after its creation, through the domain as the Slack side calls it, on the real
 * app, its database and the Identity API stand-in: who may ask, what is recorded, drift, applying.
 */
describe("after the client exists: asking about it", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("lists the requester's clients, read live, with the requests open about them", async () => {
    const { origin, clientId } = await createdClient(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 900 }) });

    const [entry, ...more] = await h.service.clientsOf(REQUESTER.id, 10);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ clientId, tenant: "default", live: CREATED_SETTINGS });
    expect(entry?.createdBy.id).toBe(origin.id);
    expect(entry?.open.map((r) => r.id)).toEqual([change.id]);
    // Only the clients one asked for, approver or not.
    expect(await h.service.clientsOf(APPROVER.id, 10)).toEqual([]);
    expect(await h.service.clientsOf(OUTSIDER.id, 10)).toEqual([]);
  });

  it("shows a client gone from the tenant as gone, and one that cannot be read as unreadable, without failing", async () => {
    const first = await createdClient(h);
    const second = await createdClient(h);
    h.identity.deleteInPortal(first.clientId);
    h.identity.inject({ route: "GET client", status: 500, body: { Error: "Down." } });
    const entries = await h.service.clientsOf(REQUESTER.id, 10);
    expect(entries.map((e) => e.clientId)).toEqual([second.clientId, first.clientId]);
    expect(new Set(entries.map((e) => e.live))).toEqual(new Set(["gone", "unreadable"]));
  });

  it("looks a client up by request number or client Id, for its requester and its tenant's approvers only", async () => {
    const { origin, clientId } = await createdClient(h);
    const change = await asked(h, "disable", clientId);
    for (const query of [String(origin.id), `#${origin.id}`, ` ${clientId.toUpperCase()} `, `#${change.id}`]) {
      const found = await h.service.lookUpClient(query, REQUESTER.id);
      expect(found.ok && found.entry.clientId, query).toBe(clientId);
    }
    const asApprover = await h.service.lookUpClient(clientId, APPROVER.id);
    expect(asApprover.ok && asApprover.entry.live).toEqual(CREATED_SETTINGS);
    // Anyone else, a number that is no client, and an unknown Id: the same refusal.
    for (const [query, who] of [
      [clientId, OUTSIDER.id],
      [String(origin.id), OUTSIDER.id],
      ["#999", REQUESTER.id],
      ["not-a-client", REQUESTER.id],
      ["", REQUESTER.id],
    ] as const) {
      expect(await h.service.lookUpClient(query, who)).toEqual({ ok: false, refusal: "not_found" });
    }
    // A pending creation has no client yet.
    const { id: pendingId } = await h.submitValid();
    expect(await h.service.lookUpClient(String(pendingId), REQUESTER.id)).toEqual({ ok: false, refusal: "not_found" });
  });

  it("reads the client for a request only for those who may ask, and only while it can be read", async () => {
    const { clientId } = await createdClient(h);
    const read = await h.service.clientForRequest("default", clientId, APPROVER.id);
    expect(read.ok && read.entry.live).toEqual(CREATED_SETTINGS);
    expect(await h.service.clientForRequest("default", clientId, OUTSIDER.id)).toEqual({
      ok: false,
      refusal: "not_found",
    });
    expect(await h.service.clientForRequest("other", clientId, REQUESTER.id)).toEqual({
      ok: false,
      refusal: "not_found",
    });
    h.identity.inject({ route: "GET client", status: 500, body: { Error: "Down." } });
    expect(await h.service.clientForRequest("default", clientId, REQUESTER.id)).toEqual({
      ok: false,
      refusal: "unreadable",
    });
    h.identity.deleteInPortal(clientId);
    expect(await h.service.clientForRequest("default", clientId, REQUESTER.id)).toEqual({
      ok: false,
      refusal: "gone",
    });
  });

  it("records a change with the client as read now as its baseline, the settings asked for in the form", async () => {
    const { clientId } = await createdClient(h);
    const form = changeForm({ redirectUris: ["https://dashboard.example.com/cb2"], tenant: "ignored" });
    const change = await asked(h, "change", clientId, { form, justification: "New callback." });
    expect(change).toMatchObject({
      kind: "change",
      targetClientId: clientId,
      baseline: CREATED_SETTINGS,
      status: "pending",
      tenant: "default",
      redirectUris: ["https://dashboard.example.com/cb2"],
      justification: "New callback.",
      createdClientId: null,
      requiredApprovals: 1,
    });
    const [first] = await h.store.reads.auditOf(change.id);
    expect(first).toMatchObject({ actor: REQUESTER.id, toStatus: "pending", detail: `change client ${clientId}` });
  });

  it("records a disable, enable or delete with the client's settings copied; refuses what changes nothing", async () => {
    const { clientId } = await createdClient(h);
    expect(await ask(h, "change", clientId, { form: changeForm() })).toEqual({ kind: "no_change" });
    // URLs in another order are the same URLs.
    const reordered = changeForm({ redirectUris: [...CREATED_SETTINGS.redirectUris].reverse() });
    expect(await ask(h, "change", clientId, { form: reordered })).toEqual({ kind: "no_change" });
    expect(await ask(h, "enable", clientId)).toEqual({ kind: "no_change" });
    const disable = await asked(h, "disable", clientId);
    expect(disable).toMatchObject({
      kind: "disable",
      name: CREATED_SETTINGS.name,
      redirectUris: CREATED_SETTINGS.redirectUris,
      accessTokenLifetime: CREATED_SETTINGS.accessTokenLifetime,
      justification: "Please disable it.",
    });
    expect((await asked(h, "delete", clientId)).kind).toBe("delete");
    // An approver of the tenant may ask too; anyone else is told the client does not exist.
    expect((await ask(h, "delete", clientId, { requester: APPROVER })).kind).toBe("recorded");
    expect(await ask(h, "delete", clientId, { requester: OUTSIDER })).toEqual({
      kind: "client_refused",
      refusal: "not_found",
    });
    h.identity.deleteInPortal(clientId);
    expect(await ask(h, "disable", clientId)).toEqual({ kind: "client_refused", refusal: "gone" });
  });

  it("counts requests about clients against the pending limit", async () => {
    const { clientId } = await createdClient(h);
    for (let i = 0; i < 5; i++) await asked(h, "delete", clientId);
    expect(await ask(h, "delete", clientId)).toEqual({ kind: "limit", pending: 5, max: 5 });
  });
});

describe("after the client exists: approving and applying", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("applies a change with one PUT of every managed setting, keeping the client enabled", async () => {
    const { clientId } = await createdClient(h);
    const form = changeForm({ redirectUris: ["https://dashboard.example.com/cb2"], postLogoutRedirectUris: [] });
    const change = await asked(h, "change", clientId, { form });
    decided(await h.service.approve(change.id, APPROVER.id));
    const applied = await h.waitForStatus(change.id, "created", WAIT_MS);
    expect(applied).toMatchObject({ createdClientId: clientId, outcomeNote: null, lastError: null });
    expect(h.identity.callsTo("PUT client").map((c) => c.body)).toEqual([
      {
        Id: clientId,
        Name: "Plant dashboard",
        RedirectUris: ["https://dashboard.example.com/cb2"],
        PostLogoutRedirectUris: [],
        AllowedCorsOrigins: ["https://dashboard.example.com"],
        AccessTokenLifetime: 1800,
        Enabled: true,
      },
    ]);
    expect(h.identity.client(clientId)).toMatchObject({ RedirectUris: ["https://dashboard.example.com/cb2"] });
    expect((await h.store.reads.auditOf(change.id)).at(-1)?.detail).toBe(`client ${clientId} changed`);
    // No POST beyond the creation's.
    expect(h.identity.callsTo("POST clients")).toHaveLength(1);
  });

  it("disables and enables a client", async () => {
    const { clientId } = await createdClient(h);
    const disable = await asked(h, "disable", clientId);
    decided(await h.service.approve(disable.id, APPROVER.id));
    await h.waitForStatus(disable.id, "created", WAIT_MS);
    expect(h.identity.client(clientId)?.Enabled).toBe(false);
    expect(await ask(h, "disable", clientId)).toEqual({ kind: "no_change" });
    const enable = await asked(h, "enable", clientId);
    decided(await h.service.approve(enable.id, APPROVER.id));
    await h.waitForStatus(enable.id, "created", WAIT_MS);
    expect(h.identity.client(clientId)).toMatchObject({ Enabled: true, Name: "Plant dashboard" });
  });

  it("deletes a client; the requester's listing no longer shows it", async () => {
    const { clientId } = await createdClient(h);
    const del = await asked(h, "delete", clientId);
    // Without the client's name typed, or with another, nothing is counted and the tenant is not read.
    const reads = h.identity.callsTo("GET client").length;
    for (const confirmedName of [undefined, "plant dashboard", "Plant dashboards"]) {
      expect(await h.service.approve(del.id, APPROVER.id, { confirmedName })).toMatchObject({
        ok: false,
        refusal: "name_unconfirmed",
        request: { id: del.id, status: "pending", approvedBy: [] },
      });
    }
    expect(h.identity.callsTo("GET client")).toHaveLength(reads);
    expect(await h.service.approve(del.id, OUTSIDER.id, { confirmedName: "Plant dashboard" })).toMatchObject({
      ok: false,
      refusal: "not_approver",
    });
    decided(await h.service.approve(del.id, APPROVER.id, { confirmedName: " Plant dashboard " }));
    const done = await h.waitForStatus(del.id, "created", WAIT_MS);
    expect(done).toMatchObject({ createdClientId: clientId, outcomeNote: null });
    expect(h.identity.client(clientId)).toBeUndefined();
    expect(h.identity.callsTo("DELETE client")).toHaveLength(1);
    expect(await h.service.clientsOf(REQUESTER.id, 10)).toEqual([]);
  });

  it("checks for drift at the last approval only, with several approvals needed", async () => {
    await h.stop();
    h = await Harness.start({ env: { REQUIRED_APPROVALS: "2" } });
    const { clientId } = await createdClientWithTwo(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 600 }) });
    h.identity.changeInPortal(clientId, { Name: "Renamed in the portal" });
    // The first approval counts without reading the client.
    const reads = h.identity.callsTo("GET client").length;
    expect(decided(await h.service.approve(change.id, APPROVER.id)).approvedBy).toEqual([APPROVER.id]);
    expect(h.identity.callsTo("GET client")).toHaveLength(reads);
    const refused = await h.service.approve(change.id, APPROVER_2.id);
    expect(refused.ok === false && refused.refusal).toBe("drift");
    expect((await h.request(change.id))?.approvedBy).toEqual([APPROVER.id]);
  });
});

/** With two approvals needed: the client created by both approvers. */
async function createdClientWithTwo(h: Harness) {
  const { id, ts } = await h.submitValid();
  await h.click(APPROVER, "approve_request", id, ts);
  await h.click(APPROVER_2, "approve_request", id, ts);
  const origin = await h.waitForStatus(id, "created", WAIT_MS);
  await h.nameCheckDone(id);
  return { origin, clientId: origin.createdClientId as string };
}

describe("after the client exists: drift", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("refuses an approval when the client changed in the tenant since the request, counting nothing", async () => {
    const { clientId } = await createdClient(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 600 }) });
    h.identity.changeInPortal(clientId, { RedirectUris: ["https://portal.example.com/cb"], Enabled: false });
    const refused = await h.service.approve(change.id, APPROVER.id);
    if (refused.ok || refused.refusal !== "drift") throw new Error(`expected drift, got ${JSON.stringify(refused)}`);
    expect(refused.drift).toEqual({
      live: {
        ...CREATED_SETTINGS,
        redirectUris: ["https://portal.example.com/cb"],
        enabled: false,
      },
      changes: {
        redirectUris: {
          added: ["https://portal.example.com/cb"],
          removed: CREATED_SETTINGS.redirectUris,
        },
        enabled: { from: true, to: false },
      },
    });
    expect(await h.request(change.id)).toMatchObject({ status: "pending", approvedBy: [] });
    expect(h.identity.callsTo("PUT client")).toHaveLength(0);
  });

  it("applies despite drift when the approver says so, and records it", async () => {
    const { clientId } = await createdClient(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 600 }) });
    h.identity.changeInPortal(clientId, { Name: "Renamed" });
    decided(await h.service.approve(change.id, APPROVER.id, { despiteDrift: true }));
    const applied = await h.waitForStatus(change.id, "created", WAIT_MS);
    const note = `applied although the client had changed in the tenant since the request (approved by <@${APPROVER.id}>; changed: name)`;
    expect(applied.outcomeNote).toBe(note);
    const audit = await h.store.reads.auditOf(change.id);
    expect(audit.find((e) => e.toStatus === "approved")?.detail).toBe(`approval 1 of 1; ${note}`);
    // The request's settings are what is applied: the name as it was when asked.
    expect(h.identity.client(clientId)).toMatchObject({ Name: "Plant dashboard", AccessTokenLifetime: 600 });
  });

  it("sends a request back: denied with the reason, the requester told", async () => {
    const { clientId } = await createdClient(h);
    const change = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 600 }) });
    h.identity.changeInPortal(clientId, { AccessTokenLifetime: 300 });
    expect(await h.service.sendBack(change.id, REQUESTER.id)).toMatchObject({ ok: false, refusal: "not_approver" });
    const dmsBefore = h.dmsTo(REQUESTER).length;
    expect(await h.service.sendBack(change.id, OUTSIDER.id)).toEqual({ ok: false, refusal: "not_approver" });
    const sent = decided(await h.service.sendBack(change.id, APPROVER.id));
    expect(sent).toMatchObject({ status: "denied", decidedBy: APPROVER.id, decisionReason: SENT_BACK_REASON });
    expect(isSentBack(sent)).toBe(true);
    expect((await h.store.reads.auditOf(change.id)).at(-1)?.detail).toBe("sent back after drift");
    await h.slack.waitFor(() => h.dmsTo(REQUESTER).length > dmsBefore, WAIT_MS, "the requester told");
    // A creation is never sent back.
    const { id } = await h.submitValid();
    expect(await h.service.sendBack(id, APPROVER.id)).toEqual({ ok: false, refusal: "not_found" });
  });

  it("of two changes asked from the same settings, the second approved after the first was applied shows drift", async () => {
    const { clientId } = await createdClient(h);
    const first = await asked(h, "change", clientId, { form: changeForm({ accessTokenLifetime: 600 }) });
    const second = await asked(h, "change", clientId, { form: changeForm({ name: "Dashboard" }) });
    decided(await h.service.approve(first.id, APPROVER.id));
    await h.waitForStatus(first.id, "created", WAIT_MS);
    const refused = await h.service.approve(second.id, APPROVER.id);
    expect(refused.ok === false && refused.refusal === "drift" && refused.drift.changes).toEqual({
      accessTokenLifetime: { from: 1800, to: 600 },
    });
    expect(h.identity.client(clientId)).toMatchObject({ Name: "Plant dashboard", AccessTokenLifetime: 600 });
  });

  it("refuses an approval while the client cannot be read, and counts it once it can", async () => {
    const { clientId } = await createdClient(h);
    const disable = await asked(h, "disable", clientId);
    h.identity.inject({ route: "GET client", status: 503, body: { Error: "Busy." } });
    expect(await h.service.approve(disable.id, APPROVER.id)).toMatchObject({ ok: false, refusal: "client_unreadable" });
    expect((await h.request(disable.id))?.approvedBy).toEqual([]);
    decided(await h.service.approve(disable.id, APPROVER.id));
    await h.waitForStatus(disable.id, "created", WAIT_MS);
  });

  it("a delete whose client is already gone: drift, then recorded as applied with a note", async () => {
    const { clientId } = await createdClient(h);
    const del = await asked(h, "delete", clientId);
    h.identity.deleteInPortal(clientId);
    expect(await h.service.approve(del.id, APPROVER.id, { confirmedName: "Plant dashboard" })).toMatchObject({
      ok: false,
      refusal: "drift",
      drift: { live: "gone", changes: {} },
    });
    expect(await h.service.approve(del.id, APPROVER.id, { despiteDrift: true })).toMatchObject({
      refusal: "name_unconfirmed",
    });
    decided(await h.service.approve(del.id, APPROVER.id, { despiteDrift: true, confirmedName: "Plant dashboard" }));
    const done = await h.waitForStatus(del.id, "created", WAIT_MS);
    expect(done.outcomeNote).toBe(
      `approved although the client was no longer in the tenant (approved by <@${APPROVER.id}>); already deleted in the tenant`,
    );
    expect(h.identity.callsTo("DELETE client")).toHaveLength(1);
  });
});
