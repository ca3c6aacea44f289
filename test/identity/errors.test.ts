import { describe, expect, it } from "vitest";
import { ERROR_TEXT_MAX_LENGTH, IdentityApiError, parseRetryAfter, shortened } from "../../src/identity/errors.ts";
import { errorFromAnswer, type HttpAnswer } from "../../src/identity/http.ts";
import { Redactor } from "../../src/log.ts";

/** An answer as send() produces it from a raw body. */
function answer(status: number, body: string, headers: Record<string, string> = {}): HttpAnswer {
  let json: unknown;
  try {
    json = body.trim() === "" ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers: new Headers(headers), json, text: body };
}

const ERROR_RESPONSE = {
  OperationId: "op-body-1",
  Error: "The client is invalid.",
  Reason: "RedirectUris must contain between 1 and 10 entries.",
  Resolution: "Correct the request and try again.",
  DynamicProperties: {},
};

describe("errorFromAnswer", () => {
  it("keeps the service's Error, Reason, Resolution and OperationId with the status", () => {
    const error = errorFromAnswer(answer(400, JSON.stringify(ERROR_RESPONSE), { "Operation-Id": "op-header" }));
    expect(error).toBeInstanceOf(IdentityApiError);
    expect(error).toMatchObject({
      kind: "http",
      status: 400,
      error: "The client is invalid.",
      reason: "RedirectUris must contain between 1 and 10 entries.",
      resolution: "Correct the request and try again.",
      operationId: "op-body-1",
      retryable: false,
    });
    expect(error.message).toBe("HTTP 400: The client is invalid.: RedirectUris must contain between 1 and 10 entries.");
    expect(error.toStored()).toEqual({
      status: 400,
      error: "The client is invalid.",
      reason: "RedirectUris must contain between 1 and 10 entries.",
      resolution: "Correct the request and try again.",
      operationId: "op-body-1",
    });
  });

  it("takes the OperationId from the Operation-Id header when the body has none", () => {
    const { OperationId: _dropped, ...withoutId } = ERROR_RESPONSE;
    const error = errorFromAnswer(answer(500, JSON.stringify(withoutId), { "operation-id": "op-header-2" }));
    expect(error.operationId).toBe("op-header-2");
    expect(error.error).toBe("The client is invalid.");
    expect(error.retryable).toBe(true);
  });

  it("keeps what it can from a body with null or odd-typed fields", () => {
    const body = { OperationId: null, Error: "Internal error.", Reason: null, Resolution: 42, DynamicProperties: null };
    const error = errorFromAnswer(answer(500, JSON.stringify(body), { "Operation-Id": "op-header-3" }));
    expect(error.toStored()).toEqual({ status: 500, error: "Internal error.", operationId: "op-header-3" });
  });

  it("describes an empty body by its status, and still keeps the header's OperationId", () => {
    const error = errorFromAnswer(answer(502, "", { "Operation-Id": "op-empty" }));
    expect(error.toStored()).toEqual({
      status: 502,
      error: "The Identity API answered HTTP 502.",
      operationId: "op-empty",
    });
    expect(error.retryable).toBe(true);
  });

  it("keeps a short plain-text body as the reason, on one line once redacted", () => {
    const error = errorFromAnswer(
      answer(503, "upstream connect error\r\nor disconnect/reset before headers\n"),
    ).redacted((text) => text);
    expect(error.error).toBe("The Identity API answered HTTP 503.");
    expect(error.reason).toBe("upstream connect error or disconnect/reset before headers");
  });

  it("does not pass a whole HTML page on as the reason", () => {
    const page = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>${"x".repeat(5000)}</body></html>`;
    const error = errorFromAnswer(answer(502, page, { "Content-Type": "text/html" }));
    expect(error.error).toBe("The Identity API answered HTTP 502.");
    expect(error.reason).toContain("502 Bad Gateway");
    expect(error.reason?.length ?? 0).toBeLessThan(300);
    expect(error.reason).not.toContain("<");
  });

  it("clips a long plain-text body once redacted", () => {
    const error = errorFromAnswer(answer(500, "y".repeat(10_000))).redacted((text) => text);
    expect(error.reason?.length ?? 0).toBeLessThanOrEqual(300);
    expect(error.reason?.startsWith("yyyy")).toBe(true);
  });

  it("reads an OAuth error ({ error, error_description })", () => {
    const error = errorFromAnswer(answer(400, JSON.stringify({ error: "invalid_grant", error_description: "bad" })));
    expect(error.error).toBe("invalid_grant");
    expect(error.reason).toBe("bad");
  });

  it("reads ProblemDetails ({ title, detail }) and a gateway's { message }", () => {
    const problem = errorFromAnswer(
      answer(400, JSON.stringify({ title: "One or more validation errors occurred.", detail: "Name is required." })),
    );
    expect(problem.error).toBe("One or more validation errors occurred.");
    expect(problem.reason).toBe("Name is required.");
    const gateway = errorFromAnswer(answer(504, JSON.stringify({ message: "Endpoint request timed out" })));
    expect(gateway.error).toBe("The Identity API answered HTTP 504.");
    expect(gateway.reason).toBe("Endpoint request timed out");
  });

  it("explains a 405 with the global host, even when the service has its own resolution", () => {
    const body = { ...ERROR_RESPONSE, Error: "Method not allowed.", Reason: "Writes are not accepted here." };
    for (const raw of ["", JSON.stringify(body)]) {
      const error = errorFromAnswer(answer(405, raw));
      expect(error.status).toBe(405);
      expect(error.resolution).toContain("global host");
      expect(error.resolution).toContain("OCS_URL");
      expect(error.retryable).toBe(false);
    }
    const withBody = errorFromAnswer(answer(405, JSON.stringify(body)));
    expect(withBody.error).toBe("Method not allowed.");
    expect(withBody.reason).toBe("Writes are not accepted here.");
    expect(withBody.operationId).toBe("op-body-1");
    expect(withBody.resolution).toContain("Correct the request and try again.");
  });

  it("explains a 403 with the Tenant Administrator role, even when the service has its own resolution", () => {
    for (const raw of ["", JSON.stringify({ ...ERROR_RESPONSE, Error: "Forbidden." })]) {
      const error = errorFromAnswer(answer(403, raw));
      expect(error.resolution).toContain("Tenant Administrator");
      expect(error.retryable).toBe(false);
    }
    expect(errorFromAnswer(answer(403, "")).error).toBe("The bot's client may not create clients in this tenant.");
  });

  it("explains an empty 401 as a refused access token", () => {
    const error = errorFromAnswer(answer(401, ""));
    expect(error.error).toBe("The Identity API did not accept the bot's access token.");
    expect(error.resolution).toContain("OCS_CLIENT_SECRET");
    expect(error.retryable).toBe(false);
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
  ])("HTTP %i is retryable: %s", (status, retryable) => {
    expect(errorFromAnswer(answer(status, "")).retryable).toBe(retryable);
  });

  it("reads Retry-After in seconds or as an HTTP date", () => {
    expect(errorFromAnswer(answer(429, "", { "Retry-After": "7" })).retryAfterMs).toBe(7000);
    const at = new Date(Date.now() + 60_000).toUTCString();
    const fromDate = errorFromAnswer(answer(503, "", { "Retry-After": at })).retryAfterMs ?? 0;
    expect(fromDate).toBeGreaterThan(50_000);
    expect(fromDate).toBeLessThanOrEqual(60_000);
    expect(errorFromAnswer(answer(500, "")).retryAfterMs).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it("reads seconds, fractions, dates, and ignores junk", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
  });
});

describe("IdentityApiError", () => {
  it("leaves out what it does not have when stored", () => {
    const error = new IdentityApiError({ kind: "timeout", error: "No answer." });
    expect(error.toStored()).toEqual({ error: "No answer." });
    expect(error.message).toBe("timeout: No answer.");
    expect(error.retryable).toBe(true);
    expect(new IdentityApiError({ kind: "network", error: "x" }).retryable).toBe(true);
    expect(new IdentityApiError({ kind: "configuration", status: 400, error: "x" }).retryable).toBe(false);
    expect(new IdentityApiError({ kind: "invalid_response", status: 201, error: "x" }).retryable).toBe(false);
  });

  it("can be redacted field by field, keeping its kind and status", () => {
    const redactor = new Redactor(["super-secret-ocs-value-1234"]);
    const error = new IdentityApiError({
      kind: "http",
      status: 500,
      error: "Bad secret super-secret-ocs-value-1234",
      reason: "Authorization: Bearer abc.def.ghi was refused",
      resolution: "Token xoxb-1-2-abc leaked",
      operationId: "op-1",
      retryAfterMs: 5,
    });
    const clean = error.redacted((text) => redactor.redact(text));
    expect(clean).toBeInstanceOf(IdentityApiError);
    expect(clean).toMatchObject({ kind: "http", status: 500, operationId: "op-1", retryAfterMs: 5, retryable: true });
    const all = JSON.stringify({ ...clean.toStored(), message: clean.message });
    expect(all).not.toContain("super-secret-ocs-value-1234");
    expect(all).not.toContain("abc.def.ghi");
    expect(all).not.toContain("xoxb-1-2-abc");
    expect(all).toContain("[redacted]");
  });

  it("redacts a secret the service echoed before shortening, so no part of it survives the cut", () => {
    const secret = "s3cr~t!(value)*with'specials";
    const redactor = new Redactor([secret]);
    for (const encoded of [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ]) {
      // The secret straddles the point where the reason is cut.
      for (let at = ERROR_TEXT_MAX_LENGTH - 20; at < ERROR_TEXT_MAX_LENGTH + 5; at++) {
        const body = `${"x".repeat(at)}${encoded} and more text after it${" y".repeat(200)}`;
        const clean = errorFromAnswer(answer(400, body, { "Content-Type": "text/plain" })).redacted((text) =>
          redactor.redact(text),
        );
        const reason = clean.reason ?? "";
        expect(reason.length).toBeLessThanOrEqual(ERROR_TEXT_MAX_LENGTH);
        expect(reason.endsWith("…")).toBe(true);
        // No 6 characters of the secret, in any form it was sent in, reach the reason.
        for (let i = 0; i + 6 <= encoded.length; i++) expect(reason).not.toContain(encoded.slice(i, i + 6));
      }
    }
  });

  it("shortens between graphemes, never leaving half an emoji", () => {
    const text = `${"a".repeat(ERROR_TEXT_MAX_LENGTH - 2)}👩‍👩‍👧 after`;
    const cut = shortened(text);
    expect(cut).toBe(`${"a".repeat(ERROR_TEXT_MAX_LENGTH - 2)}…`);
    expect(shortened("one\n\ttwo\u0007three")).toBe("one two three");
  });
});
