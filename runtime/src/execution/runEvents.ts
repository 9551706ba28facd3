/**
 * The event log of one executing run: every event is buffered for storage (in batches, the last
 * one with the run's final status) and shown live to the run's `onEvent` listener. The executor,
 * the input loader and the output writer all write through it, and user code logs through its
 * loggers.
 */
import type { Logger } from "../definitions/context";
import type { RunStatusConflictError } from "../storage/errors";
import { BufferedEventWriter } from "../storage/eventWriter";
import type { RunUpdateRequest, Storage } from "../storage/port";
import type { LogLevel, RunEvent, RunEventType } from "../types";
import type { InProcessRunOptions } from "./api";

/** A progress display must never break a run. */
function safely(listener: (event: RunEvent) => void, event: RunEvent): void {
  try {
    listener(event);
  } catch {
    // ignored on purpose
  }
}

/** The events of one run: buffered for storage, shown live, closed with the run's final status. */
export class RunEventLog {
  private readonly writer: BufferedEventWriter;
  private readonly liveListener: ((event: RunEvent) => void) | undefined;

  constructor(
    private readonly runId: string,
    options: Pick<InProcessRunOptions, "storage" | "onEvent" | "onEventWhenDurable" | "endRun">,
  ) {
    const { onEvent, endRun, storage } = options;
    // The last batch (the one carrying the run's final status) goes to `endRun` when given.
    const sink: Pick<Storage, "appendEvents"> = endRun
      ? { appendEvents: (events, append) => (append?.runUpdate ? endRun(events, append.runUpdate) : storage.appendEvents(events, append)) }
      : storage;
    this.writer = new BufferedEventWriter(
      sink,
      options.onEventWhenDurable && onEvent ? { onWritten: (events) => events.forEach((event) => safely(onEvent, event)) } : {},
    );
    this.liveListener = options.onEventWhenDurable ? undefined : onEvent;
  }

  emit(type: RunEventType, stepKey: string | null, level: LogLevel, message: string, data?: Record<string, unknown>): void {
    const event: RunEvent = { runId: this.runId, timestamp: new Date().toISOString(), type, stepKey, level, message, data: data ?? null };
    this.writer.write(event);
    if (this.liveListener) safely(this.liveListener, event);
  }

  /** A logger whose lines are LOG events of the step (or of the run, for `null`). */
  logger(stepKey: string | null, prefix?: string): Logger {
    const log = (level: LogLevel) => (message: string, data?: Record<string, unknown>) =>
      this.emit("LOG", stepKey, level, prefix ? `${prefix}: ${message}` : String(message), data);
    return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  }

  /**
   * Writes what is buffered together with the run's final status, in one transaction, unless
   * another process ended the run meanwhile: then returns how that process ended it.
   */
  async close(runUpdate: RunUpdateRequest): Promise<RunStatusConflictError | undefined> {
    await this.writer.close({ runUpdate });
    return this.writer.runUpdateRefused;
  }
}
