/** Errors raised by the storage layer that callers act on. */
import { TributaryError } from "../errors";

/** A run could not be created because its run id, or its run key within its instigator, is taken. */
export class RunConflictError extends TributaryError {
  /** Which unique key was taken. */
  readonly conflict: "runId" | "runKey";

  constructor(message: string, conflict: "runId" | "runKey", cause?: unknown) {
    super(message, {
      cause,
      hint:
        conflict === "runKey"
          ? "Look the run up with findRunByKey() before creating it; a run key launches at most one run."
          : "Run ids must be unique; generate a new one (crypto.randomUUID()).",
    });
    this.conflict = conflict;
  }
}

/** The storage could not reach its database (PostgreSQL down, wrong URL, bad credentials). */
export class StorageConnectionError extends TributaryError {}

/** A record the caller named does not exist (updateRun / updateTick on an unknown id). */
export class StorageNotFoundError extends TributaryError {}

/** Events could not be written by a {@link BufferedEventWriter}; they are still buffered. */
export class EventWriteError extends TributaryError {}
