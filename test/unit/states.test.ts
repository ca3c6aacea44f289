import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type OpenDatabase, openDatabase } from "../../src/db/connection.ts";
import { type RequestStatus, requestStatuses } from "../../src/db/schema.ts";
import type { RequestForm } from "../../src/requests/form.ts";
import { RequestRepository } from "../../src/requests/repository.ts";
import { canTransition, TRANSITIONS } from "../../src/requests/states.ts";

const FORM_VALUE: RequestForm = {
  tenant: "default",
  name: "App",
  redirectUris: ["https://app.example.com/cb"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: [],
  accessTokenLifetime: 3600,
  justification: "Because we need it.",
};

describe("state machine", () => {
  it("allows exactly the transitions of DESIGN.md", () => {
    const allowed = requestStatuses.flatMap((from) =>
      requestStatuses.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        "pending→approved",
        "pending→denied",
        "pending→cancelled",
        "pending→expired",
        "approved→creating",
        "creating→creating",
        "creating→created",
        "creating→failed",
        "failed→creating",
      ].sort(),
    );
    for (const final of ["created", "denied", "cancelled", "expired"] as RequestStatus[])
      expect(TRANSITIONS[final]).toEqual([]);
  });
});

describe("repository transitions", () => {
  let dir: string;
  let db: OpenDatabase;
  let repo: RequestRepository;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "states-"));
    db = openDatabase(join(dir, "t.sqlite"));
    repo = new RequestRepository(db.db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const record = (key = "V1") =>
    repo.record({ form: FORM_VALUE, requesterId: "U1", originChannelId: "C1", submissionKey: key }, 1000, 500).request;

  it("records a submission once per submission key", () => {
    const first = repo.record(
      { form: FORM_VALUE, requesterId: "U1", originChannelId: "C1", submissionKey: "V1" },
      1000,
      500,
    );
    const again = repo.record(
      { form: FORM_VALUE, requesterId: "U1", originChannelId: "C1", submissionKey: "V1" },
      1000,
      500,
    );
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.request.id).toBe(first.request.id);
    expect(repo.countByRequester("U1")).toBe(1);
  });

  it("moves a request only from an expected state, and only once", () => {
    const r = record();
    const approved = repo.transition({ id: r.id, from: ["pending"], to: "approved", actor: "UA" });
    expect(approved?.status).toBe("approved");
    expect(repo.transition({ id: r.id, from: ["pending"], to: "denied", actor: "UB", detail: "late" })).toBeUndefined();
    expect(repo.get(r.id)?.status).toBe("approved");
    expect(repo.auditOf(r.id).map((e) => [e.actor, e.fromStatus, e.toStatus])).toEqual([
      ["U1", null, "pending"],
      ["UA", "pending", "approved"],
    ]);
  });

  it("refuses a transition the state machine does not have", () => {
    const r = record();
    expect(() => repo.transition({ id: r.id, from: ["pending"], to: "created", actor: "x" })).toThrow(/No transition/);
    expect(repo.get(r.id)?.status).toBe("pending");
  });

  it("never deletes: every transition is in the audit trail with its detail", () => {
    const r = record();
    repo.transition({ id: r.id, from: ["pending"], to: "approved", actor: "UA" });
    repo.transition({ id: r.id, from: ["approved"], to: "creating", actor: "UA" });
    repo.transition({ id: r.id, from: ["creating"], to: "failed", actor: "system", detail: "500 Boom" });
    repo.transition({ id: r.id, from: ["failed"], to: "creating", actor: "UB" });
    repo.transition({ id: r.id, from: ["creating"], to: "created", actor: "system", set: { createdClientId: "abc" } });
    expect(repo.get(r.id)).toMatchObject({ status: "created", createdClientId: "abc" });
    expect(repo.auditOf(r.id).map((e) => `${e.fromStatus}→${e.toStatus}:${e.detail ?? ""}`)).toEqual([
      "null→pending:",
      "pending→approved:",
      "approved→creating:",
      "creating→failed:500 Boom",
      "failed→creating:",
      "creating→created:",
    ]);
  });

  it("sends a due reminder once even when two ticks see it", () => {
    const r = record();
    const seen = repo.get(r.id);
    if (!seen) throw new Error("missing");
    expect(repo.claimReminder(seen, 1000, 3)).toBe(true);
    expect(repo.claimReminder(seen, 1000, 3)).toBe(false);
    expect(repo.get(r.id)?.remindersSent).toBe(1);
  });

  it("stores what a transition sets as drizzle would: JSON as JSON, null as NULL, whatever the order of the fields", () => {
    const r = record();
    repo.transition({
      id: r.id,
      from: ["pending"],
      to: "approved",
      actor: "UA",
      set: { decidedBy: "UA", decidedAt: 42 },
    });
    repo.transition({ id: r.id, from: ["approved"], to: "creating", actor: "UA" });
    const error = { status: 400, error: "Bad", reason: 'Has "quotes"', operationId: "op-1" };
    const failed = repo.transition({
      id: r.id,
      from: ["creating"],
      to: "failed",
      actor: "system",
      set: { outcomeNotifiedAt: null, lastError: error },
    });
    expect(failed).toMatchObject({ status: "failed", decidedBy: "UA", decidedAt: 42, lastError: error });
    // The same fields in another order, now clearing the error: must use NULL, not the text "null".
    repo.transition({ id: r.id, from: ["failed"], to: "creating", actor: "UB" });
    const created = repo.transition({
      id: r.id,
      from: ["creating"],
      to: "created",
      actor: "system",
      set: { lastError: null, createdClientId: "abc", outcomeNotifiedAt: null },
    });
    expect(created).toMatchObject({ status: "created", createdClientId: "abc", lastError: null });
    const stored = db.db.$client
      .prepare("select typeof(last_error) as t, typeof(outcome_notified_at) as n, status from requests where id = ?")
      .get(r.id);
    expect(stored).toEqual({ t: "null", n: "null", status: "created" });
  });

  it("records every field of the form as submitted", () => {
    const form: RequestForm = {
      ...FORM_VALUE,
      postLogoutRedirectUris: ["https://app.example.com/bye"],
      allowedCorsOrigins: ["https://app.example.com", "http://localhost:3000"],
    };
    const { request } = repo.record(
      { form, requesterId: "U9", originChannelId: undefined, submissionKey: "V9" },
      1000,
      undefined,
    );
    expect(repo.get(request.id)).toMatchObject({
      ...form,
      requesterId: "U9",
      originChannelId: null,
      status: "pending",
      nextReminderAt: null,
      expiresAt: request.createdAt + 1000,
      updatedAt: request.createdAt,
    });
  });

  it("keeps the approval message it was posted with, and the requester's latest DM", () => {
    const r = record();
    repo.setApprovalMessage(r.id, "C1", "1.1");
    repo.setApprovalMessage(r.id, "C1", "2.2");
    expect(repo.get(r.id)).toMatchObject({ approvalChannelId: "C1", approvalMessageTs: "1.1" });
    repo.setRequesterMessage(r.id, "D1", "3.3");
    repo.setRequesterMessage(r.id, "D1", "4.4");
    expect(repo.requesterMessageOf(r.id)).toEqual({ channelId: "D1", ts: "4.4" });
    expect(repo.requesterMessageOf(r.id + 1)).toBeUndefined();
  });

  it("tells an outcome once", () => {
    const r = record();
    expect(repo.claimOutcomeNotification(r.id)).toBe(true);
    expect(repo.claimOutcomeNotification(r.id)).toBe(false);
  });
});
