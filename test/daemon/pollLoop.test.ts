import assert from "node:assert/strict";
import { PollLoop } from "../../runtime/src/daemon/pollLoop";
import { deferred } from "../execution/helpers";

describe("PollLoop (the loop of the scheduler, sensors, backfills and run queue)", () => {
  it("runs one more pass after a pass for any number of wakes during it, never two at once, and stop() waits for the pass", async () => {
    let passes = 0;
    let concurrent = 0;
    let most = 0;
    let hold = deferred();
    const loop = new PollLoop({
      pass: async () => {
        passes++;
        most = Math.max(most, ++concurrent);
        await hold.promise;
        concurrent--;
      },
      pollMs: () => 60_000,
      onError: () => undefined,
    });
    loop.start();
    loop.wake();
    loop.wake();
    loop.wake();
    assert.equal(passes, 1);
    const first = hold;
    hold = deferred();
    first.resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(passes, 2, "the three wakes made one more pass");
    const stopped = loop.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(done, false, "stop() waits for the pass in progress");
    hold.resolve();
    await stopped;
    assert.equal(most, 1);
    loop.wake();
    assert.equal(passes, 2, "no pass after stop()");
  });

  it("passes again after pollMs, or sooner when the pass asks, and goes on after a pass that threw", async () => {
    const at: number[] = [];
    const errors: unknown[] = [];
    const start = Date.now();
    const loop = new PollLoop({
      pass: async () => {
        at.push(Date.now() - start);
        if (at.length === 1) return 0;
        if (at.length === 2) throw new Error("boom");
        return undefined;
      },
      pollMs: () => 40,
      onError: (error) => errors.push(error),
    });
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await loop.stop();
    assert.ok(at.length >= 3, `passes at ${at.join(", ")} ms`);
    assert.ok(at[1]! < 30, "the second pass came at once when the first asked for 0 ms");
    assert.ok(at[2]! - at[1]! >= 35, "the third came pollMs after the second");
    assert.equal((errors[0] as Error).message, "boom");
  });
});
