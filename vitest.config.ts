import { defineConfig } from "vitest/config";

/**
 * Two projects: "sqlite" runs every test on the default database; "postgres" runs the end-to-end
 * suite again on a real PostgreSQL server (started by test/setup/postgres.ts, or TEST_DATABASE_URL),
 * plus the tests that only make sense there (*.postgres.test.ts: replicas, outages).
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["test/setup/build.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.postgres.test.ts", "test/db/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: ["test/e2e/**/*.test.ts", "test/**/*.postgres.test.ts", "test/db/**/*.test.ts"],
          exclude: ["test/**/*.sqlite.test.ts"],
          globalSetup: ["test/setup/postgres.ts"],
          setupFiles: ["test/setup/postgresBackend.ts"],
        },
      },
    ],
  },
});
