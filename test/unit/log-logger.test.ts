import { spawnSync } from "node:child_process";
import { LogLevel } from "@slack/bolt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogLevelName } from "../../src/config.ts";
import { batchedWriter, createLogger, Redactor } from "../../src/log.ts";
import { summarise } from "../../src/slack/listeners/middleware/requestLog.ts";

function capture(level: LogLevelName, secrets: string[] = []) {
  const lines: string[] = [];
  const log = createLogger({ level, redactor: new Redactor(secrets), write: (l) => lines.push(l) });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, parsed };
}

function everyLevel(log: ReturnType<typeof capture>["log"]) {
  log.debug("a debug line");
  log.info("an info line");
  log.warn("a warn line");
  log.error("an error line");
  log.event("debug", "debug_event");
  log.event("info", "info_event");
  log.event("warn", "warn_event");
  log.event("error", "error_event");
}

describe("log lines", () => {
  it.each([
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
  ] as [LogLevelName, string[]][])("at LOG_LEVEL=%s writes only %j", (level, written) => {
    const { log, parsed } = capture(level);
    everyLevel(log);
    const levels = parsed().map((l) => l.level);
    expect([...new Set(levels)]).toEqual(written);
    expect(levels).toHaveLength(written.length * 2);
  });

  it("follows a level set through Bolt's interface, and reports it back", () => {
    const { log, parsed } = capture("info");
    log.setLevel(LogLevel.WARN);
    expect(log.getLevel()).toBe(LogLevel.WARN);
    everyLevel(log);
    expect(parsed().every((l) => l.level === "warn" || l.level === "error")).toBe(true);
  });

  it("writes one valid JSON object per line, with time, level, logger name, event and fields", () => {
    const { log, lines, parsed } = capture("debug");
    log.event("info", "transition", { request: 7, actor: "U0APPROVE1", from: "pending", to: "approved", ageMs: 1200 });
    log.child("identity").event("warn", "identity_retry", { request: 7, attempt: 2 });
    log.info("bolt says", { extra: 1 }, 42);
    for (const line of lines) expect(line).not.toContain("\n");
    const [transition, retry, bolt] = parsed();
    expect(transition).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: "info",
      name: "bot",
      event: "transition",
      request: 7,
      actor: "U0APPROVE1",
      from: "pending",
      to: "approved",
      ageMs: 1200,
    });
    expect(retry).toMatchObject({ level: "warn", name: "bot:identity", event: "identity_retry", attempt: 2 });
    expect(bolt).toMatchObject({ level: "info", msg: "bolt says 42", extra: 1 });
  });

  it("keeps a field from passing itself off as the line's level, time or name", () => {
    const { log, parsed } = capture("info");
    log.event("info", "odd", { level: "error", name: "someone", time: "never" });
    const [line] = parsed();
    expect(line).toMatchObject({ level: "info", name: "bot", _level: "error", _name: "someone", _time: "never" });
  });

  it("writes errors as their name and message, and never throws on what it cannot serialise", () => {
    const { log, parsed } = capture("debug");
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    log.event("error", "with_error", { error: new TypeError("bad thing") });
    log.event("error", "circular", { data: circular, msg: "still here" });
    log.event("info", "bigint", { n: 10n });
    log.error(new RangeError("from Bolt"));
    const [withError, circularLine, bigint, bolt] = parsed();
    expect(withError?.error).toEqual({ error: "TypeError", message: "bad thing" });
    expect(circularLine).toMatchObject({ level: "error", msg: "still here", unserialisable: true });
    expect(bigint?.n).toBe("10");
    expect(bolt).toMatchObject({ error: "RangeError", message: "from Bolt" });
  });
});

describe("secrets in log lines", () => {
  const BOT = "xoxb-test-bot-token-for-tests-only";

  it("redacts configured secrets, secrets learnt later, and anything shaped like a Slack or bearer token", () => {
    const { log, lines } = capture("debug", ["super-secret-ocs-value-1234"]);
    const redactor = new Redactor(["super-secret-ocs-value-1234"]);
    const learnt = createLogger({ level: "debug", redactor, write: (l) => lines.push(l) });
    redactor.add("at-0123456789-access-token");
    log.event("info", "x", { secret: "super-secret-ocs-value-1234", token: BOT, app: "xapp-1-A0-123-abc" });
    log.warn("calling with Authorization: Bearer eyJhbGciOi.abc.def and Basic dXNlcjpwYXNz");
    learnt.event("info", "y", { header: "at-0123456789-access-token" });
    const text = lines.join("\n");
    for (const secret of [
      "super-secret-ocs-value-1234",
      BOT,
      "xapp-1-A0-123-abc",
      "eyJhbGciOi",
      "dXNlcjpwYXNz",
      "at-0123456789",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("Bearer [redacted]");
    expect(text).toContain("[redacted]");
  });

  it("finds a secret with quotes or backslashes as it reads inside the JSON line, and percent-encoded in a form body", () => {
    const secret = 'pa"ss\\word/+&=1234';
    const { log, lines } = capture("debug", [secret]);
    log.event("info", "json", { secret });
    log.event("info", "form", { body: `client_secret=${encodeURIComponent(secret)}&grant_type=client_credentials` });
    const text = lines.join("\n");
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(text).not.toContain(encodeURIComponent(secret));
    expect(text).not.toContain("ss\\\\word");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("finds a secret in every encoding an echoing service may use, and leaves the text around it", () => {
    /** A few encoders services really use, beyond JSON.stringify and encodeURIComponent. */
    const json = (s: string) => JSON.stringify(s).slice(1, -1);
    const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
    const units = (c: string) =>
      [...c].flatMap((p) => (p.length === 2 ? [p.charCodeAt(0), p.charCodeAt(1)] : [p.charCodeAt(0)]));
    const encoders: Record<string, (s: string) => string> = {
      raw: (s) => s,
      json,
      "json in json": (s) => json(json(s)),
      "json in json in json": (s) => json(json(json(s))),
      uri: encodeURIComponent,
      "uri, lower-case hex": (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      "uri twice": (s) => encodeURIComponent(encodeURIComponent(s)),
      form: (s) => new URLSearchParams({ s }).toString().slice(2),
      "form, lower-case hex": (s) =>
        new URLSearchParams({ s })
          .toString()
          .slice(2)
          .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      // System.Text.Json's default: HTML-sensitive characters and all non-ASCII as \uXXXX.
      "json, .NET style": (s) =>
        [...s]
          .map((c) =>
            /[<>&'+`"\\]/.test(c) || c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x20
              ? units(c)
                  .map((u) => `\\u${hex(u, 4)}`)
                  .join("")
              : c,
          )
          .join(""),
      "json, every other character escaped, lower-case": (s) =>
        [...s]
          .map((c) =>
            /[A-Za-z0-9._-]/.test(c)
              ? c
              : units(c)
                  .map((u) => `\\u${hex(u, 4).toLowerCase()}`)
                  .join(""),
          )
          .join(""),
      "html entities": (s) => [...s].map((c) => (/[A-Za-z0-9._-]/.test(c) ? c : `&#${c.codePointAt(0)};`)).join(""),
      "html hex entities": (s) =>
        [...s].map((c) => (/[A-Za-z0-9._-]/.test(c) ? c : `&#x${hex(c.codePointAt(0) ?? 0, 1)};`)).join(""),
    };
    // Arbitrary code points make very large patterns (every form of every character): kept short
    // and few, so the test stays quick on a busy machine.
    const secrets = fc.string({ unit: "binary", minLength: 6, maxLength: 24 });
    fc.assert(
      fc.property(secrets, fc.constantFrom(...Object.keys(encoders)), (secret, name) => {
        const encode = encoders[name] as (s: string) => string;
        const redactor = new Redactor([secret]);
        expect(redactor.redact(`before:${encode(secret)}:after`), name).toBe("before:[redacted]:after");
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it("redacts a form-encoded secret with characters encodeURIComponent leaves alone (~ ! ' ( ) * and space)", () => {
    const secret = "~!'()* spaced~secret";
    const { log, lines } = capture("debug", [secret]);
    const body = new URLSearchParams({ grant_type: "client_credentials", client_secret: secret }).toString();
    expect(body).toContain("%7E%21%27%28%29*+spaced%7Esecret");
    log.event("warn", "echo", { reason: `The service said: ${body}` });
    log.event("warn", "echo", { reason: body.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) });
    expect(lines[0]).toContain("client_secret=[redacted]");
    expect(lines[0]).not.toContain("spaced");
    expect(lines[1]).not.toContain("%7e%21");
  });

  it("redacts a longer secret whole even when a shorter one is inside it", () => {
    const { log, lines } = capture("debug", ["secret-1", "secret-1-and-more"]);
    log.event("info", "x", { value: "secret-1-and-more" });
    expect(lines[0]).not.toContain("and-more");
  });
});

describe("the line per Slack request", () => {
  it("names the kind and what it was, without the request's content", () => {
    expect(summarise({ command: "/create-auth-client", text: "secret stuff", user_id: "U1" })).toEqual({
      kind: "slash_command",
      what: "/create-auth-client",
      user: "U1",
    });
    expect(
      summarise({ type: "block_actions", user: { id: "U2" }, actions: [{ action_id: "approve_request", value: "3" }] }),
    ).toEqual({ kind: "block_actions", what: "approve_request", user: "U2" });
    expect(
      summarise({ type: "view_submission", user: { id: "U3" }, view: { callback_id: "create_auth_client" } }),
    ).toEqual({ kind: "view_submission", what: "create_auth_client", user: "U3" });
    expect(summarise({ type: "event_callback", event: { type: "app_home_opened", user: "U4" } })).toEqual({
      kind: "event",
      what: "app_home_opened",
      user: "U4",
    });
  });

  it("never throws on odd payloads", () => {
    for (const body of [null, undefined, 42, "text", [], { type: 5 }, { actions: "x", type: "block_actions" }]) {
      expect(() => summarise(body)).not.toThrow();
    }
    expect(summarise(null).kind).toBe("unknown");
  });
});

describe("writing to stdout", () => {
  it("writes the lines of one loop turn in one write, in order, and the next turn's in another", async () => {
    const writes: string[] = [];
    const write = batchedWriter((text) => writes.push(text));
    write("one");
    write("two");
    write("three");
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(["one\ntwo\nthree\n"]);
    write("four");
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(["one\ntwo\nthree\n", "four\n"]);
  });

  it("loses no line when the process exits in the same turn", () => {
    const script = [
      'import { createLogger, Redactor } from "./src/log.ts";',
      'const log = createLogger({ level: "info", redactor: new Redactor(["xoxb-secret-token"]) });',
      'log.event("info", "first");',
      'log.event("error", "last_words", { token: "xoxb-secret-token" });',
      "process.exit(3);",
    ].join("\n");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status).toBe(3);
    const lines = child.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(["first", "last_words"]);
    expect(child.stdout).not.toContain("xoxb-secret-token");
  });
});
