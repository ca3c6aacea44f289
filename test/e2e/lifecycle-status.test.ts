import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVER, Harness, OUTSIDER, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import { WAIT_MS } from "./lifecycle-support.ts";

describe("/create-auth-client status", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "50" } });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** The reply the command sent to its response_url (ephemeral). */
  async function reply(count: number) {
    const posts = await h.slack.waitFor(
      () => (h.slack.responses.length >= count ? h.slack.responses : undefined),
      WAIT_MS,
      `${count} response_url posts`,
    );
    const post = posts[count - 1];
    if (!post) throw new Error("no reply");
    expect(post.body.response_type).toBe("ephemeral");
    return { body: post.body, text: textOf(post.body) };
  }

  it("lists the caller's recent requests, newest first, with the client Id once created", async () => {
    const first = await h.submitValid();
    const second = await h.submitValid(REQUESTER, { ...VALID_FORM, name: "Second client" });
    await h.click(APPROVER, "approve_request", first.id);
    const created = await h.waitForStatus(first.id, "created", WAIT_MS);

    const answer = await h.command(REQUESTER, "status");
    expect(answer.status).toBe(200);
    const { text } = await reply(1);
    expect(text.indexOf(`#${second.id}`)).toBeGreaterThan(-1);
    expect(text.indexOf(`#${second.id}`)).toBeLessThan(text.indexOf(`#${first.id}`));
    expect(text).toContain(created.createdClientId as string);
    expect(text).toContain("pending");
    // Nothing of it went to a channel.
    expect(h.slack.callsOf("chat.postMessage").filter((c) => c.args.channel === "C0ORIGIN")).toHaveLength(0);
  });

  it("shows at most ten, and says how many there are", async () => {
    for (let i = 0; i < 12; i++) {
      const r = await h.service.submit(
        {
          tenant: "default",
          name: `Client ${i}`,
          redirectUris: ["https://a.example.com/cb"],
          postLogoutRedirectUris: [],
          allowedCorsOrigins: [],
          accessTokenLifetime: 3600,
          justification: "Seeded for the list test.",
        },
        REQUESTER.id,
        undefined,
        `VLIST${i}`,
      );
      expect(r.kind).toBe("recorded");
    }
    await h.command(REQUESTER, "status");
    const { text } = await reply(1);
    expect(text).toContain("Showing your 10 newest of 12");
    expect(text).toContain("Client 11");
    expect(text).not.toContain("Client 1 ");
  });

  it("says so when the caller has no requests", async () => {
    await h.command(OUTSIDER, "status");
    const { text } = await reply(1);
    expect(text).toContain("You have no requests yet");
  });

  it("shows one request in full, with its history, to its requester and to approvers only", async () => {
    const { id } = await h.submitValid();
    await h.click(APPROVER, "approve_request", id);
    const created = await h.waitForStatus(id, "created", WAIT_MS);

    await h.command(REQUESTER, `status ${id}`);
    const own = await reply(1);
    expect(own.text).toContain(`Request #${id}: ${VALID_FORM.name}`);
    expect(own.text).toContain("The plant dashboard team needs sign-in");
    expect(own.text).toContain(`\`\`\`${created.createdClientId}\`\`\``);
    expect(own.text).toContain("History");
    expect(own.text).toContain("pending → approved");
    expect(own.text).toContain(`<@${APPROVER.id}>`);
    expect(own.text).toContain("creating → created");

    await h.command(APPROVER, `status #${id}`);
    expect((await reply(2)).text).toContain(`Request #${id}`);

    await h.command(OUTSIDER, `status ${id}`);
    const refused = await reply(3);
    expect(refused.text).toContain("doesn't exist, or it isn't yours to see");
    expect(refused.text).not.toContain(VALID_FORM.name as string);

    // A number that does not exist reads the same as one that is not yours.
    await h.command(OUTSIDER, "status 99999");
    expect((await reply(4)).text).toBe(refused.text.replace(String(id), "99999"));
  });

  it("while approvers can't be checked, shows the caller their own requests and says so for any other number", async () => {
    await h.stop();
    h = await Harness.start({ env: { APPROVER_USER_IDS: "", APPROVER_USERGROUP_ID: "S0APPROVERS" } });
    h.slack.usergroups.set("S0APPROVERS", [APPROVER.id]);
    const { id } = await h.submitValid();
    h.slack.fail("usergroups.users.list", "fatal_error", { times: 1000 });

    await h.command(REQUESTER, `status ${id}`);
    expect((await reply(1)).text).toContain(`Request #${id}: ${VALID_FORM.name}`);

    await h.command(APPROVER, `status ${id}`);
    const refused = await reply(2);
    expect(refused.text).toContain("I can't check who the approvers are right now");
    expect(refused.text).not.toContain(VALID_FORM.name as string);
    // The same for a number that does not exist: the answer does not tell "missing" from "not yours".
    await h.command(APPROVER, "status 99999");
    expect((await reply(3)).text).toBe(refused.text.replace(String(id), "99999"));
  });

  it("explains a word that is not a request number, without echoing markup", async () => {
    await h.command(REQUESTER, "status <!channel>");
    const { text } = await reply(1);
    expect(text).toContain("is not a request number");
    expect(text).not.toContain("<!channel>");
  });
});
