import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../src/db/sqlite/open.ts";
import { type RawForm, type RequestForm, validateRequestForm } from "../../src/requests/form.ts";
import { toIdentityBody } from "../../src/requests/identityBody.ts";

/**
 * Property-based tests of the form validation. The oracle below is written from the Identity API
 * rules and docs/ARCHITECTURE.md (README, Using it), independently of src/requests/form.ts (no WHATWG URL parser): whatever the
 * validator accepts must satisfy it.
 */

const TENANTS = ["default"];
const RUNS = 400;

// ---------------------------------------------------------------- the oracle
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

interface Authority {
  scheme: string;
  host: string;
  port: number | undefined;
  rest: string;
}

/** scheme://authority rest, split by hand; undefined when the text does not have that shape. */
function splitUrl(text: string): Authority | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(text);
  if (!m) return undefined;
  const [, scheme = "", authority = "", rest = ""] = m;
  if (authority.includes("@")) return undefined;
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!hostPort) return undefined;
  return {
    scheme: scheme.toLowerCase(),
    host: (hostPort[1] ?? "").toLowerCase(),
    port: hostPort[2] === undefined ? undefined : Number(hostPort[2]),
    rest,
  };
}

const DEFAULT_PORTS: Record<string, number> = { https: 443, http: 80 };

/** Two URLs a browser takes for one: scheme and host in any case, the default port or none, "" or "/" as the path. */
function sameUrlKey(url: string): string {
  const parts = splitUrl(url);
  if (!parts) return url;
  const port = parts.port === undefined || parts.port === DEFAULT_PORTS[parts.scheme] ? "" : `:${parts.port}`;
  const path = parts.rest.startsWith("/") ? parts.rest : `/${parts.rest}`;
  return `${parts.scheme}://${parts.host}${port}${path}`;
}

/** Text direction controls: they make text read in another order than it is stored (and sent). */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Characters that take no room at all, or look like nothing: an approver cannot see them. */
const INVISIBLES = /[\u00AD\u115F\u1160\u180E\u200B\u200C\u2060-\u2064\u3164\uFEFF\uFFA0]/u;

/** Why a text would not read as it is stored; undefined when an approver sees all of it. */
function hiddenIn(text: string): string | undefined {
  if (BIDI_CONTROLS.test(text)) return "a text direction control";
  if (INVISIBLES.test(text)) return "an invisible character";
  // A zero-width joiner or a variation selector belongs inside an emoji, next to one.
  const points = [...text];
  for (const [i, c] of points.entries()) {
    const before = points[i - 1] ?? "";
    const after = points[i + 1] ?? "";
    if (c === "\u200D" && !((/\p{Emoji}/u.test(before) || before === "\uFE0F") && /\p{Emoji}/u.test(after)))
      return "a stray joiner";
    if (/[\uFE00-\uFE0F]/u.test(c) && !/\p{Emoji}/u.test(before)) return "a stray variation selector";
  }
  return undefined;
}

/**
 * RFC 3986, section 2: what a URL may hold as it is. Everything else (spaces, <>"{}|\\^`, every
 * non-ASCII character, so every look-alike and invisible one) must be percent-encoded.
 */
const RFC3986_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

/** Why the Identity API rules (and ours) forbid a redirect URL; undefined when allowed. */
function forbiddenRedirect(url: string): string | undefined {
  if (url.length === 0) return "empty";
  if (/[\s\p{Cc}]/u.test(url)) return "whitespace or control character";
  if (/\p{Cs}/u.test(url)) return "lone surrogate";
  if (url.includes("*")) return "wildcard";
  if (url.includes("#")) return "fragment";
  if (url.includes("\\")) return "backslash";
  // What the approver reads is what is used: plain ASCII, nothing a browser would rewrite.
  if (!RFC3986_CHARACTERS.test(url)) return "a character a URL may not hold as it is";
  if (/%(?![0-9A-Fa-f]{2})/.test(url)) return "a % that starts no %XX escape";
  const parts = splitUrl(url);
  if (!parts) return "not scheme://host[:port]… or has userinfo";
  if (parts.host === "") return "no host";
  if (/[[\]]/.test(parts.rest)) return "[ or ] outside an IPv6 host";
  if (parts.rest !== "" && !/^[/?]/.test(parts.rest)) return "odd text after the authority";
  if (parts.scheme === "https") return undefined;
  if (parts.scheme === "http" && LOOPBACK.has(parts.host)) return undefined;
  return `scheme ${parts.scheme} to ${parts.host}`;
}

/** A CORS origin as the Identity API wants it: scheme://host[:port], nothing after. */
function forbiddenOrigin(origin: string): string | undefined {
  const problem = forbiddenRedirect(origin);
  if (problem) return problem;
  const parts = splitUrl(origin);
  if (parts?.rest !== "") return "has a path or query";
  if (origin !== origin.toLowerCase()) return "not in the form a browser sends";
  return undefined;
}

function distinct(items: readonly string[]): boolean {
  return new Set(items).size === items.length;
}

/** The characters of a message that a person could not see, or could take for others. */
function unreadable(text: string): string[] {
  return [...text].filter((c) => /[\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/u.test(c));
}

/** Every rule a recorded form must meet; returns the broken rules. */
function brokenRules(form: RequestForm): string[] {
  const broken: string[] = [];
  const check = (ok: boolean, rule: string) => {
    if (!ok) broken.push(rule);
  };
  check(form.name.length >= 1 && form.name.length <= 100, "name length 1-100");
  check(form.name === form.name.trim(), "name trimmed");
  check(!/\p{Cc}/u.test(form.name), "name without control characters");
  check(!/\p{Cs}/u.test(form.name), "name is well-formed text");
  check(form.justification.length >= 10 && form.justification.length <= 2000, "justification length 10-2000");
  check(!/[^\P{Cc}\n\t]/u.test(form.justification), "justification without control characters");
  check(!/\p{Cs}/u.test(form.justification), "justification is well-formed text");
  check(hiddenIn(form.name) === undefined, `name without hidden characters: ${hiddenIn(form.name)}`);
  check(
    hiddenIn(form.justification) === undefined,
    `justification without hidden characters: ${hiddenIn(form.justification)}`,
  );
  check(form.redirectUris.length >= 1 && form.redirectUris.length <= 10, "1-10 redirect URLs");
  check(form.postLogoutRedirectUris.length <= 10, "0-10 logout URLs");
  check(form.allowedCorsOrigins.length <= 10, "0-10 CORS origins");
  check(distinct(form.redirectUris) && distinct(form.postLogoutRedirectUris), "URLs distinct");
  check(
    distinct(form.redirectUris.map(sameUrlKey)) && distinct(form.postLogoutRedirectUris.map(sameUrlKey)),
    "URLs distinct for a browser (host case, default port, empty path)",
  );
  check(distinct(form.allowedCorsOrigins), "origins distinct");
  for (const u of [...form.redirectUris, ...form.postLogoutRedirectUris]) {
    const why = forbiddenRedirect(u);
    check(why === undefined, `URL ${JSON.stringify(u)}: ${why}`);
  }
  for (const o of form.allowedCorsOrigins) {
    const why = forbiddenOrigin(o);
    check(why === undefined, `origin ${JSON.stringify(o)}: ${why}`);
  }
  check(
    Number.isInteger(form.accessTokenLifetime) && form.accessTokenLifetime >= 60 && form.accessTokenLifetime <= 3600,
    "lifetime an integer 60-3600",
  );
  check(form.tenant === "default", "tenant");
  return broken;
}

/** The non-blank lines of a multiline input, trimmed (any of \r\n, \r, \n). */
function typedLines(text: string | null | undefined): string[] {
  return (text ?? "")
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------- generators
/** "" gives relative ("host/cb") and protocol-relative ("//host/cb") URLs. */
const SCHEMES = [
  "https",
  "http",
  "HTTPS",
  "HTTP",
  "Https",
  "hTtP",
  "ftp",
  "javascript",
  "data",
  "file",
  "ws",
  "wss",
  "",
];
const SEPARATORS = ["://", ":/", ":", ":///", "//", ":\\\\", "://\\", ": //", ""];
const USERINFO = ["", "", "", "user@", "user:pass@", "@", ":@", "localhost@", "a%40b@"];
const HOSTS = [
  "localhost",
  "127.0.0.1",
  "[::1]",
  "LOCALHOST",
  "LocalHost",
  "localhost.evil.com",
  "127.0.0.1.nip.io",
  "evil.com.localhost",
  "localhost.",
  "127.1",
  "127.0.0.01",
  "0x7f.1",
  "0x7f000001",
  "2130706433",
  "017700000001",
  "[0:0:0:0:0:0:0:1]",
  "[::ffff:127.0.0.1]",
  "[0::1]",
  "127.0.0.2",
  "0.0.0.0",
  "example.com",
  "app.example.com",
  "EXAMPLE.com",
  "xn--bcher-kva.example",
  "bücher.example",
  "*.example.com",
  "exa mple.com",
  "exa\tmple.com",
  "",
  "evil.com\\@localhost",
  "localhost%2eevil.com",
  "%6c%6fcalhost",
  "loc\u00adalhost",
  "ｌｏｃａｌｈｏｓｔ",
  "localhost\u200b",
  "[::1",
  "::1",
  // Look-alikes: a Cyrillic а, an ideographic full stop (a dot to the URL parser), invisibles, bidi.
  "\u0430pp.example.com",
  "app.example.com\u3002evil.example",
  "app\u200b.example.com",
  "app\u00ad.example.com",
  "ex\u202eelpma.com",
  "\uff41pp.example.com",
  "xn--pp-6kc.example.com",
  "App.Example.COM",
  "[::1]\u200e",
];
const PORTS = ["", "", ":0", ":80", ":443", ":8080", ":65535", ":65536", ":", ":08080", ":-1", ": 80"];
const PATHS = [
  "",
  "/",
  "/cb",
  "/callback?x=1",
  "?x=1",
  "/a b",
  "/*",
  "/#frag",
  "#frag",
  "/p?x=#",
  "\\cb",
  "/%2F..%2F",
  "/@evil.com",
  "/\u0000",
  "/\u2028",
  "/é",
  "/\ud800",
  "/.//..",
  "//double",
  "/;x",
  "/<script>",
  "/{id}",
  "/a|b",
  "/a^b",
  "/a`b",
  '/"q"',
  "/a[0]",
  "/100%",
  "/%zz",
  "/%2",
  "/%2F",
  "/\u202egnp.exe",
  "/\u2066x",
  "?q=\u0430",
  "/~user/(x)!$&'+,;=:@",
];

const nearMissUrl = fc
  .tuple(
    fc.constantFrom(...SCHEMES),
    fc.constantFrom(...SEPARATORS),
    fc.constantFrom(...USERINFO),
    fc.constantFrom(...HOSTS),
    fc.constantFrom(...PORTS),
    fc.constantFrom(...PATHS),
    fc.constantFrom("", "", " ", "\t", "  "),
    fc.constantFrom("", "", " ", "\t"),
  )
  .map(([s, sep, u, h, p, path, lead, trail]) => `${lead}${s}${sep}${u}${h}${p}${path}${trail}`);

/** Well-formed https URLs; fast-check may put a * in a query, which the rules forbid anywhere. */
const goodHttpsUrl = fc
  .webUrl({ validSchemes: ["https"], withQueryParameters: true, withFragments: false })
  .filter((u) => !u.includes("*"));

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ maxLength: 80 }),
);

/** http to loopback as the form rules allow it, with any port and path. */
const loopbackUrl = fc
  .tuple(
    fc.constantFrom("http", "https", "HTTP"),
    fc.constantFrom("localhost", "127.0.0.1", "[::1]", "LocalHost"),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.webPath(),
  )
  .map(([scheme, host, port, path]) => `${scheme}://${host}${port === undefined ? "" : `:${port}`}${path}`);

const urlLine = fc.oneof(
  { weight: 8, arbitrary: goodHttpsUrl },
  { weight: 4, arbitrary: loopbackUrl },
  { weight: 2, arbitrary: nearMissUrl },
  { weight: 1, arbitrary: anyText },
);

const lineSeparator = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("\n", "\r\n", "\r", "\n\n", " \n", "\r\r\n", "\n\t") },
  { weight: 1, arbitrary: fc.constantFrom("\u2028", "\u0085", "\v", "\f") },
);

/** Origins as people type them: scheme://host[:port], sometimes with a trailing /. */
const goodOrigin = fc
  .tuple(
    fc.oneof(
      fc.webAuthority({ withPort: true }).map((a) => `https://${a}`),
      loopbackUrl.map((u) => (/^[a-z]+:\/\/[^/?#]*/i.exec(u) ?? [""])[0]),
    ),
    fc.constantFrom("", "", "/"),
  )
  .map(([origin, slash]) => `${origin}${slash}`);

const originLine = fc.oneof(
  { weight: 8, arbitrary: goodOrigin },
  { weight: 2, arbitrary: nearMissUrl },
  { weight: 1, arbitrary: anyText },
);

/** A multiline input: a few lines (now and then a dozen), any separators between them. */
const multiline = (minLength: number, line: fc.Arbitrary<string> = urlLine) =>
  fc
    .oneof({ weight: 4, arbitrary: fc.constant(3) }, { weight: 1, arbitrary: fc.constant(12) })
    .chain((maxLength) =>
      fc
        .array(fc.tuple(line, lineSeparator), { minLength, maxLength })
        .map((parts) => parts.map(([l, sep]) => `${l}${sep}`).join("")),
    );

/** Mostly what people type, now and then anything at all. */
const mostly = <T>(plausible: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: odd });

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: arb }, fc.constant(null));

const lifetimeText = mostly(
  fc.integer({ min: 60, max: 3600 }).map(String),
  fc.oneof(
    fc.integer({ min: -10, max: 4000 }).map(String),
    fc.constantFrom(
      "",
      " ",
      "59",
      "3601",
      "1.5",
      "60.0",
      "+60",
      "-0",
      "1e3",
      "0x3c",
      "\u0663\u0666\u0660\u0660",
      "NaN",
    ),
    fc.double().map(String),
    anyText,
  ),
);

/** Characters that read as nothing, or turn text around, or join emoji. */
const HIDDEN = [
  "\u202e",
  "\u202d",
  "\u2066",
  "\u2069",
  "\u200e",
  "\u200f",
  "\u061c",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u2060",
  "\ufeff",
  "\u00ad",
  "\u3164",
  "\ufe0f",
  "\u{E0041}",
];

/** Plausible text with a hidden character somewhere, now and then inside an emoji where it belongs. */
const hiddenText = fc
  .tuple(
    fc.string({ minLength: 5, maxLength: 40 }),
    fc.nat(),
    fc.constantFrom(...HIDDEN, "\u{1F468}\u200D\u{1F469}", "\u2764\uFE0F", "\u{1F44D}\u{1F3FD}"),
  )
  .map(
    ([text, at, hidden]) => `${text.slice(0, at % (text.length + 1))}${hidden}${text.slice(at % (text.length + 1))}`,
  );

const rawForm: fc.Arbitrary<RawForm> = fc.record({
  tenant: nullable(fc.constantFrom("default", "other", "")),
  name: nullable(
    mostly(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 100 }),
      fc.oneof(anyText, hiddenText, fc.constantFrom("  spaced  ", "a\u0000b", "\ud83d", "x\ud800y", "\u202eevil")),
    ),
  ),
  redirectUris: nullable(multiline(1)),
  postLogoutRedirectUris: nullable(multiline(0)),
  allowedCorsOrigins: nullable(multiline(0, originLine)),
  accessTokenLifetime: nullable(lifetimeText),
  justification: nullable(
    mostly(
      fc.string({ unit: "binary", minLength: 10, maxLength: 300 }),
      fc.oneof(
        anyText,
        hiddenText,
        fc.constantFrom("Needed for the new site.", "Needed\r\nfor the\rnew site.", "x".repeat(2001)),
      ),
    ),
  ),
});

// ---------------------------------------------------------------- the properties
describe("form validation under fuzzing", () => {
  const database = openSqlite(":memory:");
  const store = database.stores.requests;
  let submission = 0;
  afterAll(() => database.close());

  /** Records the accepted form as the bot does and returns the Identity API body built from the stored row. */
  async function recordedBody(form: RequestForm) {
    const recorded = await store.record({
      form,
      requesterId: "U0FUZZ",
      originChannelId: undefined,
      submissionKey: `V${++submission}`,
      expiresAt: Date.now() + 60_000,
      nextReminderAt: null,
      maxPending: Number.MAX_SAFE_INTEGER,
    });
    if (recorded.kind !== "recorded") throw new Error(`not recorded: ${recorded.kind}`);
    const stored = await store.get(recorded.request.id);
    if (!stored) throw new Error("not recorded");
    return { stored, body: toIdentityBody(stored) };
  }

  async function checkAccepted(raw: RawForm, form: RequestForm): Promise<void> {
    expect(brokenRules(form)).toEqual([]);
    // Redirect URLs are kept exactly as typed (they must match exactly at sign-in).
    for (const u of form.redirectUris) expect(typedLines(raw.redirectUris)).toContain(u);
    for (const u of form.postLogoutRedirectUris) expect(typedLines(raw.postLogoutRedirectUris)).toContain(u);
    const { stored, body } = await recordedBody(form);
    expect(body).toEqual({
      Id: stored.clientGuid,
      Name: form.name,
      RedirectUris: form.redirectUris,
      PostLogoutRedirectUris: form.postLogoutRedirectUris,
      AllowedCorsOrigins: form.allowedCorsOrigins,
      AccessTokenLifetime: form.accessTokenLifetime,
      Enabled: true,
      ClientUri: null,
      LogoUri: null,
      Tags: null,
      AllowOfflineAccess: false,
    });
    // What goes over the wire is what was accepted, character for character.
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  }

  it("never throws, and whatever it accepts meets the Identity API rules and round-trips into the create body", async () => {
    await fc.assert(
      fc.asyncProperty(rawForm, async (raw) => {
        const result = validateRequestForm(raw, TENANTS);
        if (result.ok) await checkAccepted(raw, result.value);
        else expect(Object.keys(result.errors).length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts a near-miss URL only when the oracle allows it", () => {
    fc.assert(
      fc.property(nearMissUrl, (url) => {
        const result = validateRequestForm(
          { name: "App", redirectUris: url, justification: "Needed for the fuzzer." },
          TENANTS,
        );
        if (result.ok) {
          const [accepted] = result.value.redirectUris;
          expect(accepted).toBe(url.trim());
          expect(forbiddenRedirect(accepted ?? "")).toBeUndefined();
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("accepts a near-miss CORS origin only when the oracle allows it", () => {
    fc.assert(
      fc.property(nearMissUrl, (origin) => {
        const result = validateRequestForm(
          {
            name: "App",
            redirectUris: "https://a.example.com/cb",
            allowedCorsOrigins: origin,
            justification: "Needed.",
          },
          TENANTS,
        );
        if (result.ok) for (const o of result.value.allowedCorsOrigins) expect(forbiddenOrigin(o)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a good URL with a hidden, look-alike or raw character put in anywhere, and names it readably", () => {
    const spoiler = fc.constantFrom(
      ...HIDDEN,
      "\u0430",
      "\u0435",
      "\u03bf",
      "\u3002",
      "\uff0e",
      "\uff0f",
      "\u00e9",
      "<",
      ">",
      '"',
      "{",
      "}",
      "|",
      "^",
      "`",
    );
    fc.assert(
      fc.property(goodHttpsUrl, fc.nat(), spoiler, (url, at, odd) => {
        const cut = 8 + (at % (url.length - 7));
        const spoilt = `${url.slice(0, cut)}${odd}${url.slice(cut)}`;
        const result = validateRequestForm(
          { name: "App", redirectUris: spoilt, justification: "Needed for the fuzzer." },
          TENANTS,
        );
        if (result.ok) {
          // Only where it is surrounding white space (U+FEFF at the end) is it trimmed away instead.
          expect(/^\s$/u.test(odd) && spoilt.endsWith(odd), spoilt).toBe(true);
          expect(result.value.redirectUris).toEqual([url]);
          return;
        }
        const message = result.errors.redirectUris ?? "";
        expect(message).not.toBe("");
        expect(unreadable(message)).toEqual([]);
        // Named, never echoed: the character itself appears in the message only when it is plain ASCII.
        if (/[^\x20-\x7e]/u.test(odd)) expect(message).not.toContain(odd);
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts every well-formed form, keeping its values", async () => {
    const goodForm = fc.record({
      name: fc.string({ minLength: 1, maxLength: 100 }).filter((s) => s.trim() === s && s !== "" && !/\p{Cc}/u.test(s)),
      // Distinct for a browser too: URLs differing only by host case, default port or "" vs "/" are one.
      redirectUris: fc.uniqueArray(goodHttpsUrl, { minLength: 1, maxLength: 10, selector: sameUrlKey }),
      separator: fc.constantFrom("\n", "\r\n", "\r", "\n\n", " \r\n "),
      lifetime: fc.integer({ min: 60, max: 3600 }),
      justification: fc.string({ minLength: 10, maxLength: 2000 }).filter((s) => s.trim() === s && s.length >= 10),
    });
    await fc.assert(
      fc.asyncProperty(goodForm, async (g) => {
        fc.pre(!/[^\P{Cc}\n\t]/u.test(g.justification));
        const result = validateRequestForm(
          {
            name: g.name,
            redirectUris: g.redirectUris.join(g.separator),
            accessTokenLifetime: String(g.lifetime),
            justification: g.justification,
          },
          TENANTS,
        );
        if (!result.ok) throw new Error(`refused a good form: ${JSON.stringify(result.errors)}`);
        expect(result.value.redirectUris).toEqual(g.redirectUris);
        expect(result.value.accessTokenLifetime).toBe(g.lifetime);
        expect(result.value.name).toBe(g.name);
        await checkAccepted({ redirectUris: g.redirectUris.join("\n") }, result.value);
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it("stays calm with huge inputs in every field", () => {
    const huge = (unit: string) => unit.repeat(Math.ceil(1_000_000 / unit.length));
    const inputs: RawForm[] = [
      {
        name: huge("n"),
        redirectUris: huge("https://a.example.com/cb\n"),
        postLogoutRedirectUris: huge("\r\n"),
        allowedCorsOrigins: huge("https://x.example.com/\r"),
        accessTokenLifetime: huge("9"),
        justification: huge("why? "),
      },
      { name: "App", redirectUris: huge("h"), justification: huge("\u0000") },
      { name: "App", redirectUris: `https://a.example.com/${huge("a")}`, justification: "Needed for a big one." },
    ];
    for (const raw of inputs) {
      const result = validateRequestForm(raw, TENANTS);
      expect(result.ok).toBe(false);
      if (!result.ok) for (const message of Object.values(result.errors)) expect(message.length).toBeLessThan(400);
    }
  });
});
