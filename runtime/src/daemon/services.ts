import type { LoadedProject } from "../loader";
import type { Storage } from "../storage/port";
import type { DaemonEventSource } from "./events";
import type { LoopHealth } from "./loopHealth";
import type { StorageOutages } from "./storageWatch";
import type { Instigator, InstigatorState, InstigatorStatus, RunRecord } from "../types";

/**
 * What the HTTP API (and the editor through it) needs from a running daemon. Implemented by the
 * daemon core (`Daemon` in daemon.ts); the HTTP layer depends only on this interface.
 */
export interface DaemonServices {
  readonly storage: Storage;
  /** This daemon process's id (`host:pid:uuid`). */
  readonly daemonId: string;
  /** "dev": embedded storage, code reloaded on change. "daemon": production, usually PostgreSQL. */
  readonly mode: "dev" | "daemon";

  /** The currently loaded project, or the error that prevents loading it (shown, not thrown). */
  project(): ProjectState;

  /** The daemon's view of its database outages (one in progress, since when); absent where not watched. */
  readonly outages?: StorageOutages;

  /**
   * Validates the selection against the current graph and enqueues a run (status QUEUED, a
   * RUN_QUEUED event). Throws SelectionSyntaxError / EmptySelectionError for bad input (-> 4xx).
   */
  submitRun(request: RunSubmission): Promise<RunRecord>;

  /**
   * Loads the project's code again now (a new code version for runs planned from then on) and
   * resolves with the outcome; a failed load keeps the previous version running.
   */
  reloadCode(): Promise<ProjectState>;

  /** Cancels a QUEUED run at once; asks the coordinator executing a STARTED run to stop it. */
  cancelRun(runId: string): Promise<RunRecord>;

  /** Starts or stops a schedule or a sensor by name (persisted). Throws for an unknown name. */
  setInstigatorStatus(name: string, status: InstigatorStatus): Promise<InstigatorState>;

  /**
   * What this process tells of its work, typed (events.ts): event streams wake on the events that
   * change what they show (`STATE_CHANGE_EVENTS`) instead of waiting for their next poll.
   */
  readonly events: DaemonEventSource;

  /** The heartbeat of each daemon loop of this process; absent where no loop runs. */
  loops?(): LoopHealth[];

  /** Looks at backfills now (one was created or canceled); absent where no backfill loop runs. */
  wakeBackfills?(): void;
}

/**
 * A project that loaded, or the reason it did not. `codeVersion` is the version runs execute on:
 * the one just loaded, or while loads fail the last good one (null when none ever loaded).
 */
export type ProjectState =
  | { ok: true; project: LoadedProject; loadedAt: string; codeVersion: string }
  | { ok: false; error: { message: string; hint?: string; file?: string; line?: number }; failedAt: string; codeVersion: string | null };

/** A request to launch a run. */
export interface RunSubmission {
  selection: string;
  tags?: Record<string, string>;
  instigator?: Instigator | null;
  runKey?: string | null;
  /** The partitions the run materializes (required for a selection of partitioned assets). */
  partitionKeys?: readonly string[];
}
