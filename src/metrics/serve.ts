import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CustomRoute } from "@slack/bolt";
import type { MetricsConfig } from "../config.ts";
import { type MetricsRenderer, metricsRoute, serveMetricsPage } from "../http/routes.ts";
import { type Metrics, noMetrics } from "./metrics.ts";
import type { PrometheusOptions } from "./prometheus.ts";

/** The metrics of a running bot, and where GET /metrics is served. */
export interface ServedMetrics {
  /** False when METRICS_PORT=off: `metrics` counts nothing, and nothing need be observed for it. */
  enabled: boolean;
  metrics: Metrics;
  /** For PORT's server: GET /metrics, when it is served there. */
  routes: CustomRoute[];
  /** The port of /metrics' own listener (METRICS_PORT), when it has one. */
  port: number | undefined;
  close(): Promise<void>;
}

const nothingToClose = async () => {};

/**
 * Starts loading prom-client at once when metrics are on (never when they are off), so the import
 * overlaps the opening of the database; the function returned builds the registry and, with
 * METRICS_PORT, starts /metrics' own listener.
 */
export function loadMetrics(config: MetricsConfig): (options: PrometheusOptions) => Promise<ServedMetrics> {
  if (config.serve === "off") {
    return async () => ({ enabled: false, metrics: noMetrics, routes: [], port: undefined, close: nothingToClose });
  }
  const loading = import("./prometheus.ts");
  // Awaited (and its failure reported) when the registry is built.
  loading.catch(() => undefined);
  return async (options) => {
    const { metrics, render } = (await loading).prometheusMetrics(options);
    if (config.serve === "on-port") {
      return { enabled: true, metrics, routes: [metricsRoute(render)], port: undefined, close: nothingToClose };
    }
    const server = await listen(config.port, render);
    const port = (server.address() as AddressInfo).port;
    return { enabled: true, metrics, routes: [], port, close: () => close(server) };
  };
}

/** A listener that serves GET /metrics and nothing else, bound as PORT is (every interface). */
async function listen(port: number, render: MetricsRenderer): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/metrics") return serveMetricsPage(render, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(new Error(`Cannot serve /metrics on METRICS_PORT ${port}: ${error.message}`)),
    );
    server.listen(port, () => resolve());
  });
  return server;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Scrapers keep their connections open between scrapes.
    server.closeIdleConnections();
  });
}
