/**
 * The apps under test, each in its own process, so that memory is measured per app. All start as
 * production starts ours (`npm start`): compiled JavaScript under plain node,
 * `node --enable-source-maps --import bench/dist/loopbackOnly.js <entry>.js`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort } from "../devkit/childApp.ts";
import { build as buildOurs } from "../scripts/build.ts";

/** The checkout's root folder, with a trailing slash. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The bench's own build: the bare Bolt app and the loopback preload. */
const BENCH_BUILD = "bench/tsconfig.build.json";
const LOOPBACK_PRELOAD = pathToFileURL(`${ROOT}bench/dist/loopbackOnly.js`).href;
export const ENTRIES = {
  /** Our app, compiled as `npm start` runs it. */
  ours: `${ROOT}dist/main.js`,
  bare: `${ROOT}bench/dist/bareBolt.js`,
} as const;

/**
 * Builds both apps: ours as `npm run build` does (type check, then the esbuild bundles in dist/),
 * the bench's with `tsc -b` (nothing to do when up to date). Returns how long it took.
 */
export async function buildApps(): Promise<number> {
  const started = performance.now();
  await buildOurs();
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [`${ROOT}node_modules/typescript/bin/tsc`, "-b", BENCH_BUILD],
      { cwd: ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`The build (tsc -b ${BENCH_BUILD}) failed:\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
  return performance.now() - started;
}

/**
 * The node arguments that start `entry` as production starts our app. A `.ts` entry (a patched
 * copy given with --ours-entry) also gets `--import tsx`, which production never loads.
 */
export function nodeArgs(entry: string, cpuProfileDir?: string): string[] {
  return [
    "--enable-source-maps",
    ...(cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ...(entry.endsWith(".ts") ? ["--import", "tsx"] : []),
    "--import",
    LOOPBACK_PRELOAD,
    entry,
  ];
}

export interface Memory {
  /** Peak resident set size so far (VmHWM), in kB. */
  peakKb: number;
  /** Resident set size now (VmRSS), in kB. */
  rssKb: number;
}

/** VmHWM and VmRSS of a process (Linux /proc); undefined elsewhere. */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    const memory = { peakKb: kb("VmHWM"), rssKb: kb("VmRSS") };
    return Number.isFinite(memory.peakKb) ? memory : undefined;
  } catch {
    return undefined;
  }
}

function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StartOptions {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** stdout and stderr of the app go here (never to the console). */
  logFile: string;
  /** Working directory: a scratch directory, so no .env file is picked up. */
  cwd: string;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the process ends. */
  cpuProfileDir?: string | undefined;
  startTimeoutMs?: number;
}

/** One app under test, running as a child process on a loopback port. */
export class AppProcess {
  private readonly exit: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.exit = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    // Never leave an app running when the benchmark itself ends abruptly.
    const killOnExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    process.once("exit", killOnExit);
    child.once("exit", () => process.off("exit", killOnExit));
  }

  static async start(options: StartOptions): Promise<AppProcess> {
    const port = await freePort();
    const log = openSync(options.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, nodeArgs(options.entry, options.cpuProfileDir), {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env, PORT: String(port) },
        stdio: ["ignore", log, log],
      });
    } finally {
      closeSync(log);
    }
    const app = new AppProcess(options.name, child, port, options.logFile);
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    while ((await getStatus(port, "/healthz")) !== 200) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${options.name} exited while starting (${child.exitCode ?? child.signalCode}); see its log`);
      }
      if (Date.now() > deadline) {
        await app.stop();
        throw new Error(`${options.name} did not become healthy in time; see its log`);
      }
      await sleep(100);
    }
    return app;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  memory(): Memory | undefined {
    return memoryOf(this.pid);
  }

  /** SIGTERM (a graceful stop, which also writes a CPU profile), SIGKILL if it takes too long. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }
}
