import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CustomRoute } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import type { Config } from "../config.ts";
import type { AppLogger } from "../log.ts";
import type { AckKind } from "../metrics/metrics.ts";
import { AckTimer } from "./ackTimes.ts";
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
 * app token), with the extra routes (/healthz, /metrics) served on the same port either way, and the
 * global middleware: one log line per Slack request, repeated clicks dropped; acks timed for the metrics.
 */
export function buildBoltApp(
  config: Config,
  parts: {
    log: AppLogger;
    bot: BotIdentity | undefined;
    clientOptions: WebClientOptions;
    routes: CustomRoute[];
    /** Told how long each Slack request took to be acked (metrics); nothing is timed without it. */
    acked?: ((kind: AckKind, seconds: number) => void) | undefined;
  },
): BoltApp {
  const { log, bot, clientOptions, routes } = parts;
  const socketMode = config.slack.appToken !== undefined;
  const timer = parts.acked ? new AckTimer(parts.acked) : undefined;
  const arrivals = timer ? { customPropertiesExtractor: timer.customPropertiesExtractor } : {};
  const receiver = config.slack.appToken
    ? new SocketModeReceiver({
        appToken: config.slack.appToken,
        logger: log,
        customRoutes: routes,
        installerOptions: { port: config.port, clientOptions },
        ...arrivals,
      })
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret ?? "",
        endpoints: "/slack/events",
        customRoutes: routes,
        logger: log,
        bodyLimit: BODY_LIMIT_BYTES,
        ...arrivals,
      });
  if (timer && receiver instanceof HTTPReceiver) timer.watchHttp(receiver);
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
  timer?.instrument(app);
  const requests = trackSlackRequests(app, log);
  const connections = socketMode ? undefined : closingConnections();
  ignoreRepeatedClicks(app, log);
  app.error(async (error) => {
    log.event("error", "listener_failed", { error: error.message, code: error.code });
  });
  return {
    app,
    requests,
    async start(port) {
      const started: unknown = await receiver.start(port);
      if (socketMode) return port;
      connections?.watch(started as Server);
      return ((started as Server).address() as AddressInfo).port;
    },
    async stop() {
      connections?.close();
      await receiver.stop().catch((error: unknown) => {
        log.event("warn", "receiver_stop_failed", { error: String(error) });
      });
    },
  };
}

/**
 * Ends HTTP keep-alive once the bot stops. `server.close()` stops accepting connections and closes
 * the idle ones, but a kept-alive connection busy at that moment stays open, and a client that
 * keeps sending (a load balancer, a busy proxy) could go on delivering new requests on it for the
 * whole drain. From the stop on, every answer — to the requests under way and to any that still
 * arrive on an open connection — says `Connection: close`, and each connection that falls idle is
 * closed, so the server is empty once the last answer is out.
 */
function closingConnections() {
  let server: Server | undefined;
  let closing = false;
  const answering = new Set<ServerResponse>();
  const closeIdleSoon = () => setImmediate(() => server?.closeIdleConnections());
  const endKeepAlive = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("Connection", "close");
    res.once("finish", closeIdleSoon);
  };
  return {
    watch(httpServer: Server) {
      server = httpServer;
      // Before Bolt's own listener, which may answer at once.
      server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
        if (closing) return endKeepAlive(res);
        answering.add(res);
        res.once("close", () => answering.delete(res));
      });
    },
    close() {
      closing = true;
      for (const res of answering) endKeepAlive(res);
      answering.clear();
    },
  };
}
