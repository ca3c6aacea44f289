import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type CustomRoute, HTTPReceiver, type Receiver, SocketModeReceiver } from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import { type Config, secretsOf } from "./config.ts";
import { type BackgroundCheckpoints, startBackgroundCheckpoints } from "./db/checkpoints.ts";
import { openDatabase } from "./db/connection.ts";
import { IdentityClients } from "./identity/client.ts";
import type { RetryHooks } from "./identity/retry.ts";
import { type AppLogger, createLogger, Redactor } from "./log.ts";
import { RequestRepository } from "./requests/repository.ts";
import { startScheduler } from "./requests/scheduler.ts";
import { RequestService } from "./requests/service.ts";
import { SlackApprovers } from "./slack/approvers.ts";
import { HomeTab } from "./slack/home/homeTab.ts";
import { registerListeners } from "./slack/listeners/index.ts";
import { ignoreRepeatedClicks } from "./slack/listeners/middleware/deliveries.ts";
import { trackSlackRequests } from "./slack/listeners/middleware/requestLog.ts";
import { SlackNotifier } from "./slack/notifier.ts";
import { type BotIdentity, runStartupChecks } from "./slack/startupChecks.ts";

export interface AppOptions {
  /** Where log lines go (default: stdout). */
  writeLog?: (line: string) => void;
  /** How often expiry, reminders and the resume sweep run. */
  scheduleIntervalMs?: number;
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
  log: AppLogger;
  /** The port /slack/events (HTTP mode) and /healthz listen on. */
  port: number;
  stop(): Promise<void>;
}

/** Bolt rejects bodies above this; Slack's own payloads are far smaller. */
const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Slack Web API retries in production: a few, with backoff, instead of the SDK's default of ten
 * over about 30 minutes, so a failing call ends (and is handled) in under a minute. A 429 is
 * retried after the Retry-After Slack sends, within the same count.
 */
export const slackRetryPolicy: NonNullable<WebClientOptions["retryConfig"]> = {
  retries: 3,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 10_000,
  randomize: true,
};

/** Composition root: builds the Bolt app from the configuration and starts it. */
export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const redactor = new Redactor(secretsOf(config));
  const log = createLogger({ level: config.logLevel, redactor, write: options.writeLog });
  const database = openDatabase(config.databasePath);
  const checkpoints: BackgroundCheckpoints | undefined =
    config.databasePath === ":memory:"
      ? undefined
      : startBackgroundCheckpoints(database.db.$client, config.databasePath, {
          onFailure: (error) => log.event("warn", "checkpoint_worker_failed", { error, fallback: "main connection" }),
        });
  const closeDatabase = async (timeoutMs: number) => {
    await checkpoints?.stop(timeoutMs);
    database.close();
  };

  const healthz: CustomRoute = {
    path: "/healthz",
    method: ["GET"],
    handler: (_req, res) => {
      const healthy = database.isHealthy();
      res.writeHead(healthy ? 200 : 503, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status: healthy ? "ok" : "unavailable" }));
    },
  };
  const clientOptions: WebClientOptions = {
    slackApiUrl: config.slack.apiUrl,
    timeout: options.slackTimeoutMs ?? 10_000,
    retryConfig: options.slackRetries ?? slackRetryPolicy,
  };
  // Checked before Bolt starts: Bolt's own auth.test is then skipped (it would fail unhandled).
  let bot: BotIdentity | undefined;
  if (!options.skipStartupChecks) {
    try {
      bot = await runStartupChecks(
        new WebClient(config.slack.botToken, { ...clientOptions, logger: log }),
        config,
        log,
      );
    } catch (error) {
      await closeDatabase(5_000);
      throw error;
    }
  }
  const receiver: Receiver & { start(port: number): Promise<unknown> } = config.slack.appToken
    ? new SocketModeReceiver({
        appToken: config.slack.appToken,
        logger: log,
        customRoutes: [healthz],
        installerOptions: { port: config.port, clientOptions },
      })
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? "",
        endpoints: "/slack/events",
        customRoutes: [healthz],
        logger: log,
        bodyLimit: BODY_LIMIT_BYTES,
      });
  // logLevel given explicitly: without it Bolt resets the shared logger to INFO and LOG_LEVEL is lost.
  const app = new App({
    token: config.slack.botToken,
    ...(bot ? { botId: bot.botId, botUserId: bot.botUserId } : {}),
    receiver,
    logger: log,
    logLevel: log.getLevel(),
    clientOptions,
  });
  const slackRequests = trackSlackRequests(app, log);
  ignoreRepeatedClicks(app, log);

  const tenantLabel = (name: string) => {
    if (config.tenants.length === 1) return undefined;
    const t = config.tenants.find((x) => x.name === name);
    return t ? `${t.name} (${new URL(t.url).host})` : name;
  };
  const repository = new RequestRepository(database.db);
  const service = new RequestService(
    repository,
    new IdentityClients(config.tenants, config.identityRetry, redactor, options.identityHooks),
    new SlackNotifier(app.client, {
      approvalChannelId: config.approvalChannelId,
      requestTtlMs: config.requestTtlMs,
      tenantLabel,
      requesterMessages: {
        remember: (id, ref) => repository.setRequesterMessage(id, ref.channelId, ref.ts),
        lookup: (id) => repository.requesterMessageOf(id),
      },
    }),
    new SlackApprovers(app.client, config.approverUserIds, config.approverUsergroupId, log),
    {
      allowSelfApproval: config.allowSelfApproval,
      maxPendingPerUser: config.maxPendingPerUser,
      maxConcurrentCreations: config.maxConcurrentCreations,
      requestTtlMs: config.requestTtlMs,
      reminderIntervalMs: config.reminderIntervalMs,
      maxReminders: config.maxReminders,
      creationWindowMs: config.identityRetry.maxTotalMs + 2 * config.identityRetry.requestTimeoutMs,
      ...(options.approvalPostRetryMs ? { approvalPostRetryMs: options.approvalPostRetryMs } : {}),
    },
    log,
  );

  const home = new HomeTab(app.client, { service, log, approvalChannelId: config.approvalChannelId, tenantLabel });
  service.onChange((request) => home.requestChanged(request));
  registerListeners(app, {
    service,
    home,
    log,
    tenants: config.tenants.map((t) => ({ name: t.name, label: tenantLabel(t.name) ?? t.name })),
    approvalChannelId: config.approvalChannelId,
    tenantLabel,
  });
  app.error(async (error) => {
    log.event("error", "listener_failed", { error: error.message, code: error.code });
  });

  let started: unknown;
  try {
    started = await receiver.start(config.port);
  } catch (error) {
    await closeDatabase(5_000);
    throw error;
  }
  const port = config.slack.appToken ? config.port : ((started as Server).address() as AddressInfo).port;
  log.event("info", "started", {
    mode: config.slack.appToken ? "socket" : "http",
    port,
    tenants: config.tenants.map((t) => t.name),
  });

  const scheduler = startScheduler(service, log, options.scheduleIntervalMs ?? 30_000);

  let stopped: Promise<void> | undefined;
  return {
    service,
    log,
    port,
    stop() {
      stopped ??= (async () => {
        // One deadline for everything, so a stuck step cannot hold the stop past it.
        const deadline = Date.now() + (options.drainTimeoutMs ?? 25_000);
        const left = () => Math.max(0, deadline - Date.now());
        scheduler.stop();
        // No new Slack requests from here on; those under way (acked or not) may finish.
        await beforeDeadline(
          receiver.stop?.().catch(() => undefined),
          left(),
        );
        const handled = await slackRequests.settle(left());
        const drained = await service.drain(left());
        await beforeDeadline(scheduler.running, left());
        await home.stop();
        await closeDatabase(Math.max(left(), 1_000));
        log.event("info", "stopped", { drained: drained && handled });
      })();
      return stopped;
    },
  };
}

/** Waits for `work`, but not longer than `ms`. */
async function beforeDeadline(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
