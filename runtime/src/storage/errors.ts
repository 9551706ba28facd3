/** Errors raised by the storage layer that callers act on. */
import { TributaryError } from "../errors";
import type { RunStatus } from "../types";

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

/**
 * A run update made on condition of the run's status (`runUpdate.from`) found the run in another
 * status: someone else ended it first (the monitor failed it as dead, a cancel). Nothing was written.
 */
export class RunStatusConflictError extends TributaryError {
  constructor(
    readonly runId: string,
    /** The status the run has. */
    readonly status: RunStatus,
    /** Why it has it (the run's error), when recorded. */
    readonly reason: string | null,
  ) {
    super(`Run ${runId} is ${status} already${reason ? ` (${reason})` : ""}`, {
      hint: "Another process ended this run first; its status stands. Read the run to see who and why.",
    });
  }
}

/** A record the caller named does not exist (updateRun / updateTick on an unknown id). */
export class StorageNotFoundError extends TributaryError {}

/** Events could not be written by a {@link BufferedEventWriter}; they are still buffered. */
export class EventWriteError extends TributaryError {}
