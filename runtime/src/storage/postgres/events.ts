/**
 * Events and asset state on PostgreSQL: event batches (one statement each, or chunks in one
 * transaction past EVENT_CHUNK_SIZE: ./eventBatch), with the run's update that rides on a batch;
 * run ends with the claim that refills their slots, in one statement; and the asset state derived
 * from the events.
 */
import type { AssetKey, CheckResultRecord, MaterializationRecord, RunEvent, RunStatus, StoredRunEvent } from "../../types";
import type { AppendEventsOptions, AssetPartitionRecord, EndRunsResult, EventStorage, RunClaim, RunEnd, RunEventQuery, RunEventStats, RunUpdateRequest } from "../port";
import { runEventsStatement } from "../filters";
import { RunStatusConflictError, StorageConnectionError, runNotFound } from "../errors";
import {
  lastIdempotencyKey,
  nullableText,
  rowToAssetPartition,
  rowToCheckResult,
  eventToCheckResult,
  eventToMaterialization,
  rowToEvent,
  rowToMaterialization,
  rowToRun,
  runUpdateAssignments,
  statsFromCounts,
  validateRunEvent,
  type Row,
} from "../rows";
import type { PostgresClaims } from "./claims";
import { withClient, withTransaction, type PostgresConnection } from "./connection";
import { chunksOf, EVENT_CHUNK_SIZE, writeBatchInOneStatement, type BatchRunUpdate } from "./eventBatch";

/** The {@link EventStorage} of a PostgresStorage. */
export class PostgresEvents implements EventStorage {
  constructor(
    private readonly connection: PostgresConnection,
    /** The storage's claims (endRunsAndClaim claims from their frontier). */
    private readonly claims: PostgresClaims,
  ) {}

  async appendEvents(events: RunEvent[], options: AppendEventsOptions = {}): Promise<void> {
    events.forEach(validateRunEvent);
    await this.appendValidated(events, batchUpdate(options.runUpdate));
  }

  /** appendEvents for events validated already. */
  private async appendValidated(events: RunEvent[], update: BatchRunUpdate | undefined): Promise<void> {
    if (events.length === 0 && !update) return;
    if (events.length <= EVENT_CHUNK_SIZE) {
      // One statement is its own transaction (and holds its run lock to its end): no BEGIN or COMMIT.
      const written = await withClient(this.connection.pool, this.connection.url, (client) =>
        writeBatchInOneStatement(client, events, this.connection.statements, update ? [update] : []),
      );
      if (update && !written.updated.has(update.runId)) {
        const refused = await this.runUpdateRefused(update.runId, events);
        if (refused) throw refused;
      }
      return;
    }
    await this.writeInChunks(events, update);
  }

  async endRunsAndClaim(ends: RunEnd[], claim: RunClaim): Promise<EndRunsResult> {
    ends.forEach((end) => end.events.forEach(validateRunEvent));
    const failed = new Map<string, Error>();
    const events = ends.flatMap((end) => end.events);
    const updates = ends.flatMap((end) => batchUpdate(end.runUpdate) ?? []);
    if (events.length > EVENT_CHUNK_SIZE) {
      // A large batch: run by run (each in a transaction of its own), then the claim on its own.
      for (const end of ends) {
        await this.appendValidated(end.events, batchUpdate(end.runUpdate)).catch((error: unknown) => {
          // Unreachable: the caller tries all of them again (the ends written already add nothing).
          if (error instanceof StorageConnectionError) throw error;
          failed.set(end.runUpdate.runId, error as Error);
        });
      }
      return { claimed: await this.claims.claim(claim.workerId, claim.limit, { start: true }), failed };
    }
    const after = claim.limit > 0 ? this.claims.frontier.lookAfter() : 0;
    let written: { updated: Set<string>; claimed: Row[] };
    try {
      written = await withClient(this.connection.pool, this.connection.url, (client) =>
        writeBatchInOneStatement(client, events, this.connection.statements, updates, claim.limit > 0 ? { ...claim, after } : undefined),
      );
    } catch (error) {
      // One statement: nothing of it was written, for any of the runs (or, its commit unacknowledged,
      // all of it: written again, it adds nothing).
      if (error instanceof StorageConnectionError) throw error;
      for (const end of ends) failed.set(end.runUpdate.runId, error as Error);
      return { claimed: [], failed };
    }
    if (claim.limit > 0) this.claims.frontier.claimed(after, written.claimed.map((row) => Number(row.seq)), claim.limit);
    for (const end of ends) {
      const runId = end.runUpdate.runId;
      if (written.updated.has(runId) || !batchUpdate(end.runUpdate)) continue;
      const refused = await this.runUpdateRefused(runId, end.events);
      if (refused) failed.set(runId, refused);
    }
    // Claimed runs stand whatever happened to the updates: the caller launches them.
    return { claimed: written.claimed.sort((a, b) => Number(a.seq) - Number(b.seq)).map(rowToRun), failed };
  }

  /** Over EVENT_CHUNK_SIZE events: one transaction of chunks, the run's update on the last one. */
  private async writeInChunks(events: RunEvent[], update: BatchRunUpdate | undefined): Promise<void> {
    const chunks = chunksOf(events);
    let refused = false;
    await withTransaction(this.connection.pool, this.connection.url, async (client) => {
      for (const [index, chunk] of chunks.entries()) {
        // A refused update rolls back the chunks before it.
        const last = index === chunks.length - 1;
        const written = await writeBatchInOneStatement(client, chunk, this.connection.statements, last && update ? [update] : []);
        if (last && update && !written.updated.has(update.runId)) {
          refused = true;
          throw new Error("run update refused");
        }
      }
    }).catch(async (error: unknown) => {
      if (!refused) throw error;
      const why = await this.runUpdateRefused(update!.runId, events);
      if (why) throw why;
    });
  }

  /**
   * Why a conditional run update wrote nothing: the run does not exist, or has moved on. Undefined
   * when this very batch was written before (its commit went unacknowledged, so the caller tried
   * again): its update applied then, and there is nothing to refuse.
   */
  private async runUpdateRefused(runId: string, events: RunEvent[]): Promise<Error | undefined> {
    const { query } = this.connection;
    const lastKey = lastIdempotencyKey(events, runId);
    if (lastKey !== undefined && (await query("SELECT 1 FROM events WHERE run_id = $1 AND idempotency_key = $2", [runId, lastKey])).length > 0) {
      return undefined;
    }
    const [run] = await query("SELECT status, error FROM runs WHERE run_id = $1", [runId]);
    return run ? new RunStatusConflictError(runId, run.status as RunStatus, nullableText(run.error)) : runNotFound(runId);
  }

  async getRunEvents(runId: string, options: RunEventQuery = {}): Promise<StoredRunEvent[]> {
    const { sql, values } = runEventsStatement("postgres", runId, options);
    return (await this.connection.query(sql, values)).map(rowToEvent);
  }

  async getRunEventStats(runId: string): Promise<RunEventStats> {
    return statsFromCounts(await this.connection.query("SELECT type, level, count, first_id, last_id FROM run_event_counts WHERE run_id = $1", [runId]));
  }

  async getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]> {
    const { query } = this.connection;
    const rows =
      keys === undefined
        ? await query("SELECT * FROM asset_latest_materializations ORDER BY asset_key")
        : await query("SELECT * FROM asset_latest_materializations WHERE asset_key = ANY($1::text[]) ORDER BY asset_key", [keys]);
    return rows.map(rowToMaterialization);
  }

  async getAssetMaterializations(assetKey: AssetKey, options: { beforeEventId?: number; limit?: number } = {}): Promise<MaterializationRecord[]> {
    return (await this.assetEvents("ASSET_MATERIALIZATION", assetKey, options)).map(eventToMaterialization);
  }

  async getAssetCheckEvaluations(assetKey: AssetKey, options: { beforeEventId?: number; limit?: number } = {}): Promise<CheckResultRecord[]> {
    return (await this.assetEvents("ASSET_CHECK_EVALUATION", assetKey, options)).map(eventToCheckResult);
  }

  /** Events of one type about one asset, newest first (the partial indexes of migration 7). */
  private async assetEvents(type: string, assetKey: AssetKey, options: { beforeEventId?: number; limit?: number }): Promise<StoredRunEvent[]> {
    // The type is a literal in the text so that the planner matches it to its partial index.
    const rows = await this.connection.query(
      `SELECT * FROM events WHERE type = '${type}' AND data->>'assetKey' = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
      [assetKey, options.beforeEventId ?? Number.MAX_SAFE_INTEGER, options.limit ?? 50],
    );
    return rows.map(rowToEvent);
  }

  async getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]> {
    const { query } = this.connection;
    const rows =
      keys === undefined
        ? await query("SELECT * FROM asset_latest_check_results ORDER BY asset_key, check_name")
        : await query("SELECT * FROM asset_latest_check_results WHERE asset_key = ANY($1::text[]) ORDER BY asset_key, check_name", [keys]);
    return rows.map(rowToCheckResult);
  }

  async getAssetPartitions(assetKey: AssetKey, options: { partitionKeys?: readonly string[] } = {}): Promise<AssetPartitionRecord[]> {
    const { query } = this.connection;
    const rows =
      options.partitionKeys === undefined
        ? await query("SELECT * FROM asset_partitions WHERE asset_key = $1 ORDER BY partition_key", [assetKey])
        : await query("SELECT * FROM asset_partitions WHERE asset_key = $1 AND partition_key = ANY($2::text[]) ORDER BY partition_key", [
            assetKey,
            [...options.partitionKeys],
          ]);
    return rows.map(rowToAssetPartition);
  }
}

/** A run update as the batch statement takes it; undefined when it sets nothing. */
function batchUpdate(runUpdate: RunUpdateRequest | undefined): BatchRunUpdate | undefined {
  if (!runUpdate) return undefined;
  const assignments = runUpdateAssignments(runUpdate.update);
  if (assignments.length === 0) return undefined;
  return { runId: runUpdate.runId, assignments, ...(runUpdate.from ? { from: runUpdate.from } : {}) };
}
