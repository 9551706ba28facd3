/**
 * Core vocabulary of Tributary, shared by definitions, execution, storage and the daemon.
 *
 * Terminology:
 * - **Asset**: a persistent data object (a table, a file, a list of rows) that user code produces.
 *   Identified by an {@link AssetKey}.
 * - **Materialization**: one successful computation of an asset, recorded with metadata.
 * - **Check**: a data-quality test evaluated against a materialized asset; a *blocking* check
 *   that fails with severity ERROR stops the steps downstream of its asset.
 * - **Selection**: a string (`group:staging+`) or builder that picks a set of assets.
 * - **Run**: one execution of a selection. A run is made of **steps**, one per asset (or one per
 *   multi-asset), executed as far in parallel as the graph and the concurrency limit allow.
 * - **Event**: an append-only record of something that happened in a run (step started, asset
 *   materialized, check evaluated, a log line). Everything else about a run is derived from them.
 * - **Instigator**: what launched a run when it was not a person: a schedule, a sensor or a backfill.
 * - **Tick**: one evaluation of a schedule or a sensor.
 */

/** An asset's identity: a name (`"orders"`) or a `/`-separated path (`"warehouse/orders"`). */
export type AssetKey = string;

/** The life cycle of a run. `QUEUED` runs wait for a coordinator; the last three are final. */
export type RunStatus =
  | "QUEUED"
  | "STARTING"
  | "STARTED"
  | "CANCELING"
  | "SUCCESS"
  | "FAILURE"
  | "CANCELED";

/** Run statuses after which nothing about the run changes any more. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ["SUCCESS", "FAILURE", "CANCELED"];

/** Statuses of runs some process holds (and heartbeats); they count against concurrency limits. */
export const IN_PROGRESS_RUN_STATUSES: readonly RunStatus[] = ["STARTING", "STARTED", "CANCELING"];

/** Statuses of runs that have not ended: queued or in progress. */
export const UNFINISHED_RUN_STATUSES: readonly RunStatus[] = ["QUEUED", ...IN_PROGRESS_RUN_STATUSES];

/** Every run status, in the order a run goes through them. */
export const RUN_STATUSES: readonly RunStatus[] = [...UNFINISHED_RUN_STATUSES, ...FINAL_RUN_STATUSES];

/** How a step (one asset, or one multi-asset) ended. */
export type StepStatus = "SUCCESS" | "FAILURE" | "SKIPPED" | "CANCELED";

/** Severity of a data-quality check. `ERROR` on a blocking check stops downstream steps. */
export type CheckSeverity = "WARN" | "ERROR";

/** What launched a run when it was not launched by hand. */
export interface Instigator {
  type: "schedule" | "sensor" | "backfill" | "automation";
  /** Name of the schedule, sensor or the backfill id. */
  name: string;
  /** ISO 8601 instant of the tick that launched the run (schedules and sensors). */
  tickTime?: string;
  /** De-duplication key: at most one run per run key per instigator. */
  runKey?: string;
}

/** A run as stored. Timestamps are ISO 8601 strings in UTC. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  /** The selection string the run was planned from (`"*"`, `"group:staging+"`, `"job:nightly"`). */
  selection: string;
  /** The asset keys the run was planned to materialize, in plan order. */
  assetKeys: AssetKey[];
  /** Free-form tags; the run queue limits concurrency per tag. */
  tags: Record<string, string>;
  runKey: string | null;
  instigator: Instigator | null;
  /** 1 for the first attempt; a run re-launched by a retry policy has attempt 2, 3, ... */
  attempt: number;
  /** The run this one retries, if any. */
  parentRunId: string | null;
  /** The worker process (host:pid:uuid) executing the run, once it is claimed. */
  workerId: string | null;
  /** Last heartbeat of the worker executing the run. */
  heartbeatAt: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Why the run failed or was canceled, in one line for lists. */
  error: string | null;
}

/** What a caller gives to create a run; the storage fills in the rest. */
export interface NewRun {
  runId: string;
  status: RunStatus;
  selection: string;
  assetKeys: AssetKey[];
  tags?: Record<string, string>;
  runKey?: string | null;
  instigator?: Instigator | null;
  attempt?: number;
  parentRunId?: string | null;
}

/** Every kind of event a run can record. */
export type RunEventType =
  | "RUN_QUEUED"
  | "RUN_START"
  | "RUN_SUCCESS"
  | "RUN_FAILURE"
  | "RUN_CANCELING"
  | "RUN_CANCELED"
  | "STEP_START"
  | "STEP_SUCCESS"
  | "STEP_FAILURE"
  | "STEP_RETRY"
  | "STEP_SKIPPED"
  | "STEP_CANCELED"
  | "ASSET_MATERIALIZATION"
  | "ASSET_CHECK_EVALUATION"
  | "LOG";

/** Log level of an event (and of `ctx.log`). */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A serialized error, as stored in events: the user's own stack is kept. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The wrapped cause (for `UserCodeError`, the user's exception). */
  cause?: SerializedError;
}

/** Event payload for `ASSET_MATERIALIZATION`. */
export interface MaterializationData {
  assetKey: AssetKey;
  /** User metadata attached with `ctx.addMetadata` plus what the I/O manager reports (path, rows). */
  metadata: Record<string, unknown>;
  partition?: string | null;
  codeVersion?: string | null;
}

/** Event payload for `ASSET_CHECK_EVALUATION`. */
export interface CheckEvaluationData {
  assetKey: AssetKey;
  checkName: string;
  passed: boolean;
  severity: CheckSeverity;
  blocking: boolean;
  description?: string;
  metadata: Record<string, unknown>;
}

/** An event as written by the executor. `seq` and `id` are assigned by the storage. */
export interface RunEvent {
  runId: string;
  /** ISO 8601 instant. */
  timestamp: string;
  type: RunEventType;
  /** The step (asset key or multi-asset name) the event belongs to; null for run-level events. */
  stepKey: string | null;
  level: LogLevel;
  message: string;
  /** Type-specific payload: {@link MaterializationData}, {@link CheckEvaluationData}, errors, ... */
  data?: Record<string, unknown> | null;
  /**
   * Makes appending the event idempotent: storage keeps one event per run and key, however often
   * it is appended. The event writer sets it, so a batch whose commit went unacknowledged (the
   * connection dropped) can be written again without doubling it. Not read back.
   */
  idempotencyKey?: string;
}

/** An event read back from storage, with its position in the global log. */
export interface StoredRunEvent extends RunEvent {
  /** Monotonic id in the whole event log (use it as a cursor for streaming). */
  id: number;
}

/** Latest materialization of one asset, derived from the event log for fast reads. */
export interface MaterializationRecord {
  assetKey: AssetKey;
  runId: string;
  timestamp: string;
  partition: string | null;
  metadata: Record<string, unknown>;
  eventId: number;
}

/** Latest result of one check, derived from the event log for fast reads. */
export interface CheckResultRecord {
  assetKey: AssetKey;
  checkName: string;
  runId: string;
  timestamp: string;
  passed: boolean;
  severity: CheckSeverity;
  metadata: Record<string, unknown>;
  eventId: number;
}

/** Status of a schedule or a sensor, persisted so it survives restarts. */
export type InstigatorStatus = "RUNNING" | "STOPPED";

/** Persisted state of a schedule or a sensor. */
export interface InstigatorState {
  name: string;
  type: "schedule" | "sensor";
  status: InstigatorStatus;
  /** Sensor cursor, or the schedule's last evaluated tick time. */
  cursor: string | null;
  updatedAt: string;
}

/** Outcome of one tick. */
export type TickStatus = "STARTED" | "SUCCESS" | "SKIPPED" | "FAILURE";

/** One evaluation of a schedule or a sensor. (name, tickTime) is unique across all daemons. */
export interface TickRecord {
  tickId: number;
  instigatorName: string;
  instigatorType: "schedule" | "sensor";
  /** ISO 8601 instant the tick stands for (the cron instant for schedules). */
  tickTime: string;
  status: TickStatus;
  runIds: string[];
  runKeys: string[];
  skipReason: string | null;
  error: string | null;
  cursor: string | null;
  createdAt: string;
  updatedAt: string;
}
