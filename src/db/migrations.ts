import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of one dialect's migrations (drizzle/sqlite or drizzle/postgres), found by walking up
 * from this module: `src/db/` when run from source, `dist/` (where the bundle puts this code) when
 * built, the image's /app in a container. Read at every start.
 */
export function migrationsFolder(dialect: "sqlite" | "postgres", from: string = import.meta.url): string {
  const start = dirname(fileURLToPath(from));
  for (let dir = start; ; dir = dirname(dir)) {
    const folder = join(dir, "drizzle", dialect);
    if (existsSync(join(folder, "meta", "_journal.json"))) return folder;
    if (dirname(dir) === dir) {
      throw new Error(`The migrations (drizzle/${dialect}/meta/_journal.json) are in no folder above ${start}`);
    }
  }
}
