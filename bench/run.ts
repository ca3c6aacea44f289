/**
 * `npm run bench`: our app against a bare Bolt app, both compiled and started as production runs
 * ours (built first), driven like Slack drives them, on loopback only. Writes bench/results.md
 * (keeping its hand-written analysis section).
 *
 *   npm run bench                  the full benchmark (several minutes)
 *   npm run bench -- --smoke       a few requests, to see it works (no file written, no targets)
 *   options: --runs N  --count N (per run and phase, every concurrency)  --concurrency 1,50,200
 *            --scenario empty|seeded (only that database)
 *            --profile (node --cpu-prof both apps; profiles kept under bench/tmp/)  --keep (keep logs)
 *            --trace (every measurement to trace.csv under bench/tmp/)
 *            --ours-entry FILE (start "our app" from another build's main.js, or a .ts through tsx;
              not for results.md)
 *            --out FILE (default bench/results.md)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchOptions, fullOptions, runBenchmark, smokeOptions } from "./bench.ts";
import { REQUESTER_POOL } from "./fixtures.ts";
import { ROOT } from "./processes.ts";
import { checkTargets, renderMarkdown } from "./report.ts";

/** Everything after this line in results.md is written by people and kept across runs. */
export const ANALYSIS_MARKER = "<!-- analysis: written by hand, kept when npm run bench rewrites this file -->";

/** A wrong command line: told in one line, without a stack trace. */
class UsageError extends Error {}

const WITH_VALUE = new Set(["--runs", "--count", "--concurrency", "--scenario", "--ours-entry", "--out"]);
const SWITCHES = new Set(["--smoke", "--profile", "--trace", "--keep"]);

function parseArgs(argv: string[]): { smoke: boolean; out: string; options: BenchOptions } {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (WITH_VALUE.has(arg)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      values.set(arg, value);
    } else if (SWITCHES.has(arg)) switches.add(arg);
    else throw new UsageError(`Unknown option ${arg} (see the top of bench/run.ts)`);
  }
  const smoke = switches.has("--smoke");
  const options = smoke ? smokeOptions() : fullOptions();
  const concurrency = values.get("--concurrency");
  if (concurrency !== undefined) {
    const counts = options.counts;
    options.concurrencies = concurrency.split(",").map(Number);
    options.counts = options.concurrencies.map((_, k) => counts[k] ?? counts.at(-1) ?? 100);
  }
  const count = values.get("--count");
  if (count !== undefined) options.counts = options.concurrencies.map(() => Number(count));
  const runs = values.get("--runs");
  if (runs !== undefined) options.runs = Number(runs);
  const scenario = values.get("--scenario");
  if (scenario !== undefined) {
    if (scenario !== "empty" && scenario !== "seeded") throw new UsageError("--scenario is empty or seeded");
    options.scenarios = options.scenarios.filter((s) => (scenario === "empty" ? s.seedRows === 0 : s.seedRows > 0));
  }
  options.oursEntry = values.get("--ours-entry");
  options.cpuProfile = switches.has("--profile");
  options.trace = switches.has("--trace");
  options.keepTmp = switches.has("--keep");
  const whole = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max;
  if (!options.concurrencies.every((c) => whole(c, 1000)) || !options.counts.every((c) => whole(c, REQUESTER_POOL))) {
    throw new UsageError(`Concurrencies are 1–1000 and counts 1–${REQUESTER_POOL}, whole numbers`);
  }
  if (!whole(options.runs, 100)) throw new UsageError("--runs is a whole number from 1 to 100");
  return { smoke, out: values.get("--out") ?? join(ROOT, "bench", "results.md"), options };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { smoke, out, options } = parseArgs(argv);
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  options.progress = say;
  const result = await runBenchmark(options);
  const markdown = renderMarkdown(result, command);
  process.stdout.write(markdown);
  const misses = checkTargets(result).filter((c) => !c.ok);
  say(misses.length === 0 ? "All targets met." : `${misses.length} target checks missed (see the table).`);
  if (result.keptTmp) say(`Logs and profiles kept in ${result.keptTmp}`);
  if (smoke) return;
  const previous = existsSync(out) ? readFileSync(out, "utf8") : "";
  const at = previous.indexOf(ANALYSIS_MARKER);
  const analysis = at >= 0 ? previous.slice(at) : `${ANALYSIS_MARKER}\n`;
  writeFileSync(out, `${markdown}\n${analysis}`);
  say(`Wrote ${out}`);
}

main().catch((error: unknown) => {
  const text =
    error instanceof UsageError
      ? error.message
      : `The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  process.stderr.write(`${text}\n`);
  process.exitCode = 1;
});
