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
