import { errorMessage } from "./errorMessage.ts";
import type { AppLogger } from "./log.ts";
import { withTimeout } from "./timeout.ts";

type Step = { name: string; run: (msLeft: number) => Promise<unknown>; minMs: number };

/**
 * What must be undone, in the order it was set up: a stop (or a start that fails halfway)
 * unwinds it last-in first-out, every step within one shared deadline, so a step that hangs
 * cannot hold the others past it.
 */
export class ShutdownStack {
  private readonly steps: Step[] = [];

  constructor(private readonly log: AppLogger) {}

  /**
   * `run` gets the milliseconds left before the deadline, and never less than `minMs` (closing the
   * database, say, must get its turn even when the steps before it used up the time).
   */
  push(name: string, run: (msLeft: number) => Promise<unknown>, options: { minMs?: number } = {}): void {
    this.steps.push({ name, run, minMs: options.minMs ?? 0 });
  }

  /** Runs every step, newest first; true when all finished in time and none failed. */
  async unwind(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let clean = true;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      const left = Math.max(step.minMs, deadline - Date.now());
      try {
        const finished = await withTimeout(step.run(left), left);
        if (!finished.done || finished.value === false) {
          clean = false;
          this.log.event("warn", "stop_step_unfinished", { step: step.name });
        }
      } catch (error) {
        clean = false;
        this.log.event("warn", "stop_step_failed", { step: step.name, error: errorMessage(error) });
      }
    }
    return clean;
  }
}
