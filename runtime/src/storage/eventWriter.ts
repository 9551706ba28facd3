/**
 * Buffers run events and writes them in batches: one transaction per batch instead of one per event
 * is what lets a run of 10,000 assets log its ~30,000 events quickly. It is also what carries a run
 * through a database outage: the events wait (in memory, then on disk) and are written once the
 * database is back, in order, each exactly once.
 */
import type { RunEvent } from "../types";
import { describeThrown } from "../errors";
import type { AppendEventsOptions, Storage } from "./port";
import { EventWriteError, RunStatusConflictError } from "./errors";
import { EventSpill } from "./eventSpill";
import { newIdempotencyKey, validateRunEvent } from "./rows";
import { backoffDelayMs, isStorageUnreachable, sleep, UNREACHABLE_BACKOFF, type RetryBackoff } from "./unreachable";

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
  /**
   * Events kept in memory while they cannot be written (the database is unreachable); those beyond
   * go to files in `spillDir` until it is back.
   * @defaultValue 10000
   */
  maxBufferedEvents?: number;
  /**
   * Where events beyond `maxBufferedEvents` are kept (a folder of their own inside it, removed once
   * they are written).
   * @defaultValue the OS's temporary folder
   */
  spillDir?: string;
  /**
   * Delays between attempts while the database is unreachable.
   * @defaultValue `{ firstMs: 100, maxMs: 2000 }`
   */
  retryBackoff?: RetryBackoff;
  /**
   * Schedules the delayed write. Tests pass a manual timer to see which delay was asked for and
   * when the write happens, without waiting for real time.
   * @defaultValue Node's `setTimeout`/`clearTimeout`
   */
  timer?: WriteTimer;
}

/** Schedules a callback after a delay, and cancels it (Node's timers by default). */
export interface WriteTimer {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const NODE_TIMER: WriteTimer = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Buffers events and writes them with `storage.appendEvents` when `maxBatchSize` events are waiting
 * or `maxDelayMs` after the first one, whichever comes first. Batches are written one at a time, in
 * order. `flush()` resolves once everything written before it is durable: await it before telling
 * anyone a step or run is done.
 *
 * While the database is unreachable (a {@link StorageConnectionError}: PostgreSQL restarting, a
 * network cut) writes are tried again with backoff for as long as it takes, and `flush()` and
 * `close()` wait: a run goes on meanwhile, its events wait in memory (beyond `maxBufferedEvents`, in
 * files) and are written once the database is back, in order. Each event gets an idempotency key,
 * so a batch whose commit went unacknowledged is not written twice when it is tried again.
 *
 * Any other failed write is retried once. If the retry fails too, the events stay buffered (nothing
 * is dropped), automatic writes pause, and the next `flush()` rejects with an {@link EventWriteError};
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
  private readonly maxBufferedEvents: number;
  private readonly retryBackoff: RetryBackoff;
  /** The oldest events waiting; the newer ones are in `spill` once this holds maxBufferedEvents. */
  private buffer: RunEvent[] = [];
  private readonly spill: EventSpill;
  /** Events of the batch being written. */
  private inFlight = 0;
  private readonly writeTimer: WriteTimer;
  /** The pending delayed write, as the write timer returned it. */
  private timer: unknown;
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
    this.maxBufferedEvents = options.maxBufferedEvents ?? 10_000;
    this.retryBackoff = options.retryBackoff ?? UNREACHABLE_BACKOFF;
    this.writeTimer = options.timer ?? NODE_TIMER;
    if (!(this.maxBatchSize >= 1)) throw new RangeError(`maxBatchSize must be at least 1, got ${this.maxBatchSize}`);
    if (!(this.maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be 0 or more, got ${this.maxDelayMs}`);
    if (!(this.maxBufferedEvents >= 1)) throw new RangeError(`maxBufferedEvents must be at least 1, got ${this.maxBufferedEvents}`);
    this.spill = new EventSpill(Math.min(this.maxBufferedEvents, 5_000), options.spillDir);
  }

  /**
   * Set when close()'s `runUpdate` had a `from` condition that the run no longer met (another
   * process ended it first): the events were written without the run's own end, and the run keeps
   * the status this error names.
   */
  get runUpdateRefused(): RunStatusConflictError | undefined {
    return this.refusedRunUpdate;
  }

  /** Events not yet written: buffered (in memory or spilled to disk) or being written. */
  get pendingCount(): number {
    return this.inFlight + this.queuedCount;
  }

  /** Events buffered and not being written yet. */
  private get queuedCount(): number {
    return this.buffer.length + this.spill.size;
  }

  /** Events spilled to disk and not yet written (they are part of pendingCount). */
  get spilledCount(): number {
    return this.spill.size;
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
    const keyed = event.idempotencyKey === undefined ? { ...event, idempotencyKey: newIdempotencyKey() } : event;
    // Once events spill, the newer ones follow them to disk, so that order is kept.
    if (this.spill.size > 0 || this.buffer.length >= this.maxBufferedEvents) this.spill.add(keyed);
    else this.buffer.push(keyed);
    // After a failure, wait for flush(): retrying in the background forever would hide the problem.
    if (this.failure) return;
    if (this.queuedCount >= this.maxBatchSize) this.startWriting();
    else if (this.timer === undefined && !this.writing) this.timer = this.writeTimer.set(() => this.startWriting(), this.maxDelayMs);
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
      if (this.queuedCount === 0) return;
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
      await this.append([], left);
    } catch (error) {
      if (!(error instanceof RunStatusConflictError)) throw error;
      this.refusedRunUpdate = error;
      await this.append(endedElsewhere([], left, error), undefined);
    }
  }

  private startWriting(): void {
    if (this.timer !== undefined) {
      this.writeTimer.clear(this.timer);
      this.timer = undefined;
    }
    if (this.writing || this.queuedCount === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
      // Events that arrived during a write are due by now if they waited for it.
      if (this.queuedCount > 0 && !this.failure && this.timer === undefined) {
        this.timer = this.writeTimer.set(() => this.startWriting(), this.queuedCount >= this.maxBatchSize ? 0 : this.maxDelayMs);
      }
    });
  }

  /** Writes batches until nothing is pending. Never rejects: a failure is kept in `this.failure`. */
  private async writeAll(): Promise<void> {
    while (this.queuedCount > 0) {
      if (this.buffer.length === 0) this.buffer = this.spill.takeOldest();
      const batch = this.buffer;
      this.buffer = [];
      this.inFlight = batch.length;
      // After close() nothing more can be written, so the batch that leaves nothing behind is the last one.
      const runUpdate = this.closed && this.spill.size === 0 ? this.finalRunUpdate : undefined;
      try {
        await this.append(batch, runUpdate).finally(() => (this.inFlight = 0));
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
            hint: `${this.buffer.length} event(s) are still buffered and will be written by the next flush(); its cause says why the write failed (an unreachable database is waited out, not reported here).`,
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

  /**
   * Appends a batch: while the database is unreachable, again and again with backoff; after any
   * other error, once more. Writing a batch again is safe either way: appendEvents is one
   * transaction, and when its commit went unacknowledged the idempotency keys leave out what it wrote.
   */
  private async append(batch: RunEvent[], runUpdate: AppendEventsOptions["runUpdate"]): Promise<void> {
    const options = runUpdate ? { runUpdate } : {};
    let unreachable = 0;
    let failed = false;
    for (;;) {
      try {
        await this.storage.appendEvents(batch, options);
        return;
      } catch (error) {
        // A refused compare-and-set would be refused again.
        if (error instanceof RunStatusConflictError) throw error;
        if (isStorageUnreachable(error)) {
          await sleep(backoffDelayMs(++unreachable, this.retryBackoff));
          continue;
        }
        if (failed) throw error;
        failed = true;
      }
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
