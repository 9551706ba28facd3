import { checkSpec, type CheckOptions, type CheckSpec } from "../definitions/checks";
import { isWarehouseTable, quoteSqlIdentifier as quote, type WarehouseTable } from "./warehouseTable";

/**
 * Built-in data-quality checks for tabular values: arrays of row objects. Each returns a check to
 * put in an asset's `checks: [...]`. Failures carry metadata with counts and a few offending rows,
 * so the editor and the UI can show what is wrong without a query.
 *
 * On a SQL asset the value is a table in the warehouse ({@link WarehouseTable}): the same checks
 * run there as SQL, and only counts and a few sample rows come back to Node.
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

/** Counts the rows of a warehouse table that match `where`, and reads a few of them. */
async function offendingRows(table: WarehouseTable, where: string, params: readonly unknown[] = []) {
  const [counts] = await table.query(`select count(*) as total, count(*) filter (where ${where}) as offending from ${table.qualifiedName}`, params);
  const sample = await table.query(`select * from ${table.qualifiedName} where ${where} limit ${SAMPLE_SIZE}`, params);
  return { rows: Number(counts!.total), offending: Number(counts!.offending), sample };
}

/** Bigints (DuckDB's BIGINT) print as numbers in descriptions. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
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
  return checkSpec(name, options, async ({ value }) => {
    if (isWarehouseTable(value)) {
      const found = await offendingRows(value, cols.map((col) => `${quote(col)} is null`).join(" or "));
      return {
        passed: found.offending === 0,
        ...failure(found.offending > 0, `${found.offending} of ${found.rows} rows have a null ${cols.join(" or ")}`),
        metadata: { columns: cols, nullRows: found.offending, rows: found.rows, sample: found.sample },
      };
    }
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
  return checkSpec(name, options, async ({ value }) => {
    if (isWarehouseTable(value)) {
      const list = cols.map(quote).join(", ");
      const groups = `select ${list}, count(*) as n from ${value.qualifiedName} group by ${list} having count(*) > 1`;
      const [summary] = await value.query(`select count(*) as keys, coalesce(sum(n - 1), 0) as extra from (${groups}) as d`);
      const sample = await value.query(`${groups} limit ${SAMPLE_SIZE}`);
      const duplicates = Number(summary!.extra);
      const shown = sample.map((row) => (cols.length === 1 ? row[cols[0]!] : cols.map((col) => row[col])));
      return {
        passed: duplicates === 0,
        ...failure(duplicates > 0, `${duplicates} duplicate ${cols.join(", ")} (e.g. ${shown.slice(0, 3).map((d) => JSON.stringify(d, jsonSafe)).join(", ")})`),
        metadata: { columns: cols, duplicateRows: duplicates, sample: shown },
      };
    }
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
  return checkSpec(name, options, async ({ value }) => {
    if (isWarehouseTable(value)) {
      const listed = values.filter((v) => v !== null && v !== undefined);
      const acceptsNull = listed.length < values.length;
      const inList = listed.length === 0 ? "false" : `${quote(column)} in (${listed.map((_, i) => `$${i + 1}`).join(", ")})`;
      const where = `not (${inList})${acceptsNull ? "" : ` or ${quote(column)} is null`}`;
      const groups = await value.query(
        `select ${quote(column)} as value, count(*) as n from ${value.qualifiedName} where ${where} group by ${quote(column)} order by count(*) desc limit ${SAMPLE_SIZE}`,
        listed,
      );
      const found = groups.map((row) => [row.value, Number(row.n)] as const);
      return {
        passed: found.length === 0,
        ...failure(found.length > 0, `${column} has values not in [${values.join(", ")}]: ${found.map(([cell, n]) => `${JSON.stringify(cell, jsonSafe)} (${n} ${n === 1 ? "row" : "rows"})`).join(", ")}`),
        metadata: { column, unexpectedValues: Object.fromEntries(found.map(([k, n]) => [String(k), n])) },
      };
    }
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
  return checkSpec(name, options, async ({ value }) => {
    const count = isWarehouseTable(value)
      ? Number((await value.query(`select count(*) as n from ${value.qualifiedName}`))[0]!.n)
      : rowsOf(value, name).length;
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
  return checkSpec(name, options, async ({ value }) => {
    const rows = isWarehouseTable(value)
      ? await value.query(`select max(${quote(spec.column)}) as ${quote(spec.column)} from ${value.qualifiedName}`)
      : rowsOf(value, name);
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
 * Fails when any row does not satisfy the predicate: a function of a row, or on a SQL asset a SQL
 * boolean expression evaluated in the warehouse (a null verdict fails the row).
 * @example rowsSatisfy("amount_not_negative", (row) => row.amount >= 0)
 * @example rowsSatisfy("amount_not_negative", "amount >= 0") // on a sqlAsset
 */
export function rowsSatisfy<R extends Row = Row>(
  name: string,
  predicate: ((row: R) => boolean) | string,
  options?: CheckOptions,
): CheckSpec<unknown> {
  return checkSpec(name, options, async ({ value }) => {
    if (isWarehouseTable(value)) {
      if (typeof predicate !== "string") {
        throw new TypeError(`check "${name}" is a TypeScript predicate, but its asset is a table in the warehouse: write the predicate in SQL, rowsSatisfy("${name}", "amount >= 0")`);
      }
      // "is not true" counts a null verdict as failing, as a row the predicate cannot vouch for.
      const found = await offendingRows(value, `(${predicate}) is not true`);
      return {
        passed: found.offending === 0,
        ...failure(found.offending > 0, `${found.offending} of ${found.rows} rows do not satisfy ${name}`),
        metadata: { failingRows: found.offending, rows: found.rows, sample: found.sample },
      };
    }
    if (typeof predicate === "string") {
      throw new TypeError(`check "${name}" is a SQL predicate, which runs only on SQL assets; pass a function for rows in Node: rowsSatisfy("${name}", (row) => ...)`);
    }
    const rows = rowsOf(value, name) as R[];
    const failing = rows.filter((row) => !predicate(row));
    return {
      passed: failing.length === 0,
      ...failure(failing.length > 0, `${failing.length} of ${rows.length} rows do not satisfy ${name}`),
      metadata: { failingRows: failing.length, rows: rows.length, sample: failing.slice(0, SAMPLE_SIZE) },
    };
  });
}
