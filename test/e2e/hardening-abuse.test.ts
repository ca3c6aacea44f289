import { request } from "node:http";
import type { InputBlock, ModalView } from "@slack/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVER, Harness, OUTSIDER, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import { type Person, sign } from "../../devkit/slackRequests.ts";
import { FORM } from "../../src/requests/form.ts";
import { DENY_REASON_MAX } from "../../src/slack/surfaces/denyModal.ts";

const WAIT = 10_000;
const NEWCOMER: Person = { id: "U0NEWCOMER", name: "nina" };

/**
 * POSTs a body on a connection of its own and returns the answer's status. (fetch may report the
 * server's close after a 413 as a reset, depending on how far its upload got.)
 */
function postOversized(baseUrl: string, body: string, signature?: string): Promise<number> {
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/slack/events`,
      {
        method: "POST",
        agent: false,
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": String(Buffer.byteLength(body)),
          "X-Slack-Request-Timestamp": String(timestamp),
          "X-Slack-Signature": signature ?? sign(body, timestamp),
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface ErrorsAnswer {
  response_action: string;
  errors?: Record<string, string>;
  view?: ModalView;
}

describe("abuse limits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "2" } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const approvalPosts = () => h.approvalPosts();

  describe("pending requests per person", () => {
    let first: { id: number; ts: string };
    beforeAll(async () => {
      first = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "First app" });
      await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Second app" });
    });

    it("opens the modal, then replaces it with a clear notice when the person is at the limit", async () => {
      const opens = h.slack.callsOf("views.open").length;
      const updates = h.slack.callsOf("views.update").length;
      expect((await h.command(REQUESTER)).status).toBe(200);
      const [update] = (await h.slack.waitForCalls("views.update", updates + 1, () => true, WAIT)).slice(updates);
      const opened = h.slack.callsOf("views.open")[opens];
      expect((opened?.args.view as ModalView | undefined)?.callback_id).toBe("create_auth_client");
      const notice = update?.args.view as ModalView;
      expect(notice.callback_id).toBe("pending_limit");
      expect(notice.submit).toBeUndefined();
      expect(textOf({ blocks: notice.blocks })).toMatch(/already have 2 requests waiting.*the limit is 2/);
    });

    it("lets someone else, below the limit, have the form", async () => {
      const updates = h.slack.callsOf("views.update").length;
      const opens = h.slack.callsOf("views.open").length;
      await h.command(NEWCOMER);
      await h.slack.waitForCalls("views.open", opens + 1, () => true, WAIT);
      // The command's work is done when its log line is written.
      await h.slack.waitFor(
        () => h.logLines.some((l) => l.includes('"event":"slack_request"') && l.includes(`"user":"${NEWCOMER.id}"`)),
        WAIT,
        "the command handled",
      );
      expect(h.slack.callsOf("views.update")).toHaveLength(updates);
    });

    it("checks again on submission (a form opened before the limit was reached) and records nothing", async () => {
      const before = await h.store.reads.countByRequester(REQUESTER.id);
      const posts = approvalPosts().length;
      const answer = await h.submitForm(REQUESTER, { ...VALID_FORM, name: "Third app" });
      const body = answer.json as ErrorsAnswer;
      expect(body.response_action).toBe("update");
      expect(body.view?.callback_id).toBe("pending_limit");
      expect(await h.store.reads.countByRequester(REQUESTER.id)).toBe(before);
      expect(approvalPosts()).toHaveLength(posts);
    });

    it("frees a place when one of them is decided", async () => {
      await h.click(REQUESTER, "cancel_request", first.id);
      await h.waitForStatus(first.id, "cancelled", WAIT);
      const answer = await h.submitForm(REQUESTER, { ...VALID_FORM, name: "Third app" });
      expect(answer.text).toBe("");
      expect(await h.store.requests.countPendingBy(REQUESTER.id)).toBe(2);
    });
  });

  describe("length of every text field", () => {
    it("bounds every text input of the modal by max_length, from the form's limits", async () => {
      const opens = h.slack.callsOf("views.open").length;
      await h.command(OUTSIDER);
      const [open] = (await h.slack.waitForCalls("views.open", opens + 1, () => true, WAIT)).slice(opens);
      const view = open?.args.view as ModalView | undefined;
      const inputs = ((view?.blocks ?? []) as InputBlock[]).filter((b) => b.type === "input");
      const maxLengths = Object.fromEntries(
        inputs
          .filter((b) => b.element.type === "plain_text_input")
          .map((b) => [b.block_id, (b.element as { max_length?: number }).max_length]),
      );
      expect(maxLengths).toEqual({
        name: FORM.name.maxLength,
        redirectUris: FORM.listInputMaxLength,
        postLogoutRedirectUris: FORM.listInputMaxLength,
        allowedCorsOrigins: FORM.listInputMaxLength,
        justification: FORM.justification.maxLength,
      });
    });

    const tooLong: [string, Record<string, string>][] = [
      ["name", { name: "n".repeat(FORM.name.maxLength + 1) }],
      ["redirectUris", { redirectUris: `https://a.example.com/cb\n${" ".repeat(FORM.listInputMaxLength)}` }],
      ["postLogoutRedirectUris", { postLogoutRedirectUris: "\n".repeat(FORM.listInputMaxLength + 1) }],
      ["allowedCorsOrigins", { allowedCorsOrigins: `https://a.example.com${"\r\n".repeat(2000)}` }],
      ["justification", { justification: "j".repeat(FORM.justification.maxLength + 1) }],
    ];
    it.each(tooLong)("refuses a %s over its limit on the server, whatever the modal allowed", async (field, change) => {
      const before = await h.store.reads.countByRequester(NEWCOMER.id);
      const answer = await h.submitForm(NEWCOMER, { ...VALID_FORM, ...change });
      const body = answer.json as ErrorsAnswer;
      expect(body.response_action).toBe("errors");
      expect(Object.keys(body.errors ?? {})).toEqual([field]);
      expect(body.errors?.[field]).toMatch(/characters or fewer/);
      expect(await h.store.reads.countByRequester(NEWCOMER.id)).toBe(before);
    });

    it("bounds the deny reason to 500 characters", async () => {
      const { id } = await h.submitValid(NEWCOMER, { ...VALID_FORM, name: "To be denied" });
      const refused = await h.submitDenyReason(APPROVER, id, "r".repeat(DENY_REASON_MAX + 1));
      expect((refused.json as ErrorsAnswer).errors?.reason).toMatch(/up to 500 characters/);
      expect((await h.request(id))?.status).toBe("pending");

      const reason = "r".repeat(DENY_REASON_MAX);
      expect((await h.submitDenyReason(APPROVER, id, reason)).text).toBe("");
      const denied = await h.waitForStatus(id, "denied", WAIT);
      expect(denied.decisionReason).toBe(reason);
    });
  });

  describe("oversized request bodies", () => {
    /** Every request recorded, whoever asked (read a batch at a time, as the audit export does). */
    const count = async () => {
      let total = 0;
      for (let afterId = 0; ; ) {
        const { requests } = await h.store.audit.exportBatch(undefined, afterId, 500);
        const last = requests.at(-1);
        if (!last) return total;
        total += requests.length;
        afterId = last.id;
      }
    };

    const handled = () => h.logLines.filter((l) => l.includes('"event":"slack_request"')).length;

    it("answers 413 to a signed 1 MB body, records nothing, handles nothing, and keeps serving", async () => {
      const requests = await count();
      const before = handled();
      const payload = JSON.stringify({ type: "view_submission", filler: "x".repeat(1024 * 1024) });
      expect(await postOversized(h.baseUrl, new URLSearchParams({ payload }).toString())).toBe(413);
      expect(await count()).toBe(requests);
      expect(handled()).toBe(before);
      expect(h.logLines.some((l) => l.includes("exceeded the maximum allowed size"))).toBe(true);
      expect(h.logLines.some((l) => l.includes("x".repeat(100)))).toBe(false);

      const health = await fetch(`${h.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const { id } = await h.submitValid(OUTSIDER, { ...VALID_FORM, name: "After the flood" });
      expect((await h.request(id))?.status).toBe("pending");
    });

    it("answers 413 to an unsigned 1 MB body too (size is checked before anything else)", async () => {
      const body = "x".repeat(1024 * 1024);
      expect(await postOversized(h.baseUrl, body, "v0=0000")).toBe(413);
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    });

    it("survives a body under the limit packed with the largest fields, and records nothing", async () => {
      const requests = await count();
      const answer = await h.submitForm(OUTSIDER, {
        name: "n".repeat(60_000),
        redirectUris: "https://a.example.com/\n".repeat(3000),
        justification: "j".repeat(60_000),
      });
      expect(answer.status).toBe(200);
      expect(Object.keys((answer.json as ErrorsAnswer).errors ?? {}).sort()).toEqual([
        "justification",
        "name",
        "redirectUris",
      ]);
      expect(await count()).toBe(requests);
    });
  });
});
