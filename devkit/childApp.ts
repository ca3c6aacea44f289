import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** What production runs (package.json "start", the Dockerfile): the compiled bot under plain node. */
export const ENTRY = ["--enable-source-maps", "dist/main.js"];

/** A free loopback port (there is a small window before the child binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How ChildApp.start starts the bot, when not as `node --enable-source-maps dist/main.js` in the repository. */
export interface Launch {
  /** The command and its arguments; the first is looked up on PATH. */
  argv?: string[];
  cwd?: string;
  /** A process group of its own (spawn's `detached`): its id is the child's pid. */
  detached?: boolean;
  /** "pipe" to write to the child's stdin (`process.stdin` of the ChildApp); /dev/null otherwise. */
  stdin?: "ignore" | "pipe";
}

/** SIGKILL to every process of a group; nothing when the group is gone already. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: no process left in the group.
  }
}

/**
 * The bot as a separate process, started as production starts it (the compiled dist/main.js under
 * node; `npm run build` first, which the test setup does), so tests can kill it (-9) or signal it.
 */
export class ChildApp {
  readonly lines: string[] = [];
  stderr = "";
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly process: ChildProcess,
    readonly port: number,
  ) {
    process.stdout?.setEncoding("utf8");
    let partial = "";
    process.stdout?.on("data", (chunk: string) => {
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts.filter(Boolean));
    });
    process.stderr?.setEncoding("utf8");
    process.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exit = new Promise((resolve) => process.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts dist/main.js with `env` (PORT is chosen here) and waits for its "started" line. By
   * default `node --enable-source-maps dist/main.js` in the repository; `launch` starts another
   * command instead (`npm start`, the image's CMD in a copy of its layout), in a process group of
   * its own when `detached` (so the test can signal the group, or find what is left of it).
   */
  static async start(env: Record<string, string>, timeoutMs = 15_000, launch: Launch = {}): Promise<ChildApp> {
    const port = Number(env.PORT) || (await freePort());
    const [command, ...args] = launch.argv ?? [process.execPath, ...ENTRY];
    const child = spawn(command ?? process.execPath, args, {
      cwd: launch.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, PORT: String(port) },
      stdio: [launch.stdin ?? "ignore", "pipe", "pipe"],
      detached: launch.detached ?? false,
    });
    const app = new ChildApp(child, port);
    try {
      await app.waitForLine((l) => l.includes('"event":"started"'), timeoutMs);
    } catch (error) {
      if (launch.detached && child.pid) killGroup(child.pid);
      else child.kill("SIGKILL");
      throw error;
    }
    return app;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async waitForLine(predicate: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(`The app exited (${this.process.exitCode ?? this.process.signalCode}): ${this.stderr}`);
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for a log line. stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Ends the process at once, as a crash or `kill -9` would. */
  async kill9(): Promise<void> {
    this.process.kill("SIGKILL");
    await this.exit;
  }

  /** Sends a signal and waits for the process to exit. */
  async signal(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.process.kill(signal);
    return this.exit;
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit;
  }
}
