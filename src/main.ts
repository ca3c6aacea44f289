import { existsSync } from "node:fs";
import { config as loadDotenv } from "dotenv";
import { startApp } from "./app.ts";
import { parseConfig } from "./config.ts";
import { errorMessage } from "./errorMessage.ts";
import { StartupError } from "./slack/startupChecks.ts";

const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  const hasDotenv = existsSync(".env");
  loadDotenv({ quiet: true });
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
  const stop = (signal: string) => {
    running.log.event("info", "stopping", { signal });
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
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

void main();
