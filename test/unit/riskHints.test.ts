import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { riskHints } from "../../src/requests/riskHints.ts";
import { hintText, riskHintBlocks } from "../../src/slack/surfaces/riskHints.ts";

const kinds = (overrides: Parameters<typeof sampleRequest>[0]) =>
  riskHints(sampleRequest(overrides)).map((h) => h.kind);

describe("risk hints", () => {
  it("none for a plain request: one https host for redirects and CORS, an hour's tokens", () => {
    expect(riskHints(sampleRequest())).toEqual([]);
    expect(riskHintBlocks(sampleRequest())).toEqual([]);
  });

  it("http loopback only matters where several approvals are required", () => {
    const local = { redirectUris: ["http://localhost:3000/cb"], allowedCorsOrigins: [] };
    expect(kinds(local)).toEqual([]);
    expect(riskHints(sampleRequest({ ...local, requiredApprovals: 2 }))).toEqual([
      { kind: "http_loopback", urls: ["http://localhost:3000/cb"], requiredApprovals: 2 },
    ]);
    // https on loopback is not plain http.
    expect(kinds({ redirectUris: ["https://localhost/cb"], allowedCorsOrigins: [], requiredApprovals: 2 })).toEqual([]);
  });

  it("compares the hosts of redirect URLs and CORS origins, loopback hosts and ports aside, only when CORS is used", () => {
    expect(
      kinds({
        redirectUris: ["https://app.example.com/cb", "http://localhost:5173/cb"],
        allowedCorsOrigins: ["https://app.example.com:8443", "http://127.0.0.1:5173"],
      }),
    ).toEqual([]);
    expect(kinds({ redirectUris: ["https://app.example.com/cb"], allowedCorsOrigins: [] })).toEqual([]);
    expect(
      riskHints(
        sampleRequest({
          redirectUris: ["https://app.example.com/cb", "https://admin.example.com/cb"],
          allowedCorsOrigins: ["https://app.example.com", "https://evil.net"],
        }),
      ),
    ).toEqual([{ kind: "hosts_differ", corsOnly: ["evil.net"], redirectOnly: ["admin.example.com"] }]);
  });

  it("a lifetime under 5 minutes, more than 5 redirect URLs, a taken name", () => {
    expect(kinds({ accessTokenLifetime: 299 })).toEqual(["short_lifetime"]);
    expect(kinds({ accessTokenLifetime: 300 })).toEqual([]);
    const six = [1, 2, 3, 4, 5, 6].map((n) => `https://dashboard.example.com/cb${n}`);
    expect(kinds({ redirectUris: six })).toEqual(["many_redirects"]);
    expect(kinds({ redirectUris: six.slice(1) })).toEqual([]);
    expect(kinds({ nameTakenBy: "abc" })).toEqual(["name_taken"]);
  });

  it("flag http only when it is loopback, the only http the form lets through", () => {
    const urls = ["http://localhost:3000/cb", "https://app.example.com/cb"];
    expect(riskHints(sampleRequest({ redirectUris: urls, allowedCorsOrigins: [], requiredApprovals: 3 }))).toEqual([
      { kind: "http_loopback", urls: ["http://localhost:3000/cb"], requiredApprovals: 3 },
    ]);
  });

  it("read as plain text, never parsed by Slack, quoting what was typed as typed, each value and list bounded", () => {
    const long = `https://${"a".repeat(200)}.example.com/cb`;
    const r = sampleRequest({
      nameTakenBy: "<!channel>`x",
      requiredApprovals: 2,
      redirectUris: [
        "http://localhost:1/cb",
        "http://localhost:2/cb",
        "http://localhost:3/cb",
        "http://localhost:4/cb",
        "http://127.0.0.1:5/cb",
        long,
      ],
      allowedCorsOrigins: ["https://evil.example.net"],
      accessTokenLifetime: 60,
    });
    const blocks = riskHintBlocks(r);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
    expect(blocks[1]).toMatchObject({ type: "section", text: { type: "plain_text", emoji: false } });
    const text = (blocks[1] as { text: { text: string } }).text.text;
    expect(text.split("\n")).toEqual([
      "• Another client in this tenant already has this name (client Id <!channel>`x).",
      "• Plain http loopback URLs in a tenant that needs 2 approvals: http://localhost:1/cb, http://localhost:2/cb, http://localhost:3/cb and 2 more.",
      `• Redirect hosts and CORS origins differ: CORS origins on evil.example.net, where no redirect URL goes; redirect URLs on ${"a".repeat(99)}…, without a CORS origin.`,
      "• Token lifetime of 60 s, under 5 minutes.",
      "• 6 redirect URLs (more than 5).",
    ]);
    expect(hintText({ kind: "http_loopback", urls: ["http://[::1]/"], requiredApprovals: 5 })).toBe(
      "Plain http loopback URL in a tenant that needs 5 approvals: http://[::1]/.",
    );
  });
});
