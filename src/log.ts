import type { Logger } from "@slack/bolt";
import type { LogLevelName } from "./config.ts";
import { LogLevel } from "./slack/bolt.ts";

const ORDER: Record<LogLevelName, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const TOKEN_PATTERNS = [
  /\bxox[a-z]-[A-Za-z0-9-]+/g,
  /\bxapp-[A-Za-z0-9-]+/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
];

/** Letters, digits and - . _: no encoder escapes them (JSON, URLs, forms, HTML), so they are matched as they are. */
const PLAIN = /^[A-Za-z0-9._-]$/;
/**
 * How deeply a secret may sit inside JSON: the service's body (1), kept inside our own JSON (a
 * stored error, 2), inside a log line (3), and once more for good measure.
 */
const JSON_DEPTH_MAX = 4;
/** JSON's short escapes of control characters and the slash. */
const JSON_SHORT: Record<string, string> = { "\n": "n", "\r": "r", "\t": "t", "\b": "b", "\f": "f", "/": "/" };
const HTML_NAMED: Record<string, string> = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" };

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");

/** n in hexadecimal, at least `width` digits, each letter in either case: 7E → 7[eE]. */
function hexPattern(n: number, width: number): string {
  return [...n.toString(16).padStart(width, "0")]
    .map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d))
    .join("");
}

/** A character percent-encoded as UTF-8 (URLs, form bodies), hex in either case, perhaps encoded again (%257E). */
function percentPattern(character: string): string {
  return [...Buffer.from(character, "utf8")].map((b) => `%(?:25){0,3}${hexPattern(b, 2)}`).join("");
}

/**
 * Exactly n backslashes (each perhaps percent-encoded). Exact, not "one or more": every level
 * of JSON doubles them, and an exact count per depth keeps a match unambiguous (and fast).
 */
function backslashes(n: number): string {
  return n === 0 ? "" : `(?:\\\\|%(?:25){0,3}5[cC]){${n}}`;
}

/** Every way one character of a secret may be written at JSON depth `depth` (0: not inside JSON). */
function characterPattern(character: string, depth: number): string {
  if (PLAIN.test(character)) return character;
  const point = character.codePointAt(0) ?? 0;
  const forms = new Set<string>();
  const mustEscape = character === '"' || character === "\\" || point < 0x20;
  if (depth === 0 || !mustEscape) forms.add(escapeRegExp(character));
  forms.add(percentPattern(character));
  if (character === " ") forms.add(String.raw`\+`);
  // HTML character references, as an error page would write them.
  forms.add(`&#0*${point};`);
  forms.add(`&#[xX]0*${hexPattern(point, 1)};`);
  const named = HTML_NAMED[character];
  if (named) forms.add(`&${named};`);
  if (depth > 0) {
    // A " or \ is escaped again at every level: 1, 3, 7… backslashes before a quote; 2, 4, 8… for a backslash.
    if (character === '"') forms.add(`${backslashes(2 ** depth - 1)}(?:"|${percentPattern('"')})`);
    if (character === "\\") forms.add(backslashes(2 ** depth));
    // A short escape (\n, \/) made at the first level; only its backslash is escaped after.
    const short = JSON_SHORT[character];
    if (short) forms.add(`${backslashes(2 ** (depth - 1))}(?:${escapeRegExp(short)}|${percentPattern(short)})`);
    // \uXXXX (a surrogate pair beyond the BMP), in either case, made at any level k: 2^(depth-k) backslashes.
    const units = character.length === 2 ? [character.charCodeAt(0), character.charCodeAt(1)] : [point];
    for (let level = 1; level <= depth; level++) {
      forms.add(units.map((u) => `${backslashes(2 ** (depth - level))}u${hexPattern(u, 4)}`).join(""));
    }
  }
  return `(?:${[...forms].join("|")})`;
}

/** A secret as a service echoing it, or a log line holding it, may have written it. */
function secretPattern(secret: string): RegExp {
  const depths = new Set<string>();
  for (let depth = 0; depth <= JSON_DEPTH_MAX; depth++) {
    depths.add([...secret].map((c) => characterPattern(c, depth)).join(""));
  }
  return new RegExp(`(?:${[...depths].join("|")})`, "g");
}

interface KnownSecret {
  /** The secret's longest run of plain characters: every written form of it contains that run as it is. */
  probe: string;
  /** The secret in every written form. */
  pattern: RegExp;
}

/**
 * Removes every known secret, and anything shaped like a Slack or bearer token, from a text.
 * A secret is found however a service echoing it, or a log line holding it, may have written
 * it: as it is, inside JSON (escaped once or nested a few levels deep, \uXXXX in either case),
 * percent-encoded in a URL or a form body (either case of hex, + for a space, encoded again), or
 * as HTML character references.
 */
export class Redactor {
  /** Longest first, so a secret inside another goes with it. */
  private secrets: (KnownSecret & { length: number })[] = [];
  private readonly known = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Remembers a secret learnt at run time (an access token, say). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 6 || this.known.has(secret)) return;
    this.known.add(secret);
    const probe = (secret.match(/[A-Za-z0-9._-]+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), "");
    const pattern = secretPattern(secret);
    this.secrets = [...this.secrets, { probe, pattern, length: secret.length }].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const { probe, pattern } of this.secrets) {
      if (!out.includes(probe)) continue;
      out = out.replace(pattern, "[redacted]");
    }
    for (const p of TOKEN_PATTERNS)
      out = out.replace(p, (m) => (/^(bearer|basic)/i.test(m) ? `${m.split(/\s+/)[0]} [redacted]` : "[redacted]"));
    return out;
  }
}

type LogFields = Record<string, unknown>;

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
