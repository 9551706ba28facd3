/**
 * A heartbeat per daemon loop: each loop (scheduler, sensors, backfills, run queue, monitor, the
 * daemon's own heartbeat) beats when it completes a pass. A loop that has not beaten for its
 * threshold is stalled — a pass hangs on a lock, a network call without a timeout, a bug — while
 * the process and its HTTP API look alive. `/api/health` lists every loop with its last beat
 * (Dagster's daemon heartbeats, `dagster/_daemon/controller.py`, per loop rather than per daemon
 * process), and the daemon logs once when a loop stalls and once when it recovers.
 */
import type { Clock, ClockTimer } from "./clock";
import type { TypedEmitter, DaemonEvents } from "./events";
import type { Logger } from "./logger";

/** How one loop is doing, as `/api/health` shows it. */
export interface LoopHealth {
  /** `scheduler`, `sensors`, `backfills`, `runQueue`, `monitor` or `heartbeat`. */
  name: string;
  /** ISO 8601 instant of its last completed pass (of its start, before the first). */
  lastBeatAt: string;
  /** Its interval between passes. */
  intervalSeconds: number;
  /** True while a pass is in progress. */
  running: boolean;
  /** False once it has not completed a pass for `unhealthyAfterSeconds`. */
  healthy: boolean;
  unhealthyAfterSeconds: number;
  /** How long since its last beat, when unhealthy. */
  stalledForSeconds?: number;
}

/** What the heartbeats read of a loop. */
export interface BeatingLoop {
  readonly name: string;
  /** Milliseconds since the epoch of its last completed pass (or start). */
  readonly lastBeatAt: number;
  readonly running: boolean;
  /** Its current interval between passes. */
  intervalMs(): number;
}

/** The smallest default threshold: a loop polling every second is not stalled after 5 s of a slow query. */
export const MIN_UNHEALTHY_AFTER_MS = 60_000;

/**
 * The default threshold of a loop polling every `intervalMs`: five intervals, at least a minute.
 *
 * @example
 * defaultUnhealthyAfterMs(1000) // 60000
 * defaultUnhealthyAfterMs(30_000) // 150000
 */
export function defaultUnhealthyAfterMs(intervalMs: number): number {
  return Math.max(MIN_UNHEALTHY_AFTER_MS, 5 * intervalMs);
}

/** Options of {@link LoopHeartbeats}. */
export interface LoopHeartbeatsOptions {
  clock: Clock;
  /** Logs a loop stalling and recovering (scoped `component: "loops"`). */
  logger?: Logger;
  events?: TypedEmitter<DaemonEvents>;
  /** One threshold for every loop (`daemon.loopUnhealthyAfterSeconds`); per loop by its interval when absent. */
  unhealthyAfterMs?: number;
}

/** The heartbeats of one daemon's loops. */
export class LoopHeartbeats {
  /** Per loop: the last beat before it stalled (undefined: not stalled) and its watchdog. */
  private readonly loops = new Map<BeatingLoop, { stalledSince: number | undefined; watchdog: ClockTimer | undefined }>();

  constructor(private readonly options: LoopHeartbeatsOptions) {}

  get clock(): Clock {
    return this.options.clock;
  }

  /** The threshold of a loop polling every `intervalMs`. */
  unhealthyAfterMs(intervalMs: number): number {
    return this.options.unhealthyAfterMs ?? defaultUnhealthyAfterMs(intervalMs);
  }

  /** Watches `loop` (it beats already); returns a function that stops watching it. */
  register(loop: BeatingLoop): () => void {
    this.loops.set(loop, { stalledSince: undefined, watchdog: undefined });
    this.arm(loop);
    return () => {
      const state = this.loops.get(loop);
      if (state) this.options.clock.clearTimeout(state.watchdog);
      this.loops.delete(loop);
    };
  }

  /** `loop` completed a pass (its lastBeatAt is now): logs a recovery, and arms its watchdog again. */
  beat(loop: BeatingLoop): void {
    const state = this.loops.get(loop);
    if (!state) return;
    if (state.stalledSince !== undefined) {
      const stalledForSeconds = this.stalledForSeconds(state.stalledSince);
      state.stalledSince = undefined;
      this.options.logger?.info(`loop ${loop.name} is running again after ${stalledForSeconds} s without completing a pass`, { loop: loop.name, stalledForSeconds });
      this.options.events?.emit("loopRecovered", { loop: loop.name, stalledForSeconds });
    }
    this.arm(loop);
  }

  /** Every watched loop, by name. */
  health(): LoopHealth[] {
    const now = this.options.clock.now();
    return [...this.loops.keys()]
      .map((loop) => {
        const intervalMs = loop.intervalMs();
        const thresholdMs = this.unhealthyAfterMs(intervalMs);
        const silentMs = Math.max(0, now - loop.lastBeatAt);
        const healthy = silentMs < thresholdMs;
        return {
          name: loop.name,
          lastBeatAt: new Date(loop.lastBeatAt).toISOString(),
          intervalSeconds: intervalMs / 1000,
          running: loop.running,
          healthy,
          unhealthyAfterSeconds: thresholdMs / 1000,
          ...(healthy ? {} : { stalledForSeconds: Math.round(silentMs / 100) / 10 }),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Stops every watchdog. */
  close(): void {
    for (const state of this.loops.values()) this.options.clock.clearTimeout(state.watchdog);
    this.loops.clear();
  }

  /** Sets the loop's watchdog to go off one threshold after its last beat. */
  private arm(loop: BeatingLoop): void {
    const state = this.loops.get(loop);
    if (!state) return;
    const { clock } = this.options;
    clock.clearTimeout(state.watchdog);
    const dueIn = Math.max(0, loop.lastBeatAt + this.unhealthyAfterMs(loop.intervalMs()) - clock.now());
    state.watchdog = clock.setTimeout(() => this.check(loop), dueIn, { unref: true });
  }

  private check(loop: BeatingLoop): void {
    const state = this.loops.get(loop);
    if (!state || state.stalledSince !== undefined) return;
    const { clock } = this.options;
    const thresholdMs = this.unhealthyAfterMs(loop.intervalMs());
    if (clock.now() - loop.lastBeatAt < thresholdMs) {
      // The interval grew since the watchdog was set.
      this.arm(loop);
      return;
    }
    state.stalledSince = loop.lastBeatAt;
    const stalledForSeconds = this.stalledForSeconds(loop.lastBeatAt);
    const lastBeatAt = new Date(loop.lastBeatAt).toISOString();
    this.options.logger?.error(
      `loop ${loop.name} has not completed a pass for ${stalledForSeconds} s (last at ${lastBeatAt}${loop.running ? ", a pass is still in progress" : ""}): it is stalled; /api/health reports it`,
      { loop: loop.name, lastBeatAt, stalledForSeconds, running: loop.running },
    );
    this.options.events?.emit("loopStalled", { loop: loop.name, lastBeatAt, stalledForSeconds });
  }

  private stalledForSeconds(since: number): number {
    return Math.round((this.options.clock.now() - since) / 100) / 10;
  }
}
