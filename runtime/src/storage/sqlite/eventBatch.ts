/**
 * Writing a batch of events to SQLite inside the caller's transaction: one INSERT per event (its
 * row id is the event's id), then the rows derived from the batch: each asset's latest
 * materialization and latest check results, each asset partition's status, and the run's counts of
 * events by type and level. An event whose run
 * has one with its idempotency key already is left out, with what derives from it.
 */
import type { RunEvent } from "../../types";
import { collectDerivedRows, toJson } from "../rows";
import type { PrepareStatement } from "./connection";

const INSERT_EVENT =
  "INSERT INTO events (run_id, timestamp, type, step_key, level, message, data, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

const UPSERT_MATERIALIZATION = `INSERT INTO asset_latest_materializations (asset_key, run_id, timestamp, partition_key, metadata, event_id)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (asset_key) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
    partition_key = excluded.partition_key, metadata = excluded.metadata, event_id = excluded.event_id
  WHERE excluded.event_id > asset_latest_materializations.event_id`;

const UPSERT_CHECK_RESULT = `INSERT INTO asset_latest_check_results (asset_key, check_name, run_id, timestamp, passed, severity, metadata, event_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (asset_key, check_name) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
    passed = excluded.passed, severity = excluded.severity, metadata = excluded.metadata, event_id = excluded.event_id
  WHERE excluded.event_id > asset_latest_check_results.event_id`;

const UPSERT_PARTITION = `INSERT INTO asset_partitions (asset_key, partition_key, status, run_id, event_id, updated_at)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (asset_key, partition_key) DO UPDATE SET status = excluded.status, run_id = excluded.run_id,
    event_id = excluded.event_id, updated_at = excluded.updated_at
  WHERE excluded.event_id > asset_partitions.event_id`;

const UPSERT_COUNT = `INSERT INTO run_event_counts (run_id, type, level, count, first_id, last_id) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, type, level) DO UPDATE SET count = run_event_counts.count + excluded.count,
    first_id = min(run_event_counts.first_id, excluded.first_id), last_id = max(run_event_counts.last_id, excluded.last_id)`;

/**
 * Inserts `events` (validated already) and upserts the rows derived from them, with statements from
 * `statement`. Call it inside a transaction, so a batch and its derived rows commit together.
 */
export function writeEventBatch(statement: PrepareStatement, events: RunEvent[]): void {
  const insertEvent = statement(INSERT_EVENT);
  const inserted: RunEvent[] = [];
  const ids: number[] = [];
  for (const event of events) {
    const result = insertEvent.run(event.runId, event.timestamp, event.type, event.stepKey ?? null, event.level, event.message, toJson(event.data), event.idempotencyKey ?? null);
    if (result.changes === 0) continue;
    inserted.push(event);
    ids.push(Number(result.lastInsertRowid));
  }
  // The runs' counts by type and level (the console's event stats).
  const counts = new Map<string, { runId: string; type: string; level: string; count: number; first: number; last: number }>();
  inserted.forEach((event, index) => {
    const key = `${event.runId}\u0000${event.type}\u0000${event.level}`;
    const count = counts.get(key);
    if (count) {
      count.count += 1;
      count.last = ids[index]!;
    } else counts.set(key, { runId: event.runId, type: event.type, level: event.level, count: 1, first: ids[index]!, last: ids[index]! });
  });
  const upsertCount = statement(UPSERT_COUNT);
  for (const count of counts.values()) upsertCount.run(count.runId, count.type, count.level, count.count, count.first, count.last);
  const derived = collectDerivedRows(inserted, ids);
  const upsertMaterialization = statement(UPSERT_MATERIALIZATION);
  for (const { event, eventId, data } of derived.materializations.values()) {
    upsertMaterialization.run(data.assetKey, event.runId, event.timestamp, data.partition ?? null, JSON.stringify(data.metadata ?? {}), eventId);
  }
  const upsertCheckResult = statement(UPSERT_CHECK_RESULT);
  for (const { event, eventId, data } of derived.checks.values()) {
    upsertCheckResult.run(data.assetKey, data.checkName, event.runId, event.timestamp, data.passed ? 1 : 0, data.severity, JSON.stringify(data.metadata ?? {}), eventId);
  }
  const upsertPartition = statement(UPSERT_PARTITION);
  for (const { event, eventId, assetKey, partitionKey, status } of derived.partitions.values()) {
    upsertPartition.run(assetKey, partitionKey, status, event.runId, eventId, event.timestamp);
  }
}
