import { describe, it } from "vitest";
import { runBenchmark, smokeOptions } from "../bench/bench.ts";
import { expectEveryOperationMeasured } from "./support/benchSmoke.ts";

// The benchmark's smoke mode (npm run bench -- --smoke), run in-process: it must build and start
// both apps as production runs ours, and measure every operation on both without errors. No
// timing is asserted: CI machines vary. The PostgreSQL set-ups: bench-smoke.postgres.test.ts.
describe("benchmark smoke mode", () => {
  it("drives our app and the bare Bolt app and measures every operation", async () => {
    const options = smokeOptions();
    expectEveryOperationMeasured(await runBenchmark(options), options);
  }, 60_000);
});
