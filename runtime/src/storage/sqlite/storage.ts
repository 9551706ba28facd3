/**
 * The SQLite storage: the embedded default (`.tributary/` next to the project) and the backend of
 * tests (`:memory:`). better-sqlite3 is synchronous; the async port methods simply wrap it.
 * Opening the file is in ./connection, writing event batches in ./eventBatch.
 */
import Database from "better-sqlite3";
import type { AssetKey, CheckResultRecord, InstigatorState, MaterializationRecord, NewRun, RunEvent, RunRecord, RunStatus, StoredRunEvent, TickRecord } from "../../types";
import { assertDatabaseNotNewer, latestVersion, pendingMigrations } from "../migrations";
import type {
  AssetPartitionRecord,
  BackfillPartitionRecord,
  BackfillPartitionStatus,
  BackfillProgress,
  BackfillRecord,
  BackfillStatus,
  NewBackfill,
  NewTick,
  RunFilter,
  RunUpdate,
  Storage,
  TickUpdate,
  AppendEventsOptions,
  EndRunsResult,
  RunClaim,
  RunEnd,
  RunUpdateRequest,
  ClaimOptions,
} from "../port";
import { RunConflictError, RunStatusConflictError, StorageNotFoundError, retryTaken } from "../errors";
import {
  lastIdempotencyKey,
  rowToAssetPartition,
  nowIso,
  nullableText,
  rowToCheckResult,
  rowToDaemonHeartbeat,
  rowToEvent,
  rowToInstigatorState,
  rowToMaterialization,
  rowToRun,
  rowToTick,
  runUpdateAssignments,
  tickUpdateAssignments,
  toJson,
  validateRunEvent,
  type Row,
} from "../rows";
import { openDatabase, statementCache, type PrepareStatement } from "./connection";
import { writeEventBatch } from "./eventBatch";
import { SqliteBackfills } from "./backfills";
import { claimOldest, claimWithinLimits } from "./claims";
import { SQLITE_MIGRATIONS } from "./migrations";

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * How long a write waits for another process's lock before failing with SQLITE_BUSY.
   * @defaultValue 10000
   */
  busyTimeoutMs?: number;
}

/**
 * {@link Storage} on a SQLite file (or `:memory:`).
 *
 * @example
 * ```ts
 * const storage = new SqliteStorage(".tributary/tributary.db");
 * await storage.migrate();
 * ```
 */
export class SqliteStorage implements Storage {
  readonly dialect = "sqlite" as const;
  /** The database file, or `:memory:`. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statement: PrepareStatement;
  private readonly backfills: SqliteBackfills;

  constructor(path: string, options: SqliteStorageOptions = {}) {
    this.path = path;
    this.db = openDatabase(path, options.busyTimeoutMs ?? 10_000);
    this.statement = statementCache(this.db);
    this.backfills = new SqliteBackfills(this.db, this.statement);
  }

  /** The underlying better-sqlite3 connection, for tools and tests. */
  get database(): Database.Database {
    return this.db;
  }

  async migrate(): Promise<void> {
    const apply = this.db.transaction(() => {
      this.db.exec(
        "CREATE TABLE IF NOT EXISTS tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
      );
      const current = this.readVersion();
      assertDatabaseNotNewer(current, SQLITE_MIGRATIONS, `in ${this.path}`);
      for (const migration of pendingMigrations(current, SQLITE_MIGRATIONS)) {
        this.db.exec(migration.sql);
        this.db
          .prepare("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, nowIso());
      }
    });
    // IMMEDIATE takes the write lock up front, so two processes migrating at once run one after the
    // other and the second sees the first's versions.
    apply.immediate();
  }

  async schemaVersion(): Promise<number> {
    return this.readVersion();
  }

  async ping(): Promise<void> {
    this.statement("SELECT 1").get();
  }

  /** The code's newest migration version. */
  get supportedVersion(): number {
    return latestVersion(SQLITE_MIGRATIONS);
  }

  private readVersion(): number {
    const table = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tributary_schema_migrations'")
      .get();
    if (!table) return 0;
    const row = this.db.prepare("SELECT MAX(version) AS version FROM tributary_schema_migrations").get() as Row;
    return Number(row.version ?? 0);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const runKey = run.runKey ?? run.instigator?.runKey ?? null;
    try {
      const row = this.statement(
        `INSERT INTO runs (run_id, status, selection, asset_keys, tags, run_key, instigator, instigator_name, attempt, parent_run_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ).get(
        run.runId,
        run.status,
        run.selection,
        JSON.stringify(run.assetKeys),
        JSON.stringify(run.tags ?? {}),
        runKey,
        toJson(run.instigator),
        run.instigator?.name ?? null,
        run.attempt ?? 1,
        run.parentRunId ?? null,
        nowIso(),
      ) as Row;
      return rowToRun(row);
    } catch (error) {
      throw this.runConflict(error, run, runKey);
    }
  }

  private runConflict(error: unknown, run: NewRun, runKey: string | null): unknown {
    const code = (error as { code?: string }).code;
    if (code !== "SQLITE_CONSTRAINT_UNIQUE" && code !== "SQLITE_CONSTRAINT_PRIMARYKEY") return error;
    if (String((error as Error).message).includes("runs.run_id")) {
      return new RunConflictError(`A run with id ${run.runId} exists already`, "runId", error);
    }
    if (String((error as Error).message).includes("runs.parent_run_id")) return retryTaken(run, error);
    return new RunConflictError(
      `Instigator ${run.instigator?.name} already launched a run with run key "${runKey}"`,
      "runKey",
      error,
    );
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const row = this.statement("SELECT * FROM runs WHERE run_id = ?").get(runId) as Row | undefined;
    return row ? rowToRun(row) : null;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses) {
      if (filter.statuses.length === 0) return [];
      conditions.push(`status IN (${filter.statuses.map(() => "?").join(", ")})`);
      params.push(...filter.statuses);
    }
    if (filter.assetKey !== undefined) {
      conditions.push("EXISTS (SELECT 1 FROM json_each(runs.asset_keys) WHERE json_each.value = ?)");
      params.push(filter.assetKey);
    }
    if (filter.instigatorName !== undefined) {
      conditions.push("instigator_name = ?");
      params.push(filter.instigatorName);
    }
    for (const [key, value] of Object.entries(filter.tags ?? {})) {
      conditions.push("EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.key = ? AND json_each.value = ?)");
      params.push(key, value);
    }
    if (filter.beforeRunId !== undefined) {
      conditions.push("seq < (SELECT seq FROM runs WHERE run_id = ?)");
      params.push(filter.beforeRunId);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    params.push(filter.limit ?? 100);
    const rows = this.db.prepare(`SELECT * FROM runs ${where} ORDER BY seq DESC LIMIT ?`).all(...params) as Row[];
    return rows.map(rowToRun);
  }

  async updateRun(runId: string, update: RunUpdate): Promise<RunRecord> {
    const assignments = runUpdateAssignments(update);
    const row =
      assignments.length === 0
        ? (this.statement("SELECT * FROM runs WHERE run_id = ?").get(runId) as Row | undefined)
        : (this.db
            .prepare(`UPDATE runs SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE run_id = ? RETURNING *`)
            .get(...assignments.map(([, value]) => value), runId) as Row | undefined);
    if (!row) throw runNotFound(runId);
    return rowToRun(row);
  }

  async transitionRun(runId: string, from: readonly RunStatus[], to: RunStatus, update: RunUpdate = {}): Promise<boolean> {
    if (from.length === 0) return false;
    const assignments = runUpdateAssignments({ ...update, status: to });
    const result = this.db
      .prepare(
        `UPDATE runs SET ${assignments.map(([column]) => `${column} = ?`).join(", ")}
         WHERE run_id = ? AND status IN (${from.map(() => "?").join(", ")})`,
      )
      .run(...assignments.map(([, value]) => value), runId, ...from);
    return result.changes === 1;
  }

  async findRunByKey(instigatorName: string, runKey: string): Promise<RunRecord | null> {
    const row = this.statement("SELECT * FROM runs WHERE instigator_name = ? AND run_key = ?").get(instigatorName, runKey) as
      | Row
      | undefined;
    return row ? rowToRun(row) : null;
  }

  async claimQueuedRuns(workerId: string, limit: number, options: ClaimOptions = {}): Promise<RunRecord[]> {
    if (limit > 0 && ((options.tagLimits && options.tagLimits.length > 0) || options.maxInProgress !== undefined)) {
      return claimWithinLimits(this.db, this.statement, workerId, limit, options.start ?? false, options.tagLimits ?? [], options.maxInProgress);
    }
    return claimOldest(this.statement, workerId, limit, options.start ?? false);
  }

  async heartbeatRuns(runIds: string[], at: string): Promise<void> {
    if (runIds.length === 0) return;
    this.statement("UPDATE runs SET heartbeat_at = ? WHERE run_id IN (SELECT value FROM json_each(?))").run(
      at,
      JSON.stringify(runIds),
    );
  }

  async appendEvents(events: RunEvent[], options: AppendEventsOptions = {}): Promise<void> {
    const runUpdate = options.runUpdate;
    if (events.length === 0 && !runUpdate) return;
    events.forEach(validateRunEvent);
    // One transaction: the events, their derived rows and the run's update commit together or not at all.
    this.db.transaction(() => this.writeBatch(events, runUpdate)).immediate();
  }

  async endRunsAndClaim(ends: RunEnd[], claim: RunClaim): Promise<EndRunsResult> {
    ends.forEach((end) => end.events.forEach(validateRunEvent));
    const failed = new Map<string, Error>();
    // One transaction; each end in a savepoint of its own, so one run's refused update rolls back
    // only that run's batch. The claim commits either way.
    const claimed = this.db
      .transaction(() => {
        for (const end of ends) {
          try {
            this.db.transaction(() => this.writeBatch(end.events, end.runUpdate))();
          } catch (error) {
            failed.set(end.runUpdate.runId, error as Error);
          }
        }
        return claimOldest(this.statement, claim.workerId, claim.limit, true);
      })
      .immediate();
    return { claimed, failed };
  }

  /** Writes a batch and its run's update; call inside a transaction. */
  private writeBatch(events: RunEvent[], runUpdate: RunUpdateRequest | undefined): void {
    // A run's end written before (the same batch again: the caller never heard back) is done.
    const lastKey = runUpdate ? lastIdempotencyKey(events, runUpdate.runId) : undefined;
    if (lastKey !== undefined && this.statement("SELECT 1 FROM events WHERE run_id = ? AND idempotency_key = ?").get(runUpdate!.runId, lastKey)) return;
    if (events.length > 0) writeEventBatch(this.statement, events);
    if (!runUpdate) return;
    const assignments = runUpdateAssignments(runUpdate.update);
    if (assignments.length === 0) return;
    const from = runUpdate.from;
    // With `from`, a compare-and-set on the status (see AppendEventsOptions).
    const condition = from ? ` AND status IN (${from.map(() => "?").join(", ")})` : "";
    const changed = this.db
      .prepare(`UPDATE runs SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE run_id = ?${condition}`)
      .run(...assignments.map(([, value]) => value), runUpdate.runId, ...(from ?? [])).changes;
    if (changed === 0) {
      const run = this.statement("SELECT status, error FROM runs WHERE run_id = ?").get(runUpdate.runId) as Row | undefined;
      throw run ? new RunStatusConflictError(runUpdate.runId, run.status as RunStatus, nullableText(run.error)) : runNotFound(runUpdate.runId);
    }
  }

  async getRunEvents(runId: string, options: { afterId?: number; limit?: number } = {}): Promise<StoredRunEvent[]> {
    // LIMIT -1 is SQLite for "no limit".
    const rows = this.statement("SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?").all(
      runId,
      options.afterId ?? 0,
      options.limit ?? -1,
    ) as Row[];
    return rows.map(rowToEvent);
  }

  async getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]> {
    const rows = (
      keys === undefined
        ? this.statement("SELECT * FROM asset_latest_materializations ORDER BY asset_key").all()
        : this.statement(
            "SELECT * FROM asset_latest_materializations WHERE asset_key IN (SELECT value FROM json_each(?)) ORDER BY asset_key",
          ).all(JSON.stringify(keys))
    ) as Row[];
    return rows.map(rowToMaterialization);
  }

  async getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]> {
    const rows = (
      keys === undefined
        ? this.statement("SELECT * FROM asset_latest_check_results ORDER BY asset_key, check_name").all()
        : this.statement(
            "SELECT * FROM asset_latest_check_results WHERE asset_key IN (SELECT value FROM json_each(?)) ORDER BY asset_key, check_name",
          ).all(JSON.stringify(keys))
    ) as Row[];
    return rows.map(rowToCheckResult);
  }

  async getInstigatorState(name: string): Promise<InstigatorState | null> {
    const row = this.statement("SELECT * FROM instigator_states WHERE name = ?").get(name) as Row | undefined;
    return row ? rowToInstigatorState(row) : null;
  }

  async setInstigatorState(state: Parameters<Storage["setInstigatorState"]>[0]): Promise<InstigatorState> {
    // An omitted cursor keeps the stored one (starting a sensor must not reset where it was).
    const row = this.statement(
      `INSERT INTO instigator_states (name, type, status, cursor, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type, status = excluded.status,
         cursor = CASE WHEN ? THEN excluded.cursor ELSE instigator_states.cursor END, updated_at = excluded.updated_at
       RETURNING *`,
    ).get(state.name, state.type, state.status, state.cursor ?? null, nowIso(), state.cursor === undefined ? 0 : 1) as Row;
    return rowToInstigatorState(row);
  }

  async listInstigatorStates(): Promise<InstigatorState[]> {
    return (this.statement("SELECT * FROM instigator_states ORDER BY name").all() as Row[]).map(rowToInstigatorState);
  }

  async createTick(tick: NewTick): Promise<TickRecord | null> {
    const now = nowIso();
    const row = this.statement(
      `INSERT INTO ticks (instigator_name, instigator_type, tick_time, status, cursor, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instigator_name, tick_time) DO NOTHING
       RETURNING *`,
    ).get(tick.instigatorName, tick.instigatorType, tick.tickTime, tick.status, tick.cursor ?? null, now, now) as Row | undefined;
    return row ? rowToTick(row) : null;
  }

  async updateTick(tickId: number, update: TickUpdate): Promise<TickRecord> {
    const assignments: [string, unknown][] = [...tickUpdateAssignments(update), ["updated_at", nowIso()]];
    const row = this.db
      .prepare(`UPDATE ticks SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE tick_id = ? RETURNING *`)
      .get(...assignments.map(([, value]) => value), tickId) as Row | undefined;
    if (!row) {
      throw new StorageNotFoundError(`Cannot update tick ${tickId}: no such tick`, {
        hint: "Use the tickId returned by createTick().",
      });
    }
    return rowToTick(row);
  }

  async listTicks(instigatorName: string, options: { limit?: number } = {}): Promise<TickRecord[]> {
    const rows = this.statement(
      "SELECT * FROM ticks WHERE instigator_name = ? ORDER BY tick_time DESC, tick_id DESC LIMIT ?",
    ).all(instigatorName, options.limit ?? 100) as Row[];
    return rows.map(rowToTick);
  }

  async recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void> {
    this.statement(
      `INSERT INTO daemon_heartbeats (daemon_id, info, at) VALUES (?, ?, ?)
       ON CONFLICT (daemon_id) DO UPDATE SET info = excluded.info, at = excluded.at`,
    ).run(daemonId, JSON.stringify(info), at);
  }

  async listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]> {
    return (this.statement("SELECT * FROM daemon_heartbeats ORDER BY daemon_id").all() as Row[]).map(rowToDaemonHeartbeat);
  }

  async dynamicPartitionKeys(name: string): Promise<string[]> {
    const rows = this.statement("SELECT partition_key FROM dynamic_partitions WHERE name = ? ORDER BY seq").all(name) as Row[];
    return rows.map((row) => String(row.partition_key));
  }

  async addDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    const insert = this.statement(
      `INSERT INTO dynamic_partitions (name, partition_key, seq, added_at)
       VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM dynamic_partitions), ?)
       ON CONFLICT (name, partition_key) DO NOTHING`,
    );
    const now = nowIso();
    this.db.transaction(() => keys.forEach((key) => insert.run(name, key, now))).immediate();
  }

  async removeDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    this.statement("DELETE FROM dynamic_partitions WHERE name = ? AND partition_key IN (SELECT value FROM json_each(?))").run(name, JSON.stringify(keys));
  }

  async getAssetPartitions(assetKey: AssetKey, options: { partitionKeys?: readonly string[] } = {}): Promise<AssetPartitionRecord[]> {
    const rows = (
      options.partitionKeys === undefined
        ? this.statement("SELECT * FROM asset_partitions WHERE asset_key = ? ORDER BY partition_key").all(assetKey)
        : this.statement(
            "SELECT * FROM asset_partitions WHERE asset_key = ? AND partition_key IN (SELECT value FROM json_each(?)) ORDER BY partition_key",
          ).all(assetKey, JSON.stringify(options.partitionKeys))
    ) as Row[];
    return rows.map(rowToAssetPartition);
  }

  async createBackfill(backfill: NewBackfill): Promise<BackfillRecord> {
    return this.backfills.createBackfill(backfill);
  }

  async getBackfill(backfillId: string): Promise<BackfillRecord | null> {
    return this.backfills.getBackfill(backfillId);
  }

  async listBackfills(filter: { statuses?: BackfillStatus[]; limit?: number } = {}): Promise<BackfillRecord[]> {
    return this.backfills.listBackfills(filter);
  }

  async transitionBackfill(backfillId: string, from: BackfillStatus[], to: BackfillStatus, error?: string | null): Promise<boolean> {
    return this.backfills.transitionBackfill(backfillId, from, to, error);
  }

  async getBackfillPartitions(backfillId: string, options: { statuses?: BackfillPartitionStatus[]; limit?: number } = {}): Promise<BackfillPartitionRecord[]> {
    return this.backfills.getBackfillPartitions(backfillId, options);
  }

  async setBackfillPartitions(backfillId: string, keys: readonly string[], status: BackfillPartitionStatus, options: { runId?: string | null; bumpAttempt?: boolean } = {}): Promise<void> {
    return this.backfills.setBackfillPartitions(backfillId, keys, status, options);
  }

  async getBackfillProgress(backfillId: string): Promise<BackfillProgress> {
    return this.backfills.getBackfillProgress(backfillId);
  }
}

/** The error of updating a run that does not exist. */
function runNotFound(runId: string): StorageNotFoundError {
  return new StorageNotFoundError(`Cannot update run ${runId}: no such run`, {
    hint: "Create the run with createRun() first, or check the run id.",
  });
}
