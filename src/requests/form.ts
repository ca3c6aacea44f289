import * as z from "zod";
import { isLoopbackHost } from "../loopback.ts";

/**
 * The request form: limits and rules of every field. The modal takes its limits from here and
 * the submission is validated here, so the two cannot drift apart.
 */
export const FORM = {
  name: { maxLength: 100 },
  redirectUris: { min: 1, max: 10 },
  postLogoutRedirectUris: { min: 0, max: 10 },
  allowedCorsOrigins: { min: 0, max: 10 },
  /** One URL; the Identity API documents no bound, browsers handle far more than this. */
  urlMaxLength: 2000,
  /** The whole multiline input (Slack's own maximum for plain_text_input). */
  listInputMaxLength: 3000,
  accessTokenLifetime: { min: 60, max: 3600, default: 3600 },
  justification: { minLength: 10, maxLength: 2000 },
} as const;

export const FIELD_IDS = [
  "tenant",
  "name",
  "redirectUris",
  "postLogoutRedirectUris",
  "allowedCorsOrigins",
  "accessTokenLifetime",
  "justification",
] as const;
export type FieldId = (typeof FIELD_IDS)[number];

/** What the person typed, field by field (null or absent when left empty). */
export type RawForm = Partial<Record<FieldId, string | null | undefined>>;

export interface RequestForm {
  tenant: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  allowedCorsOrigins: string[];
  accessTokenLifetime: number;
  justification: string;
}

export type FormResult = { ok: true; value: RequestForm } | { ok: false; errors: Partial<Record<FieldId, string>> };

const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_NEWLINE_TAB = /[^\P{Cc}\n\t]/u;
/** Half of a UTF-16 surrogate pair on its own: not text, and SQLite/JSON would change it on the way. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Characters that change what text says without being seen: bidi controls (U+202E turns
 * "gnp.exe" into "exe.png"), zero-width characters, soft hyphens, fillers, variation selectors.
 * An approver cannot tell they are there, so the form refuses them everywhere.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;
/**
 * Emoji are the one place such characters belong: a zero-width joiner builds 👨‍👩‍👧, a variation
 * selector makes ❤️. Whole emoji sequences are allowed; the same characters anywhere else are not.
 */
// biome-ignore lint/complexity/useRegexLiterals: TypeScript refuses the v flag in a literal below an ES2024 target; Node 20 has it.
const EMOJI_SEQUENCE = new RegExp(String.raw`\p{RGI_Emoji}`, "gv");

/** The first character RFC 3986 does not let a URL hold as it is (it must be percent-encoded). */
const NOT_URL_CHARACTER = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/u;
/** [ and ] belong to an IPv6 host ([::1]) only; in a path or query they must be percent-encoded. */
const BRACKET = /[[\]]/;
/** A % that does not start a %XX escape. */
const STRAY_PERCENT = /%(?![0-9A-Fa-f]{2})/;

/** How the characters people most often meet without seeing them are called. */
const CHARACTER_NAMES: Record<number, string> = {
  173: "soft hyphen",
  1564: "Arabic letter mark",
  6158: "Mongolian vowel separator",
  8203: "zero-width space",
  8204: "zero-width non-joiner",
  8205: "zero-width joiner",
  8206: "left-to-right mark",
  8207: "right-to-left mark",
  8234: "left-to-right embedding",
  8235: "right-to-left embedding",
  8236: "pop directional formatting",
  8237: "left-to-right override",
  8238: "right-to-left override",
  8288: "word joiner",
  8294: "left-to-right isolate",
  8295: "right-to-left isolate",
  8296: "first strong isolate",
  8297: "pop directional isolate",
  12290: "ideographic full stop",
  65279: "zero-width no-break space",
};

/** U+XXXX, as Unicode writes a code point: something a person can read whatever the character looks like. */
function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The code point and, when it has one people know, its name: "U+202E (right-to-left override)". */
function describeCharacter(character: string): string {
  const name = CHARACTER_NAMES[character.codePointAt(0) ?? 0];
  return name ? `${codePoint(character)} (${name})` : codePoint(character);
}

/** The first invisible character of `text` outside emoji sequences, or undefined. */
function invisibleCharacterIn(text: string): string | undefined {
  const outsideEmoji = text.replace(EMOJI_SEQUENCE, " ");
  return INVISIBLE.exec(outsideEmoji)?.[0];
}

/** How a text field refuses invisible characters: its message, naming the first one found. */
function withoutInvisibleCharacters(what: string) {
  return (value: string, ctx: z.RefinementCtx) => {
    const invisible = invisibleCharacterIn(value);
    if (invisible === undefined) return;
    ctx.addIssue({
      code: "custom",
      message: `${what} may not contain invisible or text-direction characters; remove ${describeCharacter(invisible)}.`,
    });
  };
}

/** A character as percent-encoded UTF-8: "é" → "%C3%A9". */
function percentEncoded(character: string): string {
  return [...Buffer.from(character, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
}

/**
 * Why a URL holds characters that are not what the browser and the Identity API will use, or
 * undefined: a host that is not plain ASCII (the URL parser turns
 * "аpp" with a Cyrillic а into xn--pp-6kc, and "。" into a dot, so the approver would read another
 * host than the one that signs people in); characters a URL may not hold as they are.
 */
function urlCharacterProblem(url: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0] ?? "";
  const found = NOT_URL_CHARACTER.exec(url) ?? BRACKET.exec(url.slice(authority.length));
  if (found) {
    const character = found[0];
    if (character.charCodeAt(0) < 0x80) {
      return `contains ${character}, which a URL may not hold as it is: write it as ${percentEncoded(character)}`;
    }
    if (found.index < authority.length) return nonAsciiHostProblem(url, character);
    return `contains ${describeCharacter(character)} in its path or query: write it percent-encoded, ${percentEncoded(character)}`;
  }
  if (STRAY_PERCENT.test(url)) return "contains a % that starts no %XX escape: write a % sign as %25";
  return undefined;
}

function nonAsciiHostProblem(url: string, character: string): string {
  let readAs: string | undefined;
  try {
    readAs = new URL(url).hostname;
  } catch {
    readAs = undefined;
  }
  const where = readAs && /^[\x21-\x7e]+$/.test(readAs) ? `: browsers would go to ${clip(readAs, 80)}` : "";
  return `has ${describeCharacter(character)} in its host, which is not plain ASCII${where}. Type the host in ASCII (an international domain name in its xn-- form)`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Why one redirect URL is unusable, or undefined when it is fine. */
function redirectUrlProblem(url: string): string | undefined {
  if (url.length > FORM.urlMaxLength) return `is longer than ${FORM.urlMaxLength} characters`;
  const invisible = invisibleCharacterIn(url);
  if (invisible !== undefined) {
    return `contains an invisible character, ${describeCharacter(invisible)}: type the URL again without it`;
  }
  if (CONTROL.test(url) || /\s/.test(url) || LONE_SURROGATE.test(url)) return "contains spaces or control characters";
  if (url.includes("*")) return "contains *: wildcards are not supported, the URL must match exactly";
  if (url.includes("#")) return "has a #fragment, which redirect URLs may not have";
  if (url.includes("\\")) return "contains a backslash";
  const characters = urlCharacterProblem(url);
  if (characters) return characters;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not an absolute URL (it must start with https://)";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `uses ${parsed.protocol.replace(/:$/, "")}: only https:// is allowed`;
  }
  if (!/^https?:\/\/[^/]/i.test(url) || parsed.hostname === "") {
    return "is not an absolute URL (it must start with https:// and a host name)";
  }
  if (parsed.username !== "" || parsed.password !== "" || /^https?:\/\/[^/?#]*@/i.test(url)) {
    return "contains a user name or password, which is not allowed";
  }
  if (typedAuthority(url).endsWith(":")) return "has a : but no port number after the host";
  // The host as typed, not as the URL parser rewrote it: "127.1", "0x7f.1" or "loc\u00ADalhost" parse as
  // loopback but are sent to the Identity API exactly as typed.
  if (parsed.protocol === "http:" && !(isLoopbackHost(parsed.hostname) && isLoopbackHost(typedHost(url)))) {
    return "uses http://: only https:// is allowed (http:// only for localhost, 127.0.0.1 or [::1])";
  }
  return undefined;
}

/** The host[:port] of scheme://host[:port]… exactly as written. */
function typedAuthority(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
}

function typedHost(url: string): string {
  return typedAuthority(url).replace(/:\d*$/, "");
}

/** Why one CORS origin is unusable, or undefined when it is fine. Expects a trailing "/" already dropped. */
function corsOriginProblem(origin: string): string | undefined {
  const urlProblem = redirectUrlProblem(origin);
  if (urlProblem) return urlProblem;
  const parsed = new URL(origin);
  const hostAndPort = origin.replace(/^https?:\/\//i, "");
  if (/[/?]/.test(hostAndPort) || parsed.search !== "") {
    return "is not an origin: give only scheme://host[:port], without a path or query";
  }
  return undefined;
}

/** The origin as a browser sends it: lower-case scheme and host, default port dropped. */
function canonicalOrigin(origin: string): string {
  return new URL(origin).origin;
}

/**
 * What makes two valid redirect URLs the same one for a browser, though they differ as text:
 * the scheme's and host's letter case, a default port (:443, :80), an empty path ("" is "/").
 * Only these: anything else may matter to the Identity API's exact match and is kept apart.
 */
function sameRedirectUrl(url: string): string {
  const parsed = new URL(url);
  const rest = url.slice(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0].length ?? 0);
  const port = parsed.port === "" ? "" : `:${parsed.port}`;
  return `${parsed.protocol}//${typedHost(url).toLowerCase()}${port}${rest.startsWith("/") ? rest : `/${rest}`}`;
}

interface ListRules {
  problemOf: (item: string) => string | undefined;
  /** The item as kept (default: as typed). */
  normalise?: (item: string) => string;
  /** Items with the same identity are duplicates: the first is kept (default: the kept form). */
  identity?: (item: string) => string;
}

function listField(label: string, bounds: { min: number; max: number }, rules: ListRules) {
  const { problemOf, normalise = (s: string) => s, identity = (s: string) => s } = rules;
  return z
    .string()
    .nullish()
    .transform((text, ctx) => {
      const items: string[] = [];
      const seen = new Set<string>();
      const problems: string[] = [];
      if ((text ?? "").length > FORM.listInputMaxLength) {
        ctx.addIssue({ code: "custom", message: `Keep this list to ${FORM.listInputMaxLength} characters or fewer.` });
        return z.NEVER;
      }
      for (const raw of lines(text ?? "")) {
        const problem = problemOf(raw);
        if (problem) {
          problems.push(`${shorten(raw)} ${problem}`);
          continue;
        }
        const item = normalise(raw);
        const key = identity(item);
        if (!seen.has(key)) {
          seen.add(key);
          items.push(item);
        }
      }
      if (problems.length > 0) {
        const more = problems.length > 2 ? ` (and ${problems.length - 2} more)` : "";
        ctx.addIssue({ code: "custom", message: `${problems.slice(0, 2).join("; ")}${more}.` });
        return z.NEVER;
      }
      if (items.length < bounds.min) {
        ctx.addIssue({
          code: "custom",
          message: bounds.min === 1 ? `Enter at least one ${label}.` : `Enter at least ${bounds.min} ${label}s.`,
        });
        return z.NEVER;
      }
      if (items.length > bounds.max) {
        ctx.addIssue({
          code: "custom",
          message: `Enter at most ${bounds.max} ${label}s (you entered ${items.length}).`,
        });
        return z.NEVER;
      }
      return items;
    });
}

/**
 * A refused line as the message names it: at most 60 characters, every character outside
 * printable ASCII spelt out as [U+XXXX], so nothing invisible or look-alike is echoed back.
 */
function shorten(value: string): string {
  let shown = "";
  for (const character of value) {
    const part = /^[\x20-\x7e]$/.test(character) ? character : `[${codePoint(character)}]`;
    if (shown.length + part.length > 57) return `${shown}…`;
    shown += part;
  }
  return shown;
}

/** Why a request is asked for: approvers read it. */
const justificationField = z
  .string()
  .nullish()
  // Any line separator (\r\n, \r, \n) reads as a line break.
  .transform((v) => (v ?? "").replace(/\r\n?/g, "\n").trim())
  .pipe(
    z
      .string()
      .min(1, { error: "Tell the approvers why this client is needed." })
      .min(FORM.justification.minLength, {
        error: `Give the approvers a little more to go on (at least ${FORM.justification.minLength} characters).`,
      })
      .max(FORM.justification.maxLength, {
        error: `Keep the justification to ${FORM.justification.maxLength} characters or fewer.`,
      })
      .refine((v) => !CONTROL_EXCEPT_NEWLINE_TAB.test(v) && !LONE_SURROGATE.test(v), {
        error: "The justification may not contain control characters.",
      })
      .superRefine(withoutInvisibleCharacters("The justification")),
  );

function formSchema(tenants: readonly string[]) {
  return z.object({
    tenant: z
      .string()
      .nullish()
      .transform((v, ctx) => {
        if (tenants.length === 1) return tenants[0] as string;
        if (v && tenants.includes(v)) return v;
        ctx.addIssue({ code: "custom", message: "Choose the tenant the client is for." });
        return z.NEVER;
      }),
    name: z
      .string()
      .nullish()
      .transform((v) => (v ?? "").trim())
      .pipe(
        z
          .string()
          .min(1, { error: "Enter a name for the client." })
          .max(FORM.name.maxLength, { error: `Keep the name to ${FORM.name.maxLength} characters or fewer.` })
          .refine((v) => !CONTROL.test(v) && !LONE_SURROGATE.test(v), {
            error: "The name may not contain control characters or line breaks.",
          })
          .superRefine(withoutInvisibleCharacters("The name")),
      ),
    redirectUris: listField("redirect URL", FORM.redirectUris, {
      problemOf: redirectUrlProblem,
      identity: sameRedirectUrl,
    }),
    postLogoutRedirectUris: listField("logout redirect URL", FORM.postLogoutRedirectUris, {
      problemOf: redirectUrlProblem,
      identity: sameRedirectUrl,
    }),
    allowedCorsOrigins: listField("CORS origin", FORM.allowedCorsOrigins, {
      problemOf: (o) => corsOriginProblem(dropTrailingSlash(o)),
      normalise: (o) => canonicalOrigin(dropTrailingSlash(o)),
    }),
    accessTokenLifetime: z
      .string()
      .nullish()
      .transform((v, ctx) => {
        const text = (v ?? "").trim();
        if (text === "") return FORM.accessTokenLifetime.default;
        const { min, max } = FORM.accessTokenLifetime;
        if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) {
          ctx.addIssue({
            code: "custom",
            message: `Enter the lifetime in seconds, a whole number from ${min} to ${max}.`,
          });
          return z.NEVER;
        }
        const n = Number(text);
        if (!Number.isInteger(n)) {
          ctx.addIssue({ code: "custom", message: `Use a whole number of seconds from ${min} to ${max}.` });
          return z.NEVER;
        }
        if (n < min || n > max) {
          ctx.addIssue({ code: "custom", message: `The lifetime must be from ${min} to ${max} seconds.` });
          return z.NEVER;
        }
        return n;
      }),
    justification: justificationField,
  });
}

function dropTrailingSlash(origin: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/$/i.test(origin) ? origin.slice(0, -1) : origin;
}

/**
 * Building the zod schema costs ~50× more than using it (bench/results.md), and it depends only
 * on the tenant names: one schema per list of names, built once. Bounded, for callers with many lists.
 */
const schemas = new Map<string, ReturnType<typeof formSchema>>();

function schemaFor(tenants: readonly string[]): ReturnType<typeof formSchema> {
  const key = JSON.stringify(tenants);
  let schema = schemas.get(key);
  if (!schema) {
    if (schemas.size >= 16) schemas.clear();
    schema = formSchema([...tenants]);
    schemas.set(key, schema);
  }
  return schema;
}

/** Validates a submitted form. Never throws; every bad field gets its own message. */
export function validateRequestForm(raw: RawForm, tenants: readonly string[]): FormResult {
  const parsed = schemaFor(tenants).safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors: Partial<Record<FieldId, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as FieldId;
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A justification alone (disabling, enabling and deleting a client ask for nothing else), by the form's rules. */
export function validateJustification(
  raw: string | null | undefined,
): { ok: true; value: string } | { ok: false; error: string } {
  const parsed = justificationField.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: parsed.error.issues[0]?.message ?? "Tell the approvers why." };
}
