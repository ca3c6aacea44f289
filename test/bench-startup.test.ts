import { describe, expect, it } from "vitest";
import { describeStartup, measureStartup } from "../bench/startup.ts";

// bench/startup.ts, one run of each app: it must start both, see them healthy, read their memory
// and stop them cleanly. No timing or memory is asserted: machines vary.
describe("start-up benchmark (bench/startup.ts)", () => {
  it("starts our built app and the bare Bolt app, measures both, and both stop with exit 0", async () => {
    const result = await measureStartup({ runs: 1, idleMs: 100, build: false });
    expect(result.samples.map((s) => s.app).sort()).toEqual(["bare", "ours"]);
    for (const sample of result.samples) {
      expect(sample.coldStartMs).toBeGreaterThan(0);
      expect(sample.idleRssKb).toBeGreaterThan(10_000);
      expect(sample.exitCode).toBe(0);
    }
    expect(describeStartup(result)).toMatch(/cold start to healthy: ours \d+ ms, bare Bolt \d+ ms/);
  }, 60_000);
});
