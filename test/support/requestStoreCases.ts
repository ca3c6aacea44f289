import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import type { RequestForm } from "../../src/requests/form.ts";
import type { NewRequest, RequestStore } from "../../src/requests/ports.ts";
import type { Request } from "../../src/requests/request.ts";
import { type DatabaseTarget, rawSql } from "./rawSql.ts";

/**
 * The RequestStore's cases, run against SQLite (test/unit/requestStore.test.ts) and PostgreSQL
 * (test/db/requestStore.postgres.test.ts): every state change is one conditional statement, the
 * database writes the audit trail, a submission is recorded once and within the pending limit.
 */

export interface StoreFixture {
  readonly dialect: "sqlite" | "postgres";
  /** Where the data is, for rawSql. */
  readonly target: DatabaseTarget;
  /** Opens the database (migrating it on the first call), its stores stamping times with `now`. */
  open(now: () => number): Promise<Database>;
  /** Drops what the fixture made (the file, the PostgreSQL database), after every open one is closed. */
  dispose(): Promise<void>;
}

export const FORM_VALUE: RequestForm = {
  tenant: "default",
  name: "App",
  redirectUris: ["https://app.example.com/cb"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: [],
  accessTokenLifetime: 3600,
  justification: "Because we need it.",
};

const T0 = 1_000_000;
const TTL = 1000;

export function requestStoreCases(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let fixture: StoreFixture;
    let now: number;
    const clock = () => now;
    let opened: Database[];
    let db: Database;
    let store: RequestStore;

    /** Another process (or replica) on the same data. */
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

    const submission = (overrides: Partial<NewRequest> = {}): NewRequest => ({
      form: FORM_VALUE,
      requesterId: "U1",
      originChannelId: "C1",
      submissionKey: "V1",
      expiresAt: now + TTL,
      nextReminderAt: now + 500,
      maxPending: 5,
      ...overrides,
    });

    /** Records a submission that must be recorded, and returns the request. */
    const record = async (overrides: Partial<NewRequest> = {}): Promise<Request> => {
      const result = await store.record(submission(overrides));
      if (result.kind !== "recorded") throw new Error(`expected a new request, got ${result.kind}`);
      return result.request;
    };

    const audit = (id: number) => db.stores.reads.auditOf(id);

    it("records a submission once per submission key", async () => {
      const first = await store.record(submission());
      const again = await store.record(submission());
      expect(first.kind).toBe("recorded");
      expect(again.kind).toBe("duplicate");
      if (first.kind === "limit" || again.kind === "limit") throw new Error("unexpected limit");
      expect(again.request.id).toBe(first.request.id);
      expect(again.request).toEqual(first.request);
      expect(await db.stores.reads.countByRequester("U1")).toBe(1);
      expect(await audit(first.request.id)).toHaveLength(1);
    });

    it("records the same submission key once when two processes record it at the same moment", async () => {
      const other = (await another()).stores.requests;
      const results = await Promise.all([
        store.record(submission()),
        other.record(submission()),
        store.record(submission()),
        other.record(submission()),
      ]);
      expect(results.map((r) => r.kind).sort()).toEqual(["duplicate", "duplicate", "duplicate", "recorded"]);
      const ids = new Set(results.map((r) => (r.kind === "limit" ? undefined : r.request.id)));
      expect(ids.size).toBe(1);
      expect(await db.stores.reads.countByRequester("U1")).toBe(1);
      const [id] = [...ids];
      expect(await audit(id ?? 0)).toHaveLength(1);
    });

    it("records nothing past the pending limit, counting only that requester's pending requests", async () => {
      const a = await record({ submissionKey: "V1", maxPending: 2 });
      await record({ submissionKey: "V2", maxPending: 2 });
      // Another requester's pending requests do not count.
      await record({ requesterId: "U2", submissionKey: "W1", maxPending: 2 });
      expect(await store.record(submission({ submissionKey: "V3", maxPending: 2 }))).toEqual({
        kind: "limit",
        pending: 2,
      });
      // A repeat of a recorded submission is that request, limit or not.
      const repeat = await store.record(submission({ submissionKey: "V1", maxPending: 2 }));
      expect(repeat.kind).toBe("duplicate");
      expect(await store.countPendingBy("U1")).toBe(2);
      expect(await db.stores.reads.countByRequester("U1")).toBe(2);
      // Once one is decided, there is room again.
      expect(await store.transition({ id: a.id, from: "pending", to: "cancelled", actor: "U1" })).toBeDefined();
      expect(await store.countPendingBy("U1")).toBe(1);
      expect((await store.record(submission({ submissionKey: "V3", maxPending: 2 }))).kind).toBe("recorded");
      expect(await store.countPendingBy("U1")).toBe(2);
    });

    it("keeps to the pending limit when one requester submits several forms at once", async () => {
      const results = await Promise.all(
        ["V1", "V2", "V3", "V4", "V5"].map((key) => store.record(submission({ submissionKey: key, maxPending: 2 }))),
      );
      expect(results.filter((r) => r.kind === "recorded")).toHaveLength(2);
      expect(results.filter((r) => r.kind === "limit")).toEqual([
        { kind: "limit", pending: 2 },
        { kind: "limit", pending: 2 },
        { kind: "limit", pending: 2 },
      ]);
      expect(await store.countPendingBy("U1")).toBe(2);
    });

    it("records for a requester whose id holds quotes and backslashes (it keys the requester's turn)", async () => {
      const odd = "U'1\\'; select 1; --";
      expect((await store.record(submission({ requesterId: odd, submissionKey: "Q1" }))).kind).toBe("recorded");
      expect(await store.countPendingBy(odd)).toBe(1);
    });

    it("moves a request only from an expected state, and only once", async () => {
      const r = await record();
      now = T0 + 10;
      const approved = await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      expect(approved).toMatchObject({ id: r.id, status: "approved", updatedAt: T0 + 10, createdAt: T0 });
      expect(
        await store.transition({ id: r.id, from: "pending", to: "denied", actor: "UB", detail: "late" }),
      ).toBeUndefined();
      expect((await store.get(r.id))?.status).toBe("approved");
      expect((await audit(r.id)).map((e) => [e.actor, e.fromStatus, e.toStatus, e.at])).toEqual([
        ["U1", null, "pending", T0],
        ["UA", "pending", "approved", T0 + 10],
      ]);
      // A request that does not exist moves nowhere.
      expect(await store.transition({ id: r.id + 100, from: "pending", to: "approved", actor: "UA" })).toBeUndefined();
    });

    it("lets exactly one of several racing decisions win, across processes", async () => {
      const r = await record();
      const other = (await another()).stores.requests;
      const moves = await Promise.all([
        store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" }),
        other.transition({ id: r.id, from: "pending", to: "denied", actor: "UB", detail: "no" }),
        store.transition({ id: r.id, from: "pending", to: "cancelled", actor: "U1" }),
        other.transition({ id: r.id, from: "pending", to: "expired", actor: "system" }),
      ]);
      const winners = moves.filter((m) => m !== undefined);
      expect(winners).toHaveLength(1);
      const final = await store.get(r.id);
      expect(final?.status).toBe(winners[0]?.status);
      const trail = await audit(r.id);
      expect(trail.map((e) => [e.fromStatus, e.toStatus])).toEqual([
        [null, "pending"],
        ["pending", final?.status],
      ]);
    });

    it("refuses a transition the state machine does not have", async () => {
      const r = await record();
      await expect(store.transition({ id: r.id, from: "pending", to: "created", actor: "x" })).rejects.toThrow(
        /No transition/,
      );
      await expect(store.transition({ id: r.id, from: "denied", to: "pending", actor: "x" })).rejects.toThrow(
        /No transition/,
      );
      expect((await store.get(r.id))?.status).toBe("pending");
      expect(await audit(r.id)).toHaveLength(1);
    });

    it("never deletes: every transition is in the audit trail with its actor, detail and time", async () => {
      const r = await record();
      const step = async (move: Parameters<RequestStore["transition"]>[0]) => {
        now += 10;
        expect(await store.transition(move), `${move.from}→${move.to}`).toBeDefined();
      };
      await step({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      await step({ id: r.id, from: "approved", to: "creating", actor: "UA", detail: "calling the Identity API" });
      await step({ id: r.id, from: "creating", to: "failed", actor: "system", detail: "500 Boom" });
      await step({ id: r.id, from: "failed", to: "creating", actor: "UB" });
      await step({ id: r.id, from: "creating", to: "created", actor: "system", set: { createdClientId: "abc" } });
      expect(await store.get(r.id)).toMatchObject({ status: "created", createdClientId: "abc", updatedAt: T0 + 50 });
      const trail = await audit(r.id);
      expect(trail.map((e) => `${e.actor} ${e.fromStatus}→${e.toStatus}:${e.detail ?? ""}@${e.at - T0}`)).toEqual([
        "U1 null→pending:@0",
        "UA pending→approved:@10",
        "UA approved→creating:calling the Identity API@20",
        "system creating→failed:500 Boom@30",
        // The detail of one transition does not leak into the next.
        "UB failed→creating:@40",
        "system creating→created:@50",
      ]);
      expect(trail.every((e) => e.requestId === r.id)).toBe(true);
      expect(trail.map((e) => e.id)).toEqual([...trail.map((e) => e.id)].sort((x, y) => x - y));
    });

    it("writes no audit row for a change that is not a state change", async () => {
      const r = await record();
      await store.setApprovalMessage(r.id, { channelId: "C1", ts: "1.1" });
      await store.countAttempt(r.id);
      expect(await store.claimOutcomeNotification(r.id, "pending")).toBeDefined();
      await store.claimReminder(r, null);
      expect(await audit(r.id)).toHaveLength(1);
    });

    it("sends a due reminder once even when two ticks (or two processes) see it", async () => {
      const r = await record();
      const seen = await store.get(r.id);
      if (!seen) throw new Error("missing");
      const other = (await another()).stores.requests;
      const claims = await Promise.all([
        store.claimReminder(seen, T0 + 1000),
        other.claimReminder(seen, T0 + 1000),
        store.claimReminder(seen, T0 + 1000),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimReminder(seen, T0 + 1000)).toBe(false);
      expect(await store.get(r.id)).toMatchObject({ remindersSent: 1, nextReminderAt: T0 + 1000 });
      // The next one, claimed from the request as it is now; the last one leaves no reminder due.
      const later = await store.get(r.id);
      if (!later) throw new Error("missing");
      expect(await store.claimReminder(later, null)).toBe(true);
      expect(await store.get(r.id)).toMatchObject({ remindersSent: 2, nextReminderAt: null });
      const last = await store.get(r.id);
      if (!last) throw new Error("missing");
      expect(await store.claimReminder(last, null)).toBe(false);
    });

    it("sends no reminder for a request that left pending", async () => {
      const r = await record();
      await store.transition({ id: r.id, from: "pending", to: "denied", actor: "UA" });
      expect(await store.claimReminder(r, T0 + 1000)).toBe(false);
      expect((await store.get(r.id))?.remindersSent).toBe(0);
    });

    it("lists what is due for expiry and for a reminder, and only pending requests", async () => {
      const soon = await record({ submissionKey: "V1", expiresAt: T0 + 100, nextReminderAt: T0 + 50 });
      const later = await record({ submissionKey: "V2", expiresAt: T0 + 300, nextReminderAt: T0 + 200 });
      const none = await record({ submissionKey: "V3", expiresAt: T0 + 100, nextReminderAt: null });
      await store.transition({ id: none.id, from: "pending", to: "cancelled", actor: "U1" });
      expect((await store.listDueForExpiry(T0 + 99, 10)).map((r) => r.id)).toEqual([]);
      expect((await store.listDueForExpiry(T0 + 100, 10)).map((r) => r.id)).toEqual([soon.id]);
      expect((await store.listDueForExpiry(T0 + 1000, 10)).map((r) => r.id)).toEqual([soon.id, later.id]);
      expect((await store.listDueForReminder(T0 + 50, 10)).map((r) => r.id)).toEqual([soon.id]);
      expect((await store.listDueForReminder(T0 + 1000, 1)).map((r) => r.id)).toEqual([soon.id]);
    });

    it("offers for a decision only pending requests not past their expiry, and counts only those", async () => {
      const past = await record({ submissionKey: "V1", expiresAt: T0 + 100 });
      const atNow = await record({ submissionKey: "V2", expiresAt: T0 + 200 });
      const open = await record({ submissionKey: "V3", expiresAt: T0 + 300 });
      const other = await record({ submissionKey: "V4", requesterId: "U2", expiresAt: T0 + 300 });
      const decided = await record({ submissionKey: "V5", expiresAt: T0 + 300 });
      await store.transition({ id: decided.id, from: "pending", to: "denied", actor: "UA" });
      const reads = db.stores.reads;
      const anyone = { approverId: "UA", tenants: ["default"], ownIncluded: true };
      expect(await reads.pendingFor(anyone, 10)).toEqual({
        requests: [past, atNow, open, other].map((r) => expect.objectContaining({ id: r.id })),
        total: 4,
      });
      now = T0 + 200;
      const waiting = await reads.pendingFor(anyone, 10);
      expect(waiting.requests.map((r) => r.id)).toEqual([open.id, other.id]);
      expect(waiting.total).toBe(2);
      expect(await reads.pendingFor({ approverId: "U2", tenants: ["default"], ownIncluded: false }, 10)).toEqual({
        requests: [expect.objectContaining({ id: open.id })],
        total: 1,
      });
      // Not expired by reading: they stay pending until a decision or the sweep expires them.
      expect((await store.get(past.id))?.status).toBe("pending");
    });

    it("stores what a transition sets as it is: JSON as JSON, null as NULL, whatever the order of the fields", async () => {
      const r = await record();
      await store.transition({
        id: r.id,
        from: "pending",
        to: "approved",
        actor: "UA",
        set: { decidedBy: "UA", decidedAt: 42 },
      });
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "UA" });
      const error = { status: 400, error: "Bad", reason: 'Has "quotes"', operationId: "op-1" };
      const failed = await store.transition({
        id: r.id,
        from: "creating",
        to: "failed",
        actor: "system",
        set: { outcomeNotifiedAt: null, lastError: error },
      });
      expect(failed).toMatchObject({ status: "failed", decidedBy: "UA", decidedAt: 42, lastError: error });
      // Stored as JSON the database itself can read, not as a quoted string.
      const reason = fixture.dialect === "sqlite" ? "json_extract(last_error, '$.reason')" : "last_error->>'reason'";
      expect(await rawSql(fixture.target, `select ${reason} as reason from requests where id = ?`, [r.id])).toEqual([
        { reason: 'Has "quotes"' },
      ]);
      // The same fields in another order, now clearing the error: must be NULL, not the JSON value null.
      await store.transition({ id: r.id, from: "failed", to: "creating", actor: "UB" });
      const created = await store.transition({
        id: r.id,
        from: "creating",
        to: "created",
        actor: "system",
        set: { lastError: null, createdClientId: "abc", outcomeNotifiedAt: null },
      });
      expect(created).toMatchObject({ status: "created", createdClientId: "abc", lastError: null });
      const stored = await rawSql(
        fixture.target,
        `select case when last_error is null then 'null' else 'set' end as t,
                case when outcome_notified_at is null then 'null' else 'set' end as n,
                status
           from requests where id = ?`,
        [r.id],
      );
      expect(stored).toEqual([{ t: "null", n: "null", status: "created" }]);
    });

    it("records every field of the form as submitted", async () => {
      const form: RequestForm = {
        ...FORM_VALUE,
        postLogoutRedirectUris: ["https://app.example.com/bye"],
        allowedCorsOrigins: ["https://app.example.com", "http://localhost:3000"],
      };
      const request = await record({
        form,
        requesterId: "U9",
        originChannelId: undefined,
        submissionKey: "V9",
        nextReminderAt: null,
      });
      const stored = await store.get(request.id);
      expect(stored).toEqual(request);
      expect(stored).toMatchObject({
        ...form,
        requesterId: "U9",
        originChannelId: null,
        submissionKey: "V9",
        status: "pending",
        createdClientId: null,
        approvalChannelId: null,
        approvalMessageTs: null,
        decidedBy: null,
        decidedAt: null,
        decisionReason: null,
        lastError: null,
        attempts: 0,
        outcomeNotifiedAt: null,
        remindersSent: 0,
        nextReminderAt: null,
        expiresAt: T0 + TTL,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(stored?.clientGuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // The domain never sees the trigger's columns.
      expect(Object.keys(stored ?? {})).not.toContain("lastActor");
      expect(Object.keys(stored ?? {})).not.toContain("lastDetail");
      // Every request gets a client Id of its own.
      const other = await record({ submissionKey: "V10" });
      expect(other.clientGuid).not.toBe(request.clientGuid);
    });

    it("keeps the approval message it was posted with, and the requester's latest DM", async () => {
      const r = await record();
      await store.setApprovalMessage(r.id, { channelId: "C1", ts: "1.1" });
      await store.setApprovalMessage(r.id, { channelId: "C1", ts: "2.2" });
      expect(await store.get(r.id)).toMatchObject({ approvalChannelId: "C1", approvalMessageTs: "1.1" });
      await store.setRequesterMessage(r.id, { channelId: "D1", ts: "3.3" });
      await store.setRequesterMessage(r.id, { channelId: "D1", ts: "4.4" });
      expect(await store.requesterMessageOf(r.id)).toEqual({ channelId: "D1", ts: "4.4" });
      expect(await store.requesterMessageOf(r.id + 1)).toBeUndefined();
    });

    it("tells an outcome once, even when two processes try at the same moment", async () => {
      const r = await record();
      const other = (await another()).stores.requests;
      now = T0 + 7;
      const claims = await Promise.all([
        store.claimOutcomeNotification(r.id, "pending"),
        other.claimOutcomeNotification(r.id, "pending"),
        store.claimOutcomeNotification(r.id, "pending"),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(claims.find(Boolean)).toMatchObject({ id: r.id, status: "pending", outcomeNotifiedAt: T0 + 7 });
      expect(await store.claimOutcomeNotification(r.id, "pending")).toBeUndefined();
      expect((await store.get(r.id))?.outcomeNotifiedAt).toBe(T0 + 7);
      // A new outcome (a retry that ended) is told again.
      await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "UA" });
      await store.transition({
        id: r.id,
        from: "creating",
        to: "failed",
        actor: "system",
        set: { outcomeNotifiedAt: null },
      });
      expect((await store.claimOutcomeNotification(r.id, "failed"))?.status).toBe("failed");
    });

    it("does not tell an outcome the request no longer has (read before a retry replaced it)", async () => {
      const r = await record();
      await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "UA" });
      await store.transition({
        id: r.id,
        from: "creating",
        to: "failed",
        actor: "system",
        set: { outcomeNotifiedAt: null },
      });
      // A sweep read it failed and untold; meanwhile an approver pressed Retry.
      await store.transition({ id: r.id, from: "failed", to: "creating", actor: "UA" });
      expect(await store.claimOutcomeNotification(r.id, "failed")).toBeUndefined();
      expect((await store.get(r.id))?.outcomeNotifiedAt).toBeNull();
      await store.transition({
        id: r.id,
        from: "creating",
        to: "created",
        actor: "system",
        set: { outcomeNotifiedAt: null },
      });
      expect((await store.claimOutcomeNotification(r.id, "created"))?.status).toBe("created");
    });

    it("a late attempt or lease renewal, after another process finished the creation, changes nothing", async () => {
      const r = await record();
      await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "UA" });
      await store.countAttempt(r.id);
      now = T0 + 50;
      await store.transition({ id: r.id, from: "creating", to: "created", actor: "system" });
      now = T0 + 100;
      await store.countAttempt(r.id);
      await store.renewLease(r.id);
      expect(await store.get(r.id)).toMatchObject({ status: "created", attempts: 1, updatedAt: T0 + 50 });
    });

    it("lets one process take over a creation only once its lease has ended", async () => {
      const r = await record();
      now = T0 + 10;
      await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      expect((await store.listCreationsToResume(T0 + 10)).map((x) => x.id)).toEqual([]);
      expect((await store.listCreationsToResume(T0 + 11)).map((x) => x.id)).toEqual([r.id]);
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "UA" });
      // The creation renews its lease, and every Identity API call counts.
      now = T0 + 100;
      await store.renewLease(r.id);
      now = T0 + 150;
      await store.countAttempt(r.id);
      await store.countAttempt(r.id);
      expect(await store.get(r.id)).toMatchObject({ status: "creating", attempts: 2, updatedAt: T0 + 150 });
      expect((await store.listCreationsToResume(T0 + 150)).map((x) => x.id)).toEqual([]);

      // Lease still running: nobody takes it over.
      now = T0 + 200;
      expect(
        await store.transition({
          id: r.id,
          from: "creating",
          to: "creating",
          actor: "system",
          leaseEndedBefore: T0 + 150,
        }),
      ).toBeUndefined();
      // Lease ended: exactly one of two processes takes it over.
      const other = (await another()).stores.requests;
      const takeovers = await Promise.all([
        store.transition({ id: r.id, from: "creating", to: "creating", actor: "system", leaseEndedBefore: T0 + 151 }),
        other.transition({ id: r.id, from: "creating", to: "creating", actor: "system", leaseEndedBefore: T0 + 151 }),
      ]);
      expect(takeovers.filter((t) => t !== undefined)).toHaveLength(1);
      expect((await store.get(r.id))?.updatedAt).toBe(T0 + 200);
      expect((await audit(r.id)).map((e) => `${e.fromStatus}→${e.toStatus}`)).toEqual([
        "null→pending",
        "pending→approved",
        "approved→creating",
        "creating→creating",
      ]);
      // A lease is renewed only while creating.
      await store.transition({ id: r.id, from: "creating", to: "created", actor: "system" });
      now = T0 + 300;
      await store.renewLease(r.id);
      expect((await store.get(r.id))?.updatedAt).toBe(T0 + 200);
    });

    it("lists outcomes nobody has told, once their process had time to tell them", async () => {
      const r = await record();
      await store.transition({ id: r.id, from: "pending", to: "approved", actor: "UA" });
      await store.transition({ id: r.id, from: "approved", to: "creating", actor: "UA" });
      now = T0 + 20;
      await store.transition({ id: r.id, from: "creating", to: "created", actor: "system" });
      expect((await store.listUntoldOutcomes(T0 + 20, 10)).map((x) => x.id)).toEqual([]);
      expect((await store.listUntoldOutcomes(T0 + 21, 10)).map((x) => x.id)).toEqual([r.id]);
      expect((await store.claimOutcomeNotification(r.id, "created"))?.status).toBe("created");
      expect(await store.listUntoldOutcomes(T0 + 21, 10)).toEqual([]);
    });
  });
}
