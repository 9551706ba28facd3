/** Errors raised by the storage layer that callers act on. */
import { TributaryError } from "../errors";
import type { RunStatus } from "../types";

/**
 * A run could not be created because its run id, its run key within its instigator, or (for a
 * retry) its parent run's one retry is taken.
 */
export class RunConflictError extends TributaryError {
  /** Which unique key was taken: `retry` when the parent run has a retry already. */
  readonly conflict: "runId" | "runKey" | "retry";

  constructor(message: string, conflict: "runId" | "runKey" | "retry", cause?: unknown) {
    super(message, {
      cause,
      hint: {
        runKey: "Look the run up with findRunByKey() before creating it; a run key launches at most one run.",
        runId: "Run ids must be unique; generate a new one (crypto.randomUUID()).",
        retry: "A failed run is retried once, by whichever process claims the retry first; list the runs whose parentRunId is the failed run to find it.",
      }[conflict],
    });
    this.conflict = conflict;
  }
}

/** The RunConflictError of a second retry of one run (both storages raise it alike). */
export function retryTaken(run: { parentRunId?: string | null }, cause: unknown): RunConflictError {
  return new RunConflictError(`Run ${run.parentRunId} has been retried already`, "retry", cause);
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

/** The StorageNotFoundError of updating a run that does not exist (both storages raise it alike). */
export function runNotFound(runId: string): StorageNotFoundError {
  return new StorageNotFoundError(`Cannot update run ${runId}: no such run`, {
    hint: "Create the run with createRun() first, or check the run id.",
  });
}

/** The StorageNotFoundError of updating a tick that does not exist (both storages raise it alike). */
export function tickNotFound(tickId: number): StorageNotFoundError {
  return new StorageNotFoundError(`Cannot update tick ${tickId}: no such tick`, { hint: "Use the tickId returned by createTick()." });
}

/** Events could not be written by a {@link BufferedEventWriter}; they are still buffered. */
export class EventWriteError extends TributaryError {}
