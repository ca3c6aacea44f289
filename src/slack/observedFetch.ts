import type { FetchFunction } from "@slack/web-api";

type FetchResponse = Awaited<ReturnType<FetchFunction>>;
import type { Metrics } from "../metrics/metrics.ts";

/**
 * The Web API client's fetch, counting what goes wrong: Slack's error code of every `ok: false`
 * answer, HTTP errors, calls that got no answer, and 429s (rate limits). Given to every Web API
 * client through its options (Bolt's own clients copy them), so no call site changes. A JSON
 * answer is read here once and handed on as read; anything else is handed on untouched.
 */
export function observedFetch(
  metrics: Pick<Metrics, "slackApiError" | "slackRateLimited">,
  fetchImpl: FetchFunction = globalThis.fetch,
): FetchFunction {
  return async (url, init) => {
    const method = new URL(url).pathname.split("/").pop() ?? "";
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
    if (/"ok"\s*:\s*false/.test(text)) {
      const error = (() => {
        try {
          const parsed = JSON.parse(text) as { error?: unknown };
          return typeof parsed.error === "string" ? parsed.error : "unknown";
        } catch {
          return "unknown";
        }
      })();
      metrics.slackApiError(method, error);
    }
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
