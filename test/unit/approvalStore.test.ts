import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/db/sqlite/open.ts";
import { approvalStoreCases } from "../support/approvalStoreCases.ts";

// The same cases on PostgreSQL: test/db/approvalStore.postgres.test.ts.
approvalStoreCases("approvals on SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "approval-store-"));
  const path = join(dir, "bot.sqlite");
  return {
    dialect: "sqlite",
    target: { databasePath: path },
    open: async (now) => openSqlite(path, { now }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
