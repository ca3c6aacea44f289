import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CustomRoute } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";
import { App, HTTPReceiver, SocketModeReceiver } from "./bolt.ts";
import { ignoreRepeatedClicks } from "./listeners/middleware/deliveries.ts";
import { type RequestTracker, trackSlackRequests } from "./listeners/middleware/requestLog.ts";
import type { BotIdentity } from "./startupChecks.ts";

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

export interface BoltApp {
  app: App;
  /** Slack requests whose listeners are still at work. */
  requests: RequestTracker;
  /** Starts listening (HTTP) or connecting (Socket Mode); resolves to the port HTTP is served on. */
  start(port: number): Promise<number>;
  stop(timeoutMs: number): Promise<void>;
}

/**
 * The Bolt app, in HTTP mode (POST /slack/events, signatures verified) or Socket Mode (with an
 * app token), with the extra routes (/healthz) served on the same port either way, and the
 * global middleware: one log line per Slack request, repeated clicks dropped.
 */
export function buildBoltApp(
  config: Config,
  parts: { log: AppLogger; bot: BotIdentity | undefined; clientOptions: WebClientOptions; routes: CustomRoute[] },
): BoltApp {
  const { log, bot, clientOptions, routes } = parts;
  const socketMode = config.slack.appToken !== undefined;
  const receiver = config.slack.appToken
    ? new SocketModeReceiver({
        appToken: config.slack.appToken,
        logger: log,
        customRoutes: routes,
        installerOptions: { port: config.port, clientOptions },
      })
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? "",
        endpoints: "/slack/events",
        customRoutes: routes,
        logger: log,
        bodyLimit: BODY_LIMIT_BYTES,
      });
  // logLevel given explicitly: without it Bolt resets the shared logger to INFO and LOG_LEVEL is lost.
  // botId given when the start-up checks ran: Bolt's own auth.test is then skipped (it would fail unhandled).
  const app = new App({
    token: config.slack.botToken,
    ...(bot ? { botId: bot.botId, botUserId: bot.botUserId } : {}),
    receiver,
    logger: log,
    logLevel: log.getLevel(),
    clientOptions,
  });
  const requests = trackSlackRequests(app, log);
  ignoreRepeatedClicks(app, log);
  app.error(async (error) => {
    log.event("error", "listener_failed", { error: error.message, code: error.code });
  });
  return {
    app,
    requests,
    async start(port) {
      const started: unknown = await receiver.start(port);
      return socketMode ? port : ((started as Server).address() as AddressInfo).port;
    },
    async stop() {
      await receiver.stop().catch((error: unknown) => {
        log.event("warn", "receiver_stop_failed", { error: String(error) });
      });
    },
  };
}
