/**
 * The loop every daemon component runs (scheduler, sensors, backfills, run queue): a pass at start,
 * on wake(), and `pollMs` after the previous pass ended, or sooner when the pass asks. Passes never
 * overlap: a wake during a pass runs one more right after it. stop() waits for the pass in progress.
 * While the database is unreachable the passes back off (each one is also a look at whether it is
 * back) and the loop wakes as soon as any part of the daemon gets through to it again.
 */
import { backoffDelayMs } from "../storage/unreachable";
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
}

/** Runs a pass now and then until stopped. */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private passing: Promise<void> | undefined;
  private again = false;
  /** Passes that ended while the database was unreachable, in a row. */
  private passesDuringOutage = 0;
  private stopWatching: (() => void) | undefined;

  constructor(private readonly options: PollLoopOptions) {}

  /** False before start() and after stop(). */
  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopWatching = this.options.outages?.onRecovered(() => this.wake());
    this.wake();
  }

  /** Runs a pass now (after the one in progress, if any). */
  wake(): void {
    if (!this.running) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
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
        if (!this.running) return;
        if (this.again) {
          this.again = false;
          this.wake();
          return;
        }
        const pollMs = this.options.pollMs();
        let delay = dueIn === undefined ? pollMs : Math.min(pollMs, Math.max(0, dueIn));
        if (this.options.outages?.down) delay = Math.max(pollMs, backoffDelayMs(++this.passesDuringOutage));
        else this.passesDuringOutage = 0;
        this.timer = setTimeout(() => this.wake(), delay);
      });
  }

  /** Stops passing; resolves once the pass in progress (if any) has ended. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.stopWatching?.();
    this.stopWatching = undefined;
    await this.passing;
  }
}
