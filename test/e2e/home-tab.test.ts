import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, APPROVER, APPROVER_2, Harness, OUTSIDER, REQUESTER, textOf } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import type { RequestForm } from "../../src/requests/form.ts";
import {
  buttonValues,
  clickInHome,
  hasButtons,
  homesOf,
  openHome,
  updatesOf,
  WAIT_MS,
  waitForHome,
} from "./lifecycle-support.ts";

const form = (name: string): RequestForm => ({
  tenant: "default",
  name,
  redirectUris: ["https://app.example.com/callback"],
  postLogoutRedirectUris: [],
  allowedCorsOrigins: [],
  accessTokenLifetime: 3600,
  justification: "Needed for the Home tab tests.",
});

let keys = 0;
/** Records a request straight through the domain (no approval post): for history the Home tab lists. */
async function seed(h: Harness, who: Person, name: string) {
  const result = await h.service.submit(form(name), who.id, undefined, `VSEED${++keys}`);
  if (result.kind !== "recorded") throw new Error(`not recorded: ${result.kind}`);
  return result.request;
}

/** Ids listed under "My requests" (the section lines start with the status emoji, then *#id*). */
function myIds(blocks: unknown[]): number[] {
  const start = blocks.findIndex((b) => JSON.stringify(b).includes("My requests"));
  return blocks
    .slice(start)
    .map((b) => /\*#(\d+)\*/.exec(JSON.stringify(b))?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

describe("App Home", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "100" } });
  });
  afterEach(async () => {
    await h.stop();
  });

  it("shows a requester their requests, newest first, with the client Id once created, and no approver section", async () => {
    const older = await seed(h, REQUESTER, "Older client");
    const { id } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id);
    const created = await h.waitForStatus(id, "created", WAIT_MS);

    const answer = await openHome(h, REQUESTER);
    expect(answer.status).toBe(200);
    const home = await waitForHome(h, REQUESTER);
    expect(myIds(home.blocks)).toEqual([id, older.id]);
    expect(home.text).toContain(created.createdClientId as string);
    expect(home.text).toContain("My requests (2)");
    expect(home.text).not.toContain("Waiting for you");
    // The pending one can be cancelled from here; the created one cannot.
    expect(buttonValues(home.blocks, "cancel_request")).toEqual([String(older.id)]);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
  });

  it("pages through many requests with Next page / Previous page", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) ids.push((await seed(h, REQUESTER, `Client ${i + 1}`)).id);
    const newestFirst = [...ids].reverse();
    await openHome(h, REQUESTER);
    const first = await waitForHome(h, REQUESTER);
    expect(myIds(first.blocks)).toEqual(newestFirst.slice(0, 10));
    expect(buttonValues(first.blocks, "home_page_newer")).toEqual([]);
    const [next] = buttonValues(first.blocks, "home_page_older");
    expect(next).toBeDefined();

    await clickInHome(h, REQUESTER, "home_page_older", next as string, first.privateMetadata);
    const second = await waitForHome(h, REQUESTER, () => true, 1);
    expect(myIds(second.blocks)).toEqual(newestFirst.slice(10, 20));
    const [next2] = buttonValues(second.blocks, "home_page_older");
    await clickInHome(h, REQUESTER, "home_page_older", next2 as string, second.privateMetadata);
    const third = await waitForHome(h, REQUESTER, () => true, 2);
    expect(myIds(third.blocks)).toEqual(newestFirst.slice(20));
    expect(buttonValues(third.blocks, "home_page_older")).toEqual([]);

    const [previous] = buttonValues(third.blocks, "home_page_newer");
    await clickInHome(h, REQUESTER, "home_page_newer", previous as string, third.privateMetadata);
    const back = await waitForHome(h, REQUESTER, () => true, 3);
    expect(myIds(back.blocks)).toEqual(newestFirst.slice(10, 20));

    // A tampered page value shows the first page rather than failing.
    await clickInHome(h, REQUESTER, "home_page_older", '{"before":"x"}');
    const reset = await waitForHome(h, REQUESTER, () => true, 4);
    expect(myIds(reset.blocks)).toEqual(newestFirst.slice(0, 10));
  });

  it("ignores the Messages tab", async () => {
    await openHome(h, REQUESTER, "messages");
    await openHome(h, OUTSIDER);
    await waitForHome(h, OUTSIDER);
    expect(homesOf(h, REQUESTER)).toHaveLength(0);
  });

  it("shows approvers what waits for them, with working Approve buttons, and refreshes after the decision", async () => {
    const { id, ts } = await h.submitValid();
    const own = await seed(h, APPROVER, "Approver's own client");
    await openHome(h, APPROVER);
    const home = await waitForHome(h, APPROVER);
    expect(home.text).toContain("Waiting for you (1)");
    expect(buttonValues(home.blocks, "approve_request")).toEqual([String(id)]);
    expect(buttonValues(home.blocks, "deny_request")).toEqual([String(id)]);
    // Their own request is not theirs to decide: listed under "My requests", not waiting.
    expect(myIds(home.blocks)).toEqual([own.id]);
    expect(home.text).toContain("https://dashboard.example.com/callback");
    const published = homesOf(h, APPROVER).length;

    const clicked = await clickInHome(h, APPROVER, "approve_request", String(id), home.privateMetadata);
    expect(clicked.status).toBe(200);
    await h.waitForStatus(id, "created", WAIT_MS);
    // The approval message in the channel follows too.
    await h.slack.waitFor(
      () => updatesOf(h, APPROVAL_CHANNEL, ts).find((c) => textOf(c.args).includes("client created")),
      WAIT_MS,
      "approval message edit",
    );
    const after = await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (0)"), published);
    expect(buttonValues(after.blocks, "approve_request")).toEqual([]);
    expect(h.slack.callsOf("chat.postEphemeral")).toHaveLength(0);
    expect(h.slack.responses).toHaveLength(0);
  });

  it("tells a refused click in the Home tab by re-publishing the tab with a note (no channel, no response_url there)", async () => {
    const { id } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id);
    await h.waitForStatus(id, "created", WAIT_MS);

    await clickInHome(h, APPROVER_2, "approve_request", String(id));
    const refused = await waitForHome(h, APPROVER_2, (x) => x.text.includes("already"));
    expect(refused.text).toContain(`Request #${id} is already`);
    expect(refused.text).toContain(`<@${APPROVER.id}>`);
    expect(hasButtons(refused.blocks.filter((b) => JSON.stringify(b).includes(`"value":"${id}"`)))).toBe(false);

    // Someone who is no approver at all.
    const other = await h.submitValid();
    await clickInHome(h, OUTSIDER, "approve_request", String(other.id));
    const outsider = await waitForHome(h, OUTSIDER, (x) => x.text.includes("Only the designated approvers"));
    expect(outsider.text).not.toContain("Waiting for you");
    expect((await h.request(other.id))?.status).toBe("pending");
    expect(h.slack.callsOf("chat.postEphemeral")).toHaveLength(0);
    expect(h.slack.responses).toHaveLength(0);
  });

  it("denies from the Home tab through the reason form, and the approver's open Home follows", async () => {
    const { id } = await h.submitValid();
    await openHome(h, APPROVER);
    const home = await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (1)"));
    const published = homesOf(h, APPROVER).length;

    await clickInHome(h, APPROVER, "deny_request", String(id), home.privateMetadata);
    const [modal] = await h.slack.waitForCalls("views.open", 1, () => true, WAIT_MS);
    expect((modal?.args.view as { callback_id?: string } | undefined)?.callback_id).toBe("deny_request_reason");
    await h.submitDenyReason(APPROVER, id, "Not needed.");
    await h.waitForStatus(id, "denied", WAIT_MS);
    await waitForHome(h, APPROVER, (x) => x.text.includes("Waiting for you (0)"), published);
  });

  it("cancels from the Home tab, and keeps a requester's open Home current as their request moves on", async () => {
    const { id } = await h.submitValid();
    const second = await h.submitValid();
    await openHome(h, REQUESTER);
    const home = await waitForHome(h, REQUESTER);
    expect(buttonValues(home.blocks, "cancel_request")).toEqual([String(second.id), String(id)]);

    // Approved in the channel: the requester's Home shows the client Id without reopening it.
    await h.click(APPROVER, "approve_request", id);
    const created = await h.waitForStatus(id, "created", WAIT_MS);
    await waitForHome(h, REQUESTER, (x) => x.text.includes(created.createdClientId as string));

    const count = homesOf(h, REQUESTER).length;
    await clickInHome(h, REQUESTER, "cancel_request", String(second.id), home.privateMetadata);
    await h.waitForStatus(second.id, "cancelled", WAIT_MS);
    const after = await waitForHome(h, REQUESTER, (x) => x.text.includes("cancelled"), count);
    expect(buttonValues(after.blocks, "cancel_request")).toEqual([]);
    // The DM with the Cancel button says it's cancelled now, as when cancelled from there.
    const card = await h.store.requests.requesterMessageOf(second.id);
    expect(card).toBeDefined();
    const edit = await h.slack.waitFor(
      () => updatesOf(h, card?.channelId ?? "", card?.ts ?? "")[0],
      WAIT_MS,
      "DM edit",
    );
    expect(textOf(edit.args)).toContain("You cancelled request");
  });
});
