/**
 * What the value of a SQL asset is: a table in a warehouse, not rows in Node. Built-in checks that
 * receive one run as SQL in that warehouse; a TypeScript asset downstream receives one and reads
 * its rows only when it asks (`await inputs.orders.rows()`). Declared here, below the checks that
 * use it; `sql/` implements it.
 */

const WAREHOUSE_TABLE = Symbol.for("tributary.warehouseTable");

/** A table (or view) in a warehouse, as a SQL asset materialized it. */
export interface WarehouseTable {
  readonly [WAREHOUSE_TABLE]: true;
  readonly assetKey: string;
  /** The schema-qualified, quoted name, ready to put into a query (`"staging"."orders"`). */
  readonly qualifiedName: string;
  /** The warehouse's dialect: `$1`, `$2`... are the parameters in both. */
  readonly dialect: "postgres" | "duckdb";
  /** Runs a query in the table's warehouse and returns its rows. */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Every row of the table, read into Node: for TypeScript assets that need the values. */
  rows(): Promise<Record<string, unknown>[]>;
}

export function warehouseTableBrand(): { readonly [WAREHOUSE_TABLE]: true } {
  return { [WAREHOUSE_TABLE]: true };
}

export function isWarehouseTable(value: unknown): value is WarehouseTable {
  return typeof value === "object" && value !== null && (value as WarehouseTable)[WAREHOUSE_TABLE] === true;
}

/** Quotes an identifier for PostgreSQL, DuckDB and SQLite (all use standard double quotes). */
export function quoteSqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
