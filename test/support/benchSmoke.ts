import { expect } from "vitest";
import { type AppId, type BenchOptions, type BenchResult, METRICS } from "../../bench/bench.ts";

/** Every app of `options` measured every operation it has, without errors. No timing is asserted. */
export function expectEveryOperationMeasured(result: BenchResult, options: BenchOptions): void {
  const apps: AppId[] = [...options.setups, "bare"];
  expect(result.scenarios.length).toBe(options.scenarios.length);
  for (const scenario of result.scenarios) {
    expect(scenario.levels.length).toBe(options.concurrencies.length);
    for (const level of scenario.levels) {
      for (const app of apps) {
        const measured = level.apps[app];
        expect(measured, `${app} at c=${level.concurrency}`).toBeDefined();
        expect(measured?.errors, measured?.errorSamples.join("; ")).toBe(0);
        for (const { id } of METRICS) {
          if (app === "bare" && id === "approve.post") continue; // the baseline has no Identity API
          expect(measured?.metrics[id]?.count ?? 0, `${app} ${id}`).toBeGreaterThan(0);
        }
      }
    }
  }
}
