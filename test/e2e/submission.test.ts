import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_CHANNEL, Harness, REQUESTER, textOf, VALID_FORM } from "../../devkit/harness.ts";
import type { FormValues } from "../../devkit/slackRequests.ts";

interface ErrorsAnswer {
  response_action: string;
  errors: Record<string, string>;
}

describe("submitting the request modal", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ env: { MAX_PENDING_PER_USER: "100" } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const countRequests = () => h.store.reads.countByRequester(REQUESTER.id);

  const bad: [string, FormValues, string, RegExp][] = [
    ["empty name", { name: "   " }, "name", /name/i],
    ["control characters in the name", { name: "App\u0007name" }, "name", /control/i],
    ["a line break in the name", { name: "two\nlines" }, "name", /control|line/i],
    ["no redirect URL", { redirectUris: "\n  \n" }, "redirectUris", /at least one/i],
    [
      "11 redirect URLs",
      { redirectUris: Array.from({ length: 11 }, (_, i) => `https://a.example.com/${i}`).join("\n") },
      "redirectUris",
      /at most 10/i,
    ],
    ["a relative URL", { redirectUris: "/callback" }, "redirectUris", /absolute/i],
    ["an ftp: URL", { redirectUris: "ftp://files.example.com/cb" }, "redirectUris", /https/i],
    ["a javascript: URL", { redirectUris: "javascript:alert(1)" }, "redirectUris", /https/i],
    ["http to a non-loopback host", { redirectUris: "http://app.example.com/cb" }, "redirectUris", /https/i],
    ["a * wildcard", { redirectUris: "https://*.example.com/cb" }, "redirectUris", /wildcard/i],
    ["a fragment", { redirectUris: "https://app.example.com/cb#x" }, "redirectUris", /fragment/i],
    ["user:password@", { redirectUris: "https://user:pw@app.example.com/cb" }, "redirectUris", /password/i],
    ["a bad logout URL", { postLogoutRedirectUris: "http://app.example.com/" }, "postLogoutRedirectUris", /https/i],
    [
      "a CORS origin with a path",
      { allowedCorsOrigins: "https://app.example.com/api" },
      "allowedCorsOrigins",
      /origin/i,
    ],
    ["lifetime 59", { accessTokenLifetime: "59" }, "accessTokenLifetime", /60 to 3600/],
    ["lifetime 3601", { accessTokenLifetime: "3601" }, "accessTokenLifetime", /60 to 3600/],
    ["lifetime 1.5", { accessTokenLifetime: "1.5" }, "accessTokenLifetime", /whole number/i],
    ["a non-numeric lifetime", { accessTokenLifetime: "soon" }, "accessTokenLifetime", /seconds/i],
    ["an empty justification", { justification: "" }, "justification", /why/i],
    [
      "a look-alike host (Cyrillic а)",
      { redirectUris: "https://\u0430pp.example.com/cb" },
      "redirectUris",
      /^https:\/\/\[U\+0430\]pp\.example\.com\/cb has U\+0430 in its host.*xn--pp-6kc\.example\.com/,
    ],
    [
      "a host that is a subdomain of another (U+3002)",
      { allowedCorsOrigins: "https://app.example.com\u3002evil.example" },
      "allowedCorsOrigins",
      /browsers would go to app\.example\.com\.evil\.example/,
    ],
    ["a bidi override in the name", { name: "App \u202egnp.exe" }, "name", /U\+202E \(right-to-left override\)/],
    [
      "a zero-width space in the justification",
      { justification: "Needed for the\u200b new site." },
      "justification",
      /U\+200B \(zero-width space\)/,
    ],
    ["a raw < in a URL", { postLogoutRedirectUris: "https://app.example.com/<x>" }, "postLogoutRedirectUris", /%3C/],
  ];

  it.each(bad)(
    "refuses %s with a message on its own field and records nothing",
    async (_what, change, block, message) => {
      const before = await countRequests();
      const answer = await h.submitForm(REQUESTER, { ...VALID_FORM, ...change });
      expect(answer.status).toBe(200);
      const body = answer.json as ErrorsAnswer;
      expect(body.response_action).toBe("errors");
      expect(Object.keys(body.errors)).toEqual([block]);
      expect(body.errors[block]).toMatch(message);
      // Nothing invisible or look-alike is echoed back.
      expect(body.errors[block]).not.toMatch(/[\p{Cf}\p{Default_Ignorable_Code_Point}\u0430\u3002]/u);
      expect(await countRequests()).toBe(before);
    },
  );

  it("gives every bad field its own message at once", async () => {
    const answer = await h.submitForm(REQUESTER, {
      name: "",
      redirectUris: "",
      postLogoutRedirectUris: "nope",
      allowedCorsOrigins: "https://a.example.com/x",
      accessTokenLifetime: "10",
      justification: "",
    });
    const body = answer.json as ErrorsAnswer;
    expect(Object.keys(body.errors).sort()).toEqual(
      [
        "accessTokenLifetime",
        "allowedCorsOrigins",
        "justification",
        "name",
        "postLogoutRedirectUris",
        "redirectUris",
      ].sort(),
    );
  });

  it("accepts the friendly cases and records the cleaned values", async () => {
    const { id } = await h.submitValid(REQUESTER, {
      name: "  Spaced name  ",
      redirectUris: "\n  https://app.example.com/cb  \n\nhttps://app.example.com/cb\r\nhttp://[::1]:8080/cb\n",
      postLogoutRedirectUris: null,
      allowedCorsOrigins: "https://App.Example.com/\nhttps://app.example.com\nhttp://localhost:3000/",
      accessTokenLifetime: null,
      justification: "  Needed for the new plant dashboard.  ",
    });
    const r = await h.request(id);
    expect(r).toMatchObject({
      name: "Spaced name",
      redirectUris: ["https://app.example.com/cb", "http://[::1]:8080/cb"],
      postLogoutRedirectUris: [],
      allowedCorsOrigins: ["https://app.example.com", "http://localhost:3000"],
      accessTokenLifetime: 3600,
      justification: "Needed for the new plant dashboard.",
      status: "pending",
      originChannelId: "C0ORIGIN",
    });
    expect(r?.clientGuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await h.store.reads.auditOf(id)).map((e) => [e.actor, e.fromStatus, e.toStatus])).toEqual([
      [REQUESTER.id, null, "pending"],
    ]);
  });

  it("posts every field, the justification, the requester and Approve/Deny for approval, and tells the requester where it waits", async () => {
    const { id, ts } = await h.submitValid();
    const post = h.slack
      .callsOf("chat.postMessage")
      .find((c) => c.args.channel === APPROVAL_CHANNEL && !c.args.thread_ts && textOf(c.args).includes(`#${id}`));
    expect(post).toBeDefined();
    const text = textOf(post?.args ?? {});
    for (const expected of [
      "Plant dashboard",
      "https://dashboard.example.com/callback",
      "http://localhost:5173/callback",
      "https://dashboard.example.com/",
      "1800 s",
      "The plant dashboard team needs sign-in for the new site.",
      `<@${REQUESTER.id}>`,
    ]) {
      expect(text).toContain(expected);
    }
    const buttons = JSON.stringify(post?.args.blocks);
    expect(buttons).toContain('"action_id":"approve_request"');
    expect(buttons).toContain('"action_id":"deny_request"');
    expect(buttons).toContain('"confirm"');
    expect(ts).not.toBe("");
    const dm = await h.slack.waitFor(() => h.dmsTo(REQUESTER).find((c) => textOf(c.args).includes(`request #${id}`)));
    expect(textOf(dm.args)).toContain(`<#${APPROVAL_CHANNEL}>`);
  });
});
