import type {
  AssetKey,
  CheckResultRecord,
  InstigatorState,
  InstigatorStatus,
  LogLevel,
  MaterializationRecord,
  NewRun,
  RunEvent,
  RunEventType,
  RunRecord,
  RunStatus,
  StoredRunEvent,
  TickRecord,
  TickStatus,
} from "../types";

/** Filters for {@link RunStorage.listRuns}. All given filters must match. */
export interface RunFilter extends RunCountFilter {
  statuses?: RunStatus[];
  /** Newest first; default 100. */
  limit?: number;
  /** Only runs created strictly before this run (cursor for paging). */
  beforeRunId?: string;
}

/** Filters for {@link RunStorage.countRuns} (and listRuns). All given filters must match. */
export interface RunCountFilter {
  /** Runs whose planned asset keys include this key. */
  assetKey?: AssetKey;
  instigatorName?: string;
  /** What launched the runs: a schedule, sensor or backfill by type and name, or `"manual"` (no instigator). */
  instigator?: { type: "schedule" | "sensor" | "backfill"; name: string } | "manual";
  /** Runs whose selection is exactly this (`job:NAME` for a job's runs). */
  selection?: string;
  /** Tag equality filters. */
  tags?: Record<string, string>;
  /** Runs created at or after this ISO 8601 instant. */
  createdFrom?: string;
  /** Runs created strictly before this ISO 8601 instant. */
  createdTo?: string;
  /** Only these runs (by id; none when empty): reads many runs in one query instead of one getRun each. */
  runIds?: readonly string[];
}

/**
 * Which events of a run {@link EventStorage.getRunEvents} returns, always in ascending id order.
 * With `beforeId`, the `limit` events just below it (paging backwards from the tail); otherwise the
 * `limit` events just after `afterId`. The filters narrow both.
 */
export interface RunEventQuery {
  /** Events with an id above this (exclusive). */
  afterId?: number;
  /** Events with an id below this (exclusive); the newest of them when `limit` cuts. */
  beforeId?: number;
  limit?: number;
  /** Only events of these steps. */
  stepKeys?: readonly string[];
  /** Only events at these levels. */
  levels?: readonly LogLevel[];
  /** Only events of these types. */
  types?: readonly RunEventType[];
  /** Only events whose message contains this text, ignoring case (ASCII case on SQLite). */
  text?: string;
}

/** Counts of a run's events: {@link EventStorage.getRunEventStats}. */
export interface RunEventStats {
  total: number;
  /** The id of its last event; 0 when it has none. */
  lastId: number;
  /** The id of its first event at level `error`, or null. */
  firstErrorId: number | null;
  byLevel: Record<LogLevel, number>;
  /** Only types the run has. */
  byType: Partial<Record<RunEventType, number>>;
}

/** Fields that change with a run's status. Omitted fields are left as they are. */
export interface RunUpdate {
  status?: RunStatus;
  startedAt?: string | null;
  endedAt?: string | null;
  error?: string | null;
  workerId?: string | null;
  heartbeatAt?: string | null;
}

/**
 * At most `limit` runs in progress (STARTING, STARTED, CANCELING) with the tag `key` equal to
 * `value`, or, without `value`, with any one value of `key`.
 */
export interface TagLimit {
  key: string;
  value?: string;
  limit: number;
}

/** Options of {@link RunStorage.claimQueuedRuns}. */
export interface ClaimOptions {
  /**
   * Claims only runs that keep every limit: a run whose tag is at its limit stays queued, and runs
   * behind it are claimed instead. Claims with limits are serialized across processes, so two
   * claiming at the same instant cannot exceed a limit together.
   */
  tagLimits?: TagLimit[];
  /**
   * Claims only as many runs as keep the runs in progress everywhere (STARTING, STARTED, CANCELING)
   * at or under this; serialized like tagLimits.
   */
  maxInProgress?: number;
  /**
   * Claim straight into STARTED (with startedAt) instead of STARTING: for a coordinator that starts
   * the runs at once on warm workers of its own, this saves a commit per run.
   * @defaultValue false
   */
  start?: boolean;
}

/** Options of {@link EventStorage.appendEvents}. */
export interface AppendEventsOptions {
  /**
   * Updates the run in the same transaction. With `from`, only while the run's status is one of
   * those: otherwise nothing of the batch is written and appendEvents rejects with a
   * RunStatusConflictError (how a run's end never overwrites the end another process gave it).
   */
  runUpdate?: RunUpdateRequest;
}

/** A run update that rides on a batch of events (see {@link AppendEventsOptions.runUpdate}). */
export interface RunUpdateRequest {
  runId: string;
  update: RunUpdate;
  from?: RunStatus[];
}

/** A run's last batch of events and its final update (see {@link EventStorage.endRunsAndClaim}). */
export interface RunEnd {
  events: RunEvent[];
  runUpdate: RunUpdateRequest;
}

/** The claim made with {@link EventStorage.endRunsAndClaim}: up to `limit` runs for `workerId`, STARTED. */
export interface RunClaim {
  workerId: string;
  limit: number;
}

/** The outcome of {@link EventStorage.endRunsAndClaim}. */
export interface EndRunsResult {
  /** Runs claimed for the caller, STARTED: it must launch them, whatever happened to the ends. */
  claimed: RunRecord[];
  /**
   * The runs whose end was not written, with why: RunStatusConflictError (another process ended the
   * run first), StorageNotFoundError, or the database's error (never an unreachable database: that
   * rejects the whole call). Nothing of such a run's batch was written.
   */
  failed: Map<string, Error>;
}

/** A new tick; returned null by {@link ScheduleStorage.createTick} when (name, tickTime) already exists. */
export interface NewTick {
  instigatorName: string;
  instigatorType: "schedule" | "sensor";
  tickTime: string;
  status: TickStatus;
  cursor?: string | null;
}

/** Options of {@link ScheduleStorage.listTicks}. */
export interface TickListOptions {
  limit?: number;
  /** The last tick of the previous page. */
  before?: { tickTime: string; tickId: number };
}

/** Fields of a tick that change as it is evaluated. */
export interface TickUpdate {
  status?: TickStatus;
  runIds?: string[];
  runKeys?: string[];
  skipReason?: string | null;
  error?: string | null;
  cursor?: string | null;
}

/** Status of one partition of one asset, derived from events (the latest event wins). */
export type AssetPartitionStatus = "MATERIALIZED" | "FAILED";

/** One partition of one asset as stored. */
export interface AssetPartitionRecord {
  assetKey: AssetKey;
  partitionKey: string;
  status: AssetPartitionStatus;
  /** The run of the event that set the status. */
  runId: string;
  eventId: number;
  updatedAt: string;
}

/** The life cycle of a backfill. The last three are final. */
export type BackfillStatus = "REQUESTED" | "CANCELING" | "COMPLETED" | "FAILED" | "CANCELED";

/** Where one partition of a backfill is. `QUEUED`: a run was created for it (see runId). */
export type BackfillPartitionStatus = "PENDING" | "QUEUED" | "DONE" | "FAILED" | "CANCELED";

/** How a backfill launches its runs. */
export interface BackfillPolicy {
  /** Partitions per run (contiguous keys, run one after the other in one run). @defaultValue 1 */
  maxPartitionsPerRun: number;
  /** Runs of this backfill queued or running at once. @defaultValue 4 */
  maxConcurrentRuns: number;
}

/** A backfill as stored. */
export interface BackfillRecord {
  backfillId: string;
  status: BackfillStatus;
  selection: string;
  /** What was asked for (for display): the range, the flags. */
  request: { from?: string; to?: string; keys?: string[]; missingOnly?: boolean; failedOnly?: boolean };
  policy: BackfillPolicy;
  createdAt: string;
  updatedAt: string;
  error: string | null;
}

/** A new backfill with its partition keys resolved, in the order they are launched. */
export interface NewBackfill {
  backfillId: string;
  selection: string;
  request: BackfillRecord["request"];
  policy: BackfillPolicy;
  partitionKeys: readonly string[];
}

/** One partition of a backfill. */
export interface BackfillPartitionRecord {
  partitionKey: string;
  /** Launch order (0-based). */
  position: number;
  status: BackfillPartitionStatus;
  /** The run that materializes it, once QUEUED. */
  runId: string | null;
  /** 1, then +1 each time the partition is re-queued after its run was lost (canceled by a dying daemon). */
  attempt: number;
}

/** Counts of a backfill's partitions by status. */
export type BackfillProgress = Record<BackfillPartitionStatus, number>;

/**
 * Runs and claims: a run's record from QUEUED to its end, and the queue's claims.
 * Tables: runs.
 */
export interface RunStorage {
  /**
   * Creates a run. Rejects with RunConflictError when its run id is taken (`runId`), its run key
   * within its instigator is (`runKey`), or, for a retry, its parent run has a retry already
   * (`retry`): a run is retried at most once, whichever processes noticed its failure.
   */
  createRun(run: NewRun): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord | null>;
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /** How many runs match `filter`, by status (every status present, 0 for none). */
  countRuns(filter?: RunCountFilter): Promise<Record<RunStatus, number>>;
  updateRun(runId: string, update: RunUpdate): Promise<RunRecord>;
  /**
   * Moves a run from one of `from` to `to` atomically; resolves false (and changes nothing) when the
   * run is in another status. Used for cancel races and claims.
   */
  transitionRun(runId: string, from: readonly RunStatus[], to: RunStatus, update?: RunUpdate): Promise<boolean>;
  /** Finds a run by its run key within one instigator (sensor de-duplication). */
  findRunByKey(instigatorName: string, runKey: string): Promise<RunRecord | null>;
  /**
   * Claims up to `limit` QUEUED runs, oldest first, for `workerId`: sets them STARTING. Safe when
   * several processes claim at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; oldest first after the
   * last run this process claimed, with a look at the whole queue at least every second).
   */
  claimQueuedRuns(workerId: string, limit: number, options?: ClaimOptions): Promise<RunRecord[]>;
  /** Records a worker's heartbeat on the runs it executes. */
  heartbeatRuns(runIds: string[], at: string): Promise<void>;
  /**
   * Calls `onQueued` soon after a run becomes QUEUED in any process (PostgreSQL: LISTEN/NOTIFY), and
   * once when listening starts. A hint to claim now, not a guarantee: claimers keep polling. Absent
   * where the database cannot notify (SQLite). Resolves to a function that stops listening. `log` is
   * told when listening stops (with the error: a StorageConnectionError when the database went away)
   * and starts again (without one).
   */
  listenForQueuedRuns?(onQueued: () => void, log: (message: string, error?: Error) => void): Promise<() => Promise<void>>;
}

/**
 * Events and asset state: a run's event log, written in batches (with the run's update that rides
 * on a batch), and the asset state derived from it in the same transaction: each asset's latest
 * materialization, its latest check results and its partitions' statuses.
 * Tables: events, asset_latest_materializations, asset_latest_check_results, asset_partitions, run_event_counts
 * (and runs, for the update that rides on a batch and for endRunsAndClaim's claim).
 *
 * Contract: `appendEvents` writes a batch in one transaction, derived rows included; when it
 * resolves, the events are durable. Event ids are strictly increasing in append order.
 */
export interface EventStorage {
  /**
   * Appends a batch of events in one transaction. With `runUpdate`, the run is updated in the same
   * transaction: a run's final events and its final status become durable together (and cost one
   * commit instead of two).
   */
  appendEvents(events: RunEvent[], options?: AppendEventsOptions): Promise<void>;
  /**
   * Ends runs (each its last events and its update, as appendEvents with `runUpdate`, each on its
   * own: one run's refused update does not stop another's) and claims up to `claim.limit` queued runs
   * STARTED for `claim.workerId`, in one round trip where the database allows: a coordinator ends the
   * runs that finished while its last write was in flight, and refills their slots, in one statement.
   * Rejects with a StorageConnectionError when the database cannot be reached: the caller tries the
   * same ends again (their events' idempotency keys make that safe).
   */
  endRunsAndClaim(ends: RunEnd[], claim: RunClaim): Promise<EndRunsResult>;
  /**
   * Events of one run in id order, after the event id `afterId` (exclusive), at most `limit`; or
   * paged backwards from `beforeId`, and filtered (see {@link RunEventQuery}). Reads the run's
   * index by id: the tail of a run of a million events costs what the tail of a small one does.
   */
  getRunEvents(runId: string, options?: RunEventQuery): Promise<StoredRunEvent[]>;
  /** Counts of a run's events by level and type, from rows kept with each batch (never a count of the events). */
  getRunEventStats(runId: string): Promise<RunEventStats>;

  /** Latest materialization per asset (all assets when `keys` is omitted). */
  getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]>;
  /**
   * An asset's materializations, newest first: at most `limit` (default 50), those with an event
   * id below `beforeEventId` (the next page). Read by an index on the asset key of those events.
   */
  getAssetMaterializations(assetKey: AssetKey, options?: { beforeEventId?: number; limit?: number }): Promise<MaterializationRecord[]>;
  /** An asset's check evaluations, newest first, paged as {@link getAssetMaterializations}. */
  getAssetCheckEvaluations(assetKey: AssetKey, options?: { beforeEventId?: number; limit?: number }): Promise<CheckResultRecord[]>;
  /** Latest result per (asset, check) (all when `keys` is omitted). */
  getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]>;

  /**
   * Partition statuses of one asset (derived in appendEvents: MATERIALIZED from
   * ASSET_MATERIALIZATION events with a partition, FAILED from STEP_FAILURE events that carry
   * `data.partitionKeys` and `data.assetKeys`). Keys never attempted have no record.
   */
  getAssetPartitions(assetKey: AssetKey, options?: { partitionKeys?: readonly string[] }): Promise<AssetPartitionRecord[]>;
}

/**
 * Schedules and ticks: each schedule's and sensor's state (status, cursor) and its ticks.
 * Tables: instigator_states, ticks.
 */
export interface ScheduleStorage {
  getInstigatorState(name: string): Promise<InstigatorState | null>;
  setInstigatorState(state: {
    name: string;
    type: "schedule" | "sensor";
    status: InstigatorStatus;
    cursor?: string | null;
  }): Promise<InstigatorState>;
  listInstigatorStates(): Promise<InstigatorState[]>;

  /** Creates a tick; resolves null when that (name, tickTime) exists already (another daemon won). */
  createTick(tick: NewTick): Promise<TickRecord | null>;
  updateTick(tickId: number, update: TickUpdate): Promise<TickRecord>;
  /**
   * An instigator's ticks, newest tick time first (then newest id), at most `limit` (default 100);
   * with `before`, only those after that tick in this order (the next page).
   */
  listTicks(instigatorName: string, options?: TickListOptions): Promise<TickRecord[]>;
}

/**
 * Partitions and backfills: the keys of dynamic partitions, and backfills with their partitions.
 * Tables: dynamic_partitions, backfills, backfill_partitions.
 */
export interface PartitionStorage {
  /** Stored keys of dynamic partitions `name`, in the order they were added. */
  dynamicPartitionKeys(name: string): Promise<string[]>;
  /** Adds keys to dynamic partitions `name`; keys present already are ignored. */
  addDynamicPartitions(name: string, keys: readonly string[]): Promise<void>;
  /** Removes keys from dynamic partitions `name`; absent keys are ignored. */
  removeDynamicPartitions(name: string, keys: readonly string[]): Promise<void>;

  /** Creates a backfill (status REQUESTED) and its PENDING partitions in one transaction. */
  createBackfill(backfill: NewBackfill): Promise<BackfillRecord>;
  getBackfill(backfillId: string): Promise<BackfillRecord | null>;
  /** Newest first. */
  listBackfills(filter?: { statuses?: BackfillStatus[]; limit?: number }): Promise<BackfillRecord[]>;
  /** Moves a backfill from one of `from` to `to`; false when it is in another status. */
  transitionBackfill(backfillId: string, from: BackfillStatus[], to: BackfillStatus, error?: string | null): Promise<boolean>;
  /** Partitions of a backfill in launch order, optionally only some statuses, at most `limit`. */
  getBackfillPartitions(backfillId: string, options?: { statuses?: BackfillPartitionStatus[]; limit?: number }): Promise<BackfillPartitionRecord[]>;
  /**
   * Sets the status of some partitions of a backfill. `runId` is recorded when given;
   * `bumpAttempt` adds 1 to their attempt (a lost run is launched again under a new run key).
   */
  setBackfillPartitions(
    backfillId: string,
    keys: readonly string[],
    status: BackfillPartitionStatus,
    options?: { runId?: string | null; bumpAttempt?: boolean },
  ): Promise<void>;
  getBackfillProgress(backfillId: string): Promise<BackfillProgress>;
}

/** Daemon heartbeats: which daemon processes are alive. Table: daemon_heartbeats. */
export interface DaemonStorage {
  /** Records that a daemon process is alive. */
  recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void>;
  listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]>;
}

/** The freshness state last recorded for one asset (see {@link FreshnessStorage}). */
export interface AssetFreshnessRecord {
  assetKey: AssetKey;
  /** `FRESH`, `WARN`, `STALE` or `UNKNOWN` (the evaluator's states, runtime/src/freshness). */
  state: string;
  /** ISO 8601 instant the state was recorded. */
  since: string;
}

/**
 * The last known freshness state of each asset with a freshness policy, so that a change of state
 * is noticed (and notified) once, whichever of the daemons sharing the storage sees it first.
 * Table: asset_freshness.
 */
export interface FreshnessStorage {
  /** Every recorded state, ordered by asset key. */
  listAssetFreshness(): Promise<AssetFreshnessRecord[]>;
  /**
   * Records `next` for the asset if its recorded state is still `expected` (null: no state recorded
   * yet) and resolves true; resolves false, changing nothing, when another process recorded a
   * state first. A compare-and-set: of several daemons that saw the same change, exactly one wins.
   */
  transitionAssetFreshness(assetKey: AssetKey, expected: string | null, next: string, at: string): Promise<boolean>;
}

/** Where an automation tick is. STARTED: claimed, evaluating; EVALUATED: evaluations stored, runs launching. */
export type AutomationTickStatus = "STARTED" | "EVALUATED" | "SUCCESS" | "SKIPPED" | "FAILURE";

/** A run an automation tick launches (stored before launching, so a retried tick launches the same runs). */
export interface AutomationLaunch {
  /** Unique within the automation instigator: the run is created at most once. */
  runKey: string;
  selection: string;
  assetKeys: string[];
  /** Empty for unpartitioned assets. */
  partitionKeys: string[];
}

/** One automation tick: one evaluation of every asset with a condition, claimed by one daemon. */
export interface AutomationTickRecord {
  tickId: number;
  /** The tick's instant (ISO 8601): unique, so one daemon claims it. */
  tickTime: string;
  status: AutomationTickStatus;
  /** The daemon that claimed it (last). */
  daemonId: string;
  launches: AutomationLaunch[];
  runIds: string[];
  /** Why it was skipped or failed, or what recovered it. */
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One asset's evaluation on one tick, as stored. */
export interface AutomationEvaluationRecord {
  evaluationId: number;
  tickId: number;
  assetKey: AssetKey;
  evaluatedAt: string;
  requested: boolean;
  /** The partitions requested (empty for an unpartitioned asset). */
  partitions: string[];
  runKey: string | null;
  runId: string | null;
  reason: string;
  /** The evaluated condition tree (each node's result), or null when it could not be evaluated. */
  tree: unknown;
}

/** A new evaluation (see {@link AutomationStorage.recordAutomationEvaluations}). */
export type NewAutomationEvaluation = Omit<AutomationEvaluationRecord, "evaluationId" | "tickId" | "runId">;

/**
 * Declarative automation: its ticks (one per instant across daemons), each asset's evaluations
 * (the explanations) and each asset's state for its next evaluation.
 * Tables: automation_ticks, automation_evaluations, automation_asset_states.
 */
export interface AutomationStorage {
  /** Creates the tick of `tickTime` (status STARTED); resolves null when it exists (another daemon has it). */
  createAutomationTick(tick: { tickTime: string; daemonId: string }): Promise<AutomationTickRecord | null>;
  /**
   * Takes over a tick whose daemon stopped: succeeds (true) only while its `updatedAt` is still
   * `expectedUpdatedAt`, so two daemons cannot both take it over.
   */
  reclaimAutomationTick(tickId: number, expectedUpdatedAt: string, daemonId: string): Promise<AutomationTickRecord | null>;
  updateAutomationTick(tickId: number, update: { status?: AutomationTickStatus; runIds?: string[]; reason?: string | null }): Promise<AutomationTickRecord>;
  /** Newest first. */
  listAutomationTicks(options?: { statuses?: AutomationTickStatus[]; limit?: number }): Promise<AutomationTickRecord[]>;
  /**
   * Stores a tick's evaluations, each asset's new state and the runs to launch, and moves the tick
   * to EVALUATED, in one transaction.
   */
  recordAutomationEvaluations(
    tickId: number,
    record: { evaluations: NewAutomationEvaluation[]; states: { assetKey: AssetKey; state: unknown }[]; launches: AutomationLaunch[] },
  ): Promise<void>;
  /** Sets the run of the evaluations of a tick that share a run key. */
  setAutomationRunIds(tickId: number, runIdsByRunKey: Record<string, string>): Promise<void>;
  /** Each asset's state from its latest evaluation (all assets when `keys` is omitted). */
  getAutomationStates(keys?: AssetKey[]): Promise<Map<AssetKey, unknown>>;
  /** Evaluations of one asset, newest first, before the evaluation id `beforeId` when given. */
  listAutomationEvaluations(assetKey: AssetKey, options?: { limit?: number; beforeId?: number }): Promise<AutomationEvaluationRecord[]>;
  /**
   * Deletes evaluations older than `olderThan` (ISO 8601), keeping the newest `keepPerAsset` of
   * each asset whatever their age, and ended ticks older than `olderThan`. Resolves to the number
   * of evaluations deleted.
   */
  pruneAutomation(options: { olderThan: string; keepPerAsset: number }): Promise<number>;
}

/** What a storage does as a whole: its dialect, migrations, health, and closing. */
export interface StorageLifecycle {
  readonly dialect: "sqlite" | "postgres";

  /** Applies pending migrations. Throws `StorageVersionError` when the database is newer. */
  migrate(): Promise<void>;
  /** The highest migration applied to the database (0 for an empty one). */
  schemaVersion(): Promise<number>;
  /** Resolves when the database answers; rejects (StorageConnectionError) when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The storage port: everything Tributary persists goes through this interface, the combination of
 * one port per concern ({@link RunStorage}, {@link EventStorage}, {@link ScheduleStorage},
 * {@link PartitionStorage}, {@link DaemonStorage}, {@link FreshnessStorage}) and the {@link StorageLifecycle}. Implemented by
 * {@link PartitionStorage}, {@link DaemonStorage}, {@link AutomationStorage}) and the {@link StorageLifecycle}. Implemented by
 * SQLite (embedded default) and PostgreSQL, each concern in a module of its own over the backend's
 * one connection; one conformance suite per concern runs against both. Code that needs one concern
 * only can take that port (a test double then implements just that).
 *
 * Contract for every implementation: timestamps are ISO 8601 strings in UTC, returned exactly as given.
 */
export interface Storage extends StorageLifecycle, RunStorage, EventStorage, ScheduleStorage, PartitionStorage, DaemonStorage, FreshnessStorage {}
export interface Storage extends StorageLifecycle, RunStorage, EventStorage, ScheduleStorage, PartitionStorage, DaemonStorage, AutomationStorage {}
