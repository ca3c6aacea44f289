import { describe, expect, it } from "vitest";
import { APPROVER, APPROVER_2, type Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import { NAME_SEARCH } from "../../src/identity/client.ts";
import { harnessPerTest } from "../support/harnessPerTest.ts";
import { WAIT_MS } from "./lifecycle-support.ts";

/** Risk hints on the approval message: they inform approvers, and never block or delay anything. */

const start = harnessPerTest();

const EXISTING = "11111111-2222-4333-8444-555555555555";

/** A client already in the tenant, as the Identity API lists it. */
function existingClient(h: Harness, name: string, id = EXISTING): void {
  h.identity.clients.set(id.toLowerCase(), { Id: id, Name: name, RedirectUris: ["https://old.example.com/cb"] });
}

const updatesOf = (h: Harness, ts: string) => h.slack.callsOf("chat.update").filter((c) => c.args.ts === ts);
const HINTS = "Worth a second look";
const NAME_HINT = "already has this name";

describe("risk hints", () => {
  it("flag http loopback in a two-approval tenant, hosts that differ, a short lifetime, many redirects and a taken name", async () => {
    const h = await start({ env: { REQUIRED_APPROVALS: "2" } });
    existingClient(h, "plant DASHBOARD ");
    const { id, ts } = await h.submitValid(REQUESTER, {
      ...VALID_FORM,
      redirectUris: [
        "https://dashboard.example.com/callback",
        "http://localhost:5173/callback",
        ...[1, 2, 3, 4].map((n) => `https://dashboard.example.com/cb${n}`),
      ].join("\n"),
      allowedCorsOrigins: "https://api.partner.org",
      accessTokenLifetime: "120",
    });
    const post = h.approvalPosts().at(-1);
    const first = textOf(post?.args ?? {});
    expect(first).toContain(HINTS);
    expect(first).toContain(
      "Plain http loopback URL in a tenant that needs 2 approvals: http://localhost:5173/callback.",
    );
    expect(first).toContain(
      "Redirect hosts and CORS origins differ: CORS origins on api.partner.org, where no redirect URL goes; redirect URLs on dashboard.example.com, without a CORS origin.",
    );
    expect(first).toContain("Token lifetime of 120 s, under 5 minutes.");
    expect(first).toContain("6 redirect URLs (more than 5).");
    // The name is checked after the post, never before it.
    expect(first).not.toContain(NAME_HINT);

    // Then the message says so, from the list endpoint read with a small count.
    const update = await h.slack.waitFor(
      () => updatesOf(h, ts).find((u) => textOf(u.args).includes(NAME_HINT)),
      WAIT_MS,
      "the name hint",
    );
    expect(textOf(update.args)).toContain(`${NAME_HINT} (client Id ${EXISTING})`);
    expect((await h.request(id))?.nameTakenBy).toBe(EXISTING);
    expect(h.identity.callsTo("GET clients").map((c) => c.query)).toEqual([`skip=0&count=${NAME_SEARCH.pageSize}`]);

    // Hints never block: two approvals create the client, and the hints stay on the message.
    await h.click(APPROVER, "approve_request", id, ts);
    await h.click(APPROVER_2, "approve_request", id, ts);
    await h.waitForStatus(id, "created", WAIT_MS);
    const last = await h.slack.waitFor(
      () => updatesOf(h, ts).find((u) => textOf(u.args).includes("client created")),
      WAIT_MS,
      "the final message",
    );
    expect(textOf(last.args)).toContain(NAME_HINT);
    expect(textOf(last.args)).toContain("Token lifetime of 120 s, under 5 minutes.");
  });

  it("show nothing for an ordinary request in a one-approval tenant (http loopback is fine there)", async () => {
    const h = await start();
    existingClient(h, "Another app");
    const { id } = await h.submitValid();
    expect(textOf(h.approvalPosts().at(-1)?.args ?? {})).not.toContain(HINTS);
    await h.slack.waitFor(() => h.identity.callsTo("GET clients").length === 1, WAIT_MS, "the name check");
    await h.slack.waitFor(
      () => h.logLines.find((l) => l.includes('"name_checked"') && l.includes(`"request":${id}`)),
      WAIT_MS,
      "the name check's end",
    );
    expect((await h.request(id))?.nameTakenBy).toBeNull();
    expect(h.slack.callsOf("chat.update")).toHaveLength(0);
  });

  it("never hold up the approval post: a slow list endpoint answers after it", async () => {
    const h = await start();
    existingClient(h, VALID_FORM.name as string);
    h.identity.inject({ route: "GET clients", delayMs: 1500 });
    const submitted = Date.now();
    const { ts } = await h.submitValid();
    const posted = h.approvalPosts().at(-1)?.at ?? Number.POSITIVE_INFINITY;
    expect(posted - submitted).toBeLessThan(1500);
    expect(textOf(h.approvalPosts().at(-1)?.args ?? {})).not.toContain(NAME_HINT);
    const update = await h.slack.waitFor(
      () => updatesOf(h, ts).find((u) => textOf(u.args).includes(NAME_HINT)),
      WAIT_MS,
      "the late name hint",
    );
    expect(update.at - submitted).toBeGreaterThanOrEqual(1500);
  });

  it("read a bounded number of pages; a list endpoint that fails or is too slow changes nothing but a log line", async () => {
    const h = await start();
    const read = NAME_SEARCH.pageSize * NAME_SEARCH.maxPages;
    for (let i = 0; i < read + 50; i++) {
      existingClient(
        h,
        i === read + 10 ? (VALID_FORM.name as string) : `App ${i}`,
        `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      );
    }
    const far = await h.submitValid();
    await h.slack.waitFor(
      () => h.logLines.find((l) => l.includes('"name_checked"') && l.includes(`"request":${far.id}`)),
      WAIT_MS,
      "the name check's end",
    );
    expect(h.identity.callsTo("GET clients")).toHaveLength(NAME_SEARCH.maxPages);
    expect((await h.request(far.id))?.nameTakenBy).toBeNull();
    // Created: a change of the bot's own to the tenant, so the next check reads the list again
    // (pages read are otherwise used again for a few seconds).
    await h.click(APPROVER, "approve_request", far.id, far.ts);
    await h.waitForStatus(far.id, "created", WAIT_MS);

    // An error answer: logged, no hint, and the request goes on as ever.
    h.identity.inject({ route: "GET clients", status: 500, body: { Error: "Boom." } });
    const failed = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "App 3" });
    const line = await h.slack.waitFor(
      () => h.logLines.find((l) => l.includes('"name_check_failed"') && l.includes(`"request":${failed.id}`)),
      WAIT_MS,
      "the log line",
    );
    expect(line).toContain("Boom.");
    expect((await h.request(failed.id))?.nameTakenBy).toBeNull();
    await h.click(APPROVER, "approve_request", failed.id, failed.ts);
    await h.waitForStatus(failed.id, "created", WAIT_MS);

    // A page slower than its timeout: given up, logged, no hint.
    h.identity.inject({ route: "GET clients", delayMs: NAME_SEARCH.timeoutMs + 1_000 });
    const slow = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "App 4" });
    await h.slack.waitFor(
      () => h.logLines.find((l) => l.includes('"name_check_failed"') && l.includes(`"request":${slow.id}`)),
      NAME_SEARCH.timeoutMs + WAIT_MS,
      "the timeout's log line",
    );
    expect((await h.request(slow.id))?.nameTakenBy).toBeNull();
    expect(textOf(updatesOf(h, slow.ts).at(-1)?.args ?? {})).not.toContain(NAME_HINT);
  });
});
