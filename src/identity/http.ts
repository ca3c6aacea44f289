import * as z from "zod";
import { errorMessage } from "../errorMessage.ts";
import { hintFor, IdentityApiError, parseRetryAfter } from "./errors.ts";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
  /** The raw body, for error answers that are not JSON. */
  text?: string;
}

/** A text field of an error body; null, empty or odd-typed values are ignored, not fatal. */
const textField = z.string().trim().min(1).optional().catch(undefined);

/** The documented ErrorResponse, plus OAuth's { error, error_description }, ProblemDetails and gateways' { message }. */
const errorResponse = z.looseObject({
  OperationId: textField,
  Error: textField,
  Reason: textField,
  Resolution: textField,
  error: textField,
  error_description: textField,
  title: textField,
  detail: textField,
  Message: textField,
  message: textField,
});

/** One HTTP exchange with a timeout; network failures and timeouts become IdentityApiErrors. */
export async function send(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: "error",
    });
    text = await response.text();
  } catch (caught) {
    throw transportError(caught, init.timeoutMs);
  }
  let json: unknown;
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** What the usual connection failures mean, for the person reading the error. */
const NETWORK_CODES: Record<string, string> = {
  UND_ERR_SOCKET: "The connection was closed before the answer arrived",
  ECONNRESET: "The connection was reset",
  ECONNREFUSED: "Nothing accepted the connection; check OCS_URL",
  ENOTFOUND: "The host name could not be resolved; check OCS_URL",
  EAI_AGAIN: "The host name could not be resolved for now",
  ETIMEDOUT: "The connection timed out",
  EPIPE: "The connection was closed while sending",
};

function transportError(caught: unknown, timeoutMs: number): IdentityApiError {
  const name = caught instanceof Error ? caught.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    const seconds = Math.round(timeoutMs / 100) / 10;
    return new IdentityApiError({
      kind: "timeout",
      error: `The Identity API did not answer within ${seconds} s.`,
      resolution:
        "Retried automatically; if it keeps happening, check the service status and OCS_REQUEST_TIMEOUT_SECONDS.",
    });
  }
  const cause = caught instanceof Error && caught.cause instanceof Error ? caught.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const meaning = code ? NETWORK_CODES[code] : undefined;
  return new IdentityApiError({
    kind: "network",
    error: "The connection to the Identity API failed.",
    reason: meaning ? `${meaning} (${code}).` : (code ?? cause?.message ?? errorMessage(caught)),
  });
}

/** A readable reason from an error body that is not an ErrorResponse: text kept, web pages summarised. */
function reasonFromText(answer: HttpAnswer): string | undefined {
  const raw = typeof answer.json === "string" ? answer.json : answer.json === undefined ? answer.text : undefined;
  const text = raw?.trim();
  if (!text) return undefined;
  const contentType = answer.headers.get("Content-Type") ?? "";
  if (contentType.includes("html") || /^<(!doctype|html|\?xml|head|body)\b/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, " ").trim();
    const page = title ? `a web page ("${title}")` : "a web page";
    return `The answer was ${page}, not an Identity API error: a proxy or gateway may have answered.`;
  }
  // Kept whole: it is shortened only once redacted (IdentityApiError.redacted), so a cut can
  // never leave a prefix of a secret the service echoed.
  return text;
}

/** Turns a non-success answer into a typed error, keeping the service's own words. */
export function errorFromAnswer(answer: HttpAnswer): IdentityApiError {
  const body = errorResponse.safeParse(answer.json);
  const fields = body.success ? body.data : {};
  const hint = hintFor(answer.status);
  const operationId = fields.OperationId ?? answer.headers.get("Operation-Id")?.trim() ?? undefined;
  const resolution =
    hint?.always && fields.Resolution && fields.Resolution !== hint.resolution
      ? `${hint.resolution} (The Identity API says: ${fields.Resolution})`
      : hint?.always
        ? hint.resolution
        : (fields.Resolution ?? hint?.resolution);
  return new IdentityApiError({
    kind: "http",
    status: answer.status,
    error:
      fields.Error ?? fields.error ?? fields.title ?? hint?.error ?? `The Identity API answered HTTP ${answer.status}.`,
    reason:
      fields.Reason ??
      fields.error_description ??
      fields.detail ??
      fields.Message ??
      fields.message ??
      reasonFromText(answer),
    resolution,
    operationId: operationId || undefined,
    retryAfterMs: parseRetryAfter(answer.headers.get("Retry-After")),
  });
}
