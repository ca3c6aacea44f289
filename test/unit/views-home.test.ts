import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import type { Request } from "../../src/requests/request.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import { LIMITS } from "../../src/slack/surfaces/blocks.ts";
import {
  HOME_MAX_BLOCKS,
  HOME_PAGE_SIZE,
  HOME_WAITING_SIZE,
  type HomeData,
  homeView,
  parseHomeCursor,
} from "../../src/slack/surfaces/home.ts";
import { requestDetail, requestLine, requestList } from "../../src/slack/surfaces/status.ts";

const CLIENT_ID = "5f0c2f9e-9d4e-4a51-8f3a-0a8b7c6d5e4f";

const requests = (n: number, from: number, overrides: Partial<Request> = {}) =>
  Array.from({ length: n }, (_, i) => sampleRequest({ id: from - i, name: `Client ${from - i}`, ...overrides }));

const data = (overrides: Partial<HomeData> = {}): HomeData => ({
  mine: [],
  mineTotal: 0,
  hasNewer: false,
  hasOlder: false,
  cursor: {},
  approvalChannelId: "C0APPROVALS",
  tenantLabel: () => undefined,
  ...overrides,
});

const buttons = (blocks: KnownBlock[]) =>
  blocks.flatMap((b) => {
    const els = b.type === "actions" ? b.elements : b.type === "section" && b.accessory ? [b.accessory] : [];
    return els.flatMap((e) =>
      e.type === "button" ? [{ action: e.action_id ?? "", value: e.value ?? "", text: e.text.text }] : [],
    );
  });

const all = (blocks: KnownBlock[]) => JSON.stringify(blocks);

describe("App Home view", () => {
  it("lists my requests with status and client Id, and Cancel only on pending ones", () => {
    const view = homeView(
      data({
        mine: [
          sampleRequest({ id: 3, status: "pending" }),
          sampleRequest({ id: 2, status: "created", createdClientId: CLIENT_ID }),
          sampleRequest({ id: 1, status: "denied" }),
        ],
        mineTotal: 3,
      }),
    );
    expect(view.type).toBe("home");
    const text = all(view.blocks);
    expect(text).toContain("My requests (3)");
    expect(text.indexOf("*#3*")).toBeLessThan(text.indexOf("*#2*"));
    expect(text).toContain(`client Id \`${CLIENT_ID}\``);
    expect(buttons(view.blocks)).toEqual([{ action: "cancel_request", value: "3", text: "Cancel" }]);
    expect(text).not.toContain("Waiting for you");
  });

  it("pages with keyset cursors and keeps the current one in private_metadata", () => {
    const mine = requests(HOME_PAGE_SIZE, 40, { status: "created" });
    const view = homeView(data({ mine, mineTotal: 55, hasNewer: true, hasOlder: true, cursor: { before: 41 } }));
    expect(buttons(view.blocks)).toEqual([
      { action: ACTIONS.homeNewer, value: JSON.stringify({ after: 40 }), text: "Previous page" },
      { action: ACTIONS.homeOlder, value: JSON.stringify({ before: 31 }), text: "Next page" },
    ]);
    expect(parseHomeCursor(view.private_metadata)).toEqual({ before: 41 });
    const first = homeView(data({ mine, mineTotal: 55, hasOlder: true }));
    expect(buttons(first.blocks).map((b) => b.text)).toEqual(["Next page"]);
  });

  it("reads cursors defensively", () => {
    expect(parseHomeCursor('{"before":12}')).toEqual({ before: 12 });
    expect(parseHomeCursor('{"after":7}')).toEqual({ after: 7 });
    for (const bad of ["", "nope", '{"before":"12"}', '{"before":-1}', '{"before":1,"after":2}', "[]", undefined]) {
      expect(parseHomeCursor(bad)).toEqual({});
    }
  });

  it("shows approvers what waits, with the tenant, the redirect URLs and the same Approve / Deny buttons", () => {
    const waiting = requests(2, 9, { requesterId: "U0OTHER", tenant: "beta" });
    const view = homeView(
      data({ waiting: { requests: waiting, total: 2 }, tenantLabel: (t) => (t === "beta" ? "beta (eu)" : undefined) }),
    );
    const text = all(view.blocks);
    expect(text).toContain("Waiting for you (2)");
    expect(text).toContain("tenant *beta (eu)*");
    expect(text).toContain("https://dashboard.example.com/callback");
    expect(text).toContain("<@U0OTHER>");
    expect(buttons(view.blocks).map((b) => `${b.action}:${b.value}`)).toEqual([
      "view_request:9",
      "approve_request:9",
      "deny_request:9",
      "view_request:8",
      "approve_request:8",
      "deny_request:8",
    ]);
    const empty = homeView(data({ waiting: { requests: [], total: 0 } }));
    expect(all(empty.blocks)).toContain("Nothing waits for your decision.");
  });

  it("says how many more wait beyond those shown", () => {
    const view = homeView(data({ waiting: { requests: requests(HOME_WAITING_SIZE, 99), total: 37 } }));
    expect(all(view.blocks)).toContain(`The ${HOME_WAITING_SIZE} oldest of 37 requests are shown`);
  });

  it("puts a note on top when a click changed nothing", () => {
    const view = homeView(data({ notice: "Request #5 is already denied." }));
    expect(all(view.blocks.slice(0, 3))).toContain("Request #5 is already denied.");
  });

  it("stays within Slack's limits with the largest pages and the longest content", () => {
    const long = {
      name: "&".repeat(100),
      justification: "<x>".repeat(700),
      redirectUris: Array.from({ length: 10 }, (_, i) => `https://${"a".repeat(180)}.example.com/${i}`),
    };
    const view = homeView(
      data({
        mine: requests(HOME_PAGE_SIZE, 500, long),
        mineTotal: 1000,
        hasNewer: true,
        hasOlder: true,
        waiting: { requests: requests(HOME_WAITING_SIZE, 999, { ...long, requesterId: "U0OTHER" }), total: 500 },
        notice: "n".repeat(200),
      }),
    );
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
    for (const block of view.blocks) {
      if (block.type === "section" && block.text) {
        expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      }
      if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.header);
    }
    expect((view.private_metadata ?? "").length).toBeLessThanOrEqual(3000);
    // Typed text is shown as typed in plain_text (never parsed), and nowhere raw in mrkdwn.
    const texts = view.blocks.flatMap((b) => (b.type === "section" && b.text ? [b.text] : []));
    expect(texts.filter((t) => t.type === "mrkdwn").some((t) => t.text.includes("<x>"))).toBe(false);
    expect(texts.filter((t) => t.type === "plain_text").some((t) => t.text.includes("<x><x>"))).toBe(true);
  });
});

describe("status replies", () => {
  it("one line per request: number, name, status, client Id when created", () => {
    const line = requestLine(sampleRequest({ id: 7, status: "created", createdClientId: CLIENT_ID, name: "<b>" }));
    expect(line).toContain("*#7*");
    expect(line).toContain("&lt;b&gt;");
    expect(line).toContain("created");
    expect(line).toContain(`\`${CLIENT_ID}\``);
    expect(requestLine(sampleRequest({ status: "pending" }))).not.toContain("client Id");
  });

  it("lists requests one per block and says when there are more", () => {
    const list = requestList(requests(10, 30), 25, () => "beta");
    expect(list.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    expect(all(list.blocks)).toContain("Showing your 10 newest of 25");
    expect(all(list.blocks)).toContain("· beta");
    expect(list.text).toContain("#30 pending");
    expect(all(requestList([], 0).blocks)).toContain("You have no requests yet");
  });

  it("shows one request in full with its status, client Id and history (newest entries when long)", () => {
    const r = sampleRequest({ id: 12, status: "created", createdClientId: CLIENT_ID, decidedBy: "U0APPROVE1" });
    const history = Array.from({ length: 30 }, (_, i) => ({
      id: i + 1,
      requestId: 12,
      actor: i === 0 ? "U0REQUEST" : "system",
      fromStatus: i === 0 ? null : ("creating" as const),
      toStatus: i === 0 ? ("pending" as const) : ("creating" as const),
      detail: i === 29 ? "the <last> one" : null,
      at: Date.UTC(2026, 0, 1) + i * 1000,
    }));
    const detail = requestDetail(r, "beta", history);
    const text = all(detail.blocks);
    expect(detail.text).toContain(CLIENT_ID);
    expect(text).toContain("History (latest 20 of 30)");
    expect(text).toContain("the &lt;last&gt; one");
    expect(text).not.toContain("submitted (pending)"); // the oldest entry is beyond the 20 shown
    expect(text).toContain("the bot");
    expect(detail.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    const short = all(requestDetail(r, undefined, history.slice(0, 2)).blocks);
    expect(short).toContain("submitted (pending)");
    expect(short).toContain("<@U0REQUEST>");
  });
});
