import type { InputBlock, ModalView, NumberInput, PlainTextInput, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { checkSlackCall } from "../../devkit/slackLimits.ts";
import { FORM } from "../../src/requests/form.ts";
import type { Request } from "../../src/requests/request.ts";
import { approvalMessage } from "../../src/slack/surfaces/approvalMessage.ts";
import { LIMITS } from "../../src/slack/surfaces/blocks.ts";
import { denyModal } from "../../src/slack/surfaces/denyModal.ts";
import { fullRequestModal } from "../../src/slack/surfaces/fullRequest.ts";
import { parseModalMetadata, requestModal } from "../../src/slack/surfaces/requestModal.ts";

const ONE_TENANT = [{ name: "default", label: "default" }];
const inputs = (view: ModalView) => view.blocks.filter((b): b is InputBlock => b.type === "input");
const element = <T>(view: ModalView, blockId: string) => inputs(view).find((b) => b.block_id === blockId)?.element as T;

describe("request modal", () => {
  const view = requestModal(ONE_TENANT, { channelId: "C0ORIGIN" });

  it("takes its limits from the form schema", () => {
    expect(element<PlainTextInput>(view, "name").max_length).toBe(FORM.name.maxLength);
    for (const list of ["redirectUris", "postLogoutRedirectUris", "allowedCorsOrigins"]) {
      expect(element<PlainTextInput>(view, list)).toMatchObject({
        multiline: true,
        max_length: FORM.listInputMaxLength,
      });
    }
    expect(element<PlainTextInput>(view, "justification").max_length).toBe(FORM.justification.maxLength);
    expect(element<NumberInput>(view, "accessTokenLifetime")).toMatchObject({
      type: "number_input",
      is_decimal_allowed: false,
      min_value: String(FORM.accessTokenLifetime.min),
      max_value: String(FORM.accessTokenLifetime.max),
      initial_value: String(FORM.accessTokenLifetime.default),
    });
  });

  it("marks only the optional fields optional", () => {
    const optional = inputs(view)
      .filter((b) => b.optional)
      .map((b) => b.block_id);
    expect(optional).toEqual(["postLogoutRedirectUris", "allowedCorsOrigins", "accessTokenLifetime"]);
  });

  it("stays within Slack's modal limits and carries the origin channel", () => {
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text.length).toBeLessThanOrEqual(24);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(parseModalMetadata(view.private_metadata)).toEqual({ channelId: "C0ORIGIN" });
    expect(parseModalMetadata("not json")).toEqual({});
  });

  it("shows a tenant selector only when there is more than one tenant", () => {
    expect(inputs(view).some((b) => b.block_id === "tenant")).toBe(false);
    const two = requestModal(
      [
        { name: "prod", label: "prod (uswe.datahub.connect.aveva.com)" },
        { name: "test", label: "test (euno.datahub.connect.aveva.com)" },
      ],
      {},
    );
    const select = element<{ type: string; options: { value: string }[] }>(two, "tenant");
    expect(select.type).toBe("static_select");
    expect(select.options.map((o) => o.value)).toEqual(["prod", "test"]);
  });

  it("titles the deny modal within 24 characters", () => {
    expect(denyModal(sampleRequest({ id: 123456789 })).title.text.length).toBeLessThanOrEqual(24);
  });
});

describe("approval message", () => {
  it("fits Slack's limits with the largest input the form accepts", () => {
    const longUrl = (i: number) => `https://app.example.com/${String(i).repeat(1)}/${"p".repeat(280)}`;
    const r = sampleRequest({
      name: "N".repeat(FORM.name.maxLength),
      redirectUris: Array.from({ length: 10 }, (_, i) => longUrl(i)),
      postLogoutRedirectUris: Array.from({ length: 10 }, (_, i) => longUrl(i + 10)),
      allowedCorsOrigins: Array.from({ length: 10 }, (_, i) => `https://origin-${i}-${"o".repeat(200)}.example.com`),
      justification: "J".repeat(FORM.justification.maxLength),
    });
    const message = approvalMessage(r, "prod (uswe.datahub.connect.aveva.com)");
    expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    const sections = message.blocks.filter((b): b is SectionBlock => b.type === "section");
    for (const s of sections) expect(s.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(checkSlackCall("chat.postMessage", { channel: "C1", ...message }).problems).toEqual([]);
    // The message shows what fits and says what it leaves out; the full view one click away has every URL.
    const all = JSON.stringify(message.blocks);
    expect(all).toContain("(6 more URLs not shown here: “View full request” shows all 10 in full.)");
    const full = JSON.stringify(fullRequestModal(r, "prod (uswe.datahub.connect.aveva.com)").blocks);
    for (const url of [...r.redirectUris, ...r.postLogoutRedirectUris, ...r.allowedCorsOrigins]) {
      expect(full).toContain(url);
    }
  });

  it("escapes what people typed so it cannot mention or link", () => {
    const message = approvalMessage(
      sampleRequest({ name: "<!channel> & <@U0X>", justification: "see <https://evil|here>" }),
      undefined,
    );
    // plain_text (the header) is never parsed for mentions; every mrkdwn text must be escaped
    const mrkdwn: string[] = [];
    JSON.stringify(message.blocks, (_key, value: unknown) => {
      if (value && typeof value === "object" && (value as { type?: string }).type === "mrkdwn") {
        mrkdwn.push(String((value as { text?: string }).text));
      }
      return value;
    });
    const all = mrkdwn.join("\n");
    expect(all).not.toContain("<!channel>");
    expect(all).not.toContain("<https://evil|here>");
    // The top-level text is parsed too (and is what notifications show): escaped there.
    expect(message.text).toBe("Request #42 (&lt;!channel&gt; &amp; &lt;@U0X&gt;) — waiting for approval");
    // What was typed is shown as typed, in plain_text, which Slack never parses.
    const plain = message.blocks.flatMap((b) =>
      b.type === "section" && b.text?.type === "plain_text" ? [b.text.text] : [],
    );
    expect(plain).toContain("see <https://evil|here>");
    expect(JSON.stringify(message.blocks[0])).toContain("Request #42: <!channel> & <@U0X>");
  });

  it("offers View full request always, Approve and Deny only while pending, and Retry when failed", () => {
    const ids = (r: Request) =>
      approvalMessage(r, undefined)
        .blocks.flatMap((b) => (b.type === "actions" ? b.elements : []))
        .map((e) => ("action_id" in e ? e.action_id : undefined));
    expect(ids(sampleRequest())).toEqual(["view_request", "approve_request", "deny_request"]);
    expect(ids(sampleRequest({ status: "failed", lastError: { error: "Boom" } }))).toEqual([
      "view_request",
      "retry_request",
    ]);
    for (const status of ["approved", "creating", "created", "denied", "cancelled", "expired"] as const) {
      expect(ids(sampleRequest({ status }))).toEqual(["view_request"]);
    }
  });
});
