import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "../../scripts/build.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Vitest globalSetup: the production build (type check, then the bundles in dist/; a few seconds
 * when nothing changed), so the tests that start the bot as a process run exactly what production
 * runs; and the benchmark's bare Bolt baseline (bench/dist/, nothing to do when up to date), which
 * the smoke tests of both projects start: built here, before any test, so they never compile it at once.
 */
export default async function setup(): Promise<void> {
  try {
    await build();
  } catch (error) {
    throw new Error(`The build (npm run build) failed, so the tests cannot run:\n${String(error)}`);
  }
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-b", "bench/tsconfig.build.json"], {
      cwd: ROOT,
      stdio: "pipe",
    });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`The bench's bare Bolt build (tsc -b bench/tsconfig.build.json) failed:\n${output}`);
  }
}
