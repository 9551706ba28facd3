/**
 * Writing a batch of events to PostgreSQL inside the caller's transaction: one multi-row INSERT per
 * chunk (one round trip per chunk instead of one per event), then the derived latest-materialization
 * and latest-check rows as multi-row upserts.
 */
import type { PoolClient } from "pg";
import type { RunEvent } from "../../types";
import { collectDerivedRows, toJson, toNumber } from "../rows";

/**
 * Rows per INSERT. PostgreSQL allows 65535 bind parameters per statement; 500 rows x 7 columns stays
 * well below, and larger statements stop paying off.
 */
export const EVENT_CHUNK_SIZE = 500;

/**
 * PostgreSQL text and jsonb cannot hold the NUL character, and user code does log it (binary data
 * in a message). Rather than failing the batch (and every retry of it), NUL becomes U+FFFD.
 */
function withoutNul(text: string): string {
  return text.includes("\u0000") ? text.replace(/\u0000/g, "\uFFFD") : text;
}

/** The JSON escape `\u0000` (not preceded by an escaping backslash) becomes `\uFFFD`. */
function jsonWithoutNul(json: string | null): string | null {
  return json !== null && json.includes("\\u0000") ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\uFFFD") : json;
}

/** `($1, $2, $3), ($4, $5, $6)` for `rows` tuples of `width` parameters. */
function placeholders(rows: number, width: number): string {
  const tuples: string[] = [];
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    tuples.push(`(${Array.from({ length: width }, (_, column) => `$${base + column + 1}`).join(", ")})`);
  }
  return tuples.join(", ");
}

/** Inserts `events` and updates the derived tables, on `client` (inside a transaction). */
export async function writeEventBatch(client: PoolClient, events: RunEvent[]): Promise<void> {
  const ids: number[] = [];
  for (let start = 0; start < events.length; start += EVENT_CHUNK_SIZE) {
    const chunk = events.slice(start, start + EVENT_CHUNK_SIZE);
    const params: unknown[] = [];
    for (const event of chunk) {
      params.push(
        event.runId,
        event.timestamp,
        event.type,
        event.stepKey ?? null,
        event.level,
        withoutNul(event.message),
        jsonWithoutNul(toJson(event.data)),
      );
    }
    // RETURNING yields the rows in VALUES order (ids come from nextval() row by row), which is how
    // each event's id is known for the derived tables.
    const result = await client.query(
      `INSERT INTO events (run_id, timestamp, type, step_key, level, message, data) VALUES ${placeholders(chunk.length, 7)} RETURNING id`,
      params,
    );
    for (const row of result.rows) ids.push(toNumber(row.id));
  }

  const derived = collectDerivedRows(events, ids);
  const materializations = [...derived.materializations.values()];
  for (let start = 0; start < materializations.length; start += EVENT_CHUNK_SIZE) {
    const chunk = materializations.slice(start, start + EVENT_CHUNK_SIZE);
    const params = chunk.flatMap(({ event, eventId, data }) => [
      data.assetKey,
      event.runId,
      event.timestamp,
      data.partition ?? null,
      jsonWithoutNul(JSON.stringify(data.metadata ?? {})),
      eventId,
    ]);
    // The event_id condition keeps the newest row when two transactions commit out of id order.
    await client.query(
      `INSERT INTO asset_latest_materializations (asset_key, run_id, timestamp, partition_key, metadata, event_id)
       VALUES ${placeholders(chunk.length, 6)}
       ON CONFLICT (asset_key) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
         partition_key = excluded.partition_key, metadata = excluded.metadata, event_id = excluded.event_id
       WHERE excluded.event_id > asset_latest_materializations.event_id`,
      params,
    );
  }

  const checks = [...derived.checks.values()];
  for (let start = 0; start < checks.length; start += EVENT_CHUNK_SIZE) {
    const chunk = checks.slice(start, start + EVENT_CHUNK_SIZE);
    const params = chunk.flatMap(({ event, eventId, data }) => [
      data.assetKey,
      data.checkName,
      event.runId,
      event.timestamp,
      data.passed,
      data.severity,
      jsonWithoutNul(JSON.stringify(data.metadata ?? {})),
      eventId,
    ]);
    await client.query(
      `INSERT INTO asset_latest_check_results (asset_key, check_name, run_id, timestamp, passed, severity, metadata, event_id)
       VALUES ${placeholders(chunk.length, 8)}
       ON CONFLICT (asset_key, check_name) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
         passed = excluded.passed, severity = excluded.severity, metadata = excluded.metadata, event_id = excluded.event_id
       WHERE excluded.event_id > asset_latest_check_results.event_id`,
      params,
    );
  }
}
