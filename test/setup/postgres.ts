import type { TestProject } from "vitest/node";
import { checkPostgres, type PostgresServer, redactUrl, startPostgres } from "../../devkit/postgresServer.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL server the tests make their databases on. */
    postgresUrl: string;
    /** True when this run started its own server (false: TEST_DATABASE_URL). */
    postgresIsThrowaway: boolean;
  }
}

/** Vitest globalSetup: TEST_DATABASE_URL's server if set, otherwise a throwaway one for this run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    try {
      await checkPostgres(given);
    } catch (error) {
      throw new Error(
        [
          "",
          "==================================================================",
          "  THE POSTGRESQL SERVER IN TEST_DATABASE_URL DOES NOT ANSWER",
          "==================================================================",
          `TEST_DATABASE_URL=${redactUrl(given)}`,
          `Why: ${error instanceof Error ? error.message : String(error)}`,
          "Fix the URL or the server, or unset TEST_DATABASE_URL to let the tests start their own.",
          "==================================================================",
        ].join("\n"),
      );
    }
    project.provide("postgresUrl", given);
    project.provide("postgresIsThrowaway", false);
    return async () => {};
  }

  const started = Date.now();
  const server: PostgresServer = await startPostgres();
  console.log(`PostgreSQL test server ready in ${Date.now() - started} ms at ${server.url}`);
  project.provide("postgresUrl", server.url);
  project.provide("postgresIsThrowaway", true);
  return () => server.stop();
}
