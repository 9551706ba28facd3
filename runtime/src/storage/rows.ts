/**
 * Row mapping shared by the SQLite and PostgreSQL storages. Both dialects use the same column
 * names, so turning a row into a record (and a record into column values) is written once here.
 * JSON columns arrive as strings from SQLite and as parsed values from PostgreSQL (jsonb); the
 * helpers accept both.
 */
import type {
  CheckEvaluationData,
  CheckResultRecord,
  CheckSeverity,
  InstigatorState,
  Instigator,
  MaterializationData,
  MaterializationRecord,
  NewRun,
  RunEvent,
  RunRecord,
  RunStatus,
  StoredRunEvent,
  TickRecord,
} from "../types";
import type { AutomationEvaluationRecord, AutomationLaunch, AutomationTickRecord } from "./port";
import { randomBytes } from "node:crypto";
import { RUN_STATUSES } from "../types";
import { TributaryError } from "../errors";
import type {
  AssetPartitionRecord,
  AssetPartitionStatus,
  BackfillPartitionRecord,
  BackfillPartitionStatus,
  BackfillProgress,
  BackfillRecord,
  RunEventStats,
  RunUpdate,
  TickUpdate,
} from "./port";

/** A database row as a plain object (both drivers return rows this way). */
export type Row = Record<string, unknown>;

/** Serializes a value for a JSON column; `undefined` and `null` become SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** A new run's run key: its own, or the one its instigator (a sensor) gave it. */
export function runKeyOf(run: NewRun): string | null {
  return run.runKey ?? run.instigator?.runKey ?? null;
}

/** The columns createRun inserts, in the order of {@link newRunValues}. */
export const NEW_RUN_COLUMNS = "run_id, status, selection, asset_keys, tags, run_key, instigator, instigator_name, attempt, parent_run_id, created_at";

/** A new run's values for {@link NEW_RUN_COLUMNS}, defaults filled in. */
export function newRunValues(run: NewRun): unknown[] {
  return [
    run.runId,
    run.status,
    run.selection,
    JSON.stringify(run.assetKeys),
    JSON.stringify(run.tags ?? {}),
    runKeyOf(run),
    toJson(run.instigator),
    run.instigator?.name ?? null,
    run.attempt ?? 1,
    run.parentRunId ?? null,
    nowIso(),
  ];
}

/** Reads a JSON column: SQLite gives text, PostgreSQL gives the parsed value. */
export function fromJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === "string") return JSON.parse(value) as T;
  return value as T;
}

/** Reads an integer column; pg returns bigint (int8) columns as strings to avoid precision loss. */
export function toNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

/** A nullable text column as a string or null. */
export function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Maps a `runs` row to a {@link RunRecord}. */
export function rowToRun(row: Row): RunRecord {
  return {
    runId: String(row.run_id),
    status: row.status as RunRecord["status"],
    selection: String(row.selection),
    assetKeys: fromJson<string[]>(row.asset_keys, []),
    tags: fromJson<Record<string, string>>(row.tags, {}),
    runKey: nullableText(row.run_key),
    instigator: fromJson<Instigator | null>(row.instigator, null),
    attempt: toNumber(row.attempt),
    parentRunId: nullableText(row.parent_run_id),
    workerId: nullableText(row.worker_id),
    heartbeatAt: nullableText(row.heartbeat_at),
    createdAt: String(row.created_at),
    startedAt: nullableText(row.started_at),
    endedAt: nullableText(row.ended_at),
    error: nullableText(row.error),
  };
}

const RUN_UPDATE_COLUMNS: Record<keyof RunUpdate, string> = {
  status: "status",
  startedAt: "started_at",
  endedAt: "ended_at",
  error: "error",
  workerId: "worker_id",
  heartbeatAt: "heartbeat_at",
};

/** The (column, value) pairs a {@link RunUpdate} sets; omitted fields are left out. */
export function runUpdateAssignments(update: RunUpdate): [string, unknown][] {
  const assignments: [string, unknown][] = [];
  for (const [field, column] of Object.entries(RUN_UPDATE_COLUMNS) as [keyof RunUpdate, string][]) {
    if (update[field] !== undefined) assignments.push([column, update[field]]);
  }
  return assignments;
}

/** The (column, value) pairs a {@link TickUpdate} sets; omitted fields are left out. */
export function tickUpdateAssignments(update: TickUpdate): [string, unknown][] {
  const assignments: [string, unknown][] = [];
  if (update.status !== undefined) assignments.push(["status", update.status]);
  if (update.runIds !== undefined) assignments.push(["run_ids", JSON.stringify(update.runIds)]);
  if (update.runKeys !== undefined) assignments.push(["run_keys", JSON.stringify(update.runKeys)]);
  if (update.skipReason !== undefined) assignments.push(["skip_reason", update.skipReason]);
  if (update.error !== undefined) assignments.push(["error", update.error]);
  if (update.cursor !== undefined) assignments.push(["cursor", update.cursor]);
  return assignments;
}

/** Maps an `events` row to a {@link StoredRunEvent}. */
export function rowToEvent(row: Row): StoredRunEvent {
  return {
    id: toNumber(row.id),
    runId: String(row.run_id),
    timestamp: String(row.timestamp),
    type: row.type as StoredRunEvent["type"],
    stepKey: nullableText(row.step_key),
    level: row.level as StoredRunEvent["level"],
    message: String(row.message),
    data: fromJson<Record<string, unknown> | null>(row.data, null),
  };
}

/** Maps an `asset_latest_materializations` row. */
export function rowToMaterialization(row: Row): MaterializationRecord {
  return {
    assetKey: String(row.asset_key),
    runId: String(row.run_id),
    timestamp: String(row.timestamp),
    partition: nullableText(row.partition_key),
    metadata: fromJson<Record<string, unknown>>(row.metadata, {}),
    eventId: toNumber(row.event_id),
  };
}

/** Maps an `asset_latest_check_results` row. */
export function rowToCheckResult(row: Row): CheckResultRecord {
  return {
    assetKey: String(row.asset_key),
    checkName: String(row.check_name),
    runId: String(row.run_id),
    timestamp: String(row.timestamp),
    // SQLite has no boolean type: 0/1.
    passed: row.passed === true || row.passed === 1,
    severity: row.severity as CheckSeverity,
    metadata: fromJson<Record<string, unknown>>(row.metadata, {}),
    eventId: toNumber(row.event_id),
  };
}

/** Maps an `instigator_states` row. */
export function rowToInstigatorState(row: Row): InstigatorState {
  return {
    name: String(row.name),
    type: row.type as InstigatorState["type"],
    status: row.status as InstigatorState["status"],
    cursor: nullableText(row.cursor),
    updatedAt: String(row.updated_at),
  };
}

/** Maps a `ticks` row. */
export function rowToTick(row: Row): TickRecord {
  return {
    tickId: toNumber(row.tick_id),
    instigatorName: String(row.instigator_name),
    instigatorType: row.instigator_type as TickRecord["instigatorType"],
    tickTime: String(row.tick_time),
    status: row.status as TickRecord["status"],
    runIds: fromJson<string[]>(row.run_ids, []),
    runKeys: fromJson<string[]>(row.run_keys, []),
    skipReason: nullableText(row.skip_reason),
    error: nullableText(row.error),
    cursor: nullableText(row.cursor),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

/** Maps a `daemon_heartbeats` row. */
export function rowToDaemonHeartbeat(row: Row): { daemonId: string; info: Record<string, unknown>; at: string } {
  return { daemonId: String(row.daemon_id), info: fromJson<Record<string, unknown>>(row.info, {}), at: String(row.at) };
}

/** This process's part of every idempotency key it makes: random, so processes never collide. */
const KEY_PREFIX = randomBytes(6).toString("base64url");
let keysMade = 0;

/**
 * A new {@link RunEvent.idempotencyKey}: unique within this process (a counter), and across
 * processes with near certainty (a random prefix of 48 bits; keys only need to differ within a run).
 */
export function newIdempotencyKey(): string {
  return `${KEY_PREFIX}${(keysMade++).toString(36)}`;
}

/**
 * The idempotency key of the last event of `runId` in a batch, if it has one. A batch is written
 * whole or not at all, so when this key is stored the whole batch is: how a run's end written
 * again (its first write went unacknowledged) is told from an end refused because another process
 * ended the run first.
 */
export function lastIdempotencyKey(events: readonly RunEvent[], runId: string): string | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.runId === runId) return event.idempotencyKey;
  }
  return undefined;
}

/** The storage's own clock for `createdAt` / `updatedAt`. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** "event LOG of run r1 (step orders)", for messages. */
function describeEvent(event: RunEvent): string {
  return `event ${event.type} of run ${event.runId}${event.stepKey ? ` (step ${event.stepKey})` : ""}`;
}

/**
 * Checks an event before it is buffered or written, so that a malformed event is reported to the
 * code that produced it instead of poisoning a whole batch later. The derived tables need
 * `data.assetKey` (and `checkName`, `passed`, `severity`) on materialization and check events.
 */
export function validateRunEvent(event: RunEvent): void {
  if (typeof event.runId !== "string" || event.runId === "") {
    throw new TributaryError(`An event has no runId (type ${String(event.type)})`, {
      hint: "Every event must name the run it belongs to.",
    });
  }
  if (typeof event.timestamp !== "string") {
    throw new TributaryError(`${describeEvent(event)} has no ISO 8601 timestamp`, { hint: "Use new Date().toISOString()." });
  }
  if (event.type === "ASSET_MATERIALIZATION") {
    const data = event.data as Partial<MaterializationData> | null | undefined;
    if (!data || typeof data.assetKey !== "string") {
      throw new TributaryError(`${describeEvent(event)} has no data.assetKey`, {
        hint: "ASSET_MATERIALIZATION events carry MaterializationData ({ assetKey, metadata }).",
      });
    }
  }
  if (event.type === "ASSET_CHECK_EVALUATION") {
    const data = event.data as Partial<CheckEvaluationData> | null | undefined;
    if (
      !data ||
      typeof data.assetKey !== "string" ||
      typeof data.checkName !== "string" ||
      typeof data.passed !== "boolean" ||
      (data.severity !== "WARN" && data.severity !== "ERROR")
    ) {
      throw new TributaryError(`${describeEvent(event)} has incomplete check data`, {
        hint: "ASSET_CHECK_EVALUATION events carry CheckEvaluationData ({ assetKey, checkName, passed, severity, blocking, metadata }).",
      });
    }
  }
}

/** A materialization or check result of one event, ready for the derived tables. */
export interface DerivedRows {
  materializations: Map<string, { event: RunEvent; eventId: number; data: MaterializationData }>;
  checks: Map<string, { event: RunEvent; eventId: number; data: CheckEvaluationData }>;
  /** Latest status per (asset, partition) of the batch, keyed by `asset\u0000partition`. */
  partitions: Map<string, { event: RunEvent; eventId: number; assetKey: string; partitionKey: string; status: AssetPartitionStatus }>;
}

/**
 * Keeps only the last materialization per asset and the last result per (asset, check) of a batch:
 * PostgreSQL refuses an upsert that touches the same row twice, and the earlier ones would be
 * overwritten anyway.
 */
export function collectDerivedRows(events: RunEvent[], ids: number[]): DerivedRows {
  const derived: DerivedRows = { materializations: new Map(), checks: new Map(), partitions: new Map() };
  const setPartition = (event: RunEvent, eventId: number, assetKey: string, partitionKey: string, status: AssetPartitionStatus) =>
    derived.partitions.set(`${assetKey}\u0000${partitionKey}`, { event, eventId, assetKey, partitionKey, status });
  events.forEach((event, index) => {
    const eventId = ids[index]!;
    if (event.type === "ASSET_MATERIALIZATION") {
      const data = event.data as unknown as MaterializationData;
      derived.materializations.set(data.assetKey, { event, eventId, data });
      if (typeof data.partition === "string") setPartition(event, eventId, data.assetKey, data.partition, "MATERIALIZED");
    } else if (event.type === "STEP_FAILURE" && Array.isArray(event.data?.partitionKeys) && Array.isArray(event.data?.assetKeys)) {
      for (const assetKey of event.data.assetKeys as unknown[]) {
        for (const partitionKey of event.data.partitionKeys as unknown[]) {
          if (typeof assetKey === "string" && typeof partitionKey === "string") setPartition(event, eventId, assetKey, partitionKey, "FAILED");
        }
      }
    } else if (event.type === "ASSET_CHECK_EVALUATION") {
      const data = event.data as unknown as CheckEvaluationData;
      derived.checks.set(JSON.stringify([data.assetKey, data.checkName]), { event, eventId, data });
    }
  });
  return derived;
}

/** Maps an `asset_partitions` row. */
export function rowToAssetPartition(row: Row): AssetPartitionRecord {
  return {
    assetKey: String(row.asset_key),
    partitionKey: String(row.partition_key),
    status: row.status as AssetPartitionStatus,
    runId: String(row.run_id),
    eventId: toNumber(row.event_id),
    updatedAt: String(row.updated_at),
  };
}

/** Maps a `backfills` row. */
export function rowToBackfill(row: Row): BackfillRecord {
  return {
    backfillId: String(row.backfill_id),
    status: row.status as BackfillRecord["status"],
    selection: String(row.selection),
    request: fromJson<BackfillRecord["request"]>(row.request, {}),
    policy: fromJson<BackfillRecord["policy"]>(row.policy, { maxPartitionsPerRun: 1, maxConcurrentRuns: 4 }),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    error: nullableText(row.error),
  };
}

/** Maps a `backfill_partitions` row. */
export function rowToBackfillPartition(row: Row): BackfillPartitionRecord {
  return {
    partitionKey: String(row.partition_key),
    position: toNumber(row.position),
    status: row.status as BackfillPartitionStatus,
    runId: nullableText(row.run_id),
    attempt: toNumber(row.attempt),
  };
}

/** Counts by status, with zeros for absent statuses. */
export function backfillProgressFromCounts(rows: Row[]): BackfillProgress {
  const progress: BackfillProgress = { PENDING: 0, QUEUED: 0, DONE: 0, FAILED: 0, CANCELED: 0 };
  for (const row of rows) progress[row.status as BackfillPartitionStatus] = toNumber(row.count);
  return progress;
}

/** A run's event stats from its `run_event_counts` rows (type, level, count, first_id, last_id). */
export function statsFromCounts(rows: Row[]): RunEventStats {
  const stats: RunEventStats = { total: 0, lastId: 0, firstErrorId: null, byLevel: { debug: 0, info: 0, warn: 0, error: 0 }, byType: {} };
  for (const row of rows) {
    const count = toNumber(row.count);
    const level = String(row.level) as keyof RunEventStats["byLevel"];
    const type = String(row.type) as keyof RunEventStats["byType"];
    stats.total += count;
    stats.lastId = Math.max(stats.lastId, toNumber(row.last_id));
    stats.byLevel[level] = (stats.byLevel[level] ?? 0) + count;
    stats.byType[type] = (stats.byType[type] ?? 0) + count;
    if (level === "error") stats.firstErrorId = Math.min(stats.firstErrorId ?? Infinity, toNumber(row.first_id));
  }
  return stats;
}

/** Rows of `SELECT status, count(*) AS count ... GROUP BY status` as a count for every status. */
export function countsByStatus(rows: Row[]): Record<RunStatus, number> {
  const counts = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<RunStatus, number>;
  for (const row of rows) counts[row.status as RunStatus] = toNumber(row.count);
  return counts;
}

/** A materialization from its ASSET_MATERIALIZATION event. */
export function eventToMaterialization(event: StoredRunEvent): MaterializationRecord {
  const data = (event.data ?? {}) as unknown as MaterializationData;
  return { assetKey: data.assetKey, runId: event.runId, timestamp: event.timestamp, partition: data.partition ?? null, metadata: data.metadata ?? {}, eventId: event.id };
}

/** A check result from its ASSET_CHECK_EVALUATION event. */
export function eventToCheckResult(event: StoredRunEvent): CheckResultRecord {
  const data = (event.data ?? {}) as unknown as CheckEvaluationData;
  return {
    assetKey: data.assetKey,
    checkName: data.checkName,
    runId: event.runId,
    timestamp: event.timestamp,
    passed: data.passed,
    severity: data.severity,
    metadata: data.metadata ?? {},
    eventId: event.id,
  };
}

/** Maps an `automation_ticks` row. */
export function rowToAutomationTick(row: Row): AutomationTickRecord {
  return {
    tickId: toNumber(row.tick_id),
    tickTime: String(row.tick_time),
    status: row.status as AutomationTickRecord["status"],
    daemonId: String(row.daemon_id),
    launches: fromJson<AutomationLaunch[]>(row.launches, []),
    runIds: fromJson<string[]>(row.run_ids, []),
    reason: nullableText(row.reason),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

/** Maps an `automation_evaluations` row. */
export function rowToAutomationEvaluation(row: Row): AutomationEvaluationRecord {
  return {
    evaluationId: toNumber(row.evaluation_id),
    tickId: toNumber(row.tick_id),
    assetKey: String(row.asset_key),
    evaluatedAt: String(row.evaluated_at),
    requested: row.requested === true || row.requested === 1 || row.requested === "1",
    partitions: fromJson<string[]>(row.partitions, []),
    runKey: nullableText(row.run_key),
    runId: nullableText(row.run_id),
    reason: String(row.reason),
    tree: fromJson<unknown>(row.tree, null),
  };
}

/**
 * Now as ISO 8601, strictly after `previous`: a compare-and-set on `updated_at` (taking over an
 * automation tick) must change it even within the millisecond it was written.
 */
export function nowIsoAfter(previous: string): string {
  const now = nowIso();
  if (now > previous) return now;
  const bumped = Date.parse(previous) + 1;
  return Number.isNaN(bumped) ? now : new Date(bumped).toISOString();
}
