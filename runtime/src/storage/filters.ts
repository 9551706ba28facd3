/**
 * The WHERE clauses of the runs list (RunFilter) and of a run's event pages (RunEventQuery), written
 * once for both dialects: they differ only in placeholders, lists and JSON operators. Every filter
 * is a condition on top of an index the query walks in order (`runs.seq`, `events (run_id, id)`),
 * so a page stops after `limit` matching rows whatever the size of the table.
 */
import type { LogLevel, RunEventType } from "../types";
import type { RunCountFilter, RunEventQuery } from "./port";

/**
 * The events of a run's lifecycle: how it and its steps start and end (what a run's steps are read
 * from). A partial index holds only these (migration run_page_indexes, predicate word for word).
 */
export const LIFECYCLE_EVENT_TYPES: readonly RunEventType[] = [
  "RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED",
  "STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_RETRY", "STEP_SKIPPED", "STEP_CANCELED",
];
const LIFECYCLE_PREDICATE = `type IN (${LIFECYCLE_EVENT_TYPES.map((type) => `'${type}'`).join(", ")})`;
/** Levels a second partial index holds: a run's warnings and errors. */
const PROBLEM_LEVELS: readonly LogLevel[] = ["warn", "error"];
const PROBLEM_PREDICATE = "level IN ('warn', 'error')";
/** Closed sets (event types, levels) go in the text as literals, so that a planner sees them. */
const LITERAL = /^[A-Za-z_]+$/;

/** Parameters bound in order, with the placeholders of a dialect. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: "sqlite" | "postgres") {}

  /** A placeholder for `value`. */
  bind(value: unknown): string {
    this.values.push(value);
    return this.dialect === "postgres" ? `$${this.values.length}` : "?";
  }

  /** `column` is one of `values` (non-empty). */
  oneOf(column: string, values: readonly string[]): string {
    return this.dialect === "postgres" ? `${column} = ANY(${this.bind([...values])}::text[])` : `${column} IN (${values.map((value) => this.bind(value)).join(", ")})`;
  }
}

/** Conditions of a run filter (statuses, limit and the cursor aside). */
export function runFilterConditions(params: SqlParams, dialect: "sqlite" | "postgres", filter: RunCountFilter): string[] {
  const conditions: string[] = [];
  if (filter.assetKey !== undefined) {
    conditions.push(
      dialect === "postgres"
        ? `asset_keys @> jsonb_build_array(${params.bind(filter.assetKey)}::text)`
        : `EXISTS (SELECT 1 FROM json_each(runs.asset_keys) WHERE json_each.value = ${params.bind(filter.assetKey)})`,
    );
  }
  if (filter.instigatorName !== undefined) conditions.push(`instigator_name = ${params.bind(filter.instigatorName)}`);
  if (filter.instigator === "manual") conditions.push("instigator_name IS NULL");
  else if (filter.instigator !== undefined) {
    conditions.push(`instigator_name = ${params.bind(filter.instigator.name)}`);
    conditions.push(`${dialect === "postgres" ? "instigator->>'type'" : "json_extract(instigator, '$.type')"} = ${params.bind(filter.instigator.type)}`);
  }
  if (filter.selection !== undefined) conditions.push(`selection = ${params.bind(filter.selection)}`);
  if (filter.tags && Object.keys(filter.tags).length > 0) {
    if (dialect === "postgres") conditions.push(`tags @> ${params.bind(JSON.stringify(filter.tags))}::jsonb`);
    else {
      for (const [key, value] of Object.entries(filter.tags)) {
        conditions.push(`EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.key = ${params.bind(key)} AND json_each.value = ${params.bind(value)})`);
      }
    }
  }
  if (filter.createdFrom !== undefined) conditions.push(`created_at >= ${params.bind(filter.createdFrom)}`);
  if (filter.createdTo !== undefined) conditions.push(`created_at < ${params.bind(filter.createdTo)}`);
  if (filter.runIds !== undefined) conditions.push(filter.runIds.length === 0 ? "FALSE" : params.oneOf("run_id", filter.runIds));
  return conditions;
}

/**
 * How many runs match `filter`, by status (rows of `status`, `count`). Without a filter, the sums of
 * `run_status_counts` (kept by triggers, migration run_status_counts): a few rows, however many
 * runs. With a time range, the range's entries of `runs (created_at, status)`; with only other
 * filters, every run they match (the console counts with a time range).
 */
export function runCountStatement(dialect: "sqlite" | "postgres", filter: RunCountFilter): { sql: string; values: unknown[] } {
  const params = new SqlParams(dialect);
  const conditions = runFilterConditions(params, dialect, filter);
  if (conditions.length === 0) return { sql: "SELECT status, sum(count) AS count FROM run_status_counts GROUP BY status", values: [] };
  // SQLite plans without statistics (nothing runs ANALYZE): a range open at one end looks like a
  // quarter of the table to it, and it walks the whole status index instead (it spares a sort).
  const ranged = filter.createdFrom !== undefined || filter.createdTo !== undefined;
  const runs = ranged && dialect === "sqlite" ? "runs INDEXED BY runs_created_at_status" : "runs";
  return { sql: `SELECT status, count(*) AS count FROM ${runs} WHERE ${conditions.join(" AND ")} GROUP BY status`, values: params.values };
}

/**
 * A page of a run's events: the statement (ascending ids, whichever way it pages) and its
 * parameters. Backwards pages read the index from the top down and are put back in order.
 */
export function runEventsStatement(dialect: "sqlite" | "postgres", runId: string, query: RunEventQuery): { sql: string; values: unknown[] } {
  const params = new SqlParams(dialect);
  const conditions = [`run_id = ${params.bind(runId)}`];
  if (query.afterId !== undefined && query.afterId > 0) conditions.push(`id > ${params.bind(query.afterId)}`);
  if (query.beforeId !== undefined) conditions.push(`id < ${params.bind(query.beforeId)}`);
  if (query.stepKeys !== undefined) conditions.push(query.stepKeys.length === 0 ? "FALSE" : params.oneOf("step_key", query.stepKeys));
  if (query.levels !== undefined) {
    conditions.push(query.levels.length === 0 ? "FALSE" : literalOneOf(params, "level", query.levels));
    // The partial index's own predicate, which PostgreSQL would infer and SQLite needs spelled out.
    if (query.levels.length > 0 && query.levels.every((level) => PROBLEM_LEVELS.includes(level)) && !conditions.includes(PROBLEM_PREDICATE)) conditions.push(PROBLEM_PREDICATE);
  }
  if (query.types !== undefined) {
    conditions.push(query.types.length === 0 ? "FALSE" : literalOneOf(params, "type", query.types));
    if (query.types.length > 0 && query.types.every((type) => LIFECYCLE_EVENT_TYPES.includes(type)) && !conditions.includes(LIFECYCLE_PREDICATE)) conditions.push(LIFECYCLE_PREDICATE);
  }
  // instr/strpos, not LIKE: the text is taken as it is, with no wildcard to escape.
  if (query.text !== undefined && query.text !== "") conditions.push(`${dialect === "postgres" ? "strpos" : "instr"}(lower(message), lower(${params.bind(query.text)})) > 0`);
  const backwards = query.beforeId !== undefined;
  const limit = query.limit === undefined ? "" : ` LIMIT ${params.bind(query.limit)}`;
  const page = `SELECT * FROM events WHERE ${conditions.join(" AND ")} ORDER BY id ${backwards ? "DESC" : "ASC"}${limit}`;
  return { sql: backwards ? `SELECT * FROM (${page}) AS page ORDER BY id` : page, values: params.values };
}

/** `column IN ('a', 'b')` with the values in the text when they are plain words, else bound. */
function literalOneOf(params: SqlParams, column: string, values: readonly string[]): string {
  return values.every((value) => LITERAL.test(value)) ? `${column} IN (${values.map((value) => `'${value}'`).join(", ")})` : params.oneOf(column, values);
}
