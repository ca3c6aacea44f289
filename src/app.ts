import type { WebClientOptions } from "@slack/web-api";
import { type Config, secretsOf } from "./config.ts";
import type { Database } from "./db/database.ts";
import { openDatabase } from "./db/open.ts";
import { healthRoute } from "./http/routes.ts";
import { IdentityClients } from "./identity/client.ts";
import type { RetryHooks } from "./identity/retry.ts";
import { type AppLogger, createLogger, Redactor } from "./log.ts";
import type { Metrics, StartupCheck } from "./metrics/metrics.ts";
import { loadMetrics } from "./metrics/serve.ts";
import { startScheduler } from "./requests/scheduler.ts";
import { RequestService } from "./requests/service.ts";
import { ShutdownStack } from "./shutdown.ts";
import { SlackApprovers } from "./slack/approvers.ts";
import { buildBoltApp, slackRetryPolicy } from "./slack/boltApp.ts";
import { HomeTab } from "./slack/home/homeTab.ts";
import { registerListeners } from "./slack/listeners/index.ts";
import { SlackNotifier } from "./slack/notifier.ts";
import { observedFetch } from "./slack/observedFetch.ts";
import { runStartupChecks } from "./slack/startupChecks.ts";

export interface AppOptions {
  /** Where log lines go (default: stdout). */
  writeLog?: (line: string) => void;
  /** Slack Web API retries (default slackRetryPolicy); 429 answers are retried after their Retry-After. */
  slackRetries?: WebClientOptions["retryConfig"];
  /** Timeout of one Slack Web API call (default 10 s). */
  slackTimeoutMs?: number;
  /** Identity API retry hooks (tests shorten the waits). */
  identityHooks?: RetryHooks;
  /** How long a graceful stop waits for the work under way (Slack requests, creations). */
  drainTimeoutMs?: number;
  /** First wait before posting again a request the approval channel refused (default 1 min, doubling). */
  approvalPostRetryMs?: number;
  /** Skip the start-up checks of the Slack side (auth.test, approval channel). */
  skipStartupChecks?: boolean;
}

export interface RunningApp {
  service: RequestService;
  database: Database;
  log: AppLogger;
  /** The port /slack/events (HTTP mode) and /healthz listen on. */
  port: number;
  /** The port of /metrics' own listener (METRICS_PORT), when it has one. */
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

/** Composition root: builds the bot from the configuration and starts it; `stop` unwinds it all. */
export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const redactor = new Redactor(secretsOf(config));
  const log = createLogger({ level: config.logLevel, redactor, write: options.writeLog });
  const shutdown = new ShutdownStack(log);
  const clientOptions: WebClientOptions = {
    slackApiUrl: config.slack.apiUrl,
    timeout: options.slackTimeoutMs ?? 10_000,
    retryConfig: options.slackRetries ?? slackRetryPolicy,
  };
  // prom-client (when metrics are on) loads and Slack answers the checks while the database opens.
  const buildMetrics = loadMetrics(config.metrics);
  const checkResults = new Map<StartupCheck, string>();
  const checks = options.skipStartupChecks
    ? undefined
    : runStartupChecks(config, clientOptions, log, (check, result) => checkResults.set(check, result));
  checks?.catch(() => undefined);
  try {
    const database = await openDatabase(config.database, {
      onCheckpointFailure: (error) =>
        log.event("warn", "checkpoint_worker_failed", { error, fallback: "main connection" }),
      onConnectionError: (error) => log.event("warn", "database_connection_lost", { error }),
    });
    shutdown.push("database", (ms) => database.close(ms), { minMs: 1_000 });
    const served = await buildMetrics({
      reads: database.stores.reads,
      mode: config.slack.appToken ? "socket" : "http",
      database: database.dialect,
    });
    shutdown.push("metrics", () => served.close());
    const { metrics } = served;

    const bot = await checks;
    for (const [check, result] of checkResults) metrics.startupCheck(check, result);
    const slack = buildBoltApp(config, {
      log,
      bot,
      clientOptions: served.enabled
        ? { ...clientOptions, fetch: observedFetch(metrics, config.slack.apiUrl) }
        : clientOptions,
      routes: [healthRoute(database), ...served.routes],
      acked: served.enabled ? metrics.acked : undefined,
    });

    const service = buildService(config, database, slack.app.client, { log, redactor, options, metrics });
    const home = new HomeTab(slack.app.client, {
      service,
      reads: database.stores.reads,
      log,
      approvalChannelId: config.approvalChannelId,
      tenantLabel: tenantLabeller(config),
    });
    service.onChange((request) => home.requestChanged(request));
    shutdown.push("creations and announcements", (ms) => service.drain(ms));
    shutdown.push("home tab", () => home.stop());
    registerListeners(slack.app, {
      service,
      reads: database.stores.reads,
      home,
      log,
      tenants: config.tenants.map((t) => ({ name: t.name, label: tenantLabeller(config)(t.name) ?? t.name })),
      approvalChannelId: config.approvalChannelId,
      tenantLabel: tenantLabeller(config),
    });

    const port = await slack.start(config.port);
    let scheduler: ReturnType<typeof startScheduler> | undefined;
    // No new Slack requests from here on; those under way (acked or not) may finish, and so may
    // a sweep under way (it is waited for here, not before: the stop must not wait on it to
    // stop taking requests).
    shutdown.push("slack requests", async (ms) => {
      await slack.stop(ms);
      const settled = await slack.requests.settle(ms);
      await scheduler?.running;
      return settled;
    });
    log.event("info", "started", {
      mode: config.slack.appToken ? "socket" : "http",
      port,
      metrics: served.port ?? config.metrics.serve,
      database: database.dialect,
      tenants: config.tenants.map((t) => t.name),
    });

    scheduler = startScheduler(service, log, config.sweepIntervalMs);
    // First of all at a stop: no new sweep starts.
    shutdown.push("schedule", async () => scheduler?.stop());

    let stopped: Promise<void> | undefined;
    return {
      service,
      database,
      log,
      port,
      metricsPort: served.port,
      stop() {
        stopped ??= shutdown.unwind(options.drainTimeoutMs ?? 25_000).then((drained) => {
          log.event("info", "stopped", { drained });
        });
        return stopped;
      },
    };
  } catch (error) {
    await shutdown.unwind(5_000);
    throw error;
  }
}

/** The domain, wired to the database, the Identity API and Slack. */
function buildService(
  config: Config,
  database: Database,
  client: ConstructorParameters<typeof SlackNotifier>[0],
  { log, redactor, options, metrics }: { log: AppLogger; redactor: Redactor; options: AppOptions; metrics: Metrics },
): RequestService {
  const { stores } = database;
  return new RequestService(
    stores.requests,
    stores.approvalPosts,
    // The logger's redactor: access tokens the Identity client learns are taken out of every log line too.
    new IdentityClients(config.tenants, config.identityRetry, redactor, options.identityHooks, metrics),
    new SlackNotifier(client, {
      log,
      approvalChannelId: config.approvalChannelId,
      requestTtlMs: config.requestTtlMs,
      tenantLabel: tenantLabeller(config),
      requesterMessages: {
        remember: (id, ref) => stores.requests.setRequesterMessage(id, ref),
        lookup: (id) => stores.requests.requesterMessageOf(id),
      },
    }),
    new SlackApprovers(
      client,
      { userIds: config.approverUserIds, usergroupId: config.approverUsergroupId },
      new Map(config.tenants.map((t) => [t.name, t.approvers])),
      log,
    ),
    {
      allowSelfApproval: config.allowSelfApproval,
      maxPendingPerUser: config.maxPendingPerUser,
      maxConcurrentCreations: config.maxConcurrentCreations,
      requestTtlMs: config.requestTtlMs,
      reminderIntervalMs: config.reminderIntervalMs,
      maxReminders: config.maxReminders,
      creationLeaseMs: config.creationLeaseMs,
      outcomeGraceMs: 2 * 60_000,
      policyFor: (tenant) => config.tenants.find((t) => t.name === tenant)?.policy ?? config.policy,
      ...(options.approvalPostRetryMs ? { approvalPostRetryMs: options.approvalPostRetryMs } : {}),
    },
    log,
    metrics,
  );
}

/** How a tenant is named to people: its name and host, or nothing when only one tenant is configured. */
function tenantLabeller(config: Config): (name: string) => string | undefined {
  return (name) => {
    if (config.tenants.length === 1) return undefined;
    const tenant = config.tenants.find((t) => t.name === name);
    return tenant ? `${tenant.name} (${new URL(tenant.url).host})` : name;
  };
}
