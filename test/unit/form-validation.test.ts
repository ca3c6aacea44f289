import { describe, expect, it } from "vitest";
import { VALID_FORM } from "../../devkit/harness.ts";
import { type FieldId, FORM, type RawForm, validateRequestForm } from "../../src/requests/form.ts";

const TENANTS = ["default"];

/** The harness's valid form, as the validator receives it. */
const VALID: RawForm = VALID_FORM;

function errorsOf(change: RawForm): Partial<Record<FieldId, string>> {
  const result = validateRequestForm({ ...VALID, ...change }, TENANTS);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(change)}`);
  return result.errors;
}

function accepted(change: RawForm) {
  const result = validateRequestForm({ ...VALID, ...change }, TENANTS);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.errors)}`);
  return result.value;
}

describe("validateRequestForm: what it refuses", () => {
  const cases: [string, RawForm, FieldId, RegExp][] = [
    ["an empty name", { name: "" }, "name", /enter a name/i],
    ["a name of spaces only", { name: "   \t " }, "name", /enter a name/i],
    ["a missing name", { name: null }, "name", /enter a name/i],
    ["a control character in the name", { name: "Plant\u0000dashboard" }, "name", /control/i],
    ["a bell in the name", { name: "Plant\u0007" }, "name", /control/i],
    ["a line break inside the name", { name: "Plant\ndashboard" }, "name", /control|line/i],
    ["a name over the limit", { name: "n".repeat(FORM.name.maxLength + 1) }, "name", /100 characters/],
    ["no redirect URL", { redirectUris: "" }, "redirectUris", /at least one/i],
    ["only blank lines as redirect URLs", { redirectUris: "\n \r\n\t\r" }, "redirectUris", /at least one/i],
    [
      "11 redirect URLs",
      { redirectUris: Array.from({ length: 11 }, (_, i) => `https://app.example.com/${i}`).join("\n") },
      "redirectUris",
      /at most 10 .*11/i,
    ],
    ["a relative URL", { redirectUris: "/callback" }, "redirectUris", /absolute/i],
    ["a protocol-relative URL", { redirectUris: "//app.example.com/cb" }, "redirectUris", /absolute/i],
    ["an ftp: URL", { redirectUris: "ftp://files.example.com/cb" }, "redirectUris", /ftp.*https/i],
    ["a javascript: URL", { redirectUris: "javascript:alert(1)" }, "redirectUris", /javascript.*https/i],
    ["a data: URL", { redirectUris: "data:text/html,hi" }, "redirectUris", /data.*https/i],
    ["http to a non-loopback host", { redirectUris: "http://app.example.com/cb" }, "redirectUris", /http:\/\//],
    ["http to localhost.evil.com", { redirectUris: "http://localhost.evil.com/cb" }, "redirectUris", /http:\/\//],
    ["http to 127.0.0.1.nip.io", { redirectUris: "http://127.0.0.1.nip.io/cb" }, "redirectUris", /http:\/\//],
    ["a * wildcard in the host", { redirectUris: "https://*.example.com/cb" }, "redirectUris", /wildcard/i],
    ["a * wildcard in the path", { redirectUris: "https://app.example.com/*" }, "redirectUris", /wildcard/i],
    ["a fragment", { redirectUris: "https://app.example.com/cb#done" }, "redirectUris", /fragment/i],
    ["user:password@", { redirectUris: "https://user:pw@app.example.com/cb" }, "redirectUris", /password/i],
    ["a user name alone", { redirectUris: "https://user@app.example.com/cb" }, "redirectUris", /user name/i],
    ["a backslash", { redirectUris: "https://app.example.com\\cb" }, "redirectUris", /backslash/i],
    ["a space inside a URL", { redirectUris: "https://app.example.com/a b" }, "redirectUris", /spaces/i],
    ["a bad logout URL", { postLogoutRedirectUris: "http://app.example.com/" }, "postLogoutRedirectUris", /http/],
    [
      "11 logout URLs",
      { postLogoutRedirectUris: Array.from({ length: 11 }, (_, i) => `https://app.example.com/${i}`).join("\n") },
      "postLogoutRedirectUris",
      /at most 10/i,
    ],
    ["a CORS origin with a path", { allowedCorsOrigins: "https://app.example.com/api" }, "allowedCorsOrigins", /path/],
    [
      "a CORS origin with a query",
      { allowedCorsOrigins: "https://app.example.com?x=1" },
      "allowedCorsOrigins",
      /query/,
    ],
    ["a CORS origin over http", { allowedCorsOrigins: "http://app.example.com" }, "allowedCorsOrigins", /http/],
    ["lifetime 59", { accessTokenLifetime: "59" }, "accessTokenLifetime", /60 to 3600/],
    ["lifetime 3601", { accessTokenLifetime: "3601" }, "accessTokenLifetime", /60 to 3600/],
    ["lifetime 1.5", { accessTokenLifetime: "1.5" }, "accessTokenLifetime", /whole number/i],
    ["lifetime 600.5", { accessTokenLifetime: "600.5" }, "accessTokenLifetime", /whole number/i],
    ["a non-numeric lifetime", { accessTokenLifetime: "an hour" }, "accessTokenLifetime", /seconds/i],
    ["a lifetime in exponent notation", { accessTokenLifetime: "1e3" }, "accessTokenLifetime", /seconds/i],
    ["a negative lifetime", { accessTokenLifetime: "-60" }, "accessTokenLifetime", /60 to 3600/],
    ["an empty justification", { justification: "" }, "justification", /why/i],
    ["a too short justification", { justification: "because" }, "justification", /at least 10/],
    [
      "a justification over the limit",
      { justification: "j".repeat(FORM.justification.maxLength + 1) },
      "justification",
      /2000 characters/,
    ],
    [
      "a control character in the justification",
      { justification: "Needed for\u0000 the site." },
      "justification",
      /control/i,
    ],
  ];

  it.each(cases)("refuses %s, on that field only", (_what, change, field, message) => {
    const errors = errorsOf(change);
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
  });

  it("names the offending URL, and says how many more are wrong", () => {
    const errors = errorsOf({
      redirectUris: "https://ok.example.com/\nftp://a.example.com/\nhttp://b.example.com/\n/c\n/d",
    });
    expect(errors.redirectUris).toContain("ftp://a.example.com/");
    expect(errors.redirectUris).toContain("http://b.example.com/");
    expect(errors.redirectUris).toMatch(/and 2 more/);
  });

  it("gives each bad field its own message at once", () => {
    const result = validateRequestForm(
      { name: "", redirectUris: "", accessTokenLifetime: "10", justification: "", allowedCorsOrigins: "https://a.b/c" },
      TENANTS,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.keys(result.errors).sort()).toEqual(
        ["accessTokenLifetime", "allowedCorsOrigins", "justification", "name", "redirectUris"].sort(),
      );
    }
  });

  it("asks for a tenant when there are several and none (or an unknown one) was chosen", () => {
    for (const tenant of [null, "", "other"]) {
      const result = validateRequestForm({ ...VALID, tenant }, ["north", "south"]);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(Object.keys(result.errors)).toEqual(["tenant"]);
    }
    const chosen = validateRequestForm({ ...VALID, tenant: "south" }, ["north", "south"]);
    expect(chosen.ok && chosen.value.tenant).toBe("south");
  });
});

describe("validateRequestForm: the friendly cases", () => {
  it("ignores blank lines and surrounding spaces, with any line separator", () => {
    const value = accepted({
      redirectUris: "\n  https://a.example.com/cb  \r\n\r\n\thttps://b.example.com/cb\rhttp://127.0.0.1:8080/cb\n\n",
    });
    expect(value.redirectUris).toEqual([
      "https://a.example.com/cb",
      "https://b.example.com/cb",
      "http://127.0.0.1:8080/cb",
    ]);
  });

  it("trims the name and the justification", () => {
    const value = accepted({ name: "  Plant dashboard \t", justification: "\n  Needed for the new site.  \n" });
    expect(value.name).toBe("Plant dashboard");
    expect(value.justification).toBe("Needed for the new site.");
  });

  it("keeps line breaks and tabs inside the justification", () => {
    expect(accepted({ justification: "Line one\n\tLine two" }).justification).toBe("Line one\n\tLine two");
  });

  it("removes duplicates, keeping the first occurrence in order", () => {
    const value = accepted({
      redirectUris: "https://a.example.com/cb\nhttps://b.example.com/cb\nhttps://a.example.com/cb",
      postLogoutRedirectUris: "https://a.example.com/\nhttps://a.example.com/",
    });
    expect(value.redirectUris).toEqual(["https://a.example.com/cb", "https://b.example.com/cb"]);
    expect(value.postLogoutRedirectUris).toEqual(["https://a.example.com/"]);
  });

  it("counts 10 distinct URLs after duplicates are removed", () => {
    const ten = Array.from({ length: 10 }, (_, i) => `https://app.example.com/${i}`);
    expect(accepted({ redirectUris: [...ten, ...ten].join("\n") }).redirectUris).toEqual(ten);
  });

  it("drops a trailing / on a CORS origin and writes it as a browser sends it", () => {
    const value = accepted({
      allowedCorsOrigins:
        "https://App.Example.com/\nhttps://app.example.com\nhttp://localhost:3000/\nhttps://x.example.com:443",
    });
    expect(value.allowedCorsOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
      "https://x.example.com",
    ]);
  });

  it("keeps a redirect URL exactly as typed (it must match exactly at sign-in)", () => {
    const typed = "https://App.example.com:8443/Call%20back?x=1&y=2";
    expect(accepted({ redirectUris: typed }).redirectUris).toEqual([typed]);
  });

  it("allows http only to loopback: localhost, 127.0.0.1 and [::1]", () => {
    const value = accepted({ redirectUris: "http://localhost/cb\nhttp://127.0.0.1:3000/cb\nhttp://[::1]:8080/cb" });
    expect(value.redirectUris).toHaveLength(3);
  });

  it("takes an empty lifetime as 3600, and accepts the bounds", () => {
    expect(accepted({ accessTokenLifetime: "" }).accessTokenLifetime).toBe(3600);
    expect(accepted({ accessTokenLifetime: null }).accessTokenLifetime).toBe(3600);
    expect(accepted({ accessTokenLifetime: "   " }).accessTokenLifetime).toBe(3600);
    expect(accepted({ accessTokenLifetime: "60" }).accessTokenLifetime).toBe(60);
    expect(accepted({ accessTokenLifetime: "3600" }).accessTokenLifetime).toBe(3600);
    expect(accepted({ accessTokenLifetime: " 900 " }).accessTokenLifetime).toBe(900);
  });

  it("takes the optional lists as empty when left out", () => {
    const value = accepted({ postLogoutRedirectUris: null, allowedCorsOrigins: undefined });
    expect(value.postLogoutRedirectUris).toEqual([]);
    expect(value.allowedCorsOrigins).toEqual([]);
  });

  it("accepts a name of exactly the limit, counted after trimming", () => {
    const name = "n".repeat(FORM.name.maxLength);
    expect(accepted({ name: `  ${name}  ` }).name).toBe(name);
  });
});

describe("validateRequestForm: regressions found by fuzzing (test/unit/fuzz-form.test.ts)", () => {
  // http is allowed to loopback as typed: these parse as 127.0.0.1, [::1] or localhost, but the
  // Identity API receives them as typed.
  it.each([
    "http://127.1/cb",
    "http://127.0.0.01/cb",
    "http://0x7f.1/cb",
    "http://0x7f000001/cb",
    "http://2130706433/cb",
    "http://017700000001/cb",
    "http://[0:0:0:0:0:0:0:1]/cb",
    "http://[0::1]:8080/cb",
    "http://localhost./cb",
    "http://%6c%6fcalhost/cb",
  ])("refuses http to a loopback host not written as localhost, 127.0.0.1 or [::1]: %s", (url) => {
    expect(errorsOf({ redirectUris: url }).redirectUris).toMatch(/only https/);
  });

  it("refuses a soft hyphen that would make a host read as localhost (as an invisible character)", () => {
    expect(errorsOf({ redirectUris: "http://loc\u00adalhost/cb" }).redirectUris).toMatch(/invisible.*U\+00AD/);
  });

  it("refuses an empty port", () => {
    expect(errorsOf({ redirectUris: "https://localhost:/cb" }).redirectUris).toMatch(/no port/);
    expect(errorsOf({ allowedCorsOrigins: "https://app.example.com:" }).allowedCorsOrigins).toMatch(/no port/);
  });

  it("refuses half a surrogate pair in a URL, the name or the justification (it would not survive storage)", () => {
    expect(Object.keys(errorsOf({ redirectUris: "https://localhost/\ud800" }))).toEqual(["redirectUris"]);
    expect(Object.keys(errorsOf({ name: "x\ud800y" }))).toEqual(["name"]);
    expect(Object.keys(errorsOf({ name: "\ud83d" }))).toEqual(["name"]);
    expect(Object.keys(errorsOf({ justification: "Needed for \udc00 the site." }))).toEqual(["justification"]);
    // A whole pair is text like any other.
    expect(accepted({ name: "Dashboard \ud83d\udcca" }).name).toBe("Dashboard \ud83d\udcca");
  });

  it("reads \\r\\n and \\r in the justification as line breaks", () => {
    expect(accepted({ justification: "Needed\r\nfor the\rnew site." }).justification).toBe(
      "Needed\nfor the\nnew site.",
    );
  });

  it("bounds a whole list input on the server too, as the modal's max_length does", () => {
    const long = `https://app.example.com/cb${" ".repeat(FORM.listInputMaxLength)}`;
    expect(errorsOf({ redirectUris: long }).redirectUris).toMatch(/3000 characters/);
    expect(errorsOf({ postLogoutRedirectUris: long }).postLogoutRedirectUris).toMatch(/3000 characters/);
    expect(errorsOf({ allowedCorsOrigins: long }).allowedCorsOrigins).toMatch(/3000 characters/);
  });
});

describe("validateRequestForm: what the approver reads is what the browser and the Identity API use", () => {
  /** Every character of a message that a person could not see, or could misread. */
  const unreadable = (text: string) =>
    [...text].filter((c) => /[\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/u.test(c));

  it.each([
    [
      "a Cyrillic а in the host",
      "https://\u0430pp.example.com/cb",
      /U\+0430 in its host, which is not plain ASCII: browsers would go to xn--pp-6kc\.example\.com\. Type the host in ASCII/,
    ],
    [
      "an ideographic full stop in the host (really a subdomain of evil.example)",
      "https://app.example.com\u3002evil.example/cb",
      /U\+3002 \(ideographic full stop\) in its host.*browsers would go to app\.example\.com\.evil\.example\./,
    ],
    ["a fullwidth host", "https://\uff41pp.example.com/cb", /U\+FF41 in its host, which is not plain ASCII/],
    ["an umlaut in the host", "https://b\u00fccher.example/cb", /xn--bcher-kva\.example/],
  ])("refuses %s, saying which character and where a browser would really go", (_what, url, message) => {
    const error = errorsOf({ redirectUris: url }).redirectUris ?? "";
    expect(error).toMatch(message);
    expect(error).toMatch(/xn--/);
    // The URL is named with the character spelt out, never echoed raw.
    expect(error).not.toContain(url);
    expect(error).toMatch(/https:\/\/.*\[U\+[0-9A-F]{4}\]/);
  });

  it.each([
    ["a zero-width space in the host", "https://app\u200b.example.com/cb", "U+200B (zero-width space)"],
    ["a soft hyphen in the host", "https://app\u00ad.example.com/cb", "U+00AD (soft hyphen)"],
    ["a right-to-left override in the host", "https://ex\u202eelpma.com/cb", "U+202E (right-to-left override)"],
    [
      "a right-to-left override in the path",
      "https://app.example.com/\u202egnp.exe",
      "U+202E (right-to-left override)",
    ],
    ["a left-to-right isolate in the query", "https://app.example.com/cb?x=\u2066y", "U+2066 (left-to-right isolate)"],
    ["a word joiner", "https://app.example.com/c\u2060b", "U+2060 (word joiner)"],
    ["a zero-width no-break space inside", "https://app.example.com/c\ufeffb", "U+FEFF (zero-width no-break space)"],
  ])("refuses %s in a URL, naming the invisible character", (_what, url, named) => {
    for (const field of ["redirectUris", "postLogoutRedirectUris"] as const) {
      const error = errorsOf({ [field]: url })[field] ?? "";
      expect(error).toContain(named);
      expect(error).toMatch(/invisible/);
      expect(unreadable(error)).toEqual([]);
    }
    const origin = url.replace(/^(https:\/\/[^/?]*).*$/, "$1");
    if (origin !== "https://app.example.com") {
      expect(errorsOf({ allowedCorsOrigins: origin }).allowedCorsOrigins).toContain(named);
    }
  });

  it.each([
    ["<", "https://app.example.com/<script>", "%3C"],
    [">", "https://app.example.com/a>b", "%3E"],
    ['"', 'https://app.example.com/"x"', "%22"],
    ["{", "https://app.example.com/{id}", "%7B"],
    ["}", "https://app.example.com/id}", "%7D"],
    ["|", "https://app.example.com/a|b", "%7C"],
    ["^", "https://app.example.com/a^b", "%5E"],
    ["`", "https://app.example.com/a`b", "%60"],
    ["[", "https://app.example.com/a[0]", "%5B"],
  ])("refuses a raw %s, which a URL may not hold, and says how to write it", (character, url, encoded) => {
    const error = errorsOf({ redirectUris: url }).redirectUris ?? "";
    expect(error).toContain(`contains ${character}`);
    expect(error).toContain(encoded);
  });

  it("refuses a % that starts no %XX escape", () => {
    for (const url of ["https://app.example.com/100%", "https://app.example.com/a%zzb", "https://app.example.com/%2"]) {
      expect(errorsOf({ redirectUris: url }).redirectUris).toMatch(/%25/);
    }
    expect(accepted({ redirectUris: "https://app.example.com/a%20b%2Fc" }).redirectUris).toEqual([
      "https://app.example.com/a%20b%2Fc",
    ]);
  });

  it("refuses a non-ASCII character in the path or query, asking for it percent-encoded", () => {
    const error = errorsOf({ redirectUris: "https://app.example.com/caf\u00e9" }).redirectUris ?? "";
    expect(error).toMatch(/U\+00E9.*%C3%A9/);
    expect(errorsOf({ redirectUris: "https://app.example.com/?q=\u0430" }).redirectUris).toMatch(/%D0%B0/);
  });

  it.each([
    ["name", { name: "Dashboard \u202eevil" }, "U+202E (right-to-left override)"],
    ["name", { name: "Dash\u200bboard" }, "U+200B (zero-width space)"],
    ["name", { name: "Dash\u2067board" }, "U+2067 (right-to-left isolate)"],
    ["name", { name: "Dash\u00adboard" }, "U+00AD (soft hyphen)"],
    ["justification", { justification: "Needed for the \u202enew site." }, "U+202E (right-to-left override)"],
    ["justification", { justification: "Needed for the new\u200d site." }, "U+200D (zero-width joiner)"],
    ["justification", { justification: "Needed for the \u200fnew site." }, "U+200F (right-to-left mark)"],
    ["justification", { justification: "Needed for the\u3164 new site." }, "U+3164"],
  ] as const)("refuses invisible or direction-changing characters in the %s, naming them", (field, change, named) => {
    const error = errorsOf(change)[field] ?? "";
    expect(error).toContain(named);
    expect(unreadable(error)).toEqual([]);
  });

  it("keeps emoji, even those joined with zero-width joiners or variation selectors", () => {
    const value = accepted({
      name: "Dashboard \u{1F468}\u200D\u{1F469}\u200D\u{1F467}",
      justification: "We \u2764\uFE0F it \u{1F44D}\u{1F3FD}, and the team \u{1F3F3}\uFE0F\u200D\u{1F308} needs it.",
    });
    expect(value.name).toBe("Dashboard \u{1F468}\u200D\u{1F469}\u200D\u{1F467}");
    expect(value.justification).toContain("\u2764\uFE0F");
  });

  it("keeps one of several URLs that differ only by host case, default port or an empty path: the first, as typed", () => {
    const value = accepted({
      redirectUris: [
        "https://App.Example.com/cb",
        "https://app.example.com/cb",
        "https://app.example.com:443/cb",
        "HTTPS://APP.EXAMPLE.COM:443/cb",
        "https://app.example.com/CB",
        "https://app.example.com",
        "https://app.example.com/",
        "https://app.example.com:443",
        "https://app.example.com?x=1",
        "https://app.example.com/?x=1",
        "http://localhost:80/cb",
        "http://localhost/cb",
        "http://localhost:8080/cb",
      ].join("\n"),
      postLogoutRedirectUris: "https://app.example.com\nhttps://APP.example.com/",
    });
    expect(value.redirectUris).toEqual([
      "https://App.Example.com/cb",
      "https://app.example.com/CB",
      "https://app.example.com",
      "https://app.example.com?x=1",
      "http://localhost:80/cb",
      "http://localhost:8080/cb",
    ]);
    expect(value.postLogoutRedirectUris).toEqual(["https://app.example.com"]);
  });
});
