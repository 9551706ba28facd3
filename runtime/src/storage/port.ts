import type {
  AssetKey,
  CheckResultRecord,
  InstigatorState,
  InstigatorStatus,
  MaterializationRecord,
  NewRun,
  RunEvent,
  RunRecord,
  RunStatus,
  StoredRunEvent,
  TickRecord,
  TickStatus,
} from "../types";

/** Filters for {@link Storage.listRuns}. All given filters must match. */
export interface RunFilter {
  statuses?: RunStatus[];
  /** Runs whose planned asset keys include this key. */
  assetKey?: AssetKey;
  instigatorName?: string;
  /** Tag equality filters. */
  tags?: Record<string, string>;
  /** Newest first; default 100. */
  limit?: number;
  /** Only runs created strictly before this run (cursor for paging). */
  beforeRunId?: string;
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

/** A new tick; returned null by {@link Storage.createTick} when (name, tickTime) already exists. */
export interface NewTick {
  instigatorName: string;
  instigatorType: "schedule" | "sensor";
  tickTime: string;
  status: TickStatus;
  cursor?: string | null;
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

/**
 * The storage port: everything Tributary persists goes through this interface. Implemented by
 * SQLite (embedded default) and PostgreSQL; one conformance suite runs against both.
 *
 * Contract for every implementation:
 * - `appendEvents` writes a batch in one transaction and, in the same transaction, updates the
 *   derived latest-materialization and latest-check tables. When it resolves, the events are durable.
 * - Event ids are strictly increasing in append order.
 * - Timestamps are ISO 8601 strings in UTC, returned exactly as given.
 */
export interface Storage {
  readonly dialect: "sqlite" | "postgres";

  /** Applies pending migrations. Throws `StorageVersionError` when the database is newer. */
  migrate(): Promise<void>;
  /** The highest migration applied to the database (0 for an empty one). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;

  createRun(run: NewRun): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord | null>;
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  updateRun(runId: string, update: RunUpdate): Promise<RunRecord>;
  /**
   * Moves a run from one of `from` to `to` atomically; resolves false (and changes nothing) when the
   * run is in another status. Used for cancel races and claims.
   */
  transitionRun(runId: string, from: RunStatus[], to: RunStatus, update?: RunUpdate): Promise<boolean>;
  /** Finds a run by its run key within one instigator (sensor de-duplication). */
  findRunByKey(instigatorName: string, runKey: string): Promise<RunRecord | null>;
  /**
   * Claims up to `limit` QUEUED runs, oldest first, for `workerId`: sets them STARTING. Safe when
   * several processes claim at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimQueuedRuns(workerId: string, limit: number): Promise<RunRecord[]>;
  /** Records a worker's heartbeat on the runs it executes. */
  heartbeatRuns(runIds: string[], at: string): Promise<void>;

  appendEvents(events: RunEvent[]): Promise<void>;
  /** Events of one run in order, after the event id `afterId` (exclusive), at most `limit`. */
  getRunEvents(runId: string, options?: { afterId?: number; limit?: number }): Promise<StoredRunEvent[]>;

  /** Latest materialization per asset (all assets when `keys` is omitted). */
  getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]>;
  /** Latest result per (asset, check) (all when `keys` is omitted). */
  getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]>;

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
  listTicks(instigatorName: string, options?: { limit?: number }): Promise<TickRecord[]>;

  /** Records that a daemon process is alive. */
  recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void>;
  listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]>;
}
