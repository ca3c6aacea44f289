/**
 * The bot's metrics in Prometheus' text format, with prom-client. Loaded (with prom-client) only
 * when metrics are on: src/metrics/serve.ts imports this module dynamically.
 */
import { createRequire } from "node:module";
import type * as PromClient from "prom-client";
import type { OpenRequests, RequestReader } from "../requests/ports.ts";
import { requestStatuses } from "../requests/request.ts";
import { withTimeout } from "../timeout.ts";
import { withoutSourceMaps } from "../withoutSourceMaps.ts";
import { ackKinds, type Metrics, slackErrorLabel, slackMethodLabel } from "./metrics.ts";

// Required with source maps off: its @opentelemetry/api ships some 100 maps node would parse at each start.
const { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } = withoutSourceMaps(
  () => createRequire(import.meta.url)("prom-client") as typeof PromClient,
);

const PREFIX = "auth_client_bot_";
/** The open requests are counted at most this often, however often (and by however many scrapers) /metrics is read. */
const OPEN_REQUESTS_CACHE_MS = 1_000;
/** A scrape does not wait longer than this for the database; the rest of the page is served regardless. */
const OPEN_REQUESTS_TIMEOUT_MS = 2_000;
const OPEN_STATUSES = ["pending", "approved", "creating"] as const;

export interface MetricsPage {
  contentType: string;
  body: string;
}

export interface PrometheusMetrics {
  metrics: Metrics;
  /** The whole page, as GET /metrics answers it. */
  render(): Promise<MetricsPage>;
}

export interface PrometheusOptions {
  /** Where the open requests are counted, at scrape time. */
  reads: Pick<RequestReader, "openRequests">;
  mode: "http" | "socket";
  database: "sqlite" | "postgres";
  now?: () => number;
  /** How long a scrape waits for the database (default 2 s). */
  readTimeoutMs?: number;
}

/**
 * The open requests as scrapes read them: one query at a time (a database that hangs is not asked
 * again and again), its answer shared for a second, and undefined when it fails or is late.
 */
function openRequestsReader(options: PrometheusOptions, now: () => number): () => Promise<OpenRequests | undefined> {
  let last: { at: number; answer: Promise<OpenRequests | undefined> } | undefined;
  let running: Promise<OpenRequests> | undefined;
  return () => {
    if (!last || now() - last.at > OPEN_REQUESTS_CACHE_MS) {
      running ??= options.reads.openRequests().finally(() => {
        running = undefined;
      });
      const answer = withTimeout(running, options.readTimeoutMs ?? OPEN_REQUESTS_TIMEOUT_MS).then(
        (timed) => (timed.done ? timed.value : undefined),
        () => undefined,
      );
      last = { at: now(), answer };
    }
    return last.answer;
  };
}

export function prometheusMetrics(options: PrometheusOptions): PrometheusMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: `${PREFIX}info`,
    help: "Always 1: how this process runs (Slack connection, database)",
    labelNames: ["mode", "database"],
    registers,
  }).set({ mode: options.mode, database: options.database }, 1);

  const transitions = new Counter({
    name: `${PREFIX}request_transitions_total`,
    help: "Requests that moved to a status, by the status (a new request moves to pending), in this process",
    labelNames: ["to"],
    registers,
  });
  for (const to of requestStatuses) transitions.inc({ to }, 0);

  // The three gauges below come from one read, shared by their collects in a scrape.
  const openNow = openRequestsReader(options, now);
  new Gauge({
    name: `${PREFIX}database_up`,
    help: "1 when the database answered this scrape's count of open requests in time, else 0",
    registers,
    async collect() {
      this.set((await openNow()) ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}open_requests`,
    help: "Requests pending, approved (not yet claimed) or creating, database-wide: every replica reports the same; NaN when the database did not answer",
    labelNames: ["status"],
    registers,
    async collect() {
      const open = await openNow();
      for (const status of OPEN_STATUSES) this.set({ status }, open ? open[status] : Number.NaN);
    },
  });
  new Gauge({
    name: `${PREFIX}oldest_pending_request_age_seconds`,
    help: "How long the oldest pending request has waited (0 when none waits), database-wide; NaN when the database did not answer",
    registers,
    async collect() {
      const open = await openNow();
      const oldest = open?.oldestPendingCreatedAt;
      this.set(!open ? Number.NaN : oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });

  const creations = new Histogram({
    name: `${PREFIX}creation_duration_seconds`,
    help: "From an approval (or Retry) to the client created or the creation failed, waits and retries included",
    labelNames: ["outcome"],
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  for (const outcome of ["created", "failed"]) creations.zero({ outcome });

  const identityCalls = new Counter({
    name: `${PREFIX}identity_api_calls_total`,
    help: "Identity API calls, by operation and by the HTTP status of the answer (network or timeout when none came)",
    labelNames: ["operation", "status"],
    registers,
  });
  const identityRetries = new Counter({
    name: `${PREFIX}identity_api_retries_total`,
    help: "Creation attempts tried again, by the failure retried (HTTP status, network or timeout)",
    labelNames: ["reason"],
    registers,
  });
  const slackErrors = new Counter({
    name: `${PREFIX}slack_api_errors_total`,
    help: "Slack Web API calls (each attempt) that failed, by method and Slack error code (http_<status>, or request_failed when no answer came)",
    labelNames: ["method", "error"],
    registers,
  });
  const slackRateLimits = new Counter({
    name: `${PREFIX}slack_api_rate_limited_total`,
    help: "Slack Web API calls answered 429 (rate limited, retried after Retry-After), by method",
    labelNames: ["method"],
    registers,
  });
  const acks = new Histogram({
    name: `${PREFIX}slack_ack_duration_seconds`,
    help: "From a Slack request's arrival to its acknowledgement, by kind (Slack gives up after 3 s)",
    labelNames: ["kind"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5],
    registers,
  });
  for (const kind of ackKinds) acks.zero({ kind });
  const startupChecks = new Gauge({
    name: `${PREFIX}startup_check`,
    help: "What the start-up checks found: 1 for each check's result, ok or the problem's code",
    labelNames: ["check", "result"],
    registers,
  });

  const metrics: Metrics = {
    transitioned: (to) => transitions.inc({ to }),
    creationFinished: (outcome, durationMs) => creations.observe({ outcome }, durationMs / 1000),
    identityCall: (operation, outcome) => identityCalls.inc({ operation, status: String(outcome) }),
    identityRetry: (failure) => identityRetries.inc({ reason: String(failure) }),
    slackApiError: (method, error) =>
      slackErrors.inc({ method: slackMethodLabel(method), error: slackErrorLabel(error) }),
    slackRateLimited: (method) => slackRateLimits.inc({ method: slackMethodLabel(method) }),
    acked: (kind, seconds) => acks.observe({ kind }, seconds),
    startupCheck: (check, result) => startupChecks.set({ check, result: slackErrorLabel(result) }, 1),
  };
  return {
    metrics,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
