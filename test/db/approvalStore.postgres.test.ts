import { openPostgres } from "../../src/db/postgres/open.ts";
import { approvalStoreCases } from "../support/approvalStoreCases.ts";
import { freshPostgresDatabase } from "../support/postgres.ts";

// The same cases on SQLite: test/unit/approvalStore.test.ts.
approvalStoreCases("approvals on PostgreSQL", async () => {
  const fresh = await freshPostgresDatabase("approval_store");
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
