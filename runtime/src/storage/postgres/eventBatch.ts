/**
 * Writing run events to PostgreSQL: each chunk of up to 500 events, the rows derived from it (latest
 * materializations, check results, asset partitions) and, with the last chunk, the run's update go in
 * one statement. Every column is one array parameter unnested into rows, so the SQL text is the same
 * whatever the number of rows and is prepared once per connection. Every event row carries an
 * idempotency key, unique per run: a batch written again after a commit that went unacknowledged
 * (the connection dropped) adds nothing.
 */
import type { PoolClient } from "pg";
import type { RunEvent, RunStatus } from "../../types";
import { collectDerivedRows, newIdempotencyKey, toJson, type Row } from "../rows";
import type { PreparedStatementNames } from "./preparedStatements";

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

/** Turns rows into one array per column (what unnest takes). */
function columns(rows: unknown[][], width: number): unknown[][] {
  const result: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, rowIndex) => row.forEach((value, column) => (result[column]![rowIndex] = value)));
  return result;
}

/** The batch in chunks that {@link writeBatchInOneStatement} can write. */
export function chunksOf(events: RunEvent[]): RunEvent[][] {
  const chunks: RunEvent[][] = [];
  for (let start = 0; start < events.length; start += EVENT_CHUNK_SIZE) chunks.push(events.slice(start, start + EVENT_CHUNK_SIZE));
  return chunks;
}

/** The event rows of a batch, in insert order; `keys` are the events' idempotency keys. */
function eventRows(events: RunEvent[], keys: string[]): unknown[][] {
  return events.map((event, index) => [
    event.runId,
    event.timestamp,
    event.type,
    event.stepKey ?? null,
    event.level,
    withoutNul(event.message),
    jsonWithoutNul(toJson(event.data)),
    keys[index],
  ]);
}

/** A run's update that rides on a batch: a compare-and-set on its status with `from`. */
export interface BatchRunUpdate {
  runId: string;
  /** Non-empty (runUpdateAssignments). */
  assignments: [string, unknown][];
  from?: RunStatus[];
}

/**
 * Writes a chunk of up to {@link EVENT_CHUNK_SIZE} events, the rows derived from it and the updates
 * of its runs in ONE statement: one round trip and one commit, where a transaction took five
 * (BEGIN, events, derived rows, run, COMMIT). This is how runs end: their last events, the latest
 * materialization of what they made and their final status become durable together; a coordinator
 * ends several of its runs, and claims runs for the slots they free, in one statement.
 *
 * A run with an update gets its events written only if the update applied (the run exists and, with
 * `from`, has one of those statuses); resolves the runs whose update applied. An event whose run
 * has one with its idempotency key already is left out, with the rows derived from it (they were
 * written with it). Events without a key get a fresh one. The derived rows name their event by its
 * run and key, which the statement turns into the event's id.
 */
export async function writeBatchInOneStatement(
  client: PoolClient,
  events: RunEvent[],
  statements: PreparedStatementNames,
  updates: BatchRunUpdate[] = [],
  claim?: { workerId: string; limit: number; after: number },
): Promise<{ updated: Set<string>; claimed: Row[] }> {
  const runIds = [...new Set(events.map((event) => event.runId))];
  const keys = events.map((event) => event.idempotencyKey ?? newIdempotencyKey());
  const derived = derivedRowsByRun(events, keys);
  // Parameters are numbered as they are bound; a part with no rows is left out of the statement, so
  // the usual end of a run is as lean as it can be. Each combination is one prepared text.
  const values: unknown[] = [];
  const bind = (value: unknown) => `$${values.push(value)}`;
  const binds = (arrays: unknown[][], types: string[]) => arrays.map((array, index) => `${bind(array)}::${types[index]}[]`).join(", ");
  const ctes: string[] = [];
  let runCondition = "";
  if (updates.length > 0) {
    // One UPDATE per shape of update (the columns it sets); each a compare-and-set per run.
    const shapes = new Map<string, BatchRunUpdate[]>();
    for (const update of updates) {
      const shape = update.assignments.map(([column]) => column).join(",");
      const group = shapes.get(shape);
      if (group) group.push(update);
      else shapes.set(shape, [update]);
    }
    const updateCtes: string[] = [];
    for (const [shape, group] of shapes) {
      const cte = `run_${updateCtes.length}`;
      const columnNames = shape.split(",");
      const arrays = [group.map((u) => u.runId), group.map((u) => (u.from ? u.from.join(",") : null)), ...columnNames.map((_, index) => group.map((u) => u.assignments[index]![1]))];
      ctes.push(`${cte} AS (
      UPDATE runs SET ${columnNames.map((column) => `${column} = u.${column}`).join(", ")}
      FROM unnest(${binds(arrays, arrays.map(() => "text"))}) AS u(run_id, from_list, ${columnNames.join(", ")})
      WHERE runs.run_id = u.run_id AND (u.from_list IS NULL OR runs.status = ANY(string_to_array(u.from_list, ',')))
      RETURNING runs.run_id)`);
      updateCtes.push(cte);
    }
    ctes.push(`updated AS (${updateCtes.map((cte) => `SELECT run_id FROM ${cte}`).join(" UNION ALL ")})`);
    // Events of a run with an update only if it applied; events of other runs whatever happens.
    runCondition = `(e.run_id IN (SELECT run_id FROM updated) OR NOT (e.run_id = ANY(${bind(updates.map((u) => u.runId))}::text[]))) AND`;
  }
  // The WHERE clause of the events INSERT locks the batch's runs before the first row (and its id) is
  // made: an uncorrelated subquery runs once, ahead of the scan. Readers stream a run's events with
  // `afterId` cursors, which only works if a run's event ids become visible in id order. Ids are drawn
  // at insert time but visible at commit, so two processes appending to one run (a worker and a
  // daemon canceling it) could commit out of id order and a reader would skip the lower id for good.
  // The lock, held to commit and taken in sorted order (two batches cannot deadlock), serializes
  // appends per run; other runs are not blocked; re-taking it in a later chunk is free. The two-key
  // form keeps these locks apart from the migration lock's key space.
  // A batch of one run (the usual case) locks it without the sort and the aggregate.
  const lock =
    runIds.length === 1
      ? `(SELECT pg_advisory_xact_lock(${0x7472}, hashtext(${bind(runIds[0])}))) IS NOT NULL`
      : `(SELECT count(*) FROM (
              SELECT pg_advisory_xact_lock(${0x7472}, run_hash)
              FROM (SELECT DISTINCT hashtext(run_id) AS run_hash FROM unnest(${bind(runIds)}::text[]) AS run_id ORDER BY run_hash) AS runs
            ) AS locks) >= 0`;
  // ON CONFLICT: the unique (run_id, idempotency_key) index leaves out events written already; it
  // also waits for a statement still writing them, so two attempts at one batch never both write.
  ctes.push(`inserted AS (
      INSERT INTO events (run_id, timestamp, type, step_key, level, message, data, idempotency_key)
      SELECT e.* FROM unnest(${binds(columns(eventRows(events, keys), 8), ["text", "text", "text", "text", "text", "text", "json", "text"])})
        AS e(run_id, timestamp, type, step_key, level, message, data, idempotency_key)
      WHERE ${runCondition} ${lock}
      ON CONFLICT DO NOTHING
      RETURNING id, run_id, idempotency_key, type, level)`);
  // The run's counts by type and level (the console's event stats), for the events that went in.
  ctes.push(`counts AS (
      INSERT INTO run_event_counts (run_id, type, level, count, first_id, last_id)
      SELECT run_id, type, level, count(*), min(id), max(id) FROM inserted GROUP BY run_id, type, level
      ON CONFLICT (run_id, type, level) DO UPDATE SET count = run_event_counts.count + excluded.count,
        first_id = LEAST(run_event_counts.first_id, excluded.first_id), last_id = GREATEST(run_event_counts.last_id, excluded.last_id))`);
  // Each derived INSERT joins `inserted`, so it runs after the events are in, and only for the events
  // that went in. DISTINCT ON keeps the newest per key among the runs of the batch whose events went
  // in; the event_id conditions keep the newest row when two statements commit out of id order.
  const { materializations, checks, partitions } = derived;
  if (materializations.length > 0) {
    ctes.push(`materializations AS (
      INSERT INTO asset_latest_materializations (asset_key, run_id, timestamp, partition_key, metadata, event_id)
      SELECT DISTINCT ON (m.asset_key) m.asset_key, m.run_id, m.timestamp, m.partition_key, m.metadata, inserted.id
      FROM unnest(${binds(columns(materializations, 6), ["text", "text", "text", "text", "jsonb", "text"])})
             AS m(asset_key, run_id, timestamp, partition_key, metadata, idempotency_key)
      JOIN inserted ON inserted.run_id = m.run_id AND inserted.idempotency_key = m.idempotency_key
      ORDER BY m.asset_key, inserted.id DESC
      ON CONFLICT (asset_key) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
        partition_key = excluded.partition_key, metadata = excluded.metadata, event_id = excluded.event_id
      WHERE excluded.event_id > asset_latest_materializations.event_id)`);
  }
  if (checks.length > 0) {
    ctes.push(`checks AS (
      INSERT INTO asset_latest_check_results (asset_key, check_name, run_id, timestamp, passed, severity, metadata, event_id)
      SELECT DISTINCT ON (c.asset_key, c.check_name) c.asset_key, c.check_name, c.run_id, c.timestamp, c.passed, c.severity, c.metadata, inserted.id
      FROM unnest(${binds(columns(checks, 8), ["text", "text", "text", "text", "boolean", "text", "jsonb", "text"])})
             AS c(asset_key, check_name, run_id, timestamp, passed, severity, metadata, idempotency_key)
      JOIN inserted ON inserted.run_id = c.run_id AND inserted.idempotency_key = c.idempotency_key
      ORDER BY c.asset_key, c.check_name, inserted.id DESC
      ON CONFLICT (asset_key, check_name) DO UPDATE SET run_id = excluded.run_id, timestamp = excluded.timestamp,
        passed = excluded.passed, severity = excluded.severity, metadata = excluded.metadata, event_id = excluded.event_id
      WHERE excluded.event_id > asset_latest_check_results.event_id)`);
  }
  if (partitions.length > 0) {
    ctes.push(`partitions AS (
      INSERT INTO asset_partitions (asset_key, partition_key, status, run_id, event_id, updated_at)
      SELECT DISTINCT ON (p.asset_key, p.partition_key) p.asset_key, p.partition_key, p.status, p.run_id, inserted.id, p.updated_at
      FROM unnest(${binds(columns(partitions, 6), ["text", "text", "text", "text", "text", "text"])})
             AS p(asset_key, partition_key, status, run_id, idempotency_key, updated_at)
      JOIN inserted ON inserted.run_id = p.run_id AND inserted.idempotency_key = p.idempotency_key
      ORDER BY p.asset_key, p.partition_key, inserted.id DESC
      ON CONFLICT (asset_key, partition_key) DO UPDATE SET status = excluded.status, run_id = excluded.run_id,
        event_id = excluded.event_id, updated_at = excluded.updated_at
      WHERE excluded.event_id > asset_partitions.event_id)`);
  }
  if (claim && claim.limit > 0) {
    // The coordinator whose runs these were claims queued runs for the slots they free in the same
    // round trip (see Storage.endRunsAndClaim); SKIP LOCKED and the frontier (`after`) as in
    // claimQueuedRuns.
    const now = bind(new Date().toISOString());
    ctes.push(`claimed AS (
      UPDATE runs SET status = 'STARTED', started_at = ${now}, worker_id = ${bind(claim.workerId)}, heartbeat_at = ${now}
      WHERE run_id IN (SELECT run_id FROM runs WHERE status = 'QUEUED' AND seq > ${bind(claim.after)} ORDER BY seq LIMIT ${bind(claim.limit)} FOR UPDATE SKIP LOCKED)
      RETURNING *)`);
  }
  const sql = `WITH ${ctes.join(",\n    ")}
    SELECT ${updates.length > 0 ? "(SELECT array_agg(run_id) FROM updated)" : "NULL::text[]"} AS updated${claim && claim.limit > 0 ? ", (SELECT json_agg(claimed) FROM claimed) AS claimed" : ""}`;
  const result = await client.query({ name: statements.nameOf(sql), text: sql, values });
  const row = result.rows[0] as Row | undefined;
  return { updated: new Set((row?.updated as string[] | null | undefined) ?? []), claimed: (row?.claimed as Row[] | null | undefined) ?? [] };
}

/**
 * The rows derived from a batch (collectDerivedRows), run by run (a run whose update is refused
 * writes nothing, so another run's older row must not be dropped in its favour): each names its
 * run and its event's idempotency key.
 */
function derivedRowsByRun(events: RunEvent[], keys: string[]): { materializations: unknown[][]; checks: unknown[][]; partitions: unknown[][] } {
  // Positions in the batch, run by run.
  const byRun = new Map<string, number[]>();
  events.forEach((event, index) => {
    const positions = byRun.get(event.runId);
    if (positions) positions.push(index);
    else byRun.set(event.runId, [index]);
  });
  const materializations: unknown[][] = [];
  const checks: unknown[][] = [];
  const partitions: unknown[][] = [];
  for (const positions of byRun.values()) {
    const derived = collectDerivedRows(positions.map((position) => events[position]!), positions);
    for (const { event, eventId, data } of derived.materializations.values()) {
      materializations.push([data.assetKey, event.runId, event.timestamp, data.partition ?? null, jsonWithoutNul(JSON.stringify(data.metadata ?? {})), keys[eventId]]);
    }
    for (const { event, eventId, data } of derived.checks.values()) {
      checks.push([data.assetKey, data.checkName, event.runId, event.timestamp, data.passed, data.severity, jsonWithoutNul(JSON.stringify(data.metadata ?? {})), keys[eventId]]);
    }
    for (const { event, eventId, assetKey, partitionKey, status } of derived.partitions.values()) {
      partitions.push([assetKey, partitionKey, status, event.runId, keys[eventId], event.timestamp]);
    }
  }
  return { materializations, checks, partitions };
}
