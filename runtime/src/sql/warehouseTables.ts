/**
 * `warehouse_tables`: the built-in I/O manager that stores a TypeScript asset's rows as a table in
 * the warehouse SQL assets run in, so a `sqlAsset` can read it with `${asset}` (and a TypeScript
 * downstream gets the rows back). One key for both warehouses:
 *
 * - PostgreSQL (a `postgresResource` as `warehouse`): handed to {@link PostgresTableIOManager} on
 *   the warehouse's own pool and schema; nothing here writes PostgreSQL tables a second way.
 * - The embedded warehouse (DuckDB): written here, with the same rules as the PostgreSQL manager
 *   (column types from {@link inferColumns}, a table replaced atomically, one table per partitioned
 *   asset with a partition column whose partitions are replaced one at a time).
 */
import type { InputContext, IOManager, OutputContext } from "../definitions/ioManager";
import {
  inferColumns,
  jsonCell,
  partitionColumnOf,
  quoteIdentifier as quote,
  rowsOf,
  scratchTableName,
  tableNameFor,
  type Column,
  type ColumnKind,
  type Row,
} from "../io/columns";
import { NeverMaterializedError, UnsupportedValueError } from "../io/errors";
import { PostgresTableIOManager } from "../io/postgresTable";
import { columnsOf, qualifiedName, type TableName } from "./materialize";
import { isPgPool, warehouseOf, type SqlSession, type Warehouse } from "./warehouse";

/** The resource key of the built-in I/O manager that stores TypeScript assets as warehouse tables. */
export const WAREHOUSE_TABLES_IO_MANAGER_KEY = "warehouse_tables";

/** DuckDB's column type for each inferred kind (the PostgreSQL manager's table, in DuckDB's names). */
const DUCKDB_TYPE: Record<ColumnKind, string> = {
  integer: "BIGINT",
  bignum: "HUGEINT",
  real: "DOUBLE",
  boolean: "BOOLEAN",
  date: "DATE",
  timestamp: "TIMESTAMPTZ",
  text: "VARCHAR",
  json: "JSON",
};

/** Rows per INSERT: one prepared statement per 1,000 rows keeps statements small. */
const ROWS_PER_INSERT = 1_000;

/**
 * The I/O manager under {@link WAREHOUSE_TABLES_IO_MANAGER_KEY}: `asset({ ..., ioManager:
 * "warehouse_tables" }, () => rows)` lands the rows as table `<last key segment>` (or
 * `metadata.table`) in the default schema of the `warehouse` resource, where SQL assets read it.
 *
 * @param resource the run's resources (the warehouse is set up on first use, once per run)
 */
export function warehouseTablesIOManager(resource: (key: string) => Promise<unknown>, warehouseKey: string): IOManager {
  let postgres: Promise<PostgresTableIOManager | null> | undefined;
  const warehouse = async () => warehouseOf(await resource(warehouseKey), warehouseKey);
  /** On PostgreSQL, the table manager on the warehouse's own pool and default schema; null on DuckDB. */
  const postgresManager = () =>
    (postgres ??= (async () => {
      const value = await resource(warehouseKey);
      if (!isPgPool(value)) return null;
      return new PostgresTableIOManager({ pool: value, schema: await warehouseOf(value, warehouseKey).defaultSchema() });
    })());
  return {
    async handleOutput(ctx: OutputContext, value: unknown) {
      const delegate = await postgresManager();
      if (delegate) return delegate.handleOutput(ctx, value);
      return writeDuckDb(await warehouse(), ctx, value);
    },
    async loadInput(ctx: InputContext) {
      const delegate = await postgresManager();
      if (delegate) return delegate.loadInput(ctx);
      return readDuckDb(await warehouse(), ctx);
    },
    async tableFor(assetKey: string, definitionMetadata: Record<string, unknown>) {
      const store = await warehouse();
      return qualifiedName({ schema: await store.defaultSchema(), name: tableNameFor(assetKey, definitionMetadata) });
    },
  };
}

async function targetOf(warehouse: Warehouse, assetKey: string, metadata: Record<string, unknown>): Promise<TableName> {
  return { schema: await warehouse.defaultSchema(), name: tableNameFor(assetKey, metadata) };
}

async function existingColumns(session: SqlSession, table: TableName): Promise<Map<string, string>> {
  return new Map((await columnsOf(session, table)).map((column) => [column.name, column.type]));
}

async function kindOfRelation(session: SqlSession, table: TableName): Promise<"table" | "view" | null> {
  const { rows } = await session.query("select table_type from information_schema.tables where table_schema = $1 and table_name = $2", [table.schema, table.name]);
  const type = rows[0]?.table_type;
  return type === undefined ? null : type === "VIEW" ? "view" : "table";
}

/** A cell as DuckDB binds it: JSON as its text, integers beyond 2^53 as bigints, Dates as ISO text. */
function toDuckDb(cell: unknown, kind: ColumnKind, column: string): unknown {
  if (cell === null || cell === undefined) return null;
  switch (kind) {
    case "json":
      return jsonCell(cell, column);
    case "bignum":
      return typeof cell === "bigint" ? cell : BigInt(cell as number);
    case "timestamp":
      return cell instanceof Date ? cell.toISOString() : cell;
    default:
      return cell;
  }
}

async function insertRows(session: SqlSession, table: TableName, columns: readonly Column[], rows: readonly Row[]): Promise<void> {
  if (columns.length === 0 || rows.length === 0) return;
  const list = columns.map((column) => quote(column.name)).join(", ");
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + ROWS_PER_INSERT).map((row) => {
      const placeholders = columns.map((column) => {
        params.push(toDuckDb(row[column.name], column.kind, column.name));
        return `cast($${params.length} as ${DUCKDB_TYPE[column.kind]})`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await session.query(`insert into ${qualifiedName(table)} (${list}) values ${tuples.join(", ")}`, params);
  }
}

/**
 * Writes the rows: an unpartitioned asset into a new table swapped in by one transaction (readers
 * see the old table or the new one), a partition by deleting its rows and inserting the new ones
 * in one transaction (the other partitions untouched).
 */
async function writeDuckDb(warehouse: Warehouse, ctx: OutputContext, value: unknown): Promise<Record<string, unknown>> {
  const rows = rowsOf(value, ctx.assetKey, `I/O manager "${WAREHOUSE_TABLES_IO_MANAGER_KEY}"`);
  const table = await targetOf(warehouse, ctx.assetKey, ctx.definitionMetadata);
  const columns = inferColumns(rows);
  // The same `table` a SQL asset records: the quoted, qualified name a query can use as it is.
  const described = { table: qualifiedName(table), rows: rows.length, warehouse: warehouse.description };
  if (ctx.partitionKey !== null) {
    const partitionColumn = partitionColumnOf(ctx.definitionMetadata);
    const own = columns.filter((column) => column.name !== partitionColumn);
    await warehouse.transaction(async (session) => {
      const existing = await existingColumns(session, table);
      if (existing.size === 0) {
        const definitions = [...own.map((c) => `${quote(c.name)} ${DUCKDB_TYPE[c.kind]}`), `${quote(partitionColumn)} VARCHAR NOT NULL`];
        await session.query(`create table ${qualifiedName(table)} (${definitions.join(", ")})`);
      } else {
        // A table written before the asset was partitioned: its old rows get a NULL key and are never loaded.
        if (!existing.has(partitionColumn)) await session.query(`alter table ${qualifiedName(table)} add column ${quote(partitionColumn)} VARCHAR`);
        for (const column of own) {
          if (!existing.has(column.name)) await session.query(`alter table ${qualifiedName(table)} add column ${quote(column.name)} ${DUCKDB_TYPE[column.kind]}`);
        }
      }
      await session.query(`delete from ${qualifiedName(table)} where ${quote(partitionColumn)} = $1`, [ctx.partitionKey]);
      const keyed = rows.map((row) => ({ ...row, [partitionColumn]: ctx.partitionKey }));
      await insertRows(session, table, [...own, { name: partitionColumn, kind: "text" }], keyed);
    });
    return { ...described, partitionColumn };
  }
  const scratch = { schema: table.schema, name: scratchTableName(table.name) };
  await warehouse.transaction(async (session) => {
    let definitions = columns.map((c) => `${quote(c.name)} ${DUCKDB_TYPE[c.kind]}`);
    // No rows: the table keeps the columns it had (a table needs at least one column).
    if (definitions.length === 0) definitions = [...(await existingColumns(session, table))].map(([name, type]) => `${quote(name)} ${type}`);
    if (definitions.length === 0) {
      throw new UnsupportedValueError(`asset "${ctx.assetKey}" returned no rows and has no table yet, so its columns are unknown`, {
        hint: "Return at least one row the first time, or create the table beforehand.",
      });
    }
    await session.query(`create table ${qualifiedName(scratch)} (${definitions.join(", ")})`);
    await insertRows(session, scratch, columns, rows);
    const existing = await kindOfRelation(session, table);
    if (existing !== null) await session.query(`drop ${existing} ${qualifiedName(table)}`);
    await session.query(`alter table ${qualifiedName(scratch)} rename to ${quote(table.name)}`);
  });
  return described;
}

async function readDuckDb(warehouse: Warehouse, ctx: InputContext): Promise<Row[]> {
  const table = await targetOf(warehouse, ctx.assetKey, ctx.definitionMetadata);
  const partitionColumn = partitionColumnOf(ctx.definitionMetadata);
  const missing = () =>
    new NeverMaterializedError({
      assetKey: ctx.assetKey,
      downstreamKey: ctx.downstreamKey,
      partitionKey: ctx.partitionKey,
      where: `table ${qualifiedName(table)} in ${warehouse.description}`,
    });
  if ((await kindOfRelation(warehouse, table)) === null) throw missing();
  // rowid: the order the rows were inserted in.
  if (ctx.partitionKey === null) return (await warehouse.query(`select * from ${qualifiedName(table)} order by rowid`)).rows;
  const { rows } = await warehouse.query(`select * from ${qualifiedName(table)} where ${quote(partitionColumn)} = $1 order by rowid`, [ctx.partitionKey]);
  for (const row of rows) delete row[partitionColumn];
  return rows;
}
