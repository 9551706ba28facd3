/**
 * The time the daemon's loops run on. Production uses the system clock; tests inject a manual one
 * (test/support/manualClock.ts) so that a loop's interval, a heartbeat and a stall threshold pass
 * when the test says, not after real seconds.
 */

/** A timer handle of a {@link Clock}. */
export type ClockTimer = unknown;

/** Now and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` after `ms`. An `unref`'d timer does not keep the process alive. */
  setTimeout(callback: () => void, ms: number, options?: { unref?: boolean }): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

/** The system clock and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms, options) {
    const timer = setTimeout(callback, ms);
    if (options?.unref) timer.unref();
    return timer;
  },
  clearTimeout(timer) {
    clearTimeout(timer as NodeJS.Timeout | undefined);
  },
};
