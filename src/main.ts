import { existsSync } from "node:fs";
import { startApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { errorMessage } from "./errorMessage.ts";
import { StartupError } from "./slack/startupChecks.ts";

const SHUTDOWN_GRACE_MS = 25_000;
/**
 * A second SIGINT sooner than this after the first is the same Ctrl-C seen twice: the terminal
 * signals the whole process group, and npm forwards the signal it got to the bot as well.
 */
const REPEATED_CTRL_C_MS = 1_500;

async function main(): Promise<void> {
  const hasDotenv = existsSync(".env");
  // Loaded only when there is a file to read: a container or a systemd unit passes the environment itself.
  if (hasDotenv) (await import("dotenv")).config({ quiet: true });
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    const hint = hasDotenv
      ? ""
      : "No .env file here yet: run `cp .env.example .env`, fill it in (README.md, Configuration), then `npm start` again.\n\n";
    process.stderr.write(`${hint}${parsed.message}\n`);
    process.exit(1);
  }
  let running: Awaited<ReturnType<typeof startApp>>;
  try {
    running = await startApp(parsed.config, { drainTimeoutMs: SHUTDOWN_GRACE_MS });
  } catch (error) {
    const message = error instanceof StartupError ? error.message : `The bot could not start: ${errorMessage(error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }

  let stopping: { signal: NodeJS.Signals; at: number } | undefined;
  // The handlers stay installed for the whole drain: a signal with no handler would end the
  // process at once (process managers and npm send it more than once).
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === "SIGINT" && Date.now() - stopping.at > REPEATED_CTRL_C_MS) {
        process.stderr.write("Ctrl-C again: exiting now. Unfinished work is taken up at the next start.\n");
        process.exit(130);
      }
      running.log.event("info", "signal_ignored", { signal, reason: "already stopping" });
      return;
    }
    stopping = { signal, at: Date.now() };
    running.log.event("info", "stopping", { signal });
    if (signal === "SIGINT" && process.stdin.isTTY) {
      process.stderr.write("Stopping: finishing the work under way (Ctrl-C again to exit at once)…\n");
    }
    // app.stop() keeps to SHUTDOWN_GRACE_MS; this only catches a stop that hangs regardless.
    const force = setTimeout(() => {
      process.stderr.write(`The bot did not stop within ${(SHUTDOWN_GRACE_MS + 5_000) / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 5_000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`The bot did not stop cleanly: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

void main();
