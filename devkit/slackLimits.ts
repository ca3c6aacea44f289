/**
 * Whether Slack would accept a Web API call (or a response_url body) the bot sends: Block Kit's
 * limits for messages, modals and the Home tab, checked without calling Slack. Development only:
 * the Slack stand-in answers with it like Slack does, and tests assert every message passes.
 *
 * Lengths are counted in UTF-16 code units (JavaScript's `.length`). That is never less than what
 * Slack counts (code points), so a text that passes here passes there; an emoji may make a text
 * fail here that Slack would still take, which is the safe side to err on.
 */

const SLACK_LIMITS = {
  messageBlocks: 50,
  /** Slack truncates a longer `text` (with a message_truncated warning); we treat that as a failure. */
  messageText: 40_000,
  /** Slack advises keeping `text` under this; longer only warns. */
  messageTextAdvised: 4_000,
  /**
   * All text in a message's blocks together (msg_blocks_too_long). Not in Slack's reference: the
   * figure Bolt's maintainers gave. Slack's own count differs a little, so it is approximate.
   */
  messageBlockText: 12_000,
  viewBlocks: 100,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3_000,
  callbackId: 255,
  /** Slack's reference gives no number for external_id: the same as callback_id, to be safe. */
  externalId: 255,
  blockId: 255,
  actionId: 255,
  textObject: 3_000,
  sectionText: 3_000,
  sectionFields: 10,
  sectionField: 2_000,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  inputLabel: 2_000,
  inputHint: 2_000,
  buttonText: 75,
  buttonValue: 2_000,
  buttonUrl: 3_000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  plainTextInput: 3_000,
  selectOptions: 100,
  optionGroups: 100,
  optionGroupLabel: 75,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  optionUrl: 3_000,
  overflowOptionsMin: 2,
  overflowOptionsMax: 5,
  choiceOptions: 10,
} as const;

/** The pseudo-method for a body posted to a response_url (message shape). */
export const RESPONSE_URL = "response_url";

export type SlackLimitError =
  | "invalid_blocks"
  | "msg_blocks_too_long"
  | "msg_too_long"
  | "no_text"
  | "invalid_arguments";

export interface SlackLimitCheck {
  /** What Slack would answer with, or undefined when it would accept the call. */
  error: SlackLimitError | undefined;
  /** One line per violation, naming the path, e.g. `blocks[3].text.text: 3,412 characters (limit 3,000)`. */
  problems: string[];
  /** Accepted by Slack, but not advised (e.g. `text` over 4,000 characters). */
  warnings: string[];
}

const MESSAGE_METHODS = new Set(["chat.postMessage", "chat.update", "chat.postEphemeral", RESPONSE_URL]);
const VIEW_METHODS: Record<string, readonly string[]> = {
  "views.open": ["modal"],
  "views.push": ["modal"],
  "views.update": ["modal", "home"],
  "views.publish": ["home"],
};
/** When several problems are found, Slack is taken to answer with the first of these that applies. */
const ERROR_ORDER: readonly SlackLimitError[] = [
  "invalid_arguments",
  "invalid_blocks",
  "msg_blocks_too_long",
  "msg_too_long",
  "no_text",
];

/** The methods this module checks; any other method passes unchecked. */
export const CHECKED_METHODS: readonly string[] = [...MESSAGE_METHODS, ...Object.keys(VIEW_METHODS)];

/** Checks one call: `args` as Slack receives them (JSON fields such as `blocks` or `view` decoded or not). */
export function checkSlackCall(method: string, args: Record<string, unknown>): SlackLimitCheck {
  const viewTypes = VIEW_METHODS[method];
  const c = new Checker(viewTypes ? "invalid_arguments" : "invalid_blocks");
  if (viewTypes) checkView(c, args.view, viewTypes);
  else if (MESSAGE_METHODS.has(method)) checkMessage(c, args, method === RESPONSE_URL);
  else return { error: undefined, problems: [], warnings: [] };
  brokenText(c, args, "");
  const error = ERROR_ORDER.find((e) => c.problems.some((p) => p.error === e));
  return { error, problems: c.problems.map((p) => p.text), warnings: c.warnings };
}

/** The problems alone: an empty array when Slack would accept the call. */
export function slackLimitProblems(method: string, args: Record<string, unknown>): string[] {
  return checkSlackCall(method, args).problems;
}

/** The error code Slack would answer this call with, or undefined when it would accept it. */
export function slackErrorFor(method: string, args: Record<string, unknown>): SlackLimitError | undefined {
  return checkSlackCall(method, args).error;
}

/**
 * Every text a person sees in a payload, in the payload's order: a message's `text` and the text of
 * every text object in its blocks, or a view's title, buttons and blocks; and the initial value of inputs.
 */
export function visibleTexts(args: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof args.text === "string") out.push(args.text);
  for (const key of ["blocks", "view"]) {
    const value = decoded(args[key]);
    if (value !== undefined) collectTexts(value, out, true);
  }
  return out;
}

/** The characters of text in all text objects of `blocks`, as counted for msg_blocks_too_long. */
export function blockTextLength(blocks: unknown): number {
  const texts: string[] = [];
  collectTexts(decoded(blocks), texts, false);
  return texts.reduce((sum, t) => sum + t.length, 0);
}

interface Problem {
  error: SlackLimitError;
  text: string;
}

class Checker {
  readonly problems: Problem[] = [];
  readonly warnings: string[] = [];
  /** What a problem inside blocks makes Slack answer: invalid_blocks for messages, invalid_arguments for views. */
  constructor(readonly blockError: SlackLimitError) {}

  add(error: SlackLimitError, path: string, what: string): void {
    this.problems.push({ error, text: `${path}: ${what}` });
  }

  block(path: string, what: string): void {
    this.add(this.blockError, path, what);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const fmt = (n: number) => n.toLocaleString("en-US");
const tooLong = (length: number, max: number) => `${fmt(length)} characters (limit ${fmt(max)})`;

/** A JSON field may arrive still encoded (form-encoded calls); undefined stays undefined. */
function decoded(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function collectTexts(value: unknown, out: string[], withInputs: boolean): void {
  if (Array.isArray(value)) {
    for (const item of value) collectTexts(item, out, withInputs);
    return;
  }
  if (!isRecord(value)) return;
  if ((value.type === "plain_text" || value.type === "mrkdwn") && typeof value.text === "string") {
    out.push(value.text);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === "initial_value") {
      if (withInputs && typeof child === "string") out.push(child);
    } else if (key !== "initial_option" && key !== "initial_options") {
      // (The initially chosen options repeat entries of `options`.)
      collectTexts(child, out, withInputs);
    }
  }
}

/** Half of a surrogate pair on its own: an emoji cut in two, which no client can show. */
function brokenText(c: Checker, value: unknown, path: string): void {
  if (typeof value === "string") {
    const at = value.search(/\p{Cs}/u);
    if (at >= 0) {
      const error = path.startsWith("blocks") ? c.blockError : "invalid_arguments";
      c.add(error, path || "(body)", `broken text: a lone UTF-16 surrogate at index ${fmt(at)}`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      brokenText(c, item, `${path}[${i}]`);
    });
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    brokenText(c, path === "" ? decoded(child) : child, path ? `${path}.${key}` : key);
  }
}

function checkMessage(c: Checker, args: Record<string, unknown>, viaResponseUrl: boolean): void {
  const text = args.text;
  if (text !== undefined && typeof text !== "string") c.add("invalid_arguments", "text", "must be a string");
  if (typeof text === "string") {
    if (text.length > SLACK_LIMITS.messageText)
      c.add("msg_too_long", "text", tooLong(text.length, SLACK_LIMITS.messageText));
    else if (text.length > SLACK_LIMITS.messageTextAdvised) {
      c.warnings.push(
        `text: ${fmt(text.length)} characters (Slack advises at most ${fmt(SLACK_LIMITS.messageTextAdvised)})`,
      );
    }
  }
  if (viaResponseUrl) {
    const type = args.response_type;
    if (type !== undefined && type !== "in_channel" && type !== "ephemeral") {
      c.add("invalid_arguments", "response_type", `must be "in_channel" or "ephemeral", not ${JSON.stringify(type)}`);
    }
    for (const key of ["replace_original", "delete_original"]) {
      if (args[key] !== undefined && typeof args[key] !== "boolean")
        c.add("invalid_arguments", key, "must be a boolean");
    }
    if (args.delete_original === true) return;
  }
  const blocks = decoded(args.blocks);
  const hasText = typeof text === "string" && text.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (!hasText && !hasBlocks && args.attachments === undefined) {
    c.add("no_text", "text", "missing: a message needs text when it has no blocks");
  }
  if (blocks === undefined) return;
  checkBlocks(c, blocks, "blocks", SLACK_LIMITS.messageBlocks);
  const total = blockTextLength(blocks);
  if (total > SLACK_LIMITS.messageBlockText) {
    c.add(
      "msg_blocks_too_long",
      "blocks",
      `${fmt(total)} characters of text in all blocks together (limit about ${fmt(SLACK_LIMITS.messageBlockText)})`,
    );
  }
}

function checkView(c: Checker, raw: unknown, types: readonly string[]): void {
  const view = decoded(raw);
  if (!isRecord(view)) {
    c.add("invalid_arguments", "view", "missing or not an object");
    return;
  }
  if (typeof view.type !== "string" || !types.includes(view.type)) {
    c.add("invalid_arguments", "view.type", `must be ${types.map((t) => `"${t}"`).join(" or ")}`);
    return;
  }
  checkString(c, view.private_metadata, "view.private_metadata", SLACK_LIMITS.privateMetadata);
  checkString(c, view.callback_id, "view.callback_id", SLACK_LIMITS.callbackId);
  checkString(c, view.external_id, "view.external_id", SLACK_LIMITS.externalId);
  if (view.type === "modal") {
    checkText(c, view.title, "view.title", SLACK_LIMITS.modalTitle, { plainOnly: true, required: true });
    checkText(c, view.submit, "view.submit", SLACK_LIMITS.modalButton, { plainOnly: true });
    checkText(c, view.close, "view.close", SLACK_LIMITS.modalButton, { plainOnly: true });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === "input");
    if (hasInput && view.submit === undefined) c.block("view.submit", "missing: a modal with input blocks needs one");
  }
  if (view.blocks === undefined) c.block("view.blocks", "missing");
  else checkBlocks(c, view.blocks, "view.blocks", SLACK_LIMITS.viewBlocks);
}

function checkString(c: Checker, value: unknown, path: string, max: number, required = false): void {
  if (value === undefined) {
    if (required) c.block(path, "missing");
    return;
  }
  if (typeof value !== "string") c.block(path, "must be a string");
  else if (value.length > max) c.block(path, tooLong(value.length, max));
}

function checkText(
  c: Checker,
  value: unknown,
  path: string,
  max: number,
  options: { plainOnly?: boolean; required?: boolean } = {},
): void {
  if (value === undefined) {
    if (options.required) c.block(path, "missing");
    return;
  }
  if (!isRecord(value)) {
    c.block(path, "must be a text object");
    return;
  }
  if (value.type !== "plain_text" && value.type !== "mrkdwn") {
    c.block(`${path}.type`, `must be "plain_text" or "mrkdwn", not ${JSON.stringify(value.type)}`);
    return;
  }
  if (options.plainOnly && value.type !== "plain_text") c.block(`${path}.type`, 'must be "plain_text" here');
  if (value.emoji !== undefined && value.type !== "plain_text") c.block(`${path}.emoji`, "only plain_text takes emoji");
  if (value.verbatim !== undefined && value.type !== "mrkdwn")
    c.block(`${path}.verbatim`, "only mrkdwn takes verbatim");
  const text = value.text;
  if (typeof text !== "string") c.block(`${path}.text`, "missing or not a string");
  else if (text.length === 0) c.block(`${path}.text`, "empty (at least 1 character)");
  else if (text.length > Math.min(max, SLACK_LIMITS.textObject)) c.block(`${path}.text`, tooLong(text.length, max));
}

function checkCount(c: Checker, value: unknown, path: string, min: number, max: number): value is unknown[] {
  if (!Array.isArray(value)) {
    c.block(path, "missing or not an array");
    return false;
  }
  if (value.length < min) c.block(path, `${fmt(value.length)} items (at least ${fmt(min)})`);
  if (value.length > max) c.block(path, `${fmt(value.length)} items (limit ${fmt(max)})`);
  return true;
}

function checkBlocks(c: Checker, value: unknown, path: string, max: number): void {
  const blocks = decoded(value);
  if (!checkCount(c, blocks, path, 0, max)) return;
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `${path}[${i}]`;
    checkBlock(c, block, at);
    if (isRecord(block) && typeof block.block_id === "string") {
      if (ids.has(block.block_id)) c.block(`${at}.block_id`, `${JSON.stringify(block.block_id)} is used twice`);
      ids.add(block.block_id);
    }
  });
}

const ACTIONS_ELEMENTS = ["button", "static_select", "overflow", "checkboxes", "radio_buttons"] as const;
const ACCESSORIES = ["button", "static_select", "overflow", "checkboxes", "radio_buttons"] as const;
const INPUT_ELEMENTS = ["plain_text_input", "number_input", "static_select", "checkboxes", "radio_buttons"] as const;

function checkBlock(c: Checker, block: unknown, path: string): void {
  if (!isRecord(block)) {
    c.block(path, "not an object");
    return;
  }
  checkString(c, block.block_id, `${path}.block_id`, SLACK_LIMITS.blockId);
  switch (block.type) {
    case "section": {
      if (block.text === undefined && block.fields === undefined) c.block(path, "a section needs text or fields");
      checkText(c, block.text, `${path}.text`, SLACK_LIMITS.sectionText);
      if (block.fields !== undefined && checkCount(c, block.fields, `${path}.fields`, 1, SLACK_LIMITS.sectionFields)) {
        block.fields.forEach((f, i) => {
          checkText(c, f, `${path}.fields[${i}]`, SLACK_LIMITS.sectionField, { required: true });
        });
      }
      if (block.accessory !== undefined) checkElement(c, block.accessory, `${path}.accessory`, ACCESSORIES);
      return;
    }
    case "header":
      checkText(c, block.text, `${path}.text`, SLACK_LIMITS.header, { plainOnly: true, required: true });
      return;
    case "context":
      if (checkCount(c, block.elements, `${path}.elements`, 1, SLACK_LIMITS.contextElements)) {
        block.elements.forEach((e, i) => {
          const at = `${path}.elements[${i}]`;
          if (isRecord(e) && (e.type === "plain_text" || e.type === "mrkdwn")) {
            checkText(c, e, at, SLACK_LIMITS.textObject);
          } else {
            c.block(at, `element type ${JSON.stringify(isRecord(e) ? e.type : e)} is not known to this validator`);
          }
        });
      }
      return;
    case "actions":
      if (checkCount(c, block.elements, `${path}.elements`, 1, SLACK_LIMITS.actionsElements)) {
        block.elements.forEach((e, i) => {
          checkElement(c, e, `${path}.elements[${i}]`, ACTIONS_ELEMENTS);
        });
        duplicateActionIds(c, block.elements, `${path}.elements`);
      }
      return;
    case "divider":
      return;
    case "input":
      checkText(c, block.label, `${path}.label`, SLACK_LIMITS.inputLabel, { plainOnly: true, required: true });
      checkText(c, block.hint, `${path}.hint`, SLACK_LIMITS.inputHint, { plainOnly: true });
      if (block.optional !== undefined && typeof block.optional !== "boolean") {
        c.block(`${path}.optional`, "must be a boolean");
      }
      if (block.element === undefined) c.block(`${path}.element`, "missing: an input block needs an element");
      else checkElement(c, block.element, `${path}.element`, INPUT_ELEMENTS);
      return;
    default:
      c.block(`${path}.type`, `block type ${JSON.stringify(block.type)} is not known to this validator`);
  }
}

function duplicateActionIds(c: Checker, elements: unknown[], path: string): void {
  const ids = new Set<string>();
  elements.forEach((e, i) => {
    if (!isRecord(e) || typeof e.action_id !== "string") return;
    if (ids.has(e.action_id)) c.block(`${path}[${i}].action_id`, `${JSON.stringify(e.action_id)} is used twice`);
    ids.add(e.action_id);
  });
}

function checkElement(c: Checker, element: unknown, path: string, allowed: readonly string[]): void {
  if (!isRecord(element)) {
    c.block(path, "not an object");
    return;
  }
  const type = element.type;
  if (typeof type !== "string" || !allowed.includes(type)) {
    c.block(`${path}.type`, `element type ${JSON.stringify(type)} is not known to this validator here`);
    return;
  }
  checkString(c, element.action_id, `${path}.action_id`, SLACK_LIMITS.actionId);
  if (element.confirm !== undefined) checkConfirm(c, element.confirm, `${path}.confirm`);
  if (type !== "button" && type !== "overflow") {
    checkText(c, element.placeholder, `${path}.placeholder`, SLACK_LIMITS.placeholder, { plainOnly: true });
  }
  switch (type) {
    case "button":
      checkText(c, element.text, `${path}.text`, SLACK_LIMITS.buttonText, { plainOnly: true, required: true });
      checkString(c, element.value, `${path}.value`, SLACK_LIMITS.buttonValue);
      checkString(c, element.url, `${path}.url`, SLACK_LIMITS.buttonUrl);
      checkString(c, element.accessibility_label, `${path}.accessibility_label`, SLACK_LIMITS.accessibilityLabel);
      checkStyle(c, element.style, `${path}.style`);
      return;
    case "static_select":
      if (element.option_groups !== undefined) {
        if (element.options !== undefined) c.block(path, "give options or option_groups, not both");
        if (checkCount(c, element.option_groups, `${path}.option_groups`, 1, SLACK_LIMITS.optionGroups)) {
          element.option_groups.forEach((g, i) => {
            const at = `${path}.option_groups[${i}]`;
            if (!isRecord(g)) {
              c.block(at, "not an object");
              return;
            }
            checkText(c, g.label, `${at}.label`, SLACK_LIMITS.optionGroupLabel, { plainOnly: true, required: true });
            checkOptions(c, g.options, `${at}.options`, 1, SLACK_LIMITS.selectOptions, { plainOnly: true });
          });
        }
      } else {
        checkOptions(c, element.options, `${path}.options`, 1, SLACK_LIMITS.selectOptions, { plainOnly: true });
      }
      return;
    case "overflow":
      checkOptions(
        c,
        element.options,
        `${path}.options`,
        SLACK_LIMITS.overflowOptionsMin,
        SLACK_LIMITS.overflowOptionsMax,
        {
          plainOnly: true,
          url: true,
        },
      );
      return;
    case "checkboxes":
    case "radio_buttons":
      checkOptions(c, element.options, `${path}.options`, 1, SLACK_LIMITS.choiceOptions, {});
      return;
    case "plain_text_input":
      checkPlainTextInput(c, element, path);
      return;
    case "number_input":
      checkNumberInput(c, element, path);
      return;
  }
}

function checkStyle(c: Checker, style: unknown, path: string): void {
  if (style !== undefined && style !== "primary" && style !== "danger") {
    c.block(path, `must be "primary" or "danger", not ${JSON.stringify(style)}`);
  }
}

function checkConfirm(c: Checker, confirm: unknown, path: string): void {
  if (!isRecord(confirm)) {
    c.block(path, "not an object");
    return;
  }
  checkText(c, confirm.title, `${path}.title`, SLACK_LIMITS.confirmTitle, { plainOnly: true });
  checkText(c, confirm.text, `${path}.text`, SLACK_LIMITS.confirmText, { required: true });
  checkText(c, confirm.confirm, `${path}.confirm`, SLACK_LIMITS.confirmButton, { plainOnly: true });
  checkText(c, confirm.deny, `${path}.deny`, SLACK_LIMITS.confirmButton, { plainOnly: true });
  checkStyle(c, confirm.style, `${path}.style`);
}

function checkOptions(
  c: Checker,
  options: unknown,
  path: string,
  min: number,
  max: number,
  kind: { plainOnly?: boolean; url?: boolean },
): void {
  if (!checkCount(c, options, path, min, max)) return;
  options.forEach((o, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(o)) {
      c.block(at, "not an object");
      return;
    }
    checkText(c, o.text, `${at}.text`, SLACK_LIMITS.optionText, { plainOnly: kind.plainOnly ?? false, required: true });
    checkString(c, o.value, `${at}.value`, SLACK_LIMITS.optionValue);
    checkText(c, o.description, `${at}.description`, SLACK_LIMITS.optionDescription, {
      plainOnly: kind.plainOnly ?? false,
    });
    if (o.url !== undefined) {
      if (kind.url) checkString(c, o.url, `${at}.url`, SLACK_LIMITS.optionUrl);
      else c.block(`${at}.url`, "only overflow menu options take a url");
    }
  });
}

function checkLengthBound(c: Checker, value: unknown, path: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > SLACK_LIMITS.plainTextInput) {
    c.block(
      path,
      `must be a whole number from ${min} to ${fmt(SLACK_LIMITS.plainTextInput)}, not ${JSON.stringify(value)}`,
    );
    return undefined;
  }
  return value;
}

function checkPlainTextInput(c: Checker, element: Record<string, unknown>, path: string): void {
  const max = checkLengthBound(c, element.max_length, `${path}.max_length`, 1);
  const min = checkLengthBound(c, element.min_length, `${path}.min_length`, 0);
  if (min !== undefined && max !== undefined && min > max) {
    c.block(`${path}.min_length`, `${fmt(min)} is more than max_length ${fmt(max)}`);
  }
  if (element.multiline !== undefined && typeof element.multiline !== "boolean") {
    c.block(`${path}.multiline`, "must be a boolean");
  }
  checkString(c, element.initial_value, `${path}.initial_value`, max ?? SLACK_LIMITS.plainTextInput);
}

function checkNumberInput(c: Checker, element: Record<string, unknown>, path: string): void {
  const decimals = element.is_decimal_allowed;
  if (typeof decimals !== "boolean") c.block(`${path}.is_decimal_allowed`, "missing or not a boolean (it is required)");
  const number = (key: "min_value" | "max_value" | "initial_value"): number | undefined => {
    const value = element[key];
    if (value === undefined) return undefined;
    const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
    if (!Number.isFinite(parsed)) {
      c.block(`${path}.${key}`, `must be a number written as a string, not ${JSON.stringify(value)}`);
      return undefined;
    }
    if (decimals === false && !Number.isInteger(parsed)) {
      c.block(`${path}.${key}`, `${JSON.stringify(value)} is not whole, and is_decimal_allowed is false`);
    }
    return parsed;
  };
  const min = number("min_value");
  const max = number("max_value");
  const initial = number("initial_value");
  if (min !== undefined && max !== undefined && min > max) c.block(`${path}.min_value`, "is greater than max_value");
  if (initial !== undefined && ((min !== undefined && initial < min) || (max !== undefined && initial > max))) {
    c.block(`${path}.initial_value`, "is outside min_value..max_value");
  }
}
