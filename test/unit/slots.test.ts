import { describe, expect, it } from "vitest";
import { Slots } from "../../src/requests/slots.ts";

describe("Slots", () => {
  it("runs at most `size` tasks at once, the rest in order, and passes results and errors through", async () => {
    const slots = new Slots(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((n) =>
      slots.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(n);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        if (n === 3) throw new Error("task 3 failed");
        return n * 10;
      }),
    );
    const settled = Promise.allSettled(tasks);
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect(slots.queued).toBe(3);
    while (releases.length > 0 || order.length < 5) {
      const release = releases.shift();
      release?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await settled;
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      0,
      10,
      20,
      "task 3 failed",
      40,
    ]);
    expect(slots.queued).toBe(0);
  });
});
