import { describe, expect, it } from "vitest";
import { APPS, METRICS, runBenchmark, smokeOptions } from "../bench/bench.ts";

// The benchmark's smoke mode (npm run bench -- --smoke), run in-process: it must complete and
// measure every operation on both apps without errors. No timing is asserted: CI machines vary.
describe("benchmark smoke mode", () => {
  it("drives our app and the bare Bolt app and measures every operation", async () => {
    const result = await runBenchmark(smokeOptions());
    expect(result.scenarios.length).toBeGreaterThan(0);
    for (const scenario of result.scenarios) {
      expect(scenario.levels.length).toBeGreaterThan(0);
      for (const level of scenario.levels) {
        for (const app of APPS) {
          const measured = level.apps[app];
          expect(measured.errors, measured.errorSamples.join("; ")).toBe(0);
          for (const { id } of METRICS) {
            if (app === "bare" && id === "approve.post") continue; // the baseline has no Identity API
            expect(measured.metrics[id]?.count ?? 0, `${app} ${id}`).toBeGreaterThan(0);
          }
        }
      }
    }
  }, 60_000);
});
