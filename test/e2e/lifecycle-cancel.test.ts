import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  APPROVAL_CHANNEL,
  APPROVER,
  APPROVER_2,
  Harness,
  OUTSIDER,
  REQUESTER,
  textOf,
  VALID_FORM,
} from "../../devkit/harness.ts";
import { actionIdsIn, hasButtons, threadReplies, updatesOf, WAIT_MS } from "./lifecycle-support.ts";

describe("the requester cancels a pending request", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  /** Submits, and waits until the requester's DM with its Cancel button has been sent and remembered. */
  async function submitted() {
    const { id, ts } = await h.submitValid();
    const card = await h.slack.waitFor(() => h.store.requests.requesterMessageOf(id), WAIT_MS, "requester DM");
    const dm = h.dmsTo(REQUESTER).at(-1);
    expect(JSON.stringify(dm?.args.blocks)).toContain('"action_id":"cancel_request"');
    return { id, ts, card };
  }

  it("edits the approval message, replies in its thread, turns the DM into the outcome, and approvers can no longer act", async () => {
    const { id, ts, card } = await submitted();
    const dmsBefore = h.dmsTo(REQUESTER).length;

    const clicked = await h.click(REQUESTER, "cancel_request", id, card.ts, card.channelId);
    expect(clicked.status).toBe(200);
    await h.waitForStatus(id, "cancelled", WAIT_MS);

    // The approval message: status line says cancelled, and its buttons are gone.
    const approval = await h.slack.waitFor(
      () => updatesOf(h, APPROVAL_CHANNEL, ts).find((c) => textOf(c.args).includes("Cancelled")),
      WAIT_MS,
      "approval message edit",
    );
    expect(actionIdsIn(approval.args.blocks)).toEqual(["view_request"]);
    // A reply in its thread.
    const reply = await h.slack.waitFor(() => threadReplies(h, ts).find((c) => textOf(c.args).includes("cancelled")));
    expect(textOf(reply.args)).toContain(`#${id}`);
    // The DM with the Cancel button is replaced: it now says it's cancelled, without buttons.
    const dmEdit = await h.slack.waitFor(
      () => updatesOf(h, card.channelId, card.ts)[0],
      WAIT_MS,
      "the requester's DM to be edited",
    );
    expect(hasButtons(dmEdit.args.blocks)).toBe(false);
    expect(textOf(dmEdit.args)).toContain("You cancelled request");
    expect(textOf(dmEdit.args)).toContain(VALID_FORM.name as string);
    expect(textOf(dmEdit.args)).toContain("/create-auth-client");
    // … and that edit is the outcome: no second DM saying the same.
    expect(h.dmsTo(REQUESTER)).toHaveLength(dmsBefore);

    // The audit trail records who cancelled.
    const last = (await h.store.reads.auditOf(id)).at(-1);
    expect(last).toMatchObject({ actor: REQUESTER.id, fromStatus: "pending", toStatus: "cancelled" });

    // An approver clicking a stale Approve changes nothing and is told why.
    await h.click(APPROVER, "approve_request", id, ts);
    const refusal = await h.slack.waitFor(() => h.ephemeralsTo(APPROVER)[0], WAIT_MS, "refusal");
    expect(String(refusal.args.text)).toContain("cancelled");
    // Deny opens no reason form either.
    await h.click(APPROVER_2, "deny_request", id, ts);
    await h.slack.waitFor(() => h.ephemeralsTo(APPROVER_2)[0], WAIT_MS, "deny refusal");
    expect(h.slack.callsOf("views.open")).toHaveLength(0);
    expect((await h.request(id))?.status).toBe("cancelled");
    expect(h.identity.callsTo("POST clients")).toHaveLength(0);
    // Still one DM: the cancellation never arrived as a second message.
    expect(h.dmsTo(REQUESTER)).toHaveLength(dmsBefore);
  });

  it("a second click on Cancel (a stale button) changes nothing and sends no second outcome", async () => {
    const { id, card } = await submitted();
    await h.click(REQUESTER, "cancel_request", id, card.ts, card.channelId);
    await h.waitForStatus(id, "cancelled", WAIT_MS);
    await h.slack.waitFor(() => updatesOf(h, card.channelId, card.ts)[0], WAIT_MS, "DM edit");
    const dms = h.dmsTo(REQUESTER).length;

    await h.click(REQUESTER, "cancel_request", id, card.ts, card.channelId);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER)[0], WAIT_MS, "note to the requester");
    expect(String(note.args.text)).toContain("already cancelled");
    expect(updatesOf(h, card.channelId, card.ts)).toHaveLength(1);
    expect(h.dmsTo(REQUESTER)).toHaveLength(dms);
    expect((await h.store.reads.auditOf(id)).filter((e) => e.toStatus === "cancelled")).toHaveLength(1);
  });

  it("nobody but the requester can cancel, and the refusal does not say whose request it is", async () => {
    const { id, card } = await submitted();
    for (const someone of [OUTSIDER, APPROVER]) {
      await h.click(someone, "cancel_request", id, card.ts, card.channelId);
      const note = await h.slack.waitFor(() => h.ephemeralsTo(someone)[0], WAIT_MS, "refusal");
      // Someone else's request answers exactly as one that does not exist.
      expect(String(note.args.text)).toBe(
        "That request doesn't exist, or it isn't yours to change. Nothing was changed.",
      );
      expect(String(note.args.text)).not.toContain(REQUESTER.id);
    }
    expect((await h.request(id))?.status).toBe("pending");
    expect(await h.store.reads.auditOf(id)).toHaveLength(1);
    expect(updatesOf(h, card.channelId, card.ts)).toHaveLength(0);
  });

  it("a denial removes the DM's Cancel button and sends exactly one DM that stands on its own", async () => {
    const { id, ts, card } = await submitted();
    const dmsBefore = h.dmsTo(REQUESTER).length;
    await h.click(APPROVER, "deny_request", id, ts);
    await h.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    const answer = await h.submitDenyReason(APPROVER, id, "Use the shared staging client instead.");
    expect(answer.status).toBe(200);
    await h.waitForStatus(id, "denied", WAIT_MS);

    const dm = await h.slack.waitFor(() => h.dmsTo(REQUESTER)[dmsBefore], WAIT_MS, "denial DM");
    const text = textOf(dm.args);
    expect(text).toContain("was denied by");
    expect(text).toContain(`<@${APPROVER.id}>`);
    expect(text).toContain("Use the shared staging client instead.");
    expect(text).toContain(VALID_FORM.name as string); // what was asked
    expect(text).toContain("https://dashboard.example.com/callback");
    expect(text).toContain("What next");
    expect(hasButtons(dm.args.blocks)).toBe(false);

    const cardEdit = await h.slack.waitFor(() => updatesOf(h, card.channelId, card.ts)[0], WAIT_MS, "DM edit");
    expect(actionIdsIn(cardEdit.args.blocks)).toEqual(["view_request"]);
    expect(textOf(cardEdit.args)).toContain("Denied by");

    const approval = await h.slack.waitFor(
      () => updatesOf(h, APPROVAL_CHANNEL, ts).find((c) => textOf(c.args).includes("Denied by")),
      WAIT_MS,
      "approval edit",
    );
    expect(actionIdsIn(approval.args.blocks)).toEqual(["view_request"]);
    await h.slack.waitFor(() => threadReplies(h, ts).find((c) => textOf(c.args).includes("Denied by")), WAIT_MS);
    expect(h.dmsTo(REQUESTER)).toHaveLength(dmsBefore + 1);

    // Cancel on the old DM after the denial: refused, and nothing more is sent.
    await h.click(REQUESTER, "cancel_request", id, card.ts, card.channelId);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(REQUESTER)[0], WAIT_MS, "note");
    expect(String(note.args.text)).toContain("already denied");
    expect(h.dmsTo(REQUESTER)).toHaveLength(dmsBefore + 1);
  });
});
