import type { Logger } from "@slack/bolt";
import type { LogLevelName } from "./config.ts";
import { LogLevel } from "./slack/bolt.ts";

const ORDER: Record<LogLevelName, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const TOKEN_PATTERNS = [
  /\bxox[a-z]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
];

/**
 * Removes every known secret, and anything shaped like a Slack or bearer token, from a text.
 * A secret is also found as it reads inside JSON (quotes and backslashes escaped) and inside a
 * URL or form body (percent-encoded), since log lines are JSON and carry such bodies.
 */
export class Redactor {
  /** Every written form of every secret, longest first (so a secret inside another goes with it). */
  private forms: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Remembers a secret learnt at run time (an access token, say). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 6) return;
    const written = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
    this.forms = [...new Set([...this.forms, ...written])].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.forms) if (out.includes(s)) out = out.split(s).join("[redacted]");
    for (const p of TOKEN_PATTERNS)
      out = out.replace(p, (m) => (/^(bearer|basic)/i.test(m) ? `${m.split(/\s+/)[0]} [redacted]` : "[redacted]"));
    return out;
  }
}

export type LogFields = Record<string, unknown>;

export interface AppLogger extends Logger {
  /** One structured line: an event name and its fields. */
  event(level: LogLevelName, event: string, fields?: LogFields): void;
  child(name: string): AppLogger;
}

/** Our level names and Bolt's LogLevel, both ways. */
const BOLT_LEVELS: Record<LogLevelName, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

function toLevelName(level: LogLevel): LogLevelName {
  return (Object.keys(BOLT_LEVELS) as LogLevelName[]).find((name) => BOLT_LEVELS[name] === level) ?? "info";
}

/** JSON.stringify replacer: errors as name and message (JSON would give `{}`), bigints as text. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { error: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

function describe(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      error: value.name,
      message: value.message,
      ...(value.stack ? { stack: value.stack.split("\n").slice(0, 6).join("\n") } : {}),
    };
  }
  return value;
}

let stdoutLines: ((line: string) => void) | undefined;

/**
 * Writes lines to stdout a loop turn at a time. A write to a file or pipe is a blocking system
 * call, so under load one write per turn instead of one per line keeps the event loop free
 * (bench/results.md). Whatever is left is written when the process exits.
 */
function writeToStdout(line: string): void {
  stdoutLines ??= batchedWriter((text) => process.stdout.write(text));
  stdoutLines(line);
}

export function batchedWriter(write: (text: string) => void): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(`${line}\n`);
  };
}

/**
 * JSON-lines logger used by the app and handed to Bolt, so every line — Bolt's own included —
 * goes through the redactor.
 */
export function createLogger(options: {
  level: LogLevelName;
  redactor: Redactor;
  write?: (line: string) => void;
  name?: string;
}): AppLogger {
  let level = options.level;
  let name = options.name ?? "bot";
  const write = options.write ?? writeToStdout;

  const emit = (at: LogLevelName, fields: LogFields) => {
    if (ORDER[at] < ORDER[level]) return;
    const record: LogFields = { time: new Date().toISOString(), level: at, name };
    // A field may not pass itself off as the time, level or logger name of the line.
    for (const [key, value] of Object.entries(fields)) record[key in record ? `_${key}` : key] = value;
    let line: string;
    try {
      line = JSON.stringify(record, jsonValue);
    } catch {
      line = JSON.stringify({ time: record.time, level: at, name, msg: String(fields.msg), unserialisable: true });
    }
    write(options.redactor.redact(line));
  };

  const fromArgs = (args: unknown[]): LogFields => {
    const texts: string[] = [];
    const fields: LogFields = {};
    for (const a of args) {
      const d = describe(a);
      if (typeof d === "string") texts.push(d);
      else if (d && typeof d === "object" && !Array.isArray(d)) Object.assign(fields, d);
      else texts.push(String(d));
    }
    return { msg: texts.join(" "), ...fields };
  };

  const logger: AppLogger = {
    debug: (...args: unknown[]) => emit("debug", fromArgs(args)),
    info: (...args: unknown[]) => emit("info", fromArgs(args)),
    warn: (...args: unknown[]) => emit("warn", fromArgs(args)),
    error: (...args: unknown[]) => emit("error", fromArgs(args)),
    setLevel: (l: LogLevel) => {
      level = toLevelName(l);
    },
    getLevel: () => BOLT_LEVELS[level],
    setName: (n: string) => {
      name = n;
    },
    event: (at, event, fields = {}) => emit(at, { event, ...fields }),
    child: (childName: string) => createLogger({ ...options, level, name: `${name}:${childName}` }),
  };
  return logger;
}
