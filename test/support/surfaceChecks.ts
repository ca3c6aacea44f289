import { expect, it } from "vitest";
import { blockTextLength, checkSlackCall, RESPONSE_URL } from "../../devkit/slackLimits.ts";
import { MESSAGE_TEXT_BUDGET } from "../../src/slack/surfaces/blocks.ts";
import { parsingProblems, textObjects } from "./slackTexts.ts";

/** A message or view as the bot sends it: a name for the test, the Web API method, its arguments. */
export type Surface = [name: string, method: string, args: Record<string, unknown>];

const MESSAGE_METHODS = new Set(["chat.postMessage", "chat.update", "chat.postEphemeral", RESPONSE_URL]);

/** Every text a payload shows: its top-level `text` (the notification fallback) and every text object. */
function allTexts(args: Record<string, unknown>): string[] {
  return [
    ...(typeof args.text === "string" ? [args.text] : []),
    ...textObjects([args.blocks, args.view]).map((t) => t.text),
  ];
}

/**
 * Cases (inside the caller's describe): Slack accepts every surface, and every message's blocks
 * keep within the budget; `minMessages` guards against a list that lost its messages.
 */
export function slackAcceptsEvery(surfaces: () => Surface[], minMessages: number): void {
  it.each(surfaces())("%s: Slack accepts it", (_name, method, args) => {
    const check = checkSlackCall(method, args);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([]);
  });

  it("keeps every message's blocks within the budget, well below Slack's ~12,000 characters", () => {
    const messages = surfaces().filter(([, method]) => MESSAGE_METHODS.has(method));
    expect(messages.length).toBeGreaterThan(minMessages);
    const over = messages
      .map(([name, , args]) => [name, blockTextLength(args.blocks)] as const)
      .filter(([, length]) => length > MESSAGE_TEXT_BUDGET);
    expect(over).toEqual([]);
  });
}

/** Cases (inside the caller's describe): what people typed stays inert, and no cut splits a character. */
export function typedTextInertInEvery(surfaces: () => Surface[]): void {
  it.each(surfaces())("%s: no typed mention or link reaches Slack's parser", (_name, _method, args) => {
    // Every & Slack reads starts one of the three escapes: nothing is cut inside an entity either.
    expect(parsingProblems(args)).toEqual([]);
  });

  it.each(surfaces())("%s: cuts fall between graphemes", (_name, _method, args) => {
    for (const text of allTexts(args)) {
      expect(text).not.toMatch(/\p{Cs}/u);
      // The family emoji is one grapheme of three people: a cut never leaves part of it.
      const people = text.match(/👨/gu)?.length ?? 0;
      expect(text.match(/👨‍👩‍👧/gu)?.length ?? 0).toBe(people);
    }
  });
}
