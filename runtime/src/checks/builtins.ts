import { checkSpec, type CheckOptions, type CheckSpec } from "../definitions/checks";

/**
 * Built-in data-quality checks for tabular values: arrays of row objects. Each returns a check to
 * put in an asset's `checks: [...]`. Failures carry metadata with counts and a few offending rows,
 * so the editor and the UI can show what is wrong without a query.
 */

type Row = Record<string, unknown>;
const SAMPLE_SIZE = 5;

function rowsOf(value: unknown, checkName: string): Row[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `check "${checkName}" expects the asset's value to be an array of rows, but it is ${value === null ? "null" : typeof value}`,
    );
  }
  return value as Row[];
}

/**
 * On a failure, a description with what was observed ("row count 5 not in [1, 2]"), shown by the
 * CLI and stored with the result; a pass keeps the check's own description.
 */
function failure(failed: boolean, observed: string): { description?: string } {
  return failed ? { description: observed } : {};
}

function columnsOf(columns: string | string[]): string[] {
  return Array.isArray(columns) ? columns : [columns];
}

/**
 * Fails when any row has `null` or `undefined` in one of the columns.
 * @example notNull("customer_id")
 */
export function notNull(columns: string | string[], options?: CheckOptions & { name?: string }): CheckSpec<unknown> {
  const cols = columnsOf(columns);
  const name = options?.name ?? `not_null_${cols.join("_")}`;
  return checkSpec(name, options, ({ value }) => {
    const rows = rowsOf(value, name);
    const offending = rows.filter((row) => cols.some((col) => row[col] === null || row[col] === undefined));
    return {
      passed: offending.length === 0,
      ...failure(offending.length > 0, `${offending.length} of ${rows.length} rows have a null ${cols.join(" or ")}`),
      metadata: { columns: cols, nullRows: offending.length, rows: rows.length, sample: offending.slice(0, SAMPLE_SIZE) },
    };
  }, `${cols.join(", ")} never null`);
}

/**
 * Fails when two rows share the same value (or combination of values) in the columns.
 * @example unique("order_id")
 */
export function unique(columns: string | string[], options?: CheckOptions & { name?: string }): CheckSpec<unknown> {
  const cols = columnsOf(columns);
  const name = options?.name ?? `unique_${cols.join("_")}`;
  return checkSpec(name, options, ({ value }) => {
    const rows = rowsOf(value, name);
    const seen = new Set<string>();
    const duplicates: unknown[] = [];
    for (const row of rows) {
      const id = JSON.stringify(cols.map((col) => row[col]));
      if (seen.has(id)) duplicates.push(cols.length === 1 ? row[cols[0]!] : cols.map((col) => row[col]));
      else seen.add(id);
    }
    return {
      passed: duplicates.length === 0,
      ...failure(duplicates.length > 0, `${duplicates.length} duplicate ${cols.join(", ")} (e.g. ${duplicates.slice(0, 3).map((d) => JSON.stringify(d)).join(", ")})`),
      metadata: { columns: cols, duplicateRows: duplicates.length, rows: rows.length, sample: duplicates.slice(0, SAMPLE_SIZE) },
    };
  }, `${cols.join(", ")} unique`);
}

/**
 * Fails when a column holds a value outside the accepted list (null is accepted only if listed).
 * @example acceptedValues("status", ["placed", "shipped", "completed", "return_pending", "returned"])
 */
export function acceptedValues(
  column: string,
  values: readonly unknown[],
  options?: CheckOptions & { name?: string },
): CheckSpec<unknown> {
  const name = options?.name ?? `accepted_values_${column}`;
  const accepted = new Set(values);
  return checkSpec(name, options, ({ value }) => {
    const rows = rowsOf(value, name);
    const unexpected = new Map<unknown, number>();
    for (const row of rows) {
      const cell = row[column];
      if (!accepted.has(cell)) unexpected.set(cell, (unexpected.get(cell) ?? 0) + 1);
    }
    return {
      passed: unexpected.size === 0,
      ...failure(unexpected.size > 0, `${column} has values not in [${values.join(", ")}]: ${[...unexpected].slice(0, SAMPLE_SIZE).map(([cell, n]) => `${JSON.stringify(cell)} (${n} ${n === 1 ? "row" : "rows"})`).join(", ")}`),
      metadata: { column, unexpectedValues: Object.fromEntries([...unexpected].map(([k, n]) => [String(k), n])) },
    };
  }, `${column} in [${values.join(", ")}]`);
}

/**
 * Fails when the number of rows is outside [min, max] (either bound may be omitted).
 * @example rowCountBetween({ min: 1 })
 */
export function rowCountBetween(
  bounds: { min?: number; max?: number },
  options?: CheckOptions & { name?: string },
): CheckSpec<unknown> {
  const name = options?.name ?? "row_count";
  return checkSpec(name, options, ({ value }) => {
    const count = rowsOf(value, name).length;
    const passed = (bounds.min === undefined || count >= bounds.min) && (bounds.max === undefined || count <= bounds.max);
    return {
      passed,
      ...failure(!passed, `row count ${count} not in [${bounds.min ?? "-inf"}, ${bounds.max ?? "inf"}]`),
      metadata: { rows: count, min: bounds.min ?? null, max: bounds.max ?? null },
    };
  }, `row count in [${bounds.min ?? "-inf"}, ${bounds.max ?? "inf"}]`);
}

/**
 * Fails when the newest timestamp in `column` is older than `maxAgeHours` (the data is stale even
 * though the asset was just materialized). Values may be Date objects, ISO strings or epoch millis.
 * @example freshness({ column: "order_date", maxAgeHours: 36 })
 */
export function freshness(
  spec: { column: string; maxAgeHours: number; now?: () => Date },
  options?: CheckOptions & { name?: string },
): CheckSpec<unknown> {
  const name = options?.name ?? `freshness_${spec.column}`;
  return checkSpec(name, options, ({ value }) => {
    const rows = rowsOf(value, name);
    let newest = Number.NEGATIVE_INFINITY;
    for (const row of rows) {
      const cell = row[spec.column];
      const time = cell instanceof Date ? cell.getTime() : typeof cell === "number" ? cell : Date.parse(String(cell));
      if (Number.isFinite(time) && time > newest) newest = time;
    }
    const now = (spec.now?.() ?? new Date()).getTime();
    const ageHours = Number.isFinite(newest) ? (now - newest) / 3_600_000 : null;
    const roundedAge = ageHours === null ? null : Math.round(ageHours * 100) / 100;
    const passed = ageHours !== null && ageHours <= spec.maxAgeHours;
    return {
      passed,
      ...failure(!passed, roundedAge === null ? `no ${spec.column} is a timestamp (${rows.length} rows)` : `newest ${spec.column} is ${roundedAge} h old, over ${spec.maxAgeHours} h`),
      metadata: {
        column: spec.column,
        newest: Number.isFinite(newest) ? new Date(newest).toISOString() : null,
        ageHours: roundedAge,
        maxAgeHours: spec.maxAgeHours,
      },
    };
  }, `newest ${spec.column} within ${spec.maxAgeHours} h`);
}

/**
 * Fails when any row does not satisfy the predicate.
 * @example rowsSatisfy("amount_not_negative", (row) => row.amount >= 0)
 */
export function rowsSatisfy<R extends Row = Row>(
  name: string,
  predicate: (row: R) => boolean,
  options?: CheckOptions,
): CheckSpec<unknown> {
  return checkSpec(name, options, ({ value }) => {
    const rows = rowsOf(value, name) as R[];
    const failing = rows.filter((row) => !predicate(row));
    return {
      passed: failing.length === 0,
      ...failure(failing.length > 0, `${failing.length} of ${rows.length} rows do not satisfy ${name}`),
      metadata: { failingRows: failing.length, rows: rows.length, sample: failing.slice(0, SAMPLE_SIZE) },
    };
  });
}
