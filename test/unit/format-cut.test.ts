import { describe, expect, it } from "vitest";
import { clip, clipMrkdwn, escapeMrkdwn, escapeWithin, fitText } from "../../src/slack/surfaces/format.ts";

const FAMILY = "👨‍👩‍👧";

describe("cutting text", () => {
  it("leaves text that fits alone", () => {
    expect(fitText("abc", 3)).toEqual({ text: "abc", cut: false });
    expect(clip("😀", 2)).toBe("😀");
  });

  it("cuts between graphemes, never inside an emoji (a lone surrogate) or a joined sequence", () => {
    // "a😀" is 3 UTF-16 units; cut at 3 with the marker: "a" + "…", not "a\ud83d…".
    expect(fitText("a😀b", 3)).toEqual({ text: "a…", cut: true });
    expect(clip(`x${FAMILY}y`, 8)).toBe("x…");
    expect(clip(`x${FAMILY}yz`, 10)).toBe(`x${FAMILY}…`);
    expect(clip("e\u0301e\u0301e\u0301", 4)).toBe("e\u0301…");
    for (let max = 1; max < 40; max++) {
      const cut = clip("😀".repeat(30), max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(/\p{Cs}/u);
    }
  });

  it("cuts before escaping: the escaped result fits and no escape is cut in two", () => {
    expect(escapeMrkdwn("<a & b>")).toBe("&lt;a &amp; b&gt;");
    expect(escapeWithin("&&&&", 12)).toBe("&amp;&amp;…");
    for (let max = 1; max < 30; max++) {
      const cut = escapeWithin("&<>&<>&<>&<>", max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });

  it("guards mrkdwn: never ends inside an escape or inside our own markup", () => {
    expect(clipMrkdwn("ab&amp;cd", 5)).toBe("ab…");
    expect(clipMrkdwn("by <@U0APPROVE1> on", 10)).toBe("by …");
    expect(clipMrkdwn("by <@U0A> on <!date^1^{date}|x>", 20)).toBe("by <@U0A> on …");
    expect(clipMrkdwn("short", 10)).toBe("short");
  });
});
