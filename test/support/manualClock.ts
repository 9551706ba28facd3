/**
 * A clock the test moves by hand (runtime/src/daemon/clock.ts's `Clock`): `now()` stands still
 * until `advance(ms)`, which fires the timers that fall due, in order, each at its own instant.
 * Loops, heartbeats and stall thresholds then run on the test's time, never on real seconds.
 */
import type { Clock, ClockTimer } from "../../runtime/src/daemon/clock";

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** A manual {@link Clock}. */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  /** @param start - The first instant (ms since the epoch). @defaultValue 2026-01-01T00:00:00Z */
  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), callback };
    this.timers.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(timer: ClockTimer): void {
    if (typeof timer === "number") this.timers.delete(timer);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (a timer set by a callback fires
   * too if it falls within the step). Callbacks run synchronously; what they start asynchronously
   * (a loop's pass) runs after advance() returns, so a test waits for it (test/support/waitFor.ts).
   */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let due: Timer | undefined;
      for (const timer of this.timers.values()) if (timer.at <= until && (!due || timer.at < due.at || (timer.at === due.at && timer.id < due.id))) due = timer;
      if (!due) break;
      this.timers.delete(due.id);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = until;
  }
}
