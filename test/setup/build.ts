import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Vitest globalSetup: compiles src/ to dist/ (incremental, a few seconds when nothing changed),
 * so the tests that start the bot as a process run exactly what production runs.
 */
export default function setup(): void {
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
      cwd: ROOT,
      stdio: "pipe",
    });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`The build (tsc -p tsconfig.build.json) failed, so the tests cannot run:\n${output}`);
  }
}
