import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Vitest globalSetup: compiles src/ to dist/ (incremental, a few seconds when nothing changed),
 * so the tests that start the bot as a process run exactly what production runs; and the
 * benchmark's bare Bolt baseline (bench/dist/, nothing to do when up to date), which the smoke
 * tests of both projects start: built here, before any test, so they never compile it at once.
 */
export default function setup(): void {
  const builds = [
    ["-p", "tsconfig.build.json"],
    ["-b", "bench/tsconfig.build.json"],
  ];
  for (const args of builds) {
    try {
      execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", ...args], { cwd: ROOT, stdio: "pipe" });
    } catch (error) {
      const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
      throw new Error(`The build (tsc ${args.join(" ")}) failed, so the tests cannot run:\n${output}`);
    }
  }
}
