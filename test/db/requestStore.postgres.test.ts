import { openPostgres } from "../../src/db/postgres/open.ts";
import { freshPostgresDatabase } from "../support/postgres.ts";
import { requestStoreCases } from "../support/requestStoreCases.ts";

// The same cases on SQLite: test/unit/requestStore.test.ts.
requestStoreCases("the request store on PostgreSQL", async () => {
  const fresh = await freshPostgresDatabase("request_store");
  return {
    dialect: "postgres",
    target: { databaseUrl: fresh.url, databasePath: "" },
    open: (now) =>
      openPostgres(
        { kind: "postgres", url: fresh.url, poolMax: 10, connectTimeoutMs: 10_000, statementTimeoutMs: 10_000 },
        { now },
      ),
    dispose: () => fresh.drop(),
  };
});
