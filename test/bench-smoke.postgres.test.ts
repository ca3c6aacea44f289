import { describe, inject, it } from "vitest";
import { type BenchOptions, runBenchmark, smokeOptions } from "../bench/bench.ts";
import { expectEveryOperationMeasured } from "./support/benchSmoke.ts";

// The benchmark's smoke mode on the PostgreSQL set-ups (npm run bench -- --smoke --apps pg,pg2),
// on the tests' PostgreSQL server: one replica, and two behind the load generator's round robin,
// on a seeded database cloned from the first. No timing is asserted.
describe("benchmark smoke mode on PostgreSQL", () => {
  it("drives our app on PostgreSQL (one and two replicas) and the bare Bolt app", async () => {
    const options: BenchOptions = { ...smokeOptions(), setups: ["pg", "pg2"], postgresUrl: inject("postgresUrl") };
    expectEveryOperationMeasured(await runBenchmark(options), options);
  }, 90_000);
});
