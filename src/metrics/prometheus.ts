/**
 * The bot's metrics in Prometheus' text format, with prom-client. Loaded (with prom-client) only
 * when metrics are on: src/app.ts imports this module dynamically.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RequestReader } from "../requests/ports.ts";
import { requestStatuses } from "../requests/request.ts";
import { ackKinds, type Metrics, slackErrorLabel, slackMethodLabel } from "./metrics.ts";

const PREFIX = "auth_client_bot_";
/** The pending requests are counted at most this often, however often (and by however many scrapers) /metrics is read. */
const PENDING_CACHE_MS = 1_000;

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
  /** Where the pending requests are counted, at scrape time. */
  reads: Pick<RequestReader, "pendingFor">;
  mode: "http" | "socket";
  database: "sqlite" | "postgres";
  now?: () => number;
}

export function prometheusMetrics(options: PrometheusOptions): PrometheusMetrics {
  const now = options.now ?? Date.now;
  const registers = [new Registry()];
  const [registry] = registers as [Registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: `${PREFIX}info`,
    help: "Always 1: how this process runs (Slack connection, database)",
    labelNames: ["mode", "database"],
    registers,
  }).set({ mode: options.mode, database: options.database }, 1);

  const transitions = new Counter({
    name: `${PREFIX}request_transitions_total`,
    help: "Requests that moved to a status, by the status (a new request moves to pending)",
    labelNames: ["to"],
    registers,
  });
  for (const to of requestStatuses) transitions.inc({ to }, 0);

  // Both pending gauges come from one query, shared by the two collects of a scrape.
  let pending: { at: number; answer: Promise<{ count: number; oldestCreatedAt: number | undefined }> } | undefined;
  const pendingNow = () => {
    if (!pending || now() - pending.at > PENDING_CACHE_MS) {
      const answer = options.reads.pendingFor(undefined, 1).then(({ requests, total }) => ({
        count: total,
        oldestCreatedAt: requests[0]?.createdAt,
      }));
      pending = { at: now(), answer };
    }
    return pending.answer;
  };
  new Gauge({
    name: `${PREFIX}pending_requests`,
    help: "Requests waiting for a decision, in the whole database (every replica reports the same)",
    registers,
    async collect() {
      // NaN when the database does not answer: the rest of the page is still served.
      this.set(await pendingNow().then((p) => p.count, () => Number.NaN));
    },
  });
  new Gauge({
    name: `${PREFIX}oldest_pending_request_age_seconds`,
    help: "How long the oldest request waiting for a decision has waited (0 when none waits); database-wide",
    registers,
    async collect() {
      this.set(
        await pendingNow().then(
          (p) => (p.oldestCreatedAt === undefined ? 0 : Math.max(0, (now() - p.oldestCreatedAt) / 1000)),
          () => Number.NaN,
        ),
      );
    },
  });

  const creations = new Histogram({
    name: `${PREFIX}creation_duration_seconds`,
    help: "From an approval (or Retry) to the client created or the creation failed, retries included",
    labelNames: ["outcome"],
    buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  for (const outcome of ["created", "failed"]) creations.zero({ outcome });

  const identityCalls = new Counter({
    name: `${PREFIX}identity_api_calls_total`,
    help: "Identity API calls, by operation and by HTTP status of the answer (network or timeout when none came)",
    labelNames: ["operation", "status"],
    registers,
  });
  const identityRetries = new Counter({
    name: `${PREFIX}identity_api_retries_total`,
    help: "Identity API calls of a creation tried again, by the failure retried (HTTP status, network or timeout)",
    labelNames: ["reason"],
    registers,
  });
  const slackErrors = new Counter({
    name: `${PREFIX}slack_api_errors_total`,
    help: "Slack Web API calls that failed, by method and Slack error code (http_<status> or request_failed without one)",
    labelNames: ["method", "error"],
    registers,
  });
  const slackRateLimits = new Counter({
    name: `${PREFIX}slack_api_rate_limited_total`,
    help: "Slack Web API calls answered 429 (rate limited), by method",
    labelNames: ["method"],
    registers,
  });
  const acks = new Histogram({
    name: `${PREFIX}slack_ack_duration_seconds`,
    help: "From a Slack request's arrival to its acknowledgement, by kind (Slack gives up after 3 s)",
    labelNames: ["kind"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers,
  });
  for (const kind of ackKinds) acks.zero({ kind });
  const startupChecks = new Gauge({
    name: `${PREFIX}startup_check`,
    help: "What the start-up checks found (1 for the result of each check): ok, or the problem's code",
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
