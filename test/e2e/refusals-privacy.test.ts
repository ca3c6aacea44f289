import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, Harness, OUTSIDER, REQUESTER, VALID_FORM } from "../../devkit/harness.ts";
import type { Person } from "../../devkit/slackRequests.ts";
import { clickInHome, homesOf, WAIT_MS, waitForHome } from "./lifecycle-support.ts";

/**
 * A refusal tells nobody more than they may know: to someone who may not act, a request that
 * exists reads exactly like one that doesn't, and neither names the requester or the request.
 */
describe("refusals reveal nothing", () => {
  let h: Harness;
  let pending: { id: number; ts: string };
  let failed: { id: number; ts: string };
  const MISSING = 987_654;

  beforeAll(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "50" } });
    pending = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Secret project" });
    failed = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Secret failure" });
    h.identity.inject({ route: "POST clients", status: 400, body: { Error: "Refused." } });
    await h.click(APPROVER, "approve_request", failed.id, failed.ts);
    await h.waitForStatus(failed.id, "failed", WAIT_MS);
  });
  afterAll(async () => {
    await h.stop();
  });

  /** What `user` is told after clicking `action` on request `id` in a message. */
  async function fromMessage(user: Person, action: string, id: number): Promise<string> {
    const before = h.ephemeralsTo(user).length;
    expect((await h.click(user, action, id)).status).toBe(200);
    const note = await h.slack.waitFor(() => h.ephemeralsTo(user)[before], WAIT_MS, `a note to ${user.name}`);
    return String(note.args.text);
  }

  /** What `user` is told after clicking `action` on request `id` in their App Home. */
  async function fromHome(user: Person, action: string, id: number): Promise<string> {
    const before = homesOf(h, user).length;
    expect((await clickInHome(h, user, action, String(id))).status).toBe(200);
    const home = await waitForHome(h, user, (p) => p.text.includes(":information_source:"), before);
    return /:information_source: (.*)/.exec(home.text)?.[1] ?? "";
  }

  /** Nothing in `text` about the request: not its number, its name or its requester. */
  function revealsNothing(text: string, id: number): void {
    expect(text).not.toContain(String(id));
    expect(text).not.toContain("Secret");
    expect(text).not.toContain(REQUESTER.id);
    expect(text).not.toContain(REQUESTER.name);
  }

  const cases: [string, Person, string, () => number][] = [
    ["Approve by someone who isn't an approver", OUTSIDER, "approve_request", () => pending.id],
    ["Deny by someone who isn't an approver", OUTSIDER, "deny_request", () => pending.id],
    ["Retry by someone who isn't an approver", OUTSIDER, "retry_request", () => failed.id],
    ["Cancel by someone else", OUTSIDER, "cancel_request", () => pending.id],
    ["Cancel by an approver who didn't ask", APPROVER_2, "cancel_request", () => pending.id],
  ];

  it.each(cases)(
    "%s reads the same for a request that exists and one that doesn't",
    async (_what, user, action, id) => {
      for (const where of [fromMessage, fromHome]) {
        const existing = await where(user, action, id());
        const missing = await where(user, action, MISSING);
        expect(existing).not.toBe("");
        expect(existing).toBe(missing);
        revealsNothing(existing, id());
      }
      expect((await h.request(pending.id))?.status).toBe("pending");
      expect((await h.request(failed.id))?.status).toBe("failed");
      expect(h.slack.callsOf("views.open")).toHaveLength(0);
    },
  );

  it("the deny reason sent by someone who isn't an approver reads the same for any number", async () => {
    const errorOf = async (id: number) => {
      const answer = await h.submitDenyReason(OUTSIDER, id, "No.");
      return String((answer.json as { errors?: { reason?: string } }).errors?.reason);
    };
    const existing = await errorOf(pending.id);
    expect(existing).toBe(await errorOf(MISSING));
    revealsNothing(existing, pending.id);
    expect((await h.request(pending.id))?.status).toBe("pending");
  });

  it("status n reads the same for someone else's request and a missing one", async () => {
    const replyTo = async (text: string) => {
      const before = h.slack.responses.length;
      await h.command(OUTSIDER, text);
      const post = await h.slack.waitFor(() => h.slack.responses[before], WAIT_MS, "the status reply");
      return String(post.body.text);
    };
    const existing = await replyTo(`status ${pending.id}`);
    expect(existing.replace(String(pending.id), "N")).toBe(
      (await replyTo(`status ${MISSING}`)).replace(String(MISSING), "N"),
    );
    expect(existing).not.toContain("Secret");
    expect(existing).not.toContain(REQUESTER.id);
  });
});
