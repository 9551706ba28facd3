import type { Definitions } from "../definitions/definitions";
import type { RunUpdateRequest, Storage } from "../storage/port";
import type { Instigator, RunEvent, StepStatus } from "../types";

/**
 * The run tag naming the code version a daemon planned the run on (`v<n>-<hash>`, see CodeVersion);
 * its RUN_START event names the version it executed on.
 */
export const CODE_VERSION_TAG = "tributary/code_version";

/** How one step of a run ended, as the CLI's `--json` reports it. */
export interface StepResult {
  /** The step key: the asset key (or the multi-asset's name). */
  key: string;
  status: StepStatus;
  durationMs: number;
  /** One-line reason for FAILURE, SKIPPED and CANCELED. */
  error?: string;
}

/** The outcome of a run. */
export interface RunResult {
  runId: string;
  status: "SUCCESS" | "FAILURE" | "CANCELED";
  steps: StepResult[];
  /** Why the run failed as a whole (worker crash, bad selection), if not because of a step. */
  error?: string;
  /**
   * Set when another process had ended the run before this one could (a monitor failed it as
   * dead while its worker was frozen or cut off, a cancel): `status` and `error` are that end.
   * The outcome was counted where the run was ended; whoever gets this result must not act on it
   * again (no retry, no notification).
   */
  endedElsewhere?: true;
}

/** Options shared by in-process and worker-process execution. */
export interface RunOptions {
  /** Selection string (DESIGN.md §2), e.g. `"*"` or `"+stg_orders"`. */
  selection: string;
  /** A run id created beforehand (a QUEUED run claimed by a daemon); a new one when omitted. */
  runId?: string;
  tags?: Record<string, string>;
  instigator?: Instigator | null;
  runKey?: string | null;
  /**
   * The partitions this run materializes (one key, or several run one after the other per step);
   * required when the selection has partitioned assets. Recorded as run tags (`tributary/partition`);
   * when omitted, read from those tags in `tags` (that is how worker processes receive them).
   */
  partitionKeys?: readonly string[];
  /**
   * The run was claimed straight into STARTED by the coordinator launching it (`claimQueuedRuns`
   * with `start`): the executor does not move it to STARTED itself. A cancel in between reaches the
   * run through `signal`, as for any running run. @defaultValue false
   */
  claimedAsStarted?: boolean;
  /**
   * The code version the run executes on (a daemon's, see CodeVersion), recorded in its RUN_START
   * event together with the one it was planned on (the tag {@link CODE_VERSION_TAG}) when that differs.
   */
  codeVersion?: string;
  /** Overrides `definitions({ executor: { maxConcurrency } })`. */
  maxConcurrency?: number;
  /** Aborting it cancels the run: running steps get their `ctx.signal` aborted, no new step starts. */
  signal?: AbortSignal;
  /** Called for every event as it happens (live progress); must not throw. */
  onEvent?: (event: RunEvent) => void;
  /**
   * Call `onEvent` only once the event is durable in storage (a little later, in batches). Workers use
   * it so that what their parent shows can never be lost by a crash.
   * @defaultValue false
   */
  onEventWhenDurable?: boolean;
  /**
   * Called synchronously just before each attempt of a step calls user code. A worker tells its parent
   * at once, so a step that then blocks the event loop past its timeout can still be detected.
   */
  onAttemptStart?: (attempt: { stepKey: string; attempt: number; timeoutMs: number | undefined }) => void;
  /**
   * Writes the run's last batch of events with its final status, in place of `storage.appendEvents`.
   * A worker hands that batch to its parent, whose run coordinator ends the run and refills the slot
   * it frees in one statement (`Storage.endRunsAndClaim`). Rejects like appendEvents
   * (`RunStatusConflictError` when another process ended the run first).
   */
  endRun?: (events: RunEvent[], runUpdate: RunUpdateRequest) => Promise<void>;
}

/** In-process execution (tests, and the inside of a worker process). */
export interface InProcessRunOptions extends RunOptions {
  definitions: Definitions;
  storage: Storage;
  /** Folder of the default filesystem I/O manager (`.tributary/storage` in a project). */
  storageDir: string;
}
