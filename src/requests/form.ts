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

function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Why one redirect URL is unusable, or undefined when it is fine. */
export function redirectUrlProblem(url: string): string | undefined {
  if (url.length > FORM.urlMaxLength) return `is longer than ${FORM.urlMaxLength} characters`;
  if (CONTROL.test(url) || /\s/.test(url) || LONE_SURROGATE.test(url)) return "contains spaces or control characters";
  if (url.includes("*")) return "contains *: wildcards are not supported, the URL must match exactly";
  if (url.includes("#")) return "has a #fragment, which redirect URLs may not have";
  if (url.includes("\\")) return "contains a backslash";
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
export function corsOriginProblem(origin: string): string | undefined {
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
export function canonicalOrigin(origin: string): string {
  return new URL(origin).origin;
}

function listField(
  label: string,
  bounds: { min: number; max: number },
  problemOf: (item: string) => string | undefined,
  normalise: (item: string) => string = (s) => s,
) {
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
        if (!seen.has(item)) {
          seen.add(item);
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

function shorten(value: string): string {
  const visible = value.replace(/[\p{Cc}\p{Cs}]/gu, "?");
  return visible.length > 60 ? `${visible.slice(0, 57)}…` : visible;
}

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
          }),
      ),
    redirectUris: listField("redirect URL", FORM.redirectUris, redirectUrlProblem),
    postLogoutRedirectUris: listField("logout redirect URL", FORM.postLogoutRedirectUris, redirectUrlProblem),
    allowedCorsOrigins: listField(
      "CORS origin",
      FORM.allowedCorsOrigins,
      (o) => corsOriginProblem(dropTrailingSlash(o)),
      (o) => canonicalOrigin(dropTrailingSlash(o)),
    ),
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
    justification: z
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
          }),
      ),
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
