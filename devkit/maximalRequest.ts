import { FORM, validateRequestForm } from "../src/requests/form.ts";
import type { Request } from "../src/requests/request.ts";
import { sampleRequest } from "./fixtures.ts";
import type { FormValues } from "./slackRequests.ts";

/** What a hostile member types: a channel-wide mention, a user mention and a disguised link. */
export const HOSTILE = "<!channel> <@U0VICTIM> <https://evil.example|click here>";

/** A family emoji: one grapheme of 8 UTF-16 units (surrogate pairs joined by ZWJ). */
const FAMILY = "👨‍👩‍👧";

/** `text` padded with `fill` (ASCII) to exactly `length` UTF-16 units; throws if it is longer already. */
function padTo(text: string, length: number, fill = "a"): string {
  if (text.length > length) throw new Error(`fixture too long: ${text.length} > ${length}`);
  return text + fill.repeat(length - text.length);
}

/** Lengths of `count` lines that, joined by "\n", fill exactly `total` characters. */
function lineLengths(count: number, total: number): number[] {
  const each = Math.floor((total - (count - 1)) / count);
  const lengths = Array.from({ length: count }, () => each);
  lengths[0] = (lengths[0] ?? 0) + (total - (count - 1) - each * count);
  return lengths;
}

/**
 * One URL per line, each a hostile, `&`-heavy URL, the whole input exactly at the form's limit.
 * Mentions, CJK and emoji are percent-encoded, as the form requires of a URL's path.
 */
function urlList(host: (i: number) => string): string {
  const lengths = lineLengths(FORM.redirectUris.max, FORM.listInputMaxLength);
  return lengths
    .map((length, i) =>
      padTo(
        `https://${host(i)}/${encodeURIComponent(`<!here>/<@U0VICTIM>/中文😀${FAMILY}`)}/cb?${"&x".repeat(60)}&end=`,
        length,
      ),
    )
    .join("\n");
}

/** ASCII host labels, different on every line (the form refuses hosts that are not plain ASCII). */
function asciiLabel(seed: number, length: number): string {
  let s = seed;
  return Array.from({ length }, () => {
    s = (s * 48_271) % 2_147_483_647;
    return String.fromCharCode(0x61 + (s % 26));
  }).join("");
}

function corsList(): string {
  const lengths = lineLengths(FORM.allowedCorsOrigins.max, FORM.listInputMaxLength);
  return lengths
    .map((length, i) => {
      const start = `https://&&&&&&&&.${asciiLabel(i + 1, 60)}.${asciiLabel(i + 101, 60)}.${asciiLabel(i + 201, 60)}.`;
      return `${padTo(start, length - ".com".length - 2, "b")}${i}x.com`;
    })
    .join("\n");
}

/** The justification at its limit: mentions, links, `&`, `<`, emoji, CJK and line breaks, surrogates at every parity. */
function justification(): string {
  const chunk = `&😀中a<b>😀${FAMILY}\n`;
  const start = `${HOSTILE} & <!here> asks:\n`;
  const body = start + chunk.repeat(Math.ceil(FORM.justification.maxLength / chunk.length));
  // Cut between whole chunks' graphemes: the fixture itself must be valid text.
  let out = "";
  for (const { segment } of new Intl.Segmenter("en", { granularity: "grapheme" }).segment(body)) {
    if (out.length + segment.length > FORM.justification.maxLength) break;
    out += segment;
  }
  return padTo(out, FORM.justification.maxLength, "j");
}

/** The name at its limit: hostile, with `&`, CJK and emoji. */
const NAME = padTo(`${HOSTILE} & 中文 ${FAMILY}${"😀".repeat(15)}`, FORM.name.maxLength, "!");

/**
 * The largest request the form accepts, typed by someone hostile: every list full to its
 * character limit with long `&`-heavy URLs carrying (percent-encoded) mentions, emoji and CJK;
 * CORS origins with long `&` hosts; the longest name and justification, with mentions, links,
 * emoji and CJK as typed; the shortest lifetime.
 */
export const MAXIMAL_FORM: FormValues = {
  name: NAME,
  redirectUris: urlList((i) => `app${i}.example.com`),
  postLogoutRedirectUris: urlList((i) => `logout${i}.example.com`),
  allowedCorsOrigins: corsList(),
  accessTokenLifetime: String(FORM.accessTokenLifetime.min),
  justification: justification(),
};

/** MAXIMAL_FORM as the form stores it, as a recorded request (for the pure builders' tests). */
export function maximalRequest(overrides: Partial<Request> = {}): Request {
  const form = validateRequestForm(MAXIMAL_FORM, ["default"]);
  if (!form.ok) throw new Error(`MAXIMAL_FORM is not valid: ${JSON.stringify(form.errors)}`);
  const { tenant, ...fields } = form.value;
  return sampleRequest({ ...fields, tenant, ...overrides });
}
