/**
 * Events and asset state on SQLite: event batches (written by ./eventBatch, with the run's update
 * that rides on a batch), run ends with the claim that refills their slots, and the asset state
 * derived from the events.
 */
import type { AssetKey, CheckResultRecord, MaterializationRecord, RunEvent, RunStatus, StoredRunEvent } from "../../types";
import type { AppendEventsOptions, AssetPartitionRecord, EndRunsResult, EventStorage, RunClaim, RunEnd, RunEventQuery, RunEventStats, RunUpdateRequest } from "../port";
import { LIFECYCLE_EVENT_TYPES, runEventsStatement } from "../filters";
import { RunStatusConflictError, runNotFound } from "../errors";
import {
  lastIdempotencyKey,
  nullableText,
  rowToAssetPartition,
  rowToCheckResult,
  eventToCheckResult,
  eventToMaterialization,
  rowToEvent,
  rowToMaterialization,
  runUpdateAssignments,
  statsFromCounts,
  validateRunEvent,
  type Row,
} from "../rows";
import { claimOldest } from "./claims";
import type { SqliteConnection } from "./connection";
import { writeEventBatch } from "./eventBatch";

/** The {@link EventStorage} of a SqliteStorage. */
export class SqliteEvents implements EventStorage {
  constructor(private readonly connection: SqliteConnection) {}

  async appendEvents(events: RunEvent[], options: AppendEventsOptions = {}): Promise<void> {
    const runUpdate = options.runUpdate;
    if (events.length === 0 && !runUpdate) return;
    events.forEach(validateRunEvent);
    // One transaction: the events, their derived rows and the run's update commit together or not at all.
    this.connection.db.transaction(() => this.writeBatch(events, runUpdate)).immediate();
  }

  async endRunsAndClaim(ends: RunEnd[], claim: RunClaim): Promise<EndRunsResult> {
    ends.forEach((end) => end.events.forEach(validateRunEvent));
    const failed = new Map<string, Error>();
    const { db, statement } = this.connection;
    // One transaction; each end in a savepoint of its own, so one run's refused update rolls back
    // only that run's batch. The claim commits either way.
    const claimed = db
      .transaction(() => {
        for (const end of ends) {
          try {
            db.transaction(() => this.writeBatch(end.events, end.runUpdate))();
          } catch (error) {
            failed.set(end.runUpdate.runId, error as Error);
          }
        }
        return claimOldest(statement, claim.workerId, claim.limit, true);
      })
      .immediate();
    return { claimed, failed };
  }

  /** Writes a batch and its run's update; call inside a transaction. */
  private writeBatch(events: RunEvent[], runUpdate: RunUpdateRequest | undefined): void {
    const { db, statement } = this.connection;
    // A run's end written before (the same batch again: the caller never heard back) is done.
    const lastKey = runUpdate ? lastIdempotencyKey(events, runUpdate.runId) : undefined;
    if (lastKey !== undefined && statement("SELECT 1 FROM events WHERE run_id = ? AND idempotency_key = ?").get(runUpdate!.runId, lastKey)) return;
    if (events.length > 0) writeEventBatch(statement, events);
    if (!runUpdate) return;
    const assignments = runUpdateAssignments(runUpdate.update);
    if (assignments.length === 0) return;
    const from = runUpdate.from;
    // With `from`, a compare-and-set on the status (see AppendEventsOptions).
    const condition = from ? ` AND status IN (${from.map(() => "?").join(", ")})` : "";
    const changed = db
      .prepare(`UPDATE runs SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE run_id = ?${condition}`)
      .run(...assignments.map(([, value]) => value), runUpdate.runId, ...(from ?? [])).changes;
    if (changed === 0) {
      const run = statement("SELECT status, error FROM runs WHERE run_id = ?").get(runUpdate.runId) as Row | undefined;
      throw run ? new RunStatusConflictError(runUpdate.runId, run.status as RunStatus, nullableText(run.error)) : runNotFound(runUpdate.runId);
    }
  }

  async getRunEvents(runId: string, options: RunEventQuery = {}): Promise<StoredRunEvent[]> {
    const { sql, values } = runEventsStatement("sqlite", runId, options);
    // The streams', the steps' and the pages' usual reads keep their prepared statement; a filter
    // by steps, text or a set of types is prepared each time: clients can make any number of those.
    const usual = !options.stepKeys && options.text === undefined && (!options.types || options.types === LIFECYCLE_EVENT_TYPES);
    return ((usual ? this.connection.statement(sql) : this.connection.db.prepare(sql)).all(...values) as Row[]).map(rowToEvent);
  }

  async getRunEventStats(runId: string): Promise<RunEventStats> {
    return statsFromCounts(this.connection.statement("SELECT type, level, count, first_id, last_id FROM run_event_counts WHERE run_id = ?").all(runId) as Row[]);
  }

  async getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]> {
    const { statement } = this.connection;
    const rows = (
      keys === undefined
        ? statement("SELECT * FROM asset_latest_materializations ORDER BY asset_key").all()
        : statement(
            "SELECT * FROM asset_latest_materializations WHERE asset_key IN (SELECT value FROM json_each(?)) ORDER BY asset_key",
          ).all(JSON.stringify(keys))
    ) as Row[];
    return rows.map(rowToMaterialization);
  }

  async getAssetMaterializations(assetKey: AssetKey, options: { beforeEventId?: number; limit?: number } = {}): Promise<MaterializationRecord[]> {
    return this.assetEvents("ASSET_MATERIALIZATION", assetKey, options).map(eventToMaterialization);
  }

  async getAssetCheckEvaluations(assetKey: AssetKey, options: { beforeEventId?: number; limit?: number } = {}): Promise<CheckResultRecord[]> {
    return this.assetEvents("ASSET_CHECK_EVALUATION", assetKey, options).map(eventToCheckResult);
  }

  /** Events of one type about one asset, newest first (the partial indexes of migration 6). */
  private assetEvents(type: string, assetKey: AssetKey, options: { beforeEventId?: number; limit?: number }): StoredRunEvent[] {
    // The type is a literal in the text so that SQLite can use its partial index.
    const rows = this.connection
      .statement(`SELECT * FROM events WHERE type = '${type}' AND json_extract(data, '$.assetKey') = ? AND id < ? ORDER BY id DESC LIMIT ?`)
      .all(assetKey, options.beforeEventId ?? Number.MAX_SAFE_INTEGER, options.limit ?? 50) as Row[];
    return rows.map(rowToEvent);
  }

  async getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]> {
    const { statement } = this.connection;
    const rows = (
      keys === undefined
        ? statement("SELECT * FROM asset_latest_check_results ORDER BY asset_key, check_name").all()
        : statement(
            "SELECT * FROM asset_latest_check_results WHERE asset_key IN (SELECT value FROM json_each(?)) ORDER BY asset_key, check_name",
          ).all(JSON.stringify(keys))
    ) as Row[];
    return rows.map(rowToCheckResult);
  }

  async getAssetPartitions(assetKey: AssetKey, options: { partitionKeys?: readonly string[] } = {}): Promise<AssetPartitionRecord[]> {
    const { statement } = this.connection;
    const rows = (
      options.partitionKeys === undefined
        ? statement("SELECT * FROM asset_partitions WHERE asset_key = ? ORDER BY partition_key").all(assetKey)
        : statement(
            "SELECT * FROM asset_partitions WHERE asset_key = ? AND partition_key IN (SELECT value FROM json_each(?)) ORDER BY partition_key",
          ).all(assetKey, JSON.stringify(options.partitionKeys))
    ) as Row[];
    return rows.map(rowToAssetPartition);
  }
}
