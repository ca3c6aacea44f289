import { inject } from "vitest";
import { createDatabase, dropDatabase } from "../../devkit/postgresServer.ts";
import { openPostgres } from "../../src/db/postgres/open.ts";
import type { StoreFixture } from "./requestStoreCases.ts";

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty, uniquely named database on the run's PostgreSQL server (see test/setup/postgres.ts).
 * Tests run in worker processes, so this works from the server's URL, not from the server object.
 */
export async function freshPostgresDatabase(prefix = "test"): Promise<FreshDatabase> {
  const serverUrl = inject("postgresUrl");
  const url = await createDatabase(serverUrl, prefix);
  return { url, drop: () => dropDatabase(serverUrl, url) };
}

/** A store fixture on a fresh database of its own: what the shared store cases run on, for PostgreSQL. */
export async function postgresStoreFixture(prefix: string): Promise<StoreFixture> {
  const fresh = await freshPostgresDatabase(prefix);
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
}
