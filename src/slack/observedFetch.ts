import type { FetchFunction } from "@slack/web-api";
import type { Metrics } from "../metrics/metrics.ts";

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * The Web API method a URL calls (`chat.postMessage`), or "response_url" for anything outside the
 * Web API: Bolt's respond() posts to response URLs with the same fetch, and those carry a secret
 * in their path, which must never become a label.
 */
function methodOf(url: string | URL, apiUrl: string): string {
  const href = String(url);
  if (!href.startsWith(apiUrl)) return "response_url";
  return href.slice(apiUrl.length).split(/[?#]/)[0] ?? "";
}

/**
 * The Web API client's fetch, counting what goes wrong: Slack's error code of every `ok: false`
 * answer, HTTP errors, calls that got no answer, and 429s (rate limits). Given to the Web API
 * clients through their options (Bolt's own clients copy them), so no call site changes. A JSON
 * answer is read here once and handed on as read; anything else is handed on untouched.
 */
export function observedFetch(
  metrics: Pick<Metrics, "slackApiError" | "slackRateLimited">,
  apiUrl: string,
  fetchImpl: FetchFunction = globalThis.fetch,
): FetchFunction {
  return async (url, init) => {
    const method = methodOf(url, apiUrl);
    let response: FetchResponse;
    try {
      response = await fetchImpl(url, init);
    } catch (error) {
      metrics.slackApiError(method, "request_failed");
      throw error;
    }
    if (response.status === 429) {
      metrics.slackRateLimited(method);
      return response;
    }
    if (response.status !== 200) {
      metrics.slackApiError(method, `http_${response.status}`);
      return response;
    }
    if (!response.headers.get("content-type")?.includes("json")) return response;
    const text = await response.text();
    // Cheap on the usual answer: only a failed one is parsed twice.
    if (/"ok"\s*:\s*false/.test(text)) metrics.slackApiError(method, errorCodeOf(text));
    return {
      ok: response.ok,
      status: response.status,
      statusText: response.statusText,
      url: response.url,
      headers: response.headers,
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
      arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
    };
  };
}

function errorCodeOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === "string" ? parsed.error : "unknown";
  } catch {
    return "unknown";
  }
}
