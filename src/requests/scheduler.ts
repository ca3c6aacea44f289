import { errorMessage } from "../errorMessage.ts";
import type { AppLogger } from "../log.ts";
import type { RequestService } from "./service.ts";

export interface Scheduler {
  /** The tick under way, if any (a graceful stop waits for it). */
  readonly running: Promise<void> | undefined;
  stop(): void;
}

/**
 * Takes up what a previous run left unfinished at once, then every `intervalMs` runs the resume
 * sweep, expiry and reminders. Ticks never overlap; the state lives in the database, so a restart
 * loses nothing.
 */
export function startScheduler(service: RequestService, log: AppLogger, intervalMs: number): Scheduler {
  let running: Promise<void> | undefined;
  const tick = (atStart: boolean) => {
    running ??= (async () => {
      try {
        await service.resume({ atStart });
        await service.runSchedule();
      } catch (error) {
        log.event("error", "schedule_failed", { error: errorMessage(error) });
      } finally {
        running = undefined;
      }
    })();
  };
  tick(true);
  const timer = setInterval(() => tick(false), intervalMs);
  timer.unref();
  return {
    get running() {
      return running;
    },
    stop: () => clearInterval(timer),
  };
}
