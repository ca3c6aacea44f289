import type { ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";
import type { Database } from "../db/database.ts";

/** GET /healthz: 200 {"status":"ok"} while the database answers, 503 otherwise (load balancers, probes). */
export function healthRoute(database: Pick<Database, "healthy">): CustomRoute {
  return {
    path: "/healthz",
    method: ["GET"],
    handler: (_req, res) => {
      void database.healthy().then((healthy) => {
        res.writeHead(healthy ? 200 : 503, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ status: healthy ? "ok" : "unavailable" }));
      });
    },
  };
}

/** What GET /metrics answers with: the page and its content type. */
export type MetricsRenderer = () => Promise<{ contentType: string; body: string }>;

/** Answers a GET /metrics with the Prometheus page; 500 (and nothing else) if it cannot be rendered. */
export function serveMetricsPage(render: MetricsRenderer, res: ServerResponse): void {
  render().then(
    ({ contentType, body }) => {
      res.writeHead(200, { "Content-Type": contentType });
      res.end(body);
    },
    () => {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("metrics unavailable\n");
    },
  );
}

/** GET /metrics on PORT, next to /healthz (when METRICS_PORT is unset). */
export function metricsRoute(render: MetricsRenderer): CustomRoute {
  return { path: "/metrics", method: ["GET"], handler: (_req, res) => serveMetricsPage(render, res) };
}
