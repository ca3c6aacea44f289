import { z } from "zod";
import { hintFor, IdentityApiError, parseRetryAfter } from "./errors.ts";

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

const errorResponse = z.looseObject({
  OperationId: z.string().optional(),
  Error: z.string().optional(),
  Reason: z.string().optional(),
  Resolution: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
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
  return { status: response.status, headers: response.headers, json };
}

function transportError(caught: unknown, timeoutMs: number): IdentityApiError {
  const name = caught instanceof Error ? caught.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new IdentityApiError({
      kind: "timeout",
      error: `The Identity API did not answer within ${Math.round(timeoutMs / 1000)} s.`,
    });
  }
  const cause = caught instanceof Error && caught.cause instanceof Error ? caught.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new IdentityApiError({
    kind: "network",
    error: "The connection to the Identity API failed.",
    reason: code ?? cause?.message ?? (caught instanceof Error ? caught.message : String(caught)),
  });
}

/** Turns a non-success answer into a typed error, keeping the service's own words. */
export function errorFromAnswer(answer: HttpAnswer): IdentityApiError {
  const body = errorResponse.safeParse(answer.json);
  const fields = body.success ? body.data : {};
  const hint = hintFor(answer.status);
  const operationId = fields.OperationId ?? answer.headers.get("Operation-Id") ?? undefined;
  return new IdentityApiError({
    kind: "http",
    status: answer.status,
    error: fields.Error ?? fields.error ?? hint?.error ?? `The Identity API answered HTTP ${answer.status}.`,
    reason: fields.Reason ?? fields.error_description,
    resolution: fields.Resolution ?? hint?.resolution,
    operationId,
    retryAfterMs: parseRetryAfter(answer.headers.get("Retry-After")),
  });
}
