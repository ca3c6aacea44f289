import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import type { ClientSettings } from "../../src/requests/clients.ts";
import type { ClientAbout, NewRequest, RequestStore } from "../../src/requests/ports.ts";
import type { Request } from "../../src/requests/request.ts";
import { FORM_VALUE, type StoreFixture } from "./requestStoreCases.ts";

/**
 * The store's part in a client's life after its creation (kind, target, baseline, outcome note;
 * finding a client's create request, the clients someone manages, the open requests about a
 * client), run against SQLite (test/unit/clientStore.test.ts) and PostgreSQL
 * (test/db/clientStore.postgres.test.ts).
 */

const BASELINE: ClientSettings = {
  name: "App",
  redirectUris: ["https://app.example.com/cb"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: ["https://app.example.com"],
  accessTokenLifetime: 3600,
  enabled: true,
};

export function clientStoreCases(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let fixture: StoreFixture;
    let db: Database;
    let store: RequestStore;
    let keys = 0;

    beforeEach(async () => {
      fixture = await makeFixture();
      db = await fixture.open(() => 1_000_000 + keys);
      store = db.stores.requests;
    });
    afterEach(async () => {
      await db.close();
      await fixture.dispose();
    });

    const record = async (overrides: Partial<NewRequest> = {}): Promise<Request> => {
      const result = await store.record({
        form: FORM_VALUE,
        requesterId: "U1",
        originChannelId: "C1",
        submissionKey: `V${++keys}`,
        expiresAt: 9_000_000,
        nextReminderAt: null,
        maxPending: 50,
        ...overrides,
      });
      if (result.kind !== "recorded") throw new Error(`expected a new request, got ${result.kind}`);
      return result.request;
    };
    const moveTo = async (request: Request, to: "created" | "failed", clientId?: string): Promise<Request> => {
      await store.transition({ id: request.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: request.id, from: "approved", to: "creating", actor: "system" });
      const moved = await store.transition({
        id: request.id,
        from: "creating",
        to,
        actor: "system",
        set: clientId ? { createdClientId: clientId } : {},
      });
      if (!moved) throw new Error("not moved");
      return moved;
    };
    /** A client created through the bot for `requesterId`: its create request. */
    const created = async (clientId: string, requesterId = "U1") =>
      moveTo(await record({ requesterId }), "created", clientId);
    const about = (kind: ClientAbout["kind"], targetClientId: string): ClientAbout => ({
      kind,
      targetClientId,
      baseline: BASELINE,
    });

    it("records a new client's request as kind create, with no target, baseline or note", async () => {
      const r = await record();
      expect([r.kind, r.targetClientId, r.baseline, r.outcomeNote]).toEqual(["create", null, null, null]);
      expect(await store.get(r.id)).toEqual(r);
    });

    it("records a request about an existing client with its kind, target and baseline, and says so in the audit", async () => {
      const r = await record({ about: about("change", "client-1") });
      expect([r.kind, r.targetClientId, r.baseline]).toEqual(["change", "client-1", BASELINE]);
      expect(await store.get(r.id)).toEqual(r);
      const [first] = await db.stores.reads.auditOf(r.id);
      expect(first).toMatchObject({ fromStatus: null, toStatus: "pending", detail: "change client client-1" });
    });

    it("finds a client's create request only once it is created, whatever the letter case of its Id", async () => {
      const id = "5f0c2f9e-9d4e-4a51-8f3a-0a8b7c6d5e4f";
      expect(await store.createRequestOfClient(id)).toBeUndefined();
      const origin = await created(id);
      await moveTo(await record(), "failed");
      // A change applied to it also carries it as its created client: not its origin.
      await moveTo(await record({ about: about("change", id) }), "created", id);
      expect((await store.createRequestOfClient(id))?.id).toBe(origin.id);
      expect((await store.createRequestOfClient(id.toUpperCase()))?.id).toBe(origin.id);
      expect(await store.createRequestOfClient("another")).toBeUndefined();
    });

    it("lists the clients someone manages newest first: created ones, not deleted through the bot, only theirs", async () => {
      const a = await created("client-a");
      const b = await created("client-b");
      const c = await created("client-c");
      await created("client-other", "U2");
      await moveTo(await record(), "failed");
      await record();
      // Deleting b only asked for, and a delete of c that failed: both still there.
      await record({ about: about("delete", "client-b") });
      await moveTo(await record({ about: about("delete", "client-c") }), "failed");
      expect((await store.managedClientsOf("U1", 10)).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
      expect((await store.managedClientsOf("U1", 2)).map((r) => r.id)).toEqual([c.id, b.id]);
      // Deleted through the bot (by anyone): no longer listed.
      await moveTo(await record({ requesterId: "U9", about: about("delete", "client-b") }), "created", "client-b");
      expect((await store.managedClientsOf("U1", 10)).map((r) => r.id)).toEqual([c.id, a.id]);
      expect((await store.managedClientsOf("U2", 10)).map((r) => r.createdClientId)).toEqual(["client-other"]);
    });

    it("lists the open requests about clients, oldest first", async () => {
      const pending = await record({ about: about("change", "client-a") });
      const applying = await record({ about: about("disable", "client-a") });
      await store.transition({ id: applying.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: applying.id, from: "approved", to: "creating", actor: "system" });
      const other = await record({ about: about("delete", "client-b") });
      await moveTo(await record({ about: about("enable", "client-a") }), "created", "client-a");
      const denied = await record({ about: about("change", "client-a") });
      await store.transition({ id: denied.id, from: "pending", to: "denied", actor: "UA" });
      expect((await store.openRequestsAbout(["client-a"])).map((r) => r.id)).toEqual([pending.id, applying.id]);
      expect((await store.openRequestsAbout(["client-a", "client-b"])).map((r) => r.id)).toEqual([
        pending.id,
        applying.id,
        other.id,
      ]);
      expect(await store.openRequestsAbout([])).toEqual([]);
    });

    it("counts an approval that may not be the last only while it is not", async () => {
      const r = await record({ requiredApprovals: 2, about: about("change", "client-a") });
      const first = await store.approve({ id: r.id, actor: "UA", mayBeLast: false });
      expect(first).toMatchObject({ status: "pending", approvedBy: ["UA"] });
      // The second would be the last: not counted, nothing changed.
      expect(await store.approve({ id: r.id, actor: "UB", mayBeLast: false })).toBeUndefined();
      expect((await store.get(r.id))?.approvedBy).toEqual(["UA"]);
      expect(await store.approve({ id: r.id, actor: "UB" })).toMatchObject({ status: "approved" });
    });

    it("records a note with the last approval, as the outcome note and in the audit row", async () => {
      const r = await record({ requiredApprovals: 2, about: about("change", "client-a") });
      await store.approve({ id: r.id, actor: "UA" });
      const last = await store.approve({ id: r.id, actor: "UB", note: "despite drift" });
      expect(last).toMatchObject({ status: "approved", outcomeNote: "despite drift" });
      const rows = await db.stores.reads.auditOf(r.id);
      expect(rows.map((row) => row.detail)).toEqual([
        "change client client-a",
        "approval 1 of 2",
        "approval 2 of 2; despite drift",
      ]);
    });

    it("sets the outcome note with a transition", async () => {
      const r = await record({ about: about("delete", "client-a") });
      await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "system" });
      const done = await store.transition({
        id: r.id,
        from: "creating",
        to: "created",
        actor: "system",
        set: { createdClientId: "client-a", outcomeNote: "already deleted in the tenant" },
      });
      expect(done).toMatchObject({ createdClientId: "client-a", outcomeNote: "already deleted in the tenant" });
    });
  });
}
