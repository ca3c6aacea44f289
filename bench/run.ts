/**
 * `npm run bench`: our app against a bare Bolt app, both driven like Slack drives them, on
 * loopback only. Writes bench/results.md (keeping its hand-written analysis section).
 *
 *   npm run bench                  the full benchmark (several minutes)
 *   npm run bench -- --smoke       a few requests, to see it works (no file written, no targets)
 *   options: --runs N  --count N (per run and phase, every concurrency)  --concurrency 1,50,200
 *            --scenario empty|seeded (only that database)
 *            --profile (node --cpu-prof both apps; profiles kept under bench/tmp/)  --keep (keep logs)
 *            --trace (every measurement to trace.csv under bench/tmp/)
 *            --out FILE (default bench/results.md)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchOptions, fullOptions, runBenchmark, smokeOptions } from "./bench.ts";
import { ROOT } from "./processes.ts";
import { checkTargets, renderMarkdown } from "./report.ts";

/** Everything after this line in results.md is written by people and kept across runs. */
export const ANALYSIS_MARKER = "<!-- analysis: written by hand, kept when npm run bench rewrites this file -->";

function parseArgs(argv: string[]): { smoke: boolean; out: string; options: BenchOptions } {
  const smoke = argv.includes("--smoke");
  const options = smoke ? smokeOptions() : fullOptions();
  let out = join(ROOT, "bench", "results.md");
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--runs") options.runs = Math.max(1, Number(value(i++, arg)));
    else if (arg === "--count") options.counts = options.concurrencies.map(() => Number(value(i, arg)));
    else if (arg === "--concurrency") {
      options.concurrencies = value(i, arg).split(",").map(Number);
      options.counts = options.concurrencies.map((_, k) => options.counts[k] ?? options.counts.at(-1) ?? 100);
    } else if (arg === "--scenario") {
      const wanted = value(i, arg);
      options.scenarios = options.scenarios.filter((s) => (wanted === "empty" ? s.seedRows === 0 : s.seedRows > 0));
    } else if (arg === "--profile") options.cpuProfile = true;
    else if (arg === "--trace") options.trace = true;
    else if (arg === "--keep") options.keepTmp = true;
    else if (arg === "--out") out = value(i, arg);
    else if (arg === "--smoke") continue;
    else throw new Error(`Unknown option ${arg}`);
    if (arg === "--count" || arg === "--concurrency" || arg === "--out" || arg === "--scenario") i++;
  }
  if (options.concurrencies.some((c) => !Number.isInteger(c) || c < 1) || options.counts.some((c) => !(c >= 1))) {
    throw new Error("Concurrencies and counts must be positive whole numbers");
  }
  return { smoke, out, options };
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
  process.stderr.write(
    `The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
