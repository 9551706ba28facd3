import assert from "node:assert/strict";
import { TypedEmitter, type DaemonEvents } from "../../runtime/src/daemon/events";
import { Logger, jsonSink } from "../../runtime/src/daemon/logger";
import { LoopHeartbeats, defaultUnhealthyAfterMs } from "../../runtime/src/daemon/loopHealth";
import { PollLoop } from "../../runtime/src/daemon/pollLoop";
import { deferred } from "../execution/helpers";
import { ManualClock } from "../support/manualClock";
import { waitFor } from "../support/waitFor";

describe("PollLoop (the loop of the scheduler, sensors, backfills, run queue, monitor and heartbeat)", () => {
  it("runs one more pass after a pass for any number of wakes during it, never two at once, and stop() waits for the pass", async () => {
    const clock = new ManualClock();
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
      clock,
    });
    loop.start();
    loop.wake();
    loop.wake();
    loop.wake();
    assert.equal(passes, 1);
    const first = hold;
    hold = deferred();
    first.resolve();
    await waitFor("the second pass", () => passes === 2);
    const stopped = loop.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await Promise.resolve();
    assert.equal(done, false, "stop() waits for the pass in progress");
    hold.resolve();
    await stopped;
    assert.equal(most, 1);
    loop.wake();
    clock.advance(120_000);
    assert.equal(passes, 2, "no pass after stop()");
    assert.equal(clock.pending, 0, "stop() leaves no timer behind");
  });

  it("passes again after pollMs, or sooner when the pass asks, and goes on after a pass that threw", async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const at: number[] = [];
    const errors: unknown[] = [];
    const loop = new PollLoop({
      pass: async () => {
        at.push(clock.now() - start);
        if (at.length === 1) return 0;
        if (at.length === 2) throw new Error("boom");
        return undefined;
      },
      pollMs: () => 40,
      onError: (error) => errors.push(error),
      clock,
    });
    loop.start();
    await waitFor("the first pass to end", () => !loop.running && clock.pending === 1);
    clock.advance(0);
    await waitFor("the second pass to end", () => errors.length === 1 && clock.pending === 1);
    clock.advance(39);
    assert.equal(at.length, 2, "no third pass before pollMs");
    clock.advance(1);
    await waitFor("the third pass", () => at.length === 3);
    await loop.stop();
    assert.deepEqual(at, [0, 0, 40]);
    assert.equal((errors[0] as Error).message, "boom");
  });

  it("waits one interval for its first pass when asked (the monitor, the daemon heartbeat)", async () => {
    const clock = new ManualClock();
    let passes = 0;
    const loop = new PollLoop({ pass: async () => void passes++, pollMs: () => 5000, onError: () => undefined, clock, firstPassAfterInterval: true });
    loop.start();
    clock.advance(4999);
    assert.equal(passes, 0);
    clock.advance(1);
    await waitFor("the first pass", () => passes === 1);
    await loop.stop();
  });
});

describe("loop heartbeats", () => {
  it("reports a loop whose pass hangs as stalled once the clock passes its threshold, logs it once, and logs its recovery once", async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const logger = new Logger(jsonSink((line) => lines.push(line)), {}, "info", () => new Date(clock.now())).scope({ component: "loops" });
    const events = new TypedEmitter<DaemonEvents>();
    const heard: string[] = [];
    events.onAny((name) => heard.push(name));
    const heartbeats = new LoopHeartbeats({ clock, logger, events });
    const hang = deferred();
    let hung = false;
    const stuck = new PollLoop({
      name: "scheduler",
      pass: async () => {
        if (hung) await hang.promise;
      },
      pollMs: () => 1000,
      onError: () => undefined,
      heartbeats,
    });
    let healthyPasses = 0;
    const fine = new PollLoop({ name: "sensors", pass: async () => void healthyPasses++, pollMs: () => 1000, onError: () => undefined, heartbeats });
    stuck.start();
    fine.start();
    await waitFor("both first passes", () => !stuck.running && !fine.running && healthyPasses === 1);
    hung = true;

    const threshold = defaultUnhealthyAfterMs(1000);
    assert.equal(threshold, 60_000, "five intervals, at least a minute");
    // The clock moves a second at a time and the healthy loop completes each pass meanwhile.
    for (let second = 1; second <= 61; second++) {
      clock.advance(1000);
      await waitFor(`the sensors' pass at ${second} s`, () => healthyPasses === second + 1 && !fine.running);
    }
    const health = heartbeats.health();
    const scheduler = health.find((loop) => loop.name === "scheduler")!;
    const sensors = health.find((loop) => loop.name === "sensors")!;
    assert.equal(scheduler.healthy, false);
    assert.equal(scheduler.running, true, "its pass is still in progress");
    assert.equal(scheduler.stalledForSeconds, 61);
    assert.equal(scheduler.lastBeatAt, new Date(clock.now() - 61_000).toISOString());
    assert.equal(sensors.healthy, true);
    assert.equal(sensors.stalledForSeconds, undefined);
    assert.equal(sensors.lastBeatAt, new Date(clock.now()).toISOString());
    assert.deepEqual(heard, ["loopStalled"], "one stall event, none for the healthy loop");

    const stalled = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(stalled.length, 1, lines.join("\n"));
    assert.equal(stalled[0]!["level"], "error");
    assert.equal(stalled[0]!["component"], "loops");
    assert.equal(stalled[0]!["loop"], "scheduler");
    assert.equal(stalled[0]!["stalledForSeconds"], 60);
    assert.equal(stalled[0]!["time"], new Date(clock.now() - 1000).toISOString());
    assert.match(String(stalled[0]!["msg"]), /^loop scheduler has not completed a pass for 60 s/);

    hang.resolve();
    await waitFor("the scheduler's pass to end", () => !stuck.running);
    assert.equal(heartbeats.health().find((loop) => loop.name === "scheduler")!.healthy, true);
    assert.deepEqual(heard, ["loopStalled", "loopRecovered"]);
    assert.equal(lines.length, 2);
    const recovered = JSON.parse(lines[1]!) as Record<string, unknown>;
    assert.equal(recovered["level"], "info");
    assert.equal(recovered["loop"], "scheduler");
    assert.equal(recovered["stalledForSeconds"], 61);
    await Promise.all([stuck.stop(), fine.stop()]);
    assert.deepEqual(heartbeats.health(), [], "a stopped loop is no longer reported");
  });

  it("uses one threshold for every loop when daemon.loopUnhealthyAfterSeconds sets it", () => {
    const heartbeats = new LoopHeartbeats({ clock: new ManualClock(), unhealthyAfterMs: 10_000 });
    assert.equal(heartbeats.unhealthyAfterMs(1000), 10_000);
    assert.equal(heartbeats.unhealthyAfterMs(30_000), 10_000);
    assert.equal(new LoopHeartbeats({ clock: new ManualClock() }).unhealthyAfterMs(30_000), 150_000);
  });
});
