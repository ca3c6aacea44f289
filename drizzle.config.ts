import { defineConfig } from "drizzle-kit";

// SQLite, the default database. PostgreSQL's migrations: drizzle.postgres.config.ts.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/sqlite/schema.ts",
  out: "./drizzle/sqlite",
});
