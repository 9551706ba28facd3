/**
 * Writing a batch of events to PostgreSQL inside the caller's transaction: one multi-row INSERT per
 * chunk of up to 500 events (one round trip per chunk instead of one per event), then the derived
 * latest-materialization and latest-check rows as multi-row upserts.
 */
import type { PoolClient } from "pg";
import type { RunEvent } from "../../types";
import { collectDerivedRows, toJson, toNumber } from "../rows";

/** Rows per INSERT: bounded so one statement's arrays stay a few hundred kilobytes. */
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

// Each statement takes one array per column and unnests it into rows: a multi-row INSERT whose SQL
// text is the same for every chunk size, so it is prepared once per connection (the `name`) and
// binds 7 parameters instead of 7 per row.
const INSERT_EVENTS = {
  name: "tributary_insert_events_locked",
  // The WHERE clause is an uncommitted-run lock taken before the first row (and its id) is made:
  // an uncorrelated subquery runs once, ahead of the scan (see LOCK_RUNS below for why). Folding
  // it into the INSERT saves a round trip per batch.
  text: `INSERT INTO events (run_id, timestamp, type, step_key, level, message, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::json[])
         WHERE (SELECT count(*) FROM (
                  SELECT pg_advisory_xact_lock(${0x7472}, run_hash)
                  FROM (SELECT DISTINCT hashtext(run_id) AS run_hash FROM unnest($8::text[]) AS run_id ORDER BY run_hash) AS runs
                ) AS locks) >= 0
         RETURNING id`,
};

// The event_id conditions keep the newest row when two transactions commit out of id order.
const UPSERT_MATERIALIZATIONS = {
  name: "tributary_upsert_materializations",
  text: `INSERT INTO asset_latest_materializations (asset_key, run_id, timestamp, partition_key, metadata, event_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bigint[])
         ON CONFLICT (asset_key) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
           partition_key = excluded.partition_key, metadata = excluded.metadata, event_id = excluded.event_id
         WHERE excluded.event_id > asset_latest_materializations.event_id`,
};

const UPSERT_CHECK_RESULTS = {
  name: "tributary_upsert_check_results",
  text: `INSERT INTO asset_latest_check_results (asset_key, check_name, run_id, timestamp, passed, severity, metadata, event_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::jsonb[], $8::bigint[])
         ON CONFLICT (asset_key, check_name) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
           passed = excluded.passed, severity = excluded.severity, metadata = excluded.metadata, event_id = excluded.event_id
         WHERE excluded.event_id > asset_latest_check_results.event_id`,
};

const UPSERT_PARTITIONS = {
  name: "tributary_upsert_asset_partitions",
  text: `INSERT INTO asset_partitions (asset_key, partition_key, status, run_id, event_id, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
         ON CONFLICT (asset_key, partition_key) DO UPDATE SET status = excluded.status, run_id = excluded.run_id,
           event_id = excluded.event_id, updated_at = excluded.updated_at
         WHERE excluded.event_id > asset_partitions.event_id`,
};

/** Turns rows into one array per column (what unnest takes). */
function columns(rows: unknown[][], width: number): unknown[][] {
  const result: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, rowIndex) => row.forEach((value, column) => (result[column]![rowIndex] = value)));
  return result;
}

/**
 * Readers stream a run's events with `afterId` cursors, which only works if a run's event ids become
 * visible in id order. Ids are drawn at insert time but visible at commit, so two processes
 * appending to one run (a worker and a daemon canceling it) could commit out of id order and a
 * reader would skip the lower id for good. Locking the run until commit (in sorted order, so two
 * batches cannot deadlock) serializes appends per run; other runs are not blocked. The two-key form
 * of the advisory lock keeps these apart from the migration lock's key space.
 */
// LOCK_RUNS: taken by INSERT_EVENTS itself (its WHERE clause), on every chunk; re-taking an advisory
// lock the transaction holds is free.

/** A batch that one INSERT statement writes completely: one chunk, and nothing derived from it. */
export function isSingleStatementBatch(events: RunEvent[]): boolean {
  if (events.length > EVENT_CHUNK_SIZE) return false;
  // The same rule that decides what to derive, so the two can never disagree.
  const derived = collectDerivedRows(events, new Array<number>(events.length).fill(0));
  return derived.materializations.size === 0 && derived.checks.size === 0 && derived.partitions.size === 0;
}

/**
 * Writes a batch with nothing derived (see isSingleStatementBatch) and updates its run, in ONE
 * statement (so one round trip and one commit: the usual end of a short run). The INSERT happens
 * only if the UPDATE found the run, so an unknown run writes nothing. Resolves false in that case.
 */
export async function writeEventsAndUpdateRun(
  client: PoolClient,
  events: RunEvent[],
  runId: string,
  assignments: [string, unknown][],
): Promise<boolean> {
  const rows = events.map((event) => [
    event.runId,
    event.timestamp,
    event.type,
    event.stepKey ?? null,
    event.level,
    withoutNul(event.message),
    jsonWithoutNul(toJson(event.data)),
  ]);
  const runIds = [...new Set(events.map((event) => event.runId))];
  const sets = assignments.map(([column], index) => `${column} = $${index + 10}`).join(", ");
  const result = await client.query(
    `WITH run AS (UPDATE runs SET ${sets} WHERE run_id = $9 RETURNING run_id),
          inserted AS (
            INSERT INTO events (run_id, timestamp, type, step_key, level, message, data)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::json[])
            WHERE EXISTS (SELECT 1 FROM run)
              AND (SELECT count(*) FROM (
                     SELECT pg_advisory_xact_lock(${0x7472}, run_hash)
                     FROM (SELECT DISTINCT hashtext(run_id) AS run_hash FROM unnest($8::text[]) AS run_id ORDER BY run_hash) AS runs
                   ) AS locks) >= 0
            RETURNING id)
     SELECT (SELECT count(*) FROM run) AS updated`,
    [...columns(rows, 7), runIds, runId, ...assignments.map(([, value]) => value)],
  );
  return Number(result.rows[0]?.updated ?? 0) > 0;
}

/** Inserts `events` and updates the derived tables, on `client` (inside a transaction). */
export async function writeEventBatch(client: PoolClient, events: RunEvent[]): Promise<void> {
  const runIds = [...new Set(events.map((event) => event.runId))];
  const ids: number[] = [];
  for (let start = 0; start < events.length; start += EVENT_CHUNK_SIZE) {
    const rows = events
      .slice(start, start + EVENT_CHUNK_SIZE)
      .map((event) => [
        event.runId,
        event.timestamp,
        event.type,
        event.stepKey ?? null,
        event.level,
        withoutNul(event.message),
        jsonWithoutNul(toJson(event.data)),
      ]);
    // RETURNING yields the rows in unnest order (ids come from nextval() row by row), which is how
    // each event's id is known for the derived tables.
    const result = await client.query({ ...INSERT_EVENTS, values: [...columns(rows, 7), runIds] });
    for (const row of result.rows) ids.push(toNumber(row.id));
  }

  const derived = collectDerivedRows(events, ids);
  const materializations = [...derived.materializations.values()].map(({ event, eventId, data }) => [
    data.assetKey,
    event.runId,
    event.timestamp,
    data.partition ?? null,
    jsonWithoutNul(JSON.stringify(data.metadata ?? {})),
    eventId,
  ]);
  for (let start = 0; start < materializations.length; start += EVENT_CHUNK_SIZE) {
    await client.query({ ...UPSERT_MATERIALIZATIONS, values: columns(materializations.slice(start, start + EVENT_CHUNK_SIZE), 6) });
  }

  const checks = [...derived.checks.values()].map(({ event, eventId, data }) => [
    data.assetKey,
    data.checkName,
    event.runId,
    event.timestamp,
    data.passed,
    data.severity,
    jsonWithoutNul(JSON.stringify(data.metadata ?? {})),
    eventId,
  ]);
  for (let start = 0; start < checks.length; start += EVENT_CHUNK_SIZE) {
    await client.query({ ...UPSERT_CHECK_RESULTS, values: columns(checks.slice(start, start + EVENT_CHUNK_SIZE), 8) });
  }

  const partitions = [...derived.partitions.values()].map(({ event, eventId, assetKey, partitionKey, status }) => [
    assetKey,
    partitionKey,
    status,
    event.runId,
    eventId,
    event.timestamp,
  ]);
  for (let start = 0; start < partitions.length; start += EVENT_CHUNK_SIZE) {
    await client.query({ ...UPSERT_PARTITIONS, values: columns(partitions.slice(start, start + EVENT_CHUNK_SIZE), 6) });
  }
}
