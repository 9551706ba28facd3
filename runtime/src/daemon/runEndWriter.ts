/**
 * Group commit of run ends: a coordinator's workers hand it their runs' last batches (RunOptions.endRun),
 * and this writes them. With no write in flight an end is written at once; ends that arrive while one
 * is in flight are written together by the next, with a claim for the slots they free, in one
 * statement (Storage.endRunsAndClaim). A busy queue then costs a fraction of a round trip per run; an
 * idle one waits for nothing. While the database is unreachable the ends wait and are tried again with
 * backoff: a run's end is never dropped because PostgreSQL restarted.
 */
import type { RunUpdateRequest, Storage } from "../storage/port";
import { backoffDelayMs, isStorageUnreachable, sleep, UNREACHABLE_BACKOFF, type RetryBackoff } from "../storage/unreachable";
import type { RunEvent, RunRecord } from "../types";

/** Ends per statement at most (the storage splits batches of over 500 events itself). */
const MAX_ENDS_PER_WRITE = 50;

/** Options of {@link RunEndWriter}. */
export interface RunEndWriterOptions {
  storage: Storage;
  /** Written on the runs claimed for the freed slots. */
  workerId: string;
  /** How many runs to claim for `ends` runs ending (0 when stopping, or when tag limits need their own claim). */
  claimLimit: (ends: number) => number;
  /** Told of the runs claimed: the coordinator launches them. */
  onClaimed: (runs: RunRecord[]) => void;
  /** Told of each failed attempt while the database is unreachable (the ends are kept and tried again). */
  onUnreachable?: (error: Error) => void;
  /** Delays between attempts while the database is unreachable. @defaultValue `{ firstMs: 100, maxMs: 2000 }` */
  retryBackoff?: RetryBackoff;
}

interface PendingEnd {
  events: RunEvent[];
  runUpdate: RunUpdateRequest;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Writes run ends for one coordinator, several per statement when they arrive together. */
export class RunEndWriter {
  private pending: PendingEnd[] = [];
  private writing = false;

  constructor(private readonly options: RunEndWriterOptions) {}

  /**
   * Writes a run's last batch and final update; resolves once durable (waiting out a database
   * outage), rejects with the run's own error (RunStatusConflictError when another process ended it
   * first).
   */
  end(events: RunEvent[], runUpdate: RunUpdateRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ events, runUpdate, resolve, reject });
      if (!this.writing) void this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    this.writing = true;
    let unreachable = 0;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_ENDS_PER_WRITE);
        try {
          const { claimed, failed } = await this.options.storage.endRunsAndClaim(
            batch.map(({ events, runUpdate }) => ({ events, runUpdate })),
            { workerId: this.options.workerId, limit: this.options.claimLimit(batch.length) },
          );
          unreachable = 0;
          // Launched whatever happened to the ends: they are STARTED and ours now.
          this.options.onClaimed(claimed);
          for (const end of batch) {
            const error = failed.get(end.runUpdate.runId);
            if (error) end.reject(error);
            else end.resolve();
          }
        } catch (error) {
          if (!isStorageUnreachable(error)) {
            for (const end of batch) end.reject(error instanceof Error ? error : new Error(String(error)));
            continue;
          }
          // Kept, in order, ahead of the ends that came since. Writing an end again is safe: its
          // events carry idempotency keys, and an end written before (its commit unacknowledged)
          // is taken for done.
          this.pending.unshift(...batch);
          this.options.onUnreachable?.(error);
          await sleep(backoffDelayMs(++unreachable, this.options.retryBackoff ?? UNREACHABLE_BACKOFF));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
