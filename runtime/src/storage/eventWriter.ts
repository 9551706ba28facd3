/**
 * Buffers run events and writes them in batches: one transaction per batch instead of one per event
 * is what lets a run of 10,000 assets log its ~30,000 events quickly.
 */
import type { RunEvent } from "../types";
import { describeThrown } from "../errors";
import type { AppendEventsOptions, Storage } from "./port";
import { EventWriteError, RunStatusConflictError } from "./errors";
import { validateRunEvent } from "./rows";

/** Options of {@link BufferedEventWriter}. */
export interface BufferedEventWriterOptions {
  /**
   * Writes as soon as this many events are buffered.
   * @defaultValue 200
   */
  maxBatchSize?: number;
  /**
   * Writes at most this long after the first buffered event, however few there are.
   * @defaultValue 50
   */
  maxDelayMs?: number;
  /**
   * Called with each batch once it is durable, in order. A worker forwards events to its parent from
   * here, so the parent never shows a step as done that a crash could still erase. Must not throw.
   */
  onWritten?: (events: RunEvent[]) => void;
}

/**
 * Buffers events and writes them with `storage.appendEvents` when `maxBatchSize` events are waiting
 * or `maxDelayMs` after the first one, whichever comes first. Batches are written one at a time, in
 * order. `flush()` resolves once everything written before it is durable: await it before telling
 * anyone a step or run is done.
 *
 * A failed write is retried once. If the retry fails too, the events stay buffered (nothing is
 * dropped), automatic writes pause, and the next `flush()` rejects with an {@link EventWriteError};
 * the flush after that tries the events again.
 *
 * @example
 * ```ts
 * const writer = new BufferedEventWriter(storage);
 * writer.write({ runId, timestamp: new Date().toISOString(), type: "STEP_START", stepKey: "orders", level: "info", message: "Started" });
 * await writer.flush(); // durable from here on
 * await writer.close();
 * ```
 */
export class BufferedEventWriter {
  private readonly storage: Pick<Storage, "appendEvents">;
  private readonly maxBatchSize: number;
  private readonly maxDelayMs: number;
  private readonly onWritten: ((events: RunEvent[]) => void) | undefined;
  private buffer: RunEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failure: EventWriteError | undefined;
  private closed = false;
  /** Set by close(): rides on the last batch written. */
  private finalRunUpdate: AppendEventsOptions["runUpdate"];
  private refusedRunUpdate: RunStatusConflictError | undefined;

  constructor(storage: Pick<Storage, "appendEvents">, options: BufferedEventWriterOptions = {}) {
    this.storage = storage;
    this.maxBatchSize = options.maxBatchSize ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 50;
    this.onWritten = options.onWritten;
    if (!(this.maxBatchSize >= 1)) throw new RangeError(`maxBatchSize must be at least 1, got ${this.maxBatchSize}`);
    if (!(this.maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be 0 or more, got ${this.maxDelayMs}`);
  }

  /**
   * Set when close()'s `runUpdate` had a `from` condition that the run no longer met (another
   * process ended it first): the events were written without the run's own end, and the run keeps
   * the status this error names.
   */
  get runUpdateRefused(): RunStatusConflictError | undefined {
    return this.refusedRunUpdate;
  }

  /** Events buffered and not yet written. */
  get pendingCount(): number {
    return this.buffer.length;
  }

  /**
   * Buffers one event. Throws at once (nothing buffered) when the event is malformed or the writer
   * is closed, so the mistake is reported where it was made.
   */
  write(event: RunEvent): void {
    if (this.closed) {
      throw new EventWriteError(`Cannot write event ${event.type} of run ${event.runId}: the event writer is closed`, {
        hint: "Write all events before close().",
      });
    }
    validateRunEvent(event);
    this.buffer.push(event);
    // After a failure, wait for flush(): retrying in the background forever would hide the problem.
    if (this.failure) return;
    if (this.buffer.length >= this.maxBatchSize) this.startWriting();
    else if (!this.timer && !this.writing) this.timer = setTimeout(() => this.startWriting(), this.maxDelayMs);
  }

  /**
   * Resolves when every event written before this call is durable. Rejects with the error of a
   * failed background write (once), or of its own write; failed events stay buffered.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.writing) await this.writing;
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
      if (this.buffer.length === 0) return;
      this.startWriting();
    }
  }

  /**
   * Flushes, then refuses further writes. Rejects like flush() when the last events cannot be written.
   * With `runUpdate`, the run is updated in the same transaction as the last batch (a run's final
   * status and its final events become durable together).
   */
  async close(options: AppendEventsOptions = {}): Promise<void> {
    this.closed = true;
    this.finalRunUpdate = options.runUpdate;
    await this.flush();
    const left = this.finalRunUpdate;
    this.finalRunUpdate = undefined;
    if (!left) return;
    try {
      await this.storage.appendEvents([], { runUpdate: left });
    } catch (error) {
      if (!(error instanceof RunStatusConflictError)) throw error;
      this.refusedRunUpdate = error;
      await this.storage.appendEvents(endedElsewhere([], left, error));
    }
  }

  private startWriting(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.writing || this.buffer.length === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
      // Events that arrived during a write are due by now if they waited for it.
      if (this.buffer.length > 0 && !this.failure && !this.timer) {
        this.timer = setTimeout(() => this.startWriting(), this.buffer.length >= this.maxBatchSize ? 0 : this.maxDelayMs);
      }
    });
  }

  /** Writes batches until the buffer is empty. Never rejects: a failure is kept in `this.failure`. */
  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      // After close() nothing more can be written, so this batch is the last one.
      const runUpdate = this.closed ? this.finalRunUpdate : undefined;
      try {
        await this.appendWithOneRetry(batch, runUpdate);
        if (runUpdate) this.finalRunUpdate = undefined;
      } catch (error) {
        if (error instanceof RunStatusConflictError && runUpdate) {
          // Someone else ended the run first (the monitor took it for dead). Its status stands; what
          // happened here is still recorded, minus an end that would contradict it.
          this.refusedRunUpdate = error;
          this.finalRunUpdate = undefined;
          this.buffer = [...endedElsewhere(batch, runUpdate, error), ...this.buffer];
          continue;
        }
        // Put the batch back in front of anything written meanwhile, so order is kept.
        this.buffer = batch.concat(this.buffer);
        this.failure = new EventWriteError(
          `Could not write ${batch.length} run event(s) (tried twice): ${describeThrown(error)}`,
          {
            cause: error,
            hint: `${this.buffer.length} event(s) are still buffered and will be written by the next flush(); check that the database is reachable.`,
          },
        );
        return;
      }
      try {
        this.onWritten?.(batch);
      } catch {
        // A listener's failure must not turn a durable write into a failed one.
      }
    }
  }

  private async appendWithOneRetry(batch: RunEvent[], runUpdate: AppendEventsOptions["runUpdate"]): Promise<void> {
    const options = runUpdate ? { runUpdate } : {};
    try {
      await this.storage.appendEvents(batch, options);
    } catch (error) {
      // A refused compare-and-set would be refused again.
      if (error instanceof RunStatusConflictError) throw error;
      // appendEvents is one transaction: a failed one wrote nothing, so writing again is safe.
      await this.storage.appendEvents(batch, options);
    }
  }
}

const RUN_END_EVENTS = new Set<RunEvent["type"]>(["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"]);

/**
 * The last batch of a run that another process ended first: its events without the run's own end,
 * and a warning that says which end stands.
 */
function endedElsewhere(batch: RunEvent[], runUpdate: NonNullable<AppendEventsOptions["runUpdate"]>, conflict: RunStatusConflictError): RunEvent[] {
  const kept = batch.filter((event) => !(event.runId === runUpdate.runId && RUN_END_EVENTS.has(event.type)));
  const wouldBe = runUpdate.update.status ?? "ended";
  kept.push({
    runId: runUpdate.runId,
    timestamp: new Date().toISOString(),
    type: "LOG",
    stepKey: null,
    level: "warn",
    message: `The run finished here (${wouldBe}) after another process had ended it ${conflict.status}${conflict.reason ? `: ${conflict.reason}` : ""}. Its status stays ${conflict.status}.`,
    data: { finishedAs: wouldBe, status: conflict.status },
  });
  return kept;
}
