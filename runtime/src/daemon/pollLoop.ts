/**
 * The loop every daemon component runs (scheduler, sensors, backfills, run queue): a pass at start,
 * on wake(), and `pollMs` after the previous pass ended, or sooner when the pass asks. Passes never
 * overlap: a wake during a pass runs one more right after it. stop() waits for the pass in progress.
 * While the database is unreachable the passes back off (each one is also a look at whether it is
 * back) and the loop wakes as soon as any part of the daemon gets through to it again.
 *
 * Each completed pass is a beat of the loop's heartbeat (loopHealth.ts): a pass that never ends
 * shows as a stalled loop in `/api/health`. Timers come from an injected {@link Clock}, so tests
 * move time by hand.
 */
import { backoffDelayMs } from "../storage/unreachable";
import { systemClock, type Clock, type ClockTimer } from "./clock";
import type { BeatingLoop, LoopHeartbeats } from "./loopHealth";
import type { StorageOutages } from "./storageWatch";

/** Options of {@link PollLoop}. */
export interface PollLoopOptions {
  /** One pass; may resolve how soon (ms) the next one is due, if sooner than `pollMs`. */
  pass: () => Promise<number | void>;
  /** The interval between passes (read after each pass: settings can change). */
  pollMs: () => number;
  /** Told of a pass that threw; the loop goes on. Not told of the database being unreachable when `outages` is given. */
  onError: (error: unknown) => void;
  /** The daemon's storage outages: the loop backs off during one and wakes when it ends. */
  outages?: StorageOutages;
  /** Its name in `/api/health` and the log. @defaultValue "loop" */
  name?: string;
  /** Where its heartbeat is watched (the daemon's); not watched when absent. */
  heartbeats?: LoopHeartbeats;
  /** The clock of its timers. @defaultValue the heartbeats' clock, else the system clock */
  clock?: Clock;
  /** The first pass comes `pollMs` after start() instead of at once (the monitor, the daemon heartbeat). @defaultValue false */
  firstPassAfterInterval?: boolean;
}

/** Runs a pass now and then until stopped. */
export class PollLoop implements BeatingLoop {
  readonly name: string;
  private readonly clock: Clock;
  private timer: ClockTimer | undefined;
  private beatAt = 0;
  private unwatch: (() => void) | undefined;
  private started = false;
  private passing: Promise<void> | undefined;
  private again = false;
  /** Passes that ended while the database was unreachable, in a row. */
  private passesDuringOutage = 0;
  private stopWatching: (() => void) | undefined;

  constructor(private readonly options: PollLoopOptions) {
    this.name = options.name ?? "loop";
    this.clock = options.clock ?? options.heartbeats?.clock ?? systemClock;
  }

  /** False before start() and after stop(). */
  get isRunning(): boolean {
    return this.started;
  }

  /** When the last pass ended (ms since the epoch), or the loop started. */
  get lastBeatAt(): number {
    return this.beatAt;
  }

  /** True while a pass is in progress. */
  get running(): boolean {
    return this.passing !== undefined;
  }

  intervalMs(): number {
    return this.options.pollMs();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.beatAt = this.clock.now();
    this.unwatch = this.options.heartbeats?.register(this);
    this.stopWatching = this.options.outages?.onRecovered(() => this.wake());
    if (this.options.firstPassAfterInterval) this.timer = this.clock.setTimeout(() => this.wake(), this.options.pollMs());
    else this.wake();
  }

  /** Runs a pass now (after the one in progress, if any). */
  wake(): void {
    if (!this.started) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.clock.clearTimeout(this.timer);
    let dueIn: number | void;
    this.passing = this.options
      .pass()
      .then(
        (value) => {
          dueIn = value;
        },
        (error: unknown) => {
          if (!this.options.outages?.absorb(error)) this.options.onError(error);
        },
      )
      .finally(() => {
        this.passing = undefined;
        this.beatAt = this.clock.now();
        this.options.heartbeats?.beat(this);
        if (!this.started) return;
        if (this.again) {
          this.again = false;
          this.wake();
          return;
        }
        const pollMs = this.options.pollMs();
        let delay = dueIn === undefined ? pollMs : Math.min(pollMs, Math.max(0, dueIn));
        if (this.options.outages?.down) delay = Math.max(pollMs, backoffDelayMs(++this.passesDuringOutage));
        else this.passesDuringOutage = 0;
        this.timer = this.clock.setTimeout(() => this.wake(), delay);
      });
  }

  /** Stops passing; resolves once the pass in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.started = false;
    this.clock.clearTimeout(this.timer);
    this.unwatch?.();
    this.unwatch = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
    await this.passing;
  }
}
