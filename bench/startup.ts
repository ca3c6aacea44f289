/**
 * Cold start and idle memory: our compiled app (dist/main.js, as production runs it) against a
 * bare Bolt app (bench/bareBolt.ts, compiled), both under plain node on the same loopback
 * stand-ins. Each run starts one app from nothing (a fresh SQLite file for ours), times spawn →
 * first 200 on /healthz, lets it sit idle, reads the RSS of its whole process tree, then stops it
 * with SIGTERM. The apps alternate run by run; medians and their ratios are reported.
 *
 *   npx tsx bench/startup.ts                 9 runs each (runs `npm run build`'s build first)
 *   options: --runs N  --idle-ms MS  --no-build  --json
 *            --ours-entry FILE (another build of our app)  --ours-node-arg ARG / --bare-node-arg ARG
 *            NAME=VALUE (extra environment for our app, e.g. METRICS_PORT=off)
 *
 * The CPU time used until healthy is reported too: on a busy machine the wall clock of both apps
 * stretches with the load, their CPU time much less.
 *
 * `measureStartup` is the reusable part (npm run bench can call it); the CLI below is thin.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { ENTRY, freePort } from "../devkit/childApp.ts";
import { IdentityStandIn } from "../devkit/identityStandIn.ts";
import { SlackStandIn } from "../devkit/slackStandIn.ts";
import { build } from "../scripts/build.ts";
import { APPROVAL_CHANNEL, APPROVER, bareFixtures, FAKE } from "./fixtures.ts";
import { ROOT } from "./processes.ts";

/** The goal of the runtime issue: within 1.3× of the bare Bolt app, for both measures. */
export const STARTUP_TARGETS = { coldStartRatio: 1.3, idleRssRatio: 1.3 } as const;

/**
 * Preloaded into both apps: a server asked to listen on a port without a host listens on
 * 127.0.0.1 (as bench/loopbackOnly.ts does under tsx), so nothing is opened to the network.
 * Plain JavaScript in a data: URL, since plain node loads no TypeScript.
 */
const LOOPBACK_PRELOAD = `data:text/javascript,${encodeURIComponent(`
import { Server } from "node:net";
const listen = Server.prototype.listen;
Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if ((typeof first === "number" || /^\\d+$/.test(String(first))) && typeof second !== "string") args.splice(1, 0, "127.0.0.1");
  else if (first && typeof first === "object" && "port" in first && !("host" in first) && !("path" in first)) args[0] = { ...first, host: "127.0.0.1" };
  return listen.apply(this, args);
};`)}`;

export type StartupApp = "ours" | "bare";

export interface StartupSample {
  app: StartupApp;
  /** From spawn to the first 200 answer of GET /healthz. */
  coldStartMs: number;
  /** CPU time (user + system) the process tree had used when it became healthy: less disturbed than the wall clock by a busy machine. */
  startCpuMs: number;
  /** RSS of the process and its descendants after `idleMs` of idling. */
  idleRssKb: number;
  /** Exit code after SIGTERM (0 = a clean stop). */
  exitCode: number | null;
}

export interface StartupSummary {
  coldStartMs: number;
  startCpuMs: number;
  idleRssKb: number;
}

export interface StartupResult {
  runs: number;
  idleMs: number;
  samples: StartupSample[];
  median: Record<StartupApp, StartupSummary>;
  ratio: { coldStart: number; startCpu: number; idleRss: number };
  /** Environment of the measurement, for the report. */
  node: string;
}

export interface StartupOptions {
  runs?: number;
  /** How long an app idles after becoming healthy before its memory is read (default 2 s). */
  idleMs?: number;
  /** Compile src/ to dist/ first (default true). */
  build?: boolean;
  /** Extra environment for our app (e.g. METRICS_PORT=off, to measure a variant). */
  oursEnv?: Record<string, string>;
  /** Our app's entry instead of dist/main.js (a variant under study). */
  oursEntry?: string;
  /** Node options put before each app's entry (e.g. --enable-source-maps on the bare app too). */
  nodeArgs?: Partial<Record<StartupApp, string[]>>;
  progress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2
      ? (sorted[mid] ?? Number.NaN)
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A process and all its descendants (Linux /proc). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const current = tree[i] ?? 0;
    try {
      for (const task of readdirSync(`/proc/${current}/task`)) {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, "utf8").trim();
        if (children) tree.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return tree;
}

/** CPU time used so far by a process tree (user + system, in clock ticks of 10 ms), in ms. */
export function treeCpuMs(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      // The fields after the command name (which may hold spaces) start at ")": utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${member}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // Gone already.
    }
  }
  return ticks * 10;
}

/** Summed VmRSS of a process tree, in kB (NaN off Linux). */
export function treeRssKb(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, "utf8");
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    } catch {
      // Gone already.
    }
  }
  return total > 0 ? total : Number.NaN;
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** The bare Bolt app as plain JavaScript: bench/bareBolt.ts with its types stripped. */
function compileBareBolt(dir: string): string {
  const source = readFileSync(join(ROOT, "bench", "bareBolt.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  });
  const file = join(dir, "bareBolt.mjs");
  writeFileSync(file, outputText);
  return file;
}

export interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  coldStartMs: number;
  startCpuMs: number;
}

export async function startUntilHealthy(args: string[], env: Record<string, string>, cwd: string): Promise<Started> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", LOOPBACK_PRELOAD, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = t0 + 30_000;
  while ((await healthStatus(port)) !== 200) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${args.join(" ")} exited: ${stderr}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${args.join(" ")} did not become healthy within 30 s: ${stderr}`);
    }
    await sleep(2);
  }
  const coldStartMs = performance.now() - t0;
  return { child, exited, coldStartMs, startCpuMs: treeCpuMs(child.pid ?? 0) };
}

/** Measures both apps `runs` times each, alternating which goes first. */
export async function measureStartup(options: StartupOptions = {}): Promise<StartupResult> {
  const runs = options.runs ?? 9;
  const idleMs = options.idleMs ?? 2_000;
  const progress = options.progress ?? (() => {});
  if (options.build ?? true) {
    await build();
  }
  mkdirSync(join(ROOT, "bench", "tmp"), { recursive: true });
  // Under the repository (bench/tmp is ignored by git), so the compiled bare app finds node_modules.
  const dir = mkdtempSync(join(ROOT, "bench", "tmp", "startup-"));
  const slack = new SlackStandIn();
  const identity = new IdentityStandIn();
  slack.recordCalls = false;
  const samples: StartupSample[] = [];
  try {
    const slackUrl = await slack.start();
    const identityUrl = await identity.start();
    const fixtures = join(dir, "bare-fixtures.json");
    writeFileSync(fixtures, JSON.stringify(await bareFixtures()));
    const bare = compileBareBolt(dir);
    const common = {
      SLACK_BOT_TOKEN: FAKE.botToken,
      SLACK_SIGNING_SECRET: FAKE.signingSecret,
      SLACK_API_URL: slackUrl,
    };
    const launch: Record<StartupApp, (run: number) => Promise<Started>> = {
      ours: (run) =>
        startUntilHealthy(
          [
            ...(options.nodeArgs?.ours ?? []),
            ...ENTRY.map((arg) => (arg.endsWith(".js") ? (options.oursEntry ?? join(ROOT, arg)) : arg)),
          ],
          {
            ...common,
            DATABASE_PATH: join(dir, `ours-${run}.sqlite`),
            OCS_URL: identityUrl,
            OCS_TENANT_ID: FAKE.tenantId,
            OCS_CLIENT_ID: FAKE.ocsClientId,
            OCS_CLIENT_SECRET: FAKE.ocsClientSecret,
            APPROVAL_CHANNEL_ID: APPROVAL_CHANNEL,
            APPROVER_USER_IDS: APPROVER.id,
            LOG_LEVEL: "info",
            ...options.oursEnv,
          },
          dir,
        ),
      bare: () =>
        startUntilHealthy([...(options.nodeArgs?.bare ?? []), bare], { ...common, BENCH_FIXTURES: fixtures }, dir),
    };
    for (let run = 0; run < runs; run++) {
      const order: StartupApp[] = run % 2 === 0 ? ["ours", "bare"] : ["bare", "ours"];
      for (const app of order) {
        const started = await launch[app](run);
        await sleep(idleMs);
        const idleRssKb = treeRssKb(started.child.pid ?? 0);
        started.child.kill("SIGTERM");
        const exitCode = await started.exited;
        samples.push({ app, coldStartMs: started.coldStartMs, startCpuMs: started.startCpuMs, idleRssKb, exitCode });
        progress(
          `run ${run + 1}/${runs} ${app.padEnd(4)} cold start ${started.coldStartMs.toFixed(0)} ms (CPU ${started.startCpuMs} ms), idle RSS ${(idleRssKb / 1024).toFixed(1)} MB, exit ${exitCode}`,
        );
      }
    }
  } finally {
    await slack.stop();
    await identity.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (app: StartupApp): StartupSummary => {
    const mine = samples.filter((s) => s.app === app);
    return {
      coldStartMs: median(mine.map((s) => s.coldStartMs)),
      startCpuMs: median(mine.map((s) => s.startCpuMs)),
      idleRssKb: median(mine.map((s) => s.idleRssKb)),
    };
  };
  const ours = summary("ours");
  const bareSummary = summary("bare");
  return {
    runs,
    idleMs,
    samples,
    median: { ours, bare: bareSummary },
    ratio: {
      coldStart: ours.coldStartMs / bareSummary.coldStartMs,
      startCpu: ours.startCpuMs / bareSummary.startCpuMs,
      idleRss: ours.idleRssKb / bareSummary.idleRssKb,
    },
    node: process.version,
  };
}

/** A few lines for a person: medians, ratios, and whether the targets are met. */
export function describeStartup(result: StartupResult): string {
  const { ours, bare } = result.median;
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const verdict = (ratio: number, target: number) =>
    `${ratio.toFixed(2)}× (target ≤ ${target}×: ${ratio <= target ? "met" : "MISSED"})`;
  return [
    `Start-up, median of ${result.runs} runs each, plain node ${result.node}, idle ${result.idleMs} ms:`,
    `  cold start to healthy: ours ${ours.coldStartMs.toFixed(0)} ms, bare Bolt ${bare.coldStartMs.toFixed(0)} ms → ${verdict(result.ratio.coldStart, STARTUP_TARGETS.coldStartRatio)}`,
    `  CPU used until healthy: ours ${ours.startCpuMs.toFixed(0)} ms, bare Bolt ${bare.startCpuMs.toFixed(0)} ms → ${result.ratio.startCpu.toFixed(2)}×`,
    `  idle RSS (process tree): ours ${mb(ours.idleRssKb)} MB, bare Bolt ${mb(bare.idleRssKb)} MB → ${verdict(result.ratio.idleRss, STARTUP_TARGETS.idleRssRatio)}`,
    ...(result.samples.some((s) => s.exitCode !== 0) ? ["  some stops did not exit 0: see the samples"] : []),
  ].join("\n");
}

async function cli(argv: string[]): Promise<void> {
  const options: StartupOptions = { progress: (line) => process.stderr.write(`${line}\n`) };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${arg} takes a whole number`);
      return v;
    };
    if (arg === "--runs") options.runs = Math.max(1, value());
    else if (arg === "--idle-ms") options.idleMs = value();
    else if (arg === "--no-build") options.build = false;
    else if (arg === "--json") json = true;
    else if (arg === "--ours-entry") options.oursEntry = resolve(argv[++i] ?? "");
    else if (arg === "--ours-node-arg" || arg === "--bare-node-arg") {
      const app: StartupApp = arg.startsWith("--ours") ? "ours" : "bare";
      options.nodeArgs = { ...options.nodeArgs, [app]: [...(options.nodeArgs?.[app] ?? []), argv[++i] ?? ""] };
    } else if (arg?.includes("="))
      options.oursEnv = { ...options.oursEnv, [arg.split("=")[0] ?? ""]: arg.slice(arg.indexOf("=") + 1) };
    else throw new Error(`Unknown option ${arg} (see the top of bench/startup.ts)`);
  }
  const result = await measureStartup(options);
  process.stdout.write(`${json ? JSON.stringify(result, null, 2) : describeStartup(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
