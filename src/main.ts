import { existsSync } from "node:fs";
import { startApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { errorMessage } from "./errorMessage.ts";
import { StartupError } from "./slack/startupChecks.ts";

/** How long a stop lets the work under way finish (docs/deploying.md: keep a process manager's stop timeout above it). */
const SHUTDOWN_GRACE_MS = 25_000;
/** A stop that hangs regardless of the grace period ends the process this much later. */
const FORCE_EXIT_AFTER_MS = SHUTDOWN_GRACE_MS + 5_000;
/**
 * A second SIGINT sooner than this after the first is the same Ctrl-C seen twice: the terminal
 * signals the whole process group, and npm forwards the signal it got to the bot as well.
 */
const REPEATED_CTRL_C_MS = 1_500;

type Running = Awaited<ReturnType<typeof startApp>>;

async function main(): Promise<void> {
  let running: Running | undefined;
  let stopping: { signal: NodeJS.Signals; at: number } | undefined;

  const stop = (app: Running) => {
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`The bot did not stop cleanly: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };

  // Installed before anything else and never removed: a signal with no handler ends the process
  // at once (exit 143 / 130), and process managers, npm and terminals send more than one.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // Only a person at a terminal can mean "now": a second Ctrl-C, not the same one seen twice.
      // Anything else (a process manager, npm forwarding, a script) never cuts the drain short.
      if (signal === "SIGINT" && process.stdin.isTTY && Date.now() - stopping.at > REPEATED_CTRL_C_MS) {
        process.stderr.write("Ctrl-C again: exiting now. Unfinished work is taken up at the next start.\n");
        process.exit(130);
      }
      running?.log.event("info", "signal_ignored", { signal, reason: "already stopping" });
      return;
    }
    stopping = { signal, at: Date.now() };
    if (signal === "SIGINT" && process.stdin.isTTY) {
      process.stderr.write("Stopping: finishing the work under way (Ctrl-C again to exit at once)…\n");
    }
    // app.stop() keeps to SHUTDOWN_GRACE_MS; this only catches a start or stop that hangs regardless.
    const force = setTimeout(() => {
      process.stderr.write(`The bot did not stop within ${FORCE_EXIT_AFTER_MS / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, FORCE_EXIT_AFTER_MS);
    force.unref();
    // A signal during the start is acted on once the start is done (see below).
    if (running) {
      running.log.event("info", "stopping", { signal });
      stop(running);
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

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
  try {
    running = await startApp(parsed.config, { drainTimeoutMs: SHUTDOWN_GRACE_MS });
  } catch (error) {
    const message = error instanceof StartupError ? error.message : `The bot could not start: ${errorMessage(error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  if (stopping) {
    running.log.event("info", "stopping", { signal: stopping.signal, during: "start" });
    stop(running);
  }
}

void main();
