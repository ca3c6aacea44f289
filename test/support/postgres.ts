import { inject } from "vitest";
import { createDatabase, dropDatabase } from "../../devkit/postgresServer.ts";

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
