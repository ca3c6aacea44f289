import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import type { NewRequest, RequestStore } from "../../src/requests/ports.ts";
import type { Request } from "../../src/requests/request.ts";
import { rawSql } from "./rawSql.ts";
import { FORM_VALUE, type StoreFixture } from "./requestStoreCases.ts";

/**
 * Approvals on either database (test/unit/approvalStore.test.ts, test/db/approvalStore.postgres.test.ts):
 * each approver counts once, the last approval needed is exactly one statement's, every approval
 * is in the audit trail, and "Waiting for you" shows an approver what they may still approve.
 */

const T0 = 2_000_000;

export function approvalStoreCases(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let fixture: StoreFixture;
    let now: number;
    const clock = () => now;
    let opened: Database[];
    let db: Database;
    let store: RequestStore;
    let keys = 0;

    const another = async () => {
      const database = await fixture.open(clock);
      opened.push(database);
      return database;
    };

    beforeEach(async () => {
      now = T0;
      opened = [];
      fixture = await makeFixture();
      db = await another();
      store = db.stores.requests;
    });
    afterEach(async () => {
      for (const database of opened.reverse()) await database.close();
      await fixture.dispose();
    });

    const record = async (overrides: Partial<NewRequest> = {}): Promise<Request> => {
      const result = await store.record({
        form: FORM_VALUE,
        requesterId: "U1",
        originChannelId: "C1",
        submissionKey: `K${++keys}`,
        expiresAt: now + 10_000,
        nextReminderAt: now + 500,
        maxPending: 100,
        ...overrides,
      });
      if (result.kind !== "recorded") throw new Error(`expected a new request, got ${result.kind}`);
      return result.request;
    };

    const trail = async (id: number) =>
      (await db.stores.reads.auditOf(id)).map((e) => `${e.actor} ${e.fromStatus}→${e.toStatus} ${e.detail ?? ""}`);

    it("records the approvals a request needs, 1 unless told", async () => {
      expect((await record()).requiredApprovals).toBe(1);
      const r = await record({ requiredApprovals: 3 });
      expect(r).toMatchObject({ requiredApprovals: 3, approvedBy: [], nameTakenBy: null });
      expect(await store.get(r.id)).toEqual(r);
    });

    it("counts each approval; the last one needed approves; every one leaves an audit row", async () => {
      const r = await record({ requiredApprovals: 3 });
      now = T0 + 10;
      const first = await store.approve({ id: r.id, actor: "UA" });
      expect(first).toMatchObject({
        status: "pending",
        approvedBy: ["UA"],
        decidedBy: null,
        decidedAt: null,
        nextReminderAt: T0 + 500,
        updatedAt: T0 + 10,
      });
      now = T0 + 20;
      expect(await store.approve({ id: r.id, actor: "UB" })).toMatchObject({
        status: "pending",
        approvedBy: ["UA", "UB"],
      });
      now = T0 + 30;
      expect(await store.approve({ id: r.id, actor: "UC" })).toMatchObject({
        status: "approved",
        approvedBy: ["UA", "UB", "UC"],
        decidedBy: "UC",
        decidedAt: T0 + 30,
        // No reminders for an approved request.
        nextReminderAt: null,
      });
      // Enough: a fourth approver changes nothing.
      expect(await store.approve({ id: r.id, actor: "UD" })).toBeUndefined();
      expect(await trail(r.id)).toEqual([
        "U1 null→pending ",
        "UA pending→pending approval 1 of 3",
        "UB pending→pending approval 2 of 3",
        "UC pending→approved approval 3 of 3",
      ]);
      expect((await db.stores.reads.auditOf(r.id)).map((e) => e.at - T0)).toEqual([0, 10, 20, 30]);
      // Stored as a JSON array the database itself can read.
      const length =
        fixture.dialect === "sqlite" ? "json_array_length(approved_by)" : "jsonb_array_length(approved_by)";
      expect(await rawSql(fixture.target, `select ${length} as n from requests where id = ?`, [r.id])).toEqual([
        { n: 3 },
      ]);
    });

    it("approves at once when one approval is needed", async () => {
      const r = await record();
      expect(await store.approve({ id: r.id, actor: "UA" })).toMatchObject({
        status: "approved",
        approvedBy: ["UA"],
        decidedBy: "UA",
      });
      expect(await trail(r.id)).toEqual(["U1 null→pending ", "UA pending→approved approval 1 of 1"]);
    });

    it("counts an approver once, and writes nothing for the repeat", async () => {
      const r = await record({ requiredApprovals: 2 });
      expect(await store.approve({ id: r.id, actor: "UA" })).toBeDefined();
      const before = await store.get(r.id);
      now = T0 + 99;
      expect(await store.approve({ id: r.id, actor: "UA" })).toBeUndefined();
      expect(await store.get(r.id)).toEqual(before);
      expect(await trail(r.id)).toHaveLength(2);
    });

    it("counts nothing on a request that is not pending, or does not exist", async () => {
      const r = await record({ requiredApprovals: 2 });
      await store.approve({ id: r.id, actor: "UA" });
      expect(
        await store.transition({ id: r.id, from: "pending", to: "denied", actor: "UB", detail: "no" }),
      ).toMatchObject({ status: "denied", approvedBy: ["UA"] });
      expect(await store.approve({ id: r.id, actor: "UC" })).toBeUndefined();
      expect(await store.approve({ id: r.id + 1000, actor: "UC" })).toBeUndefined();
      expect(await trail(r.id)).toEqual([
        "U1 null→pending ",
        "UA pending→pending approval 1 of 2",
        "UB pending→denied no",
      ]);
    });

    it("of approvals arriving together from several processes, each counts once and exactly one is the last", async () => {
      const other = (await another()).stores.requests;
      const stores = [store, other];
      for (let round = 0; round < 5; round++) {
        const r = await record({ requiredApprovals: 5 });
        const approvers = ["UA", "UB", "UC", "UD", "UE"];
        const results = await Promise.all(
          approvers.map((actor, i) => (stores[i % 2] as RequestStore).approve({ id: r.id, actor })),
        );
        expect(results.every((x) => x !== undefined)).toBe(true);
        expect(results.filter((x) => x?.status === "approved")).toHaveLength(1);
        const final = await store.get(r.id);
        expect(final?.status).toBe("approved");
        expect([...(final?.approvedBy ?? [])].sort()).toEqual(approvers);
        expect(final?.decidedBy).toBe(final?.approvedBy.at(-1));
        const details = (await db.stores.reads.auditOf(r.id)).slice(1).map((e) => e.detail);
        expect(details).toEqual([1, 2, 3, 4, 5].map((n) => `approval ${n} of 5`));
      }
    });

    it("of two last approvals at once, one approves and the other is told nothing was counted", async () => {
      const other = (await another()).stores.requests;
      for (let round = 0; round < 5; round++) {
        const r = await record({ requiredApprovals: 2 });
        await store.approve({ id: r.id, actor: "UA" });
        const [b, c] = await Promise.all([
          store.approve({ id: r.id, actor: "UB" }),
          other.approve({ id: r.id, actor: "UC" }),
        ]);
        expect([b, c].filter((x) => x?.status === "approved")).toHaveLength(1);
        expect([b, c].filter((x) => x === undefined)).toHaveLength(1);
        expect((await store.get(r.id))?.approvedBy).toHaveLength(2);
        expect(await trail(r.id)).toHaveLength(3);
      }
    });

    it("counts one approver once even when their clicks reach several processes at the same moment", async () => {
      const other = (await another()).stores.requests;
      for (let round = 0; round < 5; round++) {
        const r = await record({ requiredApprovals: 3 });
        const results = await Promise.all([
          store.approve({ id: r.id, actor: "UA" }),
          other.approve({ id: r.id, actor: "UA" }),
          store.approve({ id: r.id, actor: "UA" }),
          other.approve({ id: r.id, actor: "UA" }),
        ]);
        expect(results.filter((x) => x !== undefined)).toHaveLength(1);
        expect(await store.get(r.id)).toMatchObject({ status: "pending", approvedBy: ["UA"] });
        expect(await trail(r.id)).toHaveLength(2);
      }
    });

    it("notes the first client found with the same name, without an audit row", async () => {
      const r = await record();
      expect(await store.setNameTakenBy(r.id, "client-1")).toMatchObject({ nameTakenBy: "client-1" });
      expect(await store.setNameTakenBy(r.id, "client-2")).toBeUndefined();
      expect((await store.get(r.id))?.nameTakenBy).toBe("client-1");
      expect(await trail(r.id)).toHaveLength(1);
    });

    it("shows an approver the pending requests of their tenants they may still approve", async () => {
      const reads = db.stores.reads;
      const alpha = await record({ form: { ...FORM_VALUE, tenant: "alpha" }, requiredApprovals: 2 });
      const beta = await record({ form: { ...FORM_VALUE, tenant: "beta" } });
      const approvedByMe = await record({ form: { ...FORM_VALUE, tenant: "alpha" }, requiredApprovals: 2 });
      await store.approve({ id: approvedByMe.id, actor: "UA" });
      const approvedByOther = await record({ form: { ...FORM_VALUE, tenant: "alpha" }, requiredApprovals: 2 });
      await store.approve({ id: approvedByOther.id, actor: "UB" });
      const mineOne = await record({ form: { ...FORM_VALUE, tenant: "alpha" }, requesterId: "UA" });
      const mineTwo = await record({
        form: { ...FORM_VALUE, tenant: "alpha" },
        requesterId: "UA",
        requiredApprovals: 2,
      });
      const decided = await record({ form: { ...FORM_VALUE, tenant: "alpha" } });
      await store.transition({ id: decided.id, from: "pending", to: "cancelled", actor: "U1" });

      const ids = async (tenants: string[], ownIncluded = false, limit = 10) => {
        const page = await reads.pendingFor({ approverId: "UA", tenants, ownIncluded }, limit);
        return { ids: page.requests.map((r) => r.id), total: page.total };
      };
      expect(await ids(["alpha"])).toEqual({ ids: [alpha.id, approvedByOther.id], total: 2 });
      expect(await ids(["alpha", "beta"])).toEqual({ ids: [alpha.id, beta.id, approvedByOther.id], total: 3 });
      expect(await ids(["beta"])).toEqual({ ids: [beta.id], total: 1 });
      expect(await ids([])).toEqual({ ids: [], total: 0 });
      // Self-approval allowed: their own request needing one approval, never one needing several.
      expect(await ids(["alpha"], true)).toEqual({ ids: [alpha.id, approvedByOther.id, mineOne.id], total: 3 });
      expect((await ids(["alpha"], true)).ids).not.toContain(mineTwo.id);
      // The oldest first, and the total beyond the limit.
      expect(await ids(["alpha", "beta"], false, 1)).toEqual({ ids: [alpha.id], total: 3 });
    });
  });
}
