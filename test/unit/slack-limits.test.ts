import { describe, expect, it } from "vitest";
import { sampleRequest } from "../../devkit/fixtures.ts";
import {
  blockTextLength,
  checkSlackCall,
  RESPONSE_URL,
  type SlackLimitError,
  slackErrorFor,
  slackLimitProblems,
  visibleTexts,
} from "../../devkit/slackLimits.ts";
import { approvalMessage } from "../../src/slack/surfaces/approvalMessage.ts";
import { homeView } from "../../src/slack/surfaces/home.ts";
import { requestModal } from "../../src/slack/surfaces/requestModal.ts";

type Args = Record<string, unknown>;

const x = (n: number) => "x".repeat(n);
const plain = (text: string) => ({ type: "plain_text", text });
const mrkdwn = (text: string) => ({ type: "mrkdwn", text });
const section = (text: string) => ({ type: "section", text: mrkdwn(text) });
const button = (over: Args = {}) => ({ type: "button", text: plain("Go"), action_id: "go", value: "1", ...over });
const option = (text: string, value = "v") => ({ text: plain(text), value });
const options = (n: number) => Array.from({ length: n }, (_, i) => option(`Option ${i}`, `v${i}`));
const message = (blocks: unknown[], text = "fallback"): Args => ({ channel: "C1", text, blocks });
const inMessage = (block: unknown) => message([block]);
const actionsWith = (element: unknown) => inMessage({ type: "actions", elements: [element] });
const modal = (over: Args = {}): Args => ({
  trigger_id: "T1",
  view: { type: "modal", title: plain("Title"), blocks: [section("Hello")], ...over },
});
const home = (blocks: unknown[], over: Args = {}): Args => ({ user_id: "U1", view: { type: "home", blocks, ...over } });
const input = (element: unknown, over: Args = {}) =>
  modal({ submit: plain("Send"), blocks: [{ type: "input", block_id: "b", label: plain("Label"), element, ...over }] });
const textInput = (over: Args = {}) => input({ type: "plain_text_input", action_id: "a", ...over });
const confirm = (over: Args = {}) =>
  actionsWith(
    button({
      confirm: { title: plain("Sure?"), text: mrkdwn("Really?"), confirm: plain("Yes"), deny: plain("No"), ...over },
    }),
  );

interface Case {
  name: string;
  method: string;
  /** The same call at the limit (accepted) and one past it (refused). */
  ok: Args;
  bad: Args;
  path: string;
  error: SlackLimitError;
}

/** A length or count limit: `build(limit)` passes, `build(limit + 1)` fails at `path`. */
function limit(
  name: string,
  max: number,
  method: string,
  build: (n: number) => Args,
  path: string,
  error: SlackLimitError,
): Case {
  return { name: `${name} ≤ ${max}`, method, ok: build(max), bad: build(max + 1), path, error };
}

const msg = (name: string, max: number, build: (n: number) => Args, path: string): Case =>
  limit(name, max, "chat.postMessage", build, path, "invalid_blocks");
const view = (name: string, max: number, build: (n: number) => Args, path: string): Case =>
  limit(name, max, "views.open", build, path, "invalid_arguments");

// The numbers Slack documents, written out: a changed constant in the module must fail here.
const CASES: Case[] = [
  msg("blocks in a message", 50, (n) => message(Array(n).fill({ type: "divider" })), "blocks"),
  limit("message text", 40_000, "chat.postMessage", (n) => ({ channel: "C1", text: x(n) }), "text", "msg_too_long"),
  limit("ephemeral text", 40_000, "chat.postEphemeral", (n) => ({ text: x(n) }), "text", "msg_too_long"),
  limit("response_url text", 40_000, RESPONSE_URL, (n) => ({ text: x(n) }), "text", "msg_too_long"),
  msg("block_id", 255, (n) => inMessage({ type: "divider", block_id: x(n) }), "blocks[0].block_id"),
  msg("section text", 3000, (n) => inMessage(section(x(n))), "blocks[0].text.text"),
  msg(
    "section fields",
    10,
    (n) => inMessage({ type: "section", fields: Array(n).fill(mrkdwn("f")) }),
    "blocks[0].fields",
  ),
  msg(
    "section field text",
    2000,
    (n) => inMessage({ type: "section", fields: [mrkdwn(x(n))] }),
    "blocks[0].fields[0].text",
  ),
  msg("header text", 150, (n) => inMessage({ type: "header", text: plain(x(n)) }), "blocks[0].text.text"),
  msg(
    "context elements",
    10,
    (n) => inMessage({ type: "context", elements: Array(n).fill(mrkdwn("c")) }),
    "blocks[0].elements",
  ),
  msg(
    "context element text",
    3000,
    (n) => inMessage({ type: "context", elements: [mrkdwn(x(n))] }),
    "blocks[0].elements[0].text",
  ),
  msg(
    "actions elements",
    25,
    (n) =>
      inMessage({ type: "actions", elements: Array.from({ length: n }, (_, i) => button({ action_id: `a${i}` })) }),
    "blocks[0].elements",
  ),
  msg("button text", 75, (n) => actionsWith(button({ text: plain(x(n)) })), "blocks[0].elements[0].text.text"),
  msg("button value", 2000, (n) => actionsWith(button({ value: x(n) })), "blocks[0].elements[0].value"),
  msg("button url", 3000, (n) => actionsWith(button({ url: x(n) })), "blocks[0].elements[0].url"),
  msg("action_id", 255, (n) => actionsWith(button({ action_id: x(n) })), "blocks[0].elements[0].action_id"),
  msg("confirm title", 100, (n) => confirm({ title: plain(x(n)) }), "confirm.title.text"),
  msg("confirm text", 300, (n) => confirm({ text: mrkdwn(x(n)) }), "confirm.text.text"),
  msg("confirm button", 30, (n) => confirm({ confirm: plain(x(n)) }), "confirm.confirm.text"),
  msg("deny button", 30, (n) => confirm({ deny: plain(x(n)) }), "confirm.deny.text"),
  msg(
    "static_select options",
    100,
    (n) => actionsWith({ type: "static_select", action_id: "s", options: options(n) }),
    "blocks[0].elements[0].options",
  ),
  msg(
    "option text",
    75,
    (n) => actionsWith({ type: "static_select", action_id: "s", options: [option(x(n))] }),
    "options[0].text.text",
  ),
  msg(
    "option value",
    150,
    (n) => actionsWith({ type: "static_select", action_id: "s", options: [option("o", x(n))] }),
    "options[0].value",
  ),
  msg(
    "overflow options",
    5,
    (n) => actionsWith({ type: "overflow", action_id: "o", options: options(n) }),
    "blocks[0].elements[0].options",
  ),
  {
    name: "overflow options ≥ 2",
    method: "chat.postMessage",
    ok: actionsWith({ type: "overflow", action_id: "o", options: options(2) }),
    bad: actionsWith({ type: "overflow", action_id: "o", options: options(2 - 1) }),
    path: "blocks[0].elements[0].options",
    error: "invalid_blocks",
  },
  msg(
    "checkboxes options",
    10,
    (n) => actionsWith({ type: "checkboxes", action_id: "c", options: options(n) }),
    "blocks[0].elements[0].options",
  ),
  msg(
    "radio_buttons options",
    10,
    (n) => actionsWith({ type: "radio_buttons", action_id: "r", options: options(n) }),
    "blocks[0].elements[0].options",
  ),
  view("modal blocks", 100, (n) => modal({ blocks: Array(n).fill({ type: "divider" }) }), "view.blocks"),
  limit(
    "home blocks",
    100,
    "views.publish",
    (n) => home(Array(n).fill({ type: "divider" })),
    "view.blocks",
    "invalid_arguments",
  ),
  view("modal title", 24, (n) => modal({ title: plain(x(n)) }), "view.title.text"),
  view("modal submit", 24, (n) => modal({ submit: plain(x(n)) }), "view.submit.text"),
  view("modal close", 24, (n) => modal({ close: plain(x(n)) }), "view.close.text"),
  view("private_metadata", 3000, (n) => modal({ private_metadata: x(n) }), "view.private_metadata"),
  view("callback_id", 255, (n) => modal({ callback_id: x(n) }), "view.callback_id"),
  view("external_id", 255, (n) => modal({ external_id: x(n) }), "view.external_id"),
  view(
    "input label",
    2000,
    (n) => input({ type: "plain_text_input", action_id: "a" }, { label: plain(x(n)) }),
    "view.blocks[0].label.text",
  ),
  view(
    "input hint",
    2000,
    (n) => input({ type: "plain_text_input", action_id: "a" }, { hint: plain(x(n)) }),
    "view.blocks[0].hint.text",
  ),
  view("plain_text_input max_length", 3000, (n) => textInput({ max_length: n }), "view.blocks[0].element.max_length"),
  view(
    "plain_text_input initial_value within max_length",
    10,
    (n) => textInput({ max_length: 10, initial_value: x(n) }),
    "view.blocks[0].element.initial_value",
  ),
  view(
    "plain_text_input placeholder",
    150,
    (n) => textInput({ placeholder: plain(x(n)) }),
    "view.blocks[0].element.placeholder.text",
  ),
];

describe("Slack limits, each at the limit and one past it", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    expect(slackLimitProblems(c.method, c.ok)).toEqual([]);
    const bad = checkSlackCall(c.method, c.bad);
    expect(bad.error).toBe(c.error);
    expect(bad.problems.join("\n")).toContain(`${c.path}`);
  });

  it("names the path, the length and the limit in one line", () => {
    expect(slackLimitProblems("chat.postMessage", message([{ type: "divider" }, section(x(3412))]))).toEqual([
      "blocks[1].text.text: 3,412 characters (limit 3,000)",
    ]);
  });

  it("counts length in UTF-16 code units: 75 emoji fill a 150-character header", () => {
    const header = (n: number) => inMessage({ type: "header", text: plain("😀".repeat(n)) });
    expect(slackLimitProblems("chat.postMessage", header(75))).toEqual([]);
    expect(slackLimitProblems("chat.postMessage", header(76))).toEqual([
      "blocks[0].text.text: 152 characters (limit 150)",
    ]);
  });
});

describe("messages", () => {
  it("accepts a valid message with every kind of block the app sends", () => {
    const check = checkSlackCall(
      "chat.postMessage",
      message([
        { type: "header", text: { ...plain("Request #1"), emoji: true } },
        { ...section("Hello *there*"), accessory: button() },
        { type: "section", fields: [mrkdwn("*Name*\nA"), mrkdwn("*Tenant*\nB")] },
        { type: "divider" },
        { type: "context", elements: [mrkdwn("status")] },
        { type: "actions", block_id: "decision:1", elements: [button({ action_id: "a", style: "primary" })] },
      ]),
    );
    expect(check).toEqual({ error: undefined, problems: [], warnings: [] });
  });

  it("accepts what the app builds for an ordinary request", () => {
    const approval = approvalMessage(sampleRequest(), undefined);
    expect(slackLimitProblems("chat.postMessage", { channel: "C1", ...approval })).toEqual([]);
    expect(slackLimitProblems("views.open", { trigger_id: "T", view: requestModal([], {}) })).toEqual([]);
  });

  it("needs text when there are no blocks, and not otherwise", () => {
    expect(slackErrorFor("chat.postMessage", { channel: "C1" })).toBe("no_text");
    expect(slackErrorFor("chat.update", { channel: "C1", ts: "1.2", text: "" })).toBe("no_text");
    expect(slackErrorFor("chat.postMessage", { channel: "C1", blocks: [section("hi")] })).toBeUndefined();
  });

  it("only warns about text over Slack's advised 4,000 characters", () => {
    const check = checkSlackCall("chat.postMessage", { channel: "C1", text: x(4001) });
    expect(check.error).toBeUndefined();
    expect(check.warnings).toEqual(["text: 4,001 characters (Slack advises at most 4,000)"]);
  });

  it("refuses more than about 12,000 characters of text in all blocks together, each block within its own limit", () => {
    const sections = (n: number, each: number) => Array.from({ length: n }, () => section(x(each)));
    // 4 × 2,999 + a 4-character header: exactly 12,000, every text object counted, plain_text too.
    const atLimit = [{ type: "header", text: plain("head") }, ...sections(4, 2999)];
    expect(blockTextLength(atLimit)).toBe(12_000);
    expect(slackLimitProblems("chat.postMessage", message(atLimit))).toEqual([]);

    const over = checkSlackCall("chat.postMessage", message(sections(5, 2500)));
    expect(over.error).toBe("msg_blocks_too_long");
    expect(over.problems).toEqual(["blocks: 12,500 characters of text in all blocks together (limit about 12,000)"]);
    const oneMore = [{ type: "header", text: plain("heads") }, ...sections(4, 2999)];
    expect(slackErrorFor("chat.update", message(oneMore))).toBe("msg_blocks_too_long");
  });

  it("catches a lone surrogate (half an emoji) anywhere", () => {
    const half = "😀".slice(0, 1);
    const check = checkSlackCall("chat.postMessage", message([section(`cut here: ${half}`)]));
    expect(check.error).toBe("invalid_blocks");
    expect(check.problems).toEqual(["blocks[0].text.text: broken text: a lone UTF-16 surrogate at index 10"]);
    expect(slackLimitProblems("chat.postMessage", { channel: "C1", text: `a${half}` })).toEqual([
      "text: broken text: a lone UTF-16 surrogate at index 1",
    ]);
    expect(slackLimitProblems("views.open", modal({ private_metadata: `{"x":"${half}"}` }))).toEqual([
      "view.private_metadata: broken text: a lone UTF-16 surrogate at index 6",
    ]);
    expect(slackLimitProblems("chat.postMessage", message([section("whole: 😀")]))).toEqual([]);
  });

  it("reports block and element types it does not know, so they get noticed", () => {
    const image = { type: "image", image_url: "https://example.com/a.png", alt_text: "a" };
    expect(checkSlackCall("chat.postMessage", inMessage(image))).toMatchObject({
      error: "invalid_blocks",
      problems: ['blocks[0].type: block type "image" is not known to this validator'],
    });
    expect(slackLimitProblems("chat.postMessage", actionsWith({ type: "datepicker", action_id: "d" }))).toEqual([
      'blocks[0].elements[0].type: element type "datepicker" is not known to this validator here',
    ]);
  });

  it("checks text objects: type, at least one character, emoji only on plain_text, plain_text where required", () => {
    const problems = slackLimitProblems(
      "chat.postMessage",
      message([
        { type: "section", text: { type: "markdown", text: "a" } },
        section(""),
        { type: "section", text: { ...mrkdwn("a"), emoji: true } },
        { type: "header", text: mrkdwn("a") },
        { type: "section" },
      ]),
    );
    expect(problems).toEqual([
      'blocks[0].text.type: must be "plain_text" or "mrkdwn", not "markdown"',
      "blocks[1].text.text: empty (at least 1 character)",
      "blocks[2].text.emoji: only plain_text takes emoji",
      'blocks[3].text.type: must be "plain_text" here',
      "blocks[4]: a section needs text or fields",
    ]);
  });

  it("refuses block_ids and action_ids used twice", () => {
    const problems = slackLimitProblems(
      "chat.postMessage",
      message([
        { type: "actions", block_id: "same", elements: [button(), button()] },
        { type: "divider", block_id: "same" },
      ]),
    );
    expect(problems).toEqual([
      'blocks[0].elements[1].action_id: "go" is used twice',
      'blocks[1].block_id: "same" is used twice',
    ]);
  });

  it("reads blocks still JSON-encoded, as a form-encoded call sends them", () => {
    const args = { channel: "C1", text: "t", blocks: JSON.stringify([section(x(3001))]) };
    expect(slackLimitProblems("chat.postMessage", args)).toEqual([
      "blocks[0].text.text: 3,001 characters (limit 3,000)",
    ]);
  });

  it("checks response_url bodies like messages, plus their own fields", () => {
    expect(
      slackLimitProblems(RESPONSE_URL, { response_type: "ephemeral", replace_original: false, text: "ok" }),
    ).toEqual([]);
    expect(slackLimitProblems(RESPONSE_URL, { delete_original: true })).toEqual([]);
    expect(checkSlackCall(RESPONSE_URL, { response_type: "private", text: "ok" })).toMatchObject({
      error: "invalid_arguments",
      problems: ['response_type: must be "in_channel" or "ephemeral", not "private"'],
    });
  });

  it("leaves methods it does not check alone", () => {
    expect(checkSlackCall("auth.test", { text: x(50_000) })).toEqual({ error: undefined, problems: [], warnings: [] });
  });
});

describe("views", () => {
  it("refuses a modal with 101 blocks and accepts a home view with 100", () => {
    const dividers = (n: number) => Array(n).fill({ type: "divider" });
    expect(checkSlackCall("views.open", modal({ blocks: dividers(101) }))).toMatchObject({
      error: "invalid_arguments",
      problems: ["view.blocks: 101 items (limit 100)"],
    });
    expect(slackLimitProblems("views.publish", home(dividers(100)))).toEqual([]);
  });

  it("accepts the app's modal and Home tab", () => {
    const tenants = [
      { name: "prod", label: "prod (uswe.datahub.connect.aveva.com)" },
      { name: "test", label: "test (euno.datahub.connect.aveva.com)" },
    ];
    expect(
      slackLimitProblems("views.open", { trigger_id: "T", view: requestModal(tenants, { channelId: "C1" }) }),
    ).toEqual([]);
    const requests = [sampleRequest({ id: 2 }), sampleRequest({ id: 1, status: "denied" })];
    const view = homeView({
      mine: requests,
      mineTotal: 2,
      hasNewer: false,
      hasOlder: false,
      cursor: {},
      waiting: { requests: [requests[0] ?? sampleRequest()], total: 1 },
      approvalChannelId: "C1",
      tenantLabel: () => undefined,
    });
    expect(slackLimitProblems("views.publish", { user_id: "U1", view })).toEqual([]);
  });

  it("needs submit on a modal with input blocks, and a view type that fits the method", () => {
    const noSubmit = modal({ blocks: [{ type: "input", label: plain("L"), element: { type: "plain_text_input" } }] });
    expect(slackLimitProblems("views.open", noSubmit)).toEqual([
      "view.submit: missing: a modal with input blocks needs one",
    ]);
    expect(slackLimitProblems("views.publish", modal())).toEqual(['view.type: must be "home"']);
    expect(slackLimitProblems("views.push", home([]))).toEqual(['view.type: must be "modal"']);
    expect(slackLimitProblems("views.open", { trigger_id: "T" })).toEqual(["view: missing or not an object"]);
  });

  it("needs an element in an input block and checks number inputs", () => {
    expect(slackLimitProblems("views.open", input(undefined))).toEqual([
      "view.blocks[0].element: missing: an input block needs an element",
    ]);
    const number = (over: Args) => input({ type: "number_input", action_id: "n", is_decimal_allowed: false, ...over });
    expect(
      slackLimitProblems("views.open", number({ min_value: "60", max_value: "3600", initial_value: "3600" })),
    ).toEqual([]);
    expect(slackLimitProblems("views.open", number({ is_decimal_allowed: undefined, min_value: 60 }))).toEqual([
      "view.blocks[0].element.is_decimal_allowed: missing or not a boolean (it is required)",
      "view.blocks[0].element.min_value: must be a number written as a string, not 60",
    ]);
    expect(slackLimitProblems("views.open", number({ min_value: "10", max_value: "5", initial_value: "2.5" }))).toEqual(
      [
        'view.blocks[0].element.initial_value: "2.5" is not whole, and is_decimal_allowed is false',
        "view.blocks[0].element.min_value: is greater than max_value",
        "view.blocks[0].element.initial_value: is outside min_value..max_value",
      ],
    );
  });
});

describe("visibleTexts", () => {
  it("lists what a person reads in a message, and nothing they do not", () => {
    const withConfirm = {
      confirm: { title: plain("Sure?"), text: mrkdwn("Really?"), confirm: plain("Yes"), deny: plain("No") },
    };
    const args = message(
      [
        { type: "header", text: plain("Title") },
        { ...section("Body"), accessory: button({ text: plain("Click"), value: "secret-value", url: "https://x" }) },
        { type: "actions", elements: [button(withConfirm)] },
      ],
      "Fallback",
    );
    expect(visibleTexts(args)).toEqual(["Fallback", "Title", "Body", "Click", "Go", "Sure?", "Really?", "Yes", "No"]);
  });

  it("lists a view's title, buttons, labels, hints, placeholders and initial values", () => {
    const args = input(
      { type: "plain_text_input", action_id: "a", placeholder: plain("Type here"), initial_value: "typed" },
      { hint: plain("A hint") },
    );
    expect(visibleTexts(args)).toEqual(["Title", "Label", "Type here", "typed", "A hint", "Send"]);
  });
});
