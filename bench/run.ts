/**
 * `npm run bench`: our app (compiled, on SQLite and on PostgreSQL with one and two replicas)
 * against a bare Bolt app, all driven like Slack drives them, on loopback only; then cold start
 * and idle memory of both (bench/startup.ts). Builds both apps first. Writes bench/results.md (keeping its hand-written analysis section).
 *
 *   npm run bench                  the full benchmark (about 15 minutes)
 *   npm run bench -- --smoke       a few requests, to see it works (no file written, no targets)
 *   options: --runs N  --count N (per run and phase, every concurrency)  --concurrency 1,50,200
 *            --scenario empty|seeded (only that database)
 *            --apps ours,pg,pg2 (our app's set-ups: SQLite, PostgreSQL, PostgreSQL with 2 replicas;
 *              bare Bolt always runs; default all three, --smoke only ours)
 *            --postgres-url URL (a PostgreSQL server to use, superuser or CREATEDB, instead of
 *              starting one; left with its own settings)
 *            --profile (node --cpu-prof every app; profiles kept under bench/tmp/)  --keep (keep logs)
 *            --trace (every measurement to trace.csv under bench/tmp/)
 *            --ours-entry FILE (start "our app" from another build's main.js, or a .ts through tsx;
 *              not for results.md)
 *            --out FILE (default bench/results.md)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchOptions, fullOptions, runBenchmark, SETUPS, type Setup, smokeOptions } from "./bench.ts";
import { REQUESTER_POOL } from "./fixtures.ts";
import { ROOT } from "./processes.ts";
import { checkTargets, renderMarkdown, slackDeadlineWarnings } from "./report.ts";
import { measureStartup } from "./startup.ts";

/** Everything after this line in results.md is written by people and kept across runs. */
export const ANALYSIS_MARKER = "<!-- analysis: written by hand, kept when npm run bench rewrites this file -->";

/** A wrong command line: told in one line, without a stack trace. */
class UsageError extends Error {}

const WITH_VALUE = new Set([
  "--runs",
  "--count",
  "--concurrency",
  "--scenario",
  "--apps",
  "--postgres-url",
  "--ours-entry",
  "--out",
]);
const isSetup = (name: string): name is Setup => (SETUPS as readonly string[]).includes(name);
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
  const apps = values.get("--apps");
  if (apps !== undefined) {
    const names = apps.split(",").map((name) => name.trim());
    const setups = names.filter(isSetup);
    if (setups.length === 0 || setups.length !== names.length) {
      throw new UsageError(`--apps is a list of ${SETUPS.join(", ")} (bare Bolt always runs)`);
    }
    options.setups = [...new Set(setups)];
  }
  const postgresUrl = values.get("--postgres-url");
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new UsageError("--postgres-url is a postgres:// URL");
  }
  options.postgresUrl = postgresUrl;
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
  // Cold start and idle memory, on the same build, once the load runs are over (full runs only).
  const startup = smoke ? undefined : await measureStartup({ build: false, progress: say });
  const markdown = renderMarkdown(result, command, startup);
  process.stdout.write(markdown);
  const misses = checkTargets(result).filter((c) => !c.ok);
  say(misses.length === 0 ? "All targets met." : `${misses.length} target checks missed (see the tables).`);
  const late = slackDeadlineWarnings(result);
  if (late.length > 0) {
    say(
      ["", "!".repeat(72), "!! ACKS NOT FAR INSIDE SLACK'S 3 s:", ...late.map((l) => `!! ${l}`), "!".repeat(72)].join(
        "\n",
      ),
    );
  }
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
