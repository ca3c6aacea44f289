import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type CustomRoute, HTTPReceiver, type Receiver, SocketModeReceiver } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import { type Config, secretsOf } from "./config.ts";
import { openDatabase } from "./db/connection.ts";
import { IdentityClients } from "./identity/client.ts";
import type { RetryHooks } from "./identity/retry.ts";
import { type AppLogger, createLogger, Redactor } from "./log.ts";
import { RequestRepository } from "./requests/repository.ts";
import { RequestService } from "./requests/service.ts";
import { SlackApprovers } from "./slack/approvers.ts";
import * as actions from "./slack/listeners/actions/index.ts";
import * as commands from "./slack/listeners/commands/index.ts";
import type { ListenerDeps } from "./slack/listeners/deps.ts";
import * as events from "./slack/listeners/events/index.ts";
import * as views from "./slack/listeners/views/index.ts";
import { SlackNotifier } from "./slack/notifier.ts";
import { runStartupChecks } from "./slack/startupChecks.ts";

export interface AppOptions {
  /** Where log lines go (default: stdout). */
  writeLog?: (line: string) => void;
  /** How often expiry, reminders and the resume sweep run. */
  scheduleIntervalMs?: number;
  /** Slack Web API retries; production keeps the SDK's patient default. */
  slackRetries?: WebClientOptions["retryConfig"];
  /** Identity API retry hooks (tests shorten the waits). */
  identityHooks?: RetryHooks;
  /** How long a graceful stop waits for creations under way. */
  drainTimeoutMs?: number;
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

/** Composition root: builds the Bolt app from the configuration and starts it. */
export async function startApp(config: Config, options: AppOptions = {}): Promise<RunningApp> {
  const redactor = new Redactor(secretsOf(config));
  const log = createLogger({ level: config.logLevel, redactor, write: options.writeLog });
  const database = openDatabase(config.databasePath);

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
    timeout: 10_000,
    ...(options.slackRetries ? { retryConfig: options.slackRetries } : {}),
  };
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
  const app = new App({ token: config.slack.botToken, receiver, logger: log, clientOptions });

  const tenantLabel = (name: string) => {
    if (config.tenants.length === 1) return undefined;
    const t = config.tenants.find((x) => x.name === name);
    return t ? `${t.name} (${new URL(t.url).host})` : name;
  };
  const service = new RequestService(
    new RequestRepository(database.db),
    new IdentityClients(config.tenants, config.identityRetry, redactor, options.identityHooks),
    new SlackNotifier(app.client, {
      approvalChannelId: config.approvalChannelId,
      requestTtlMs: config.requestTtlMs,
      tenantLabel,
    }),
    new SlackApprovers(app.client, config.approverUserIds, config.approverUsergroupId, log),
    {
      allowSelfApproval: config.allowSelfApproval,
      maxPendingPerUser: config.maxPendingPerUser,
      requestTtlMs: config.requestTtlMs,
      reminderIntervalMs: config.reminderIntervalMs,
      maxReminders: config.maxReminders,
      creationWindowMs: config.identityRetry.maxTotalMs + 2 * config.identityRetry.requestTimeoutMs,
    },
    log,
  );

  const deps: ListenerDeps = {
    service,
    log,
    tenants: config.tenants.map((t) => ({ name: t.name, label: tenantLabel(t.name) ?? t.name })),
    approvalChannelId: config.approvalChannelId,
    requestTtlMs: config.requestTtlMs,
    tenantLabel,
  };
  commands.register(app, deps);
  views.register(app, deps);
  actions.register(app, deps);
  events.register(app, deps);
  app.error(async (error) => {
    log.event("error", "listener_failed", { error: error.message, code: error.code });
  });

  if (!options.skipStartupChecks) await runStartupChecks(app.client, config, log);

  const started = await receiver.start(config.port);
  const port = config.slack.appToken ? config.port : ((started as Server).address() as AddressInfo).port;
  log.event("info", "started", {
    mode: config.slack.appToken ? "socket" : "http",
    port,
    tenants: config.tenants.map((t) => t.name),
  });

  // Take up what a previous run left unfinished, then keep the schedule.
  let ticking: Promise<void> | undefined;
  const tick = (atStart: boolean) => {
    ticking ??= (async () => {
      try {
        await service.resume({ atStart });
        await service.runSchedule();
      } catch (error) {
        log.event("error", "schedule_failed", { error: error instanceof Error ? error.message : String(error) });
      } finally {
        ticking = undefined;
      }
    })();
    return ticking;
  };
  void tick(true);
  const timer = setInterval(() => void tick(false), options.scheduleIntervalMs ?? 30_000);
  timer.unref();

  let stopped: Promise<void> | undefined;
  return {
    service,
    log,
    port,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await receiver.stop?.();
        const drained = await service.drain(options.drainTimeoutMs ?? 25_000);
        await ticking;
        database.close();
        log.event("info", "stopped", { drained });
      })();
      return stopped;
    },
  };
}
