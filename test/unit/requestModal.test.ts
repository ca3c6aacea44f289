import type { InputBlock, ModalView, NumberInput, PlainTextInput, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import { FORM } from "../../src/requests/form.ts";
import type { Request } from "../../src/requests/request.ts";
import { approvalMessage } from "../../src/slack/surfaces/approvalMessage.ts";
import { LIMITS } from "../../src/slack/surfaces/blocks.ts";
import { denyModal } from "../../src/slack/surfaces/denyModal.ts";
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
    const all = JSON.stringify(message.blocks);
    for (const url of r.redirectUris) expect(all).toContain(url);
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
    expect(all).toContain("&lt;!channel&gt; &amp; &lt;@U0X&gt;");
    expect(all).not.toContain("<https://evil|here>");
  });

  it("offers Approve and Deny only while pending, and Retry when failed", () => {
    const ids = (r: Request) =>
      approvalMessage(r, undefined)
        .blocks.flatMap((b) => (b.type === "actions" ? b.elements : []))
        .map((e) => ("action_id" in e ? e.action_id : undefined));
    expect(ids(sampleRequest())).toEqual(["approve_request", "deny_request"]);
    expect(ids(sampleRequest({ status: "failed", lastError: { error: "Boom" } }))).toEqual(["retry_request"]);
    for (const status of ["approved", "creating", "created", "denied", "cancelled", "expired"] as const) {
      expect(ids(sampleRequest({ status }))).toEqual([]);
    }
  });
});
