/**
 * Builds a SQL asset inside its warehouse: `table` (a new table swapped in atomically), `view`
 * (replaced in one transaction) or `incremental` (new rows merged by a unique key, or the run's
 * partition replaced). The rows never leave the warehouse; what comes back to Node is the row
 * count and the columns with their types, recorded as the materialization's metadata.
 */
import { quoteSqlIdentifier as quote } from "../checks/warehouseTable";
import { scratchTableName } from "../io/columns";
import type { SqlSession, Warehouse } from "./warehouse";
import type { RenderedQuery } from "./template";

export type Materialization = "table" | "view" | "incremental";

/** Where an asset's table lives. */
export interface TableName {
  schema: string;
  name: string;
}

export function qualifiedName(table: TableName): string {
  return `${quote(table.schema)}.${quote(table.name)}`;
}

/** What a materialization records. */
export interface MaterializedTable {
  /** Rows in the table after the build; for a view, not counted (that would run its query). */
  rowCount: number | null;
  /** Rows the build wrote (all of them for a table, the new or changed ones for an incremental build). */
  rowsWritten: number | null;
  columns: { name: string; type: string }[];
}

export interface BuildRequest {
  warehouse: Warehouse;
  table: TableName;
  materialization: Materialization;
  query: RenderedQuery;
  uniqueKey: readonly string[];
  /** The partition an incremental build replaces, and the column that holds it. */
  partition: { key: string; column: string } | null;
  /** The step's signal: aborting it cancels the build inside the warehouse. */
  signal: AbortSignal;
}


async function kindOf(session: SqlSession, table: TableName): Promise<"table" | "view" | null> {
  const { rows } = await session.query(
    "select table_type from information_schema.tables where table_schema = $1 and table_name = $2",
    [table.schema, table.name],
  );
  const type = rows[0]?.table_type;
  return type === undefined ? null : type === "VIEW" ? "view" : "table";
}

/** Drops what is there under the name, whichever kind it is (the materialization may have changed). */
async function dropExisting(session: SqlSession, table: TableName): Promise<void> {
  const kind = await kindOf(session, table);
  if (kind !== null) await session.query(`drop ${kind} ${qualifiedName(table)}`);
}

/**
 * Serializes writers of the same table across processes on PostgreSQL (two runs racing to swap
 * would drop each other's table); the embedded warehouse admits one writing process anyway.
 */
async function lockFor(warehouse: Warehouse, session: SqlSession, table: TableName): Promise<void> {
  if (warehouse.dialect === "postgres") await session.query("select pg_advisory_xact_lock(hashtext($1))", [qualifiedName(table)]);
}

async function ensureSchema(warehouse: Warehouse, table: TableName): Promise<void> {
  if (table.schema === (await warehouse.defaultSchema())) return;
  try {
    await warehouse.query(`create schema if not exists ${quote(table.schema)}`);
  } catch (error) {
    // Two steps creating the same schema at once: PostgreSQL's "if not exists" is not race-free
    // (a unique violation on pg_namespace), DuckDB reports a write-write conflict. Either way the
    // schema is there now, which is all this step needs.
    const { rows } = await warehouse.query("select 1 from information_schema.schemata where schema_name = $1", [table.schema]);
    if (rows.length === 0) throw error;
  }
}

export async function columnsOf(session: SqlSession, table: TableName): Promise<{ name: string; type: string }[]> {
  const { rows } = await session.query(
    `select column_name, data_type from information_schema.columns
     where table_schema = $1 and table_name = $2 order by ordinal_position`,
    [table.schema, table.name],
  );
  return rows.map((row) => ({ name: String(row.column_name), type: String(row.data_type).toLowerCase() }));
}

async function countRows(session: SqlSession, table: TableName): Promise<number> {
  const { rows } = await session.query(`select count(*) as n from ${qualifiedName(table)}`);
  return Number(rows[0]!.n);
}

/**
 * Creates the scratch table from the query. Outside any transaction on purpose: a long build
 * holds no lock that readers of the current table would wait on.
 */
async function buildScratch(request: BuildRequest, scratch: TableName, select: string): Promise<number | null> {
  const result = await request.warehouse.queryCancelable(`create table ${qualifiedName(scratch)} as ${select}`, request.query.params, request.signal);
  return result.rowCount;
}

/** The query as a derived table, with the partition column added for a partitioned incremental build. */
function selectFor(request: BuildRequest): string {
  if (!request.partition) return request.query.text;
  const index = request.query.params.length + 1;
  return `select q.*, cast($${index} as varchar) as ${quote(request.partition.column)} from (\n${request.query.text}\n) as q`;
}

/** Builds the asset and returns what its materialization records. The previous table stays intact on any failure. */
export async function buildSqlAsset(request: BuildRequest): Promise<MaterializedTable> {
  const { warehouse, table } = request;
  await ensureSchema(warehouse, table);
  if (request.materialization === "view") {
    return warehouse.transaction(async (session) => {
      await lockFor(warehouse, session, table);
      await dropExisting(session, table);
      await session.query(`create view ${qualifiedName(table)} as ${request.query.text}`, request.query.params);
      return { rowCount: null, rowsWritten: null, columns: await columnsOf(session, table) };
    });
  }
  const query: RenderedQuery = request.partition
    ? { text: selectFor(request), params: [...request.query.params, request.partition.key] }
    : request.query;
  // Random, so two runs never build into the same scratch table.
  const scratch = { schema: table.schema, name: scratchTableName(table.name) };
  try {
    const written = await buildScratch({ ...request, query }, scratch, query.text);
    return await warehouse.transaction(async (session) => {
      await lockFor(warehouse, session, table);
      const existing = await kindOf(session, table);
      if (request.materialization === "incremental" && existing === "table") {
        await mergeInto(session, table, scratch, request);
        await session.query(`drop table ${qualifiedName(scratch)}`);
        return { rowCount: await countRows(session, table), rowsWritten: written, columns: await columnsOf(session, table) };
      }
      const dependents = await dependentViews(warehouse, session, table);
      for (const view of [...dependents].reverse()) await session.query(`drop view ${qualifiedName(view)}`);
      if (existing !== null) await session.query(`drop ${existing} ${qualifiedName(table)}`);
      await session.query(`alter table ${qualifiedName(scratch)} rename to ${quote(table.name)}`);
      for (const view of dependents) await session.query(`create view ${qualifiedName(view)} as ${view.definition}`);
      // The swapped-in table is the scratch table: its row count is what the build wrote, no scan needed.
      return { rowCount: written ?? (await countRows(session, table)), rowsWritten: written, columns: await columnsOf(session, table) };
    });
  } finally {
    // Left behind only when the build or the swap failed; the target was not touched then.
    await warehouse.query(`drop table if exists ${qualifiedName(scratch)}`).catch(() => undefined);
  }
}

/**
 * Views that read the table (directly or through other views), innermost first, with their
 * definitions. PostgreSQL refuses to drop a table a view depends on, and a downstream SQL asset
 * materialized as a view is exactly that: the swap drops and recreates them in its transaction, so
 * readers of the views, too, see the old rows or the new ones. (DuckDB binds views when queried.)
 */
async function dependentViews(warehouse: Warehouse, session: SqlSession, table: TableName): Promise<(TableName & { definition: string })[]> {
  if (warehouse.dialect !== "postgres") return [];
  const { rows } = await session.query(
    `with recursive dependents(oid, depth) as (
       select v.oid, 1 from pg_depend d join pg_rewrite r on r.oid = d.objid join pg_class v on v.oid = r.ev_class
       where d.refobjid = to_regclass($1) and v.relkind = 'v' and v.oid <> d.refobjid
       union all
       select v.oid, dependents.depth + 1 from dependents
       join pg_depend d on d.refobjid = dependents.oid join pg_rewrite r on r.oid = d.objid join pg_class v on v.oid = r.ev_class
       where v.relkind = 'v' and v.oid <> d.refobjid and dependents.depth < 50
     )
     select n.nspname as schema, c.relname as name, pg_get_viewdef(c.oid) as definition, max(depth) as depth
     from dependents join pg_class c on c.oid = dependents.oid join pg_namespace n on n.oid = c.relnamespace
     group by n.nspname, c.relname, c.oid order by max(depth)`,
    [qualifiedName(table)],
  );
  return rows.map((row) => ({ schema: String(row.schema), name: String(row.name), definition: String(row.definition) }));
}

/** Replaces the rows the new ones supersede (same unique key, or same partition), then inserts the new ones. */
async function mergeInto(session: SqlSession, table: TableName, scratch: TableName, request: BuildRequest): Promise<void> {
  const target = qualifiedName(table);
  const fresh = qualifiedName(scratch);
  if (request.uniqueKey.length > 0) {
    const match = request.uniqueKey.map((column) => `s.${quote(column)} = t.${quote(column)}`).join(" and ");
    await session.query(`delete from ${target} as t where exists (select 1 from ${fresh} as s where ${match})`);
  } else if (request.partition) {
    await session.query(`delete from ${target} where ${quote(request.partition.column)} = $1`, [request.partition.key]);
  }
  const columns = (await columnsOf(session, scratch)).map((column) => quote(column.name)).join(", ");
  await session.query(`insert into ${target} (${columns}) select ${columns} from ${fresh}`);
}
