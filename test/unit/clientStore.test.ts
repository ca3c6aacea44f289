import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "../../src/db/sqlite/open.ts";
import { clientStoreCases } from "../support/clientStoreCases.ts";

// The same cases on PostgreSQL: test/db/clientStore.postgres.test.ts.
clientStoreCases("the store's part in a client's life, on SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "client-store-"));
  const path = join(dir, "bot.sqlite");
  return {
    dialect: "sqlite",
    target: { databasePath: path },
    open: async (now) => openSqlite(path, { now }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
