/**
 * What the table I/O managers share: checking that a value is an array of rows, inferring a column
 * type from the values, and naming the table after the asset.
 */
import { quoteSqlIdentifier } from "../checks/warehouseTable";
import { UnsupportedValueError } from "./errors";

/** A row as the table managers store it. */
export type Row = Record<string, unknown>;

/**
 * The kind of a column, inferred from its non-null values. Each dialect maps it to a SQL type and
 * converts values back to the JS type written:
 *
 * | kind | values | SQLite | PostgreSQL | read back as |
 * |---|---|---|---|---|
 * | integer | safe integers | INTEGER | bigint | number |
 * | bignum | bigints, integers beyond 2^53 | BIGINT | numeric | bigint (number when safe) |
 * | real | numbers, some with fractions | REAL | double precision | number |
 * | boolean | booleans | BOOLEAN | boolean | boolean |
 * | date | strings `YYYY-MM-DD` | DATE | date | string `YYYY-MM-DD` |
 * | timestamp | `Date` objects | TIMESTAMP | timestamptz | Date |
 * | text | other strings; a column of only nulls | TEXT | text | string |
 * | json | objects, arrays, or a mix of kinds | JSON | jsonb | the parsed value |
 */
export type ColumnKind = "integer" | "bignum" | "real" | "boolean" | "date" | "timestamp" | "text" | "json";

/** A column of a table to write. */
export interface Column {
  name: string;
  kind: ColumnKind;
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Checks that `value` is an array of plain row objects; the error names the asset and the row. */
export function rowsOf(value: unknown, assetKey: string, manager: string): Row[] {
  const hint =
    `${manager} stores arrays of row objects ([{ id: 1, name: "a" }, ...]). ` +
    `Store other values with the filesystem I/O manager (the default), or return rows.`;
  if (!Array.isArray(value)) {
    const what = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new UnsupportedValueError(`asset "${assetKey}" returned ${what}, not an array of rows`, { hint });
  }
  value.forEach((row, index) => {
    if (row === null || typeof row !== "object" || Array.isArray(row) || row instanceof Date) {
      throw new UnsupportedValueError(
        `asset "${assetKey}": row ${index} is ${row === null ? "null" : Array.isArray(row) ? "an array" : typeof row}, not an object`,
        { hint },
      );
    }
  });
  return value as Row[];
}

/** The columns of `rows`, in order of first appearance, each with the kind its values need. */
export function inferColumns(rows: readonly Row[]): Column[] {
  const kinds = new Map<string, Set<ColumnKind>>();
  for (const row of rows) {
    for (const [name, cell] of Object.entries(row)) {
      let seen = kinds.get(name);
      if (!seen) kinds.set(name, (seen = new Set()));
      const kind = kindOfValue(cell);
      if (kind !== null) seen.add(kind);
    }
  }
  return [...kinds].map(([name, seen]) => ({ name, kind: mergeKinds(seen) }));
}

function kindOfValue(cell: unknown): ColumnKind | null {
  if (cell === null || cell === undefined) return null;
  switch (typeof cell) {
    case "number":
      if (!Number.isInteger(cell)) return "real";
      return Number.isSafeInteger(cell) ? "integer" : "bignum";
    case "bigint":
      return "bignum";
    case "boolean":
      return "boolean";
    case "string":
      return DATE_PATTERN.test(cell) && !Number.isNaN(Date.parse(cell)) ? "date" : "text";
    case "object":
      return cell instanceof Date ? "timestamp" : "json";
    default:
      return "json";
  }
}

/** One kind for a column whose values have several: numbers widen; dates mixed with text are text. */
function mergeKinds(seen: Set<ColumnKind>): ColumnKind {
  if (seen.size === 0) return "text";
  if (seen.size === 1) return [...seen][0]!;
  const only = (...allowed: ColumnKind[]) => [...seen].every((kind) => allowed.includes(kind));
  if (only("integer", "bignum")) return "bignum";
  if (only("integer", "real")) return "real";
  if (only("date", "text")) return "text";
  // Anything else (numbers and strings, booleans and numbers...) keeps each value's own type in JSON.
  return "json";
}

/**
 * The table an asset lands in: `metadata.table` when the asset's spec sets it, else the last
 * segment of its key (`warehouse/orders` -> `orders`).
 */
export function tableNameFor(assetKey: string, definitionMetadata: Record<string, unknown>): string {
  const override = definitionMetadata.table;
  if (override !== undefined) {
    if (typeof override !== "string" || override.length === 0 || override.length > 63) {
      throw new UnsupportedValueError(
        `asset "${assetKey}": metadata.table must be a table name of 1 to 63 characters, not ${JSON.stringify(override)}`,
        { hint: 'For example: asset({ key: "warehouse/orders", metadata: { table: "orders" } }, ...)' },
      );
    }
    return override;
  }
  return assetKey.split("/").pop()!;
}

/**
 * The column holding partition keys in a partitioned asset's table: `metadata.partitionColumn`,
 * else `partition_key`. Shared by the table managers, so an asset moved from SQLite to PostgreSQL
 * keeps its column.
 *
 * @defaultValue "partition_key"
 */
export function partitionColumnOf(definitionMetadata: Record<string, unknown>): string {
  const column = definitionMetadata["partitionColumn"];
  return typeof column === "string" && column !== "" ? column : "partition_key";
}

/** Quotes an identifier for SQLite and PostgreSQL (both use standard double quotes). */
export const quoteIdentifier = quoteSqlIdentifier;

/** A fresh name for the table that is filled before being swapped in. */
export function scratchTableName(table: string): string {
  const suffix = `__new_${Math.random().toString(36).slice(2, 10)}`;
  // PostgreSQL truncates identifiers at 63 bytes; keep the random suffix intact.
  return Buffer.from(table).subarray(0, 63 - suffix.length).toString() + suffix;
}

/** The value of a cell as JSON text, for json columns. Bigints become strings inside JSON. */
export function jsonCell(cell: unknown, column: string): string | null {
  if (cell === null || cell === undefined) return null;
  const text = JSON.stringify(cell, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  if (text === undefined) {
    throw new UnsupportedValueError(`column "${column}" holds a ${typeof cell}, which a table cannot store`, {
      hint: "Return plain data in rows: strings, numbers, booleans, Dates, null, objects and arrays.",
    });
  }
  return text;
}
