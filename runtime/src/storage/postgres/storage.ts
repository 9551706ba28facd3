/**
 * The PostgreSQL storage: shared by many daemons and workers on many machines. PostgreSQL is the
 * coordination engine: `FOR UPDATE SKIP LOCKED` claims, unique tick keys, an advisory lock around
 * migrations. All tables live in one schema (default `public`), set as each connection's search_path.
 */
import type { Pool, QueryResultRow } from "pg";
import type { AssetKey, CheckResultRecord, InstigatorState, MaterializationRecord, NewRun, RunEvent, RunRecord, RunStatus, StoredRunEvent, TickRecord } from "../../types";
import type { PoolClient } from "pg";
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
import { RunConflictError, RunStatusConflictError, StorageConnectionError, StorageNotFoundError, retryTaken } from "../errors";
import {
  lastIdempotencyKey,
  nowIso,
  rowToAssetPartition,
  rowToCheckResult,
  rowToDaemonHeartbeat,
  rowToEvent,
  rowToInstigatorState,
  rowToRun,
  rowToMaterialization,
  rowToTick,
  runUpdateAssignments,
  tickUpdateAssignments,
  toJson,
  validateRunEvent,
  type Row,
} from "../rows";
import { redactConnectionString } from "../../redact";
import { connectionError, createPool, isConnectionError, withClient, withTransaction } from "./connection";
import { isStalePreparedStatement, PreparedStatementNames } from "./preparedStatements";
import { queueChannel, QueuedRunListener } from "./queueNotifications";
import { PostgresBackfills } from "./backfills";
import { PostgresClaims } from "./claims";
import { chunksOf, EVENT_CHUNK_SIZE, writeBatchInOneStatement, type BatchRunUpdate } from "./eventBatch";
import { POSTGRES_MIGRATIONS } from "./migrations";

/** Options of {@link PostgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * The schema holding Tributary's tables; created by migrate() when missing.
   * @defaultValue "public"
   */
  schema?: string;
  /**
   * Maximum connections of the pool.
   * @defaultValue 10
   */
  maxConnections?: number;
  /**
   * Prepare each distinct statement once per connection (PostgreSQL then parses and plans it once,
   * not on every call). Turn off behind a pooler that cannot keep prepared statements, such as
   * PgBouncer in transaction mode before version 1.21.
   * @defaultValue true
   */
  preparedStatements?: boolean;
}

/**
 * {@link Storage} on PostgreSQL through a `pg` pool.
 *
 * @example
 * ```ts
 * const storage = new PostgresStorage("postgres://tributary@db:5432/tributary", { schema: "tributary" });
 * await storage.migrate();
 * ```
 */
export class PostgresStorage implements Storage {
  readonly dialect = "postgres" as const;
  /** The schema holding the tables. */
  readonly schema: string;
  private readonly url: string;
  private readonly connectionPool: Pool;
  private readonly statements: PreparedStatementNames;
  private readonly claims: PostgresClaims;
  private readonly backfills: PostgresBackfills;

  constructor(url: string, options: PostgresStorageOptions = {}) {
    this.url = url;
    this.schema = options.schema ?? "public";
    this.connectionPool = createPool(url, this.schema, options.maxConnections ?? 10);
    this.statements = new PreparedStatementNames(options.preparedStatements ?? true);
    const context = { pool: this.connectionPool, url, statements: this.statements, query: (sql: string, params: unknown[]) => this.query(sql, params) };
    this.claims = new PostgresClaims(context);
    this.backfills = new PostgresBackfills(context);
  }

  /** The underlying pool, for tools and tests. */
  get pool(): Pool {
    return this.connectionPool;
  }

  /** The URL with its password hidden, for messages. */
  get displayUrl(): string {
    return redactConnectionString(this.url);
  }

  /** The code's newest migration version. */
  get supportedVersion(): number {
    return latestVersion(POSTGRES_MIGRATIONS);
  }

  private async query<T extends QueryResultRow = Row>(sql: string, params: unknown[] = [], options: { unnamed?: boolean } = {}): Promise<T[]> {
    const name = options.unnamed ? undefined : this.statements.nameOf(sql);
    try {
      return (await this.connectionPool.query<T>(name ? { name, text: sql, values: params } : { text: sql, values: params })).rows;
    } catch (error) {
      if (name && isStalePreparedStatement(error)) {
        // A migration by another process changed a table under this statement: this once unnamed;
        // the next call prepares it afresh under a new name.
        this.statements.forget(sql);
        return this.query<T>(sql, params, { unnamed: true });
      }
      throw isConnectionError(error) ? connectionError(this.url, error) : error;
    }
  }

  /** Runs `work` on one pooled connection, outside any explicit transaction. */
  private withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withClient(this.connectionPool, this.url, work);
  }

  /** Checks that the server answers (openStorage calls it when it does not migrate). */
  async ping(): Promise<void> {
    await this.query("SELECT 1");
  }

  async migrate(): Promise<void> {
    await withTransaction(this.connectionPool, this.url, async (client) => {
      // Two processes starting at once would both try to create the same tables; the advisory lock
      // (released at commit) makes the second wait and then find nothing to do.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`tributary_migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
      );
      const current = Number((await client.query("SELECT MAX(version) AS version FROM tributary_schema_migrations")).rows[0]?.version ?? 0);
      assertDatabaseNotNewer(current, POSTGRES_MIGRATIONS, `at ${this.displayUrl} (schema ${this.schema})`);
      for (const migration of pendingMigrations(current, POSTGRES_MIGRATIONS)) {
        await client.query(migration.sql);
        await client.query("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          nowIso(),
        ]);
      }
    });
  }

  async schemaVersion(): Promise<number> {
    const [table] = await this.query("SELECT to_regclass('tributary_schema_migrations') AS name");
    if (!table?.name) return 0;
    const [row] = await this.query("SELECT MAX(version) AS version FROM tributary_schema_migrations");
    return Number(row?.version ?? 0);
  }

  async close(): Promise<void> {
    if (!this.connectionPool.ended) await this.connectionPool.end();
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const runKey = run.runKey ?? run.instigator?.runKey ?? null;
    try {
      const [row] = await this.query(
        // A queued run wakes the coordinators that listen (see listenForQueuedRuns), at commit.
        `INSERT INTO runs (run_id, status, selection, asset_keys, tags, run_key, instigator, instigator_name, attempt, parent_run_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING *, (SELECT pg_notify($12, '') WHERE status = 'QUEUED') IS NULL AS unqueued`,
        [
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
          queueChannel(this.schema),
        ],
      );
      return rowToRun(row!);
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== "23505") throw error;
      if (constraint === "runs_pkey") throw new RunConflictError(`A run with id ${run.runId} exists already`, "runId", error);
      if (constraint === "runs_one_retry_per_run") throw retryTaken(run, error);
      throw new RunConflictError(`Instigator ${run.instigator?.name} already launched a run with run key "${runKey}"`, "runKey", error);
    }
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const [row] = await this.query("SELECT * FROM runs WHERE run_id = $1", [runId]);
    return row ? rowToRun(row) : null;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.statuses) {
      if (filter.statuses.length === 0) return [];
      conditions.push(`status = ANY(${param(filter.statuses)}::text[])`);
    }
    if (filter.assetKey !== undefined) conditions.push(`asset_keys @> jsonb_build_array(${param(filter.assetKey)}::text)`);
    if (filter.instigatorName !== undefined) conditions.push(`instigator_name = ${param(filter.instigatorName)}`);
    if (filter.tags && Object.keys(filter.tags).length > 0) conditions.push(`tags @> ${param(JSON.stringify(filter.tags))}::jsonb`);
    if (filter.beforeRunId !== undefined) conditions.push(`seq < (SELECT seq FROM runs WHERE run_id = ${param(filter.beforeRunId)})`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    const rows = await this.query(`SELECT * FROM runs ${where} ORDER BY seq DESC LIMIT ${param(filter.limit ?? 100)}`, params);
    return rows.map(rowToRun);
  }

  async updateRun(runId: string, update: RunUpdate): Promise<RunRecord> {
    const assignments = runUpdateAssignments(update);
    const sets = assignments.map(([column], index) => `${column} = $${index + 2}`).join(", ");
    const [row] =
      assignments.length === 0
        ? await this.query("SELECT * FROM runs WHERE run_id = $1", [runId])
        : await this.query(`UPDATE runs SET ${sets} WHERE run_id = $1 RETURNING *`, [runId, ...assignments.map(([, value]) => value)]);
    if (!row) {
      throw new StorageNotFoundError(`Cannot update run ${runId}: no such run`, {
        hint: "Create the run with createRun() first, or check the run id.",
      });
    }
    return rowToRun(row);
  }

  async transitionRun(runId: string, from: readonly RunStatus[], to: RunStatus, update: RunUpdate = {}): Promise<boolean> {
    if (from.length === 0) return false;
    const assignments = runUpdateAssignments({ ...update, status: to });
    const sets = assignments.map(([column], index) => `${column} = $${index + 3}`).join(", ");
    // The status condition makes this a compare-and-set: of two racing transitions, one sees the
    // other's new status (READ COMMITTED re-checks the row after waiting for its lock) and changes nothing.
    // A run given back to the queue wakes the coordinators that listen, at commit.
    const notify = to === "QUEUED" ? `, (SELECT pg_notify('${queueChannel(this.schema)}', '')) IS NULL AS unqueued` : "";
    const rows = await this.query(`UPDATE runs SET ${sets} WHERE run_id = $1 AND status = ANY($2::text[]) RETURNING run_id${notify}`, [
      runId,
      from,
      ...assignments.map(([, value]) => value),
    ]);
    return rows.length === 1;
  }

  async findRunByKey(instigatorName: string, runKey: string): Promise<RunRecord | null> {
    const [row] = await this.query("SELECT * FROM runs WHERE instigator_name = $1 AND run_key = $2", [instigatorName, runKey]);
    return row ? rowToRun(row) : null;
  }

  async claimQueuedRuns(workerId: string, limit: number, options: ClaimOptions = {}): Promise<RunRecord[]> {
    return this.claims.claim(workerId, limit, options);
  }

  async listenForQueuedRuns(onQueued: () => void, log: (message: string, error?: Error) => void): Promise<() => Promise<void>> {
    const listener = new QueuedRunListener(this.url, this.schema, onQueued, log);
    await listener.start();
    return () => listener.close();
  }

  async heartbeatRuns(runIds: string[], at: string): Promise<void> {
    if (runIds.length === 0) return;
    await this.query("UPDATE runs SET heartbeat_at = $1 WHERE run_id = ANY($2::text[])", [at, runIds]);
  }

  async appendEvents(events: RunEvent[], options: AppendEventsOptions = {}): Promise<void> {
    events.forEach(validateRunEvent);
    await this.appendValidated(events, batchUpdate(options.runUpdate));
  }

  /** appendEvents for events validated already. */
  private async appendValidated(events: RunEvent[], update: BatchRunUpdate | undefined): Promise<void> {
    if (events.length === 0 && !update) return;
    if (events.length <= EVENT_CHUNK_SIZE) {
      // One statement is its own transaction (and holds its run lock to its end): no BEGIN or COMMIT.
      const written = await this.withClient((client) => writeBatchInOneStatement(client, events, this.statements, update ? [update] : []));
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
      return { claimed: await this.claimQueuedRuns(claim.workerId, claim.limit, { start: true }), failed };
    }
    const after = claim.limit > 0 ? this.claims.frontier.lookAfter() : 0;
    let written: { updated: Set<string>; claimed: Row[] };
    try {
      written = await this.withClient((client) =>
        writeBatchInOneStatement(client, events, this.statements, updates, claim.limit > 0 ? { ...claim, after } : undefined),
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

  /** Over 500 events: one transaction of chunks, the run's update on the last one. */
  private async writeInChunks(events: RunEvent[], update: BatchRunUpdate | undefined): Promise<void> {
    const chunks = chunksOf(events);
    let refused = false;
    await withTransaction(this.connectionPool, this.url, async (client) => {
      for (const [index, chunk] of chunks.entries()) {
        // A refused update rolls back the chunks before it.
        const last = index === chunks.length - 1;
        const written = await writeBatchInOneStatement(client, chunk, this.statements, last && update ? [update] : []);
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
    const lastKey = lastIdempotencyKey(events, runId);
    if (lastKey !== undefined && (await this.query("SELECT 1 FROM events WHERE run_id = $1 AND idempotency_key = $2", [runId, lastKey])).length > 0) {
      return undefined;
    }
    const run = await this.getRun(runId);
    if (run) return new RunStatusConflictError(runId, run.status, run.error);
    return new StorageNotFoundError(`Cannot update run ${runId}: no such run`, {
      hint: "Create the run with createRun() first, or check the run id.",
    });
  }

  async getRunEvents(runId: string, options: { afterId?: number; limit?: number } = {}): Promise<StoredRunEvent[]> {
    // LIMIT NULL is PostgreSQL for "no limit".
    const rows = await this.query("SELECT * FROM events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3", [
      runId,
      options.afterId ?? 0,
      options.limit ?? null,
    ]);
    return rows.map(rowToEvent);
  }

  async getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]> {
    const rows =
      keys === undefined
        ? await this.query("SELECT * FROM asset_latest_materializations ORDER BY asset_key")
        : await this.query("SELECT * FROM asset_latest_materializations WHERE asset_key = ANY($1::text[]) ORDER BY asset_key", [keys]);
    return rows.map(rowToMaterialization);
  }

  async getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]> {
    const rows =
      keys === undefined
        ? await this.query("SELECT * FROM asset_latest_check_results ORDER BY asset_key, check_name")
        : await this.query(
            "SELECT * FROM asset_latest_check_results WHERE asset_key = ANY($1::text[]) ORDER BY asset_key, check_name",
            [keys],
          );
    return rows.map(rowToCheckResult);
  }

  async getInstigatorState(name: string): Promise<InstigatorState | null> {
    const [row] = await this.query("SELECT * FROM instigator_states WHERE name = $1", [name]);
    return row ? rowToInstigatorState(row) : null;
  }

  async setInstigatorState(state: Parameters<Storage["setInstigatorState"]>[0]): Promise<InstigatorState> {
    // An omitted cursor keeps the stored one (starting a sensor must not reset where it was).
    const [row] = await this.query(
      `INSERT INTO instigator_states (name, type, status, cursor, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type, status = excluded.status,
         cursor = CASE WHEN $6::boolean THEN excluded.cursor ELSE instigator_states.cursor END, updated_at = excluded.updated_at
       RETURNING *`,
      [state.name, state.type, state.status, state.cursor ?? null, nowIso(), state.cursor !== undefined],
    );
    return rowToInstigatorState(row!);
  }

  async listInstigatorStates(): Promise<InstigatorState[]> {
    return (await this.query("SELECT * FROM instigator_states ORDER BY name")).map(rowToInstigatorState);
  }

  async createTick(tick: NewTick): Promise<TickRecord | null> {
    const now = nowIso();
    const [row] = await this.query(
      `INSERT INTO ticks (instigator_name, instigator_type, tick_time, status, cursor, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (instigator_name, tick_time) DO NOTHING
       RETURNING *`,
      [tick.instigatorName, tick.instigatorType, tick.tickTime, tick.status, tick.cursor ?? null, now],
    );
    return row ? rowToTick(row) : null;
  }

  async updateTick(tickId: number, update: TickUpdate): Promise<TickRecord> {
    const assignments: [string, unknown][] = [...tickUpdateAssignments(update), ["updated_at", nowIso()]];
    const sets = assignments.map(([column], index) => `${column} = $${index + 2}`).join(", ");
    const [row] = await this.query(`UPDATE ticks SET ${sets} WHERE tick_id = $1 RETURNING *`, [
      tickId,
      ...assignments.map(([, value]) => value),
    ]);
    if (!row) {
      throw new StorageNotFoundError(`Cannot update tick ${tickId}: no such tick`, { hint: "Use the tickId returned by createTick()." });
    }
    return rowToTick(row);
  }

  async listTicks(instigatorName: string, options: { limit?: number } = {}): Promise<TickRecord[]> {
    const rows = await this.query(
      "SELECT * FROM ticks WHERE instigator_name = $1 ORDER BY tick_time DESC, tick_id DESC LIMIT $2",
      [instigatorName, options.limit ?? 100],
    );
    return rows.map(rowToTick);
  }

  async recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void> {
    await this.query(
      `INSERT INTO daemon_heartbeats (daemon_id, info, at) VALUES ($1, $2, $3)
       ON CONFLICT (daemon_id) DO UPDATE SET info = excluded.info, at = excluded.at`,
      [daemonId, JSON.stringify(info), at],
    );
  }

  async listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]> {
    return (await this.query("SELECT * FROM daemon_heartbeats ORDER BY daemon_id")).map(rowToDaemonHeartbeat);
  }

  async dynamicPartitionKeys(name: string): Promise<string[]> {
    const rows = await this.query("SELECT partition_key FROM dynamic_partitions WHERE name = $1 ORDER BY seq", [name]);
    return rows.map((row) => String(row.partition_key));
  }

  async addDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // WITH ORDINALITY keeps the given order in seq.
    await this.query(
      `INSERT INTO dynamic_partitions (name, partition_key, added_at)
       SELECT $1, key, $3 FROM unnest($2::text[]) WITH ORDINALITY AS given(key, n) ORDER BY n
       ON CONFLICT (name, partition_key) DO NOTHING`,
      [name, [...keys], nowIso()],
    );
  }

  async removeDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    await this.query("DELETE FROM dynamic_partitions WHERE name = $1 AND partition_key = ANY($2::text[])", [name, [...keys]]);
  }

  async getAssetPartitions(assetKey: AssetKey, options: { partitionKeys?: readonly string[] } = {}): Promise<AssetPartitionRecord[]> {
    const rows =
      options.partitionKeys === undefined
        ? await this.query("SELECT * FROM asset_partitions WHERE asset_key = $1 ORDER BY partition_key", [assetKey])
        : await this.query("SELECT * FROM asset_partitions WHERE asset_key = $1 AND partition_key = ANY($2::text[]) ORDER BY partition_key", [
            assetKey,
            [...options.partitionKeys],
          ]);
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

/** A run update as the batch statement takes it; undefined when it sets nothing. */
function batchUpdate(runUpdate: RunUpdateRequest | undefined): BatchRunUpdate | undefined {
  if (!runUpdate) return undefined;
  const assignments = runUpdateAssignments(runUpdate.update);
  if (assignments.length === 0) return undefined;
  return { runId: runUpdate.runId, assignments, ...(runUpdate.from ? { from: runUpdate.from } : {}) };
}
