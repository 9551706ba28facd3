/**
 * `sqlAsset()`: an asset whose query runs inside the warehouse. It is an ordinary asset definition
 * (groups, tags, owners, kinds, checks, partitions, schedules, selections work as for `asset()`)
 * whose function renders its `sql` template with the upstream tables' names, builds the table or
 * view there, and returns a {@link WarehouseTable}: no upstream row is ever loaded into Node (the
 * executor hands a SQL asset table names, not values: `inputsAsTables`).
 */
import { type WarehouseTable } from "../checks/warehouseTable";
import type { AssetContext } from "../definitions/context";
import {
  normalizeChecks,
  normalizeDeps,
  normalizeMetadataSpec,
  normalizePartitions,
  normalizeRetry,
  validateAssetKey,
  type AssetDefinition,
  type AssetDep,
  type AssetMetadataSpec,
  type RetryPolicy,
} from "../definitions/asset";
import { DEFINITION_KIND } from "../definitions/brand";
import type { CheckSpec } from "../definitions/checks";
import type { PartitionsShapeOf } from "../definitions/inputs";
import { DefinitionError, type LocationLike } from "../errors";
import { lazyCallerLocation, withLazyLocation } from "../location";
import type { PartitionsDefinition } from "../partitions/definition";
import type { PartitionMapping } from "../partitions/mappings";
import { sqlAssetError, assertSingleQuery, warehouseUnavailableError } from "./errors";
import { buildSqlAsset, qualifiedName, type Materialization, type TableName } from "./materialize";
import { isSqlTemplate, renderTemplate, templateDeps, templateParameterCount, type SqlTemplate } from "./template";
import { warehouseTable } from "./warehouseTable";
import { warehouseOf } from "./warehouse";

/** The resource SQL assets run in unless they name another; the embedded warehouse when not provided. */
export const DEFAULT_WAREHOUSE_KEY = "warehouse";
/** The built-in I/O manager of SQL assets: records the table, loads a {@link WarehouseTable}. */
export const SQL_TABLE_IO_MANAGER_KEY = "sql_tables";
/** Metadata keys a SQL asset carries, read by the executor, the I/O manager and the UI. */
export const SQL_TABLE_METADATA = "tributary/table";
export const SQL_WAREHOUSE_METADATA = "tributary/warehouse";

/** What `sqlAsset()` takes. */
export interface SqlAssetSpec<K extends string, P extends PartitionsDefinition | undefined = undefined> extends AssetMetadataSpec {
  /** A name (`"orders"`) or a `/`-separated path (`"mart/orders"`: table `orders` in schema `mart`). */
  key: K;
  /** The query, written with the `sql` tag: `${asset}` names its table, other values are parameters. */
  query: SqlTemplate;
  /**
   * `"table"` builds a new table and swaps it in atomically; `"view"` creates or replaces a view;
   * `"incremental"` merges new rows by `uniqueKey`, or replaces the run's partition.
   * @defaultValue "table"
   */
  materialization?: Materialization;
  /** Columns identifying a row, for `"incremental"`: rows with a key already present replace the old ones. */
  uniqueKey?: string | string[];
  /** Key of the warehouse resource. @defaultValue "warehouse" (the embedded warehouse when none is provided) */
  warehouse?: string;
  /** The table's name, `"name"` or `"schema.name"`. @defaultValue the key's last part, in the schema of its prefix */
  table?: string;
  /** Upstream assets the query does not name (a TypeScript asset it waits for), as for `asset()`. */
  deps?: readonly AssetDep[];
  retry?: RetryPolicy;
  /** Fails the attempt when it runs longer (milliseconds); the build is canceled inside the warehouse. */
  timeoutMs?: number;
  /** Checks run as SQL in the warehouse: `notNull`, `unique`, `acceptedValues`, `rowCountBetween`, `rowsSatisfy(name, "amount >= 0")`. */
  checks?: CheckSpec<any>[];
  partitions?: P;
  partitionMappings?: Record<string, PartitionMapping>;
  /** The column holding the partition key of a partitioned incremental table. @defaultValue "partition_key" */
  partitionColumn?: string;
}

/**
 * Defines an asset computed by a SQL query inside the warehouse.
 *
 * @example
 * ```ts
 * export const doubled = sqlAsset({
 *   key: "doubled", group: "staging", materialization: "table",
 *   query: sql`select n * 2 as d from ${rawNumbers}`,
 * });
 * ```
 */
export function sqlAsset<const K extends string, P extends PartitionsDefinition | undefined = undefined>(
  spec: SqlAssetSpec<K, P>,
): AssetDefinition<K, WarehouseTable, PartitionsShapeOf<P>> {
  const location = lazyCallerLocation(sqlAsset);
  if (spec === null || typeof spec !== "object") {
    throw new DefinitionError('sqlAsset() takes a spec object: sqlAsset({ key: "doubled", query: sql`select ...` })', { location });
  }
  const key = validateAssetKey(spec.key, location);
  const what = `sqlAsset "${key}"`;
  if (!isSqlTemplate(spec.query)) {
    throw new DefinitionError(`${what}: query must be written with the sql tag`, {
      location,
      hint: "query: sql`select ... from ${upstreamAsset}` (import { sql } from \"tributary\")",
    });
  }
  const materialization = spec.materialization ?? "table";
  if (!["table", "view", "incremental"].includes(materialization)) {
    throw new DefinitionError(`${what}: materialization must be "table", "view" or "incremental", not ${JSON.stringify(materialization)}`, { location });
  }
  const uniqueKey = spec.uniqueKey === undefined ? [] : Array.isArray(spec.uniqueKey) ? [...spec.uniqueKey] : [spec.uniqueKey];
  if (uniqueKey.some((column) => typeof column !== "string" || column === "")) {
    throw new DefinitionError(`${what}: uniqueKey must be a column name or an array of them`, { location });
  }
  if (materialization === "incremental" && uniqueKey.length === 0 && spec.partitions === undefined) {
    throw new DefinitionError(`${what}: an incremental asset needs a uniqueKey or partitions, to know which rows are new`, {
      location,
      hint: 'Add uniqueKey: "id" (rows with a known id replace the old ones), or partitions (each run replaces its partition).',
    });
  }
  if (spec.partitions !== undefined && materialization !== "incremental") {
    throw new DefinitionError(`${what}: a partitioned SQL asset must be materialized "incremental"`, {
      location,
      hint: `Each run builds one partition; a "${materialization}" build would replace every partition's rows with that one's. Use materialization: "incremental" (each run replaces its partition).`,
    });
  }
  if (materialization === "view" && templateParameterCount(spec.query) > 0) {
    throw new DefinitionError(`${what}: a view cannot take bound parameters, and its query interpolates ${templateParameterCount(spec.query)} value(s) that are not assets`, {
      location,
      hint: 'Write the values into the query text, or use materialization: "table" (its parameters are bound when it is built).',
    });
  }
  const warehouse = spec.warehouse ?? DEFAULT_WAREHOUSE_KEY;
  const table = tableNameOf(key, spec.table, what, location);
  const partitionColumn = spec.partitionColumn ?? "partition_key";
  const query = spec.query;
  const deps = normalizeDeps([...templateDeps(query), ...(spec.deps ?? [])], what, location);
  const common = normalizeMetadataSpec(spec, what, location);
  const run = async (ctx: AssetContext<Record<string, unknown>, Record<string, unknown>>): Promise<WarehouseTable> => {
    const store = warehouseOf(ctx.resources[warehouse], warehouse);
    const target = { schema: table.schema ?? (await store.defaultSchema()), name: table.name };
    const window = ctx.partitionTimeWindow;
    const rendered = renderTemplate(query, {
      tableOf: (dep) => (ctx.inputs[dep] as { qualifiedName: string }).qualifiedName,
      placeholder: (index) => `$${index}`,
      partition: { key: ctx.partitionKey, start: window?.start.toISOString() ?? null, end: window?.end.toISOString() ?? null },
    });
    rendered.text = assertSingleQuery(key, query, rendered.text);
    let built;
    try {
      built = await buildSqlAsset({
        warehouse: store,
        table: target,
        materialization,
        query: rendered,
        uniqueKey,
        partition: materialization === "incremental" && ctx.partitionKey !== null && uniqueKey.length === 0 ? { key: ctx.partitionKey, column: partitionColumn } : null,
        signal: ctx.signal,
      });
    } catch (error) {
      throw sqlAssetError(key, query, rendered.text, store.description, error);
    }
    ctx.addMetadata({
      ...(built.rowCount === null ? {} : { rows: built.rowCount }),
      ...(built.rowsWritten === null || materialization !== "incremental" ? {} : { rowsWritten: built.rowsWritten }),
      columns: built.columns,
    });
    return warehouseTable(key, store, target);
  };
  return withLazyLocation(
    {
      [DEFINITION_KIND]: "asset" as const,
      key: key as K,
      ...common,
      kinds: common.kinds.includes("sql") ? common.kinds : ["sql", ...common.kinds],
      metadata: {
        ...common.metadata,
        [SQL_TABLE_METADATA]: table.schema === null ? table.name : `${table.schema}.${table.name}`,
        [SQL_WAREHOUSE_METADATA]: warehouse,
        materialization,
        ...(materialization === "incremental" && uniqueKey.length === 0 ? { partitionColumn } : {}),
      },
      deps,
      resources: [warehouse],
      ioManager: SQL_TABLE_IO_MANAGER_KEY,
      retry: normalizeRetry(spec.retry, what, location),
      timeoutMs: spec.timeoutMs,
      checks: normalizeChecks(spec.checks, what, location),
      ...normalizePartitions(spec, deps, what, location),
      inputsAsTables: true,
      explainSetupFailure: (error: unknown) => warehouseUnavailableError(key, query, warehouse, error),
      fn: run as (ctx: AssetContext<any, any>) => unknown,
    },
    location,
  ) as unknown as AssetDefinition<K, WarehouseTable, PartitionsShapeOf<P>>;
}

/** `"mart/orders"` is `orders` in schema `mart`; a one-part key lives in the warehouse's default schema (null here). */
function tableNameOf(key: string, table: string | undefined, what: string, location: LocationLike): { schema: string | null; name: string } {
  const given = table ?? (key.includes("/") ? `${key.split("/").slice(0, -1).join("_")}.${key.split("/").pop()}` : key);
  const parts = given.split(".");
  if (parts.length > 2 || parts.some((part) => part === "" || Buffer.byteLength(part) > 63)) {
    throw new DefinitionError(`${what}: table ${JSON.stringify(given)} must be "name" or "schema.name", each at most 63 bytes`, {
      location,
    });
  }
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: null, name: parts[0]! };
}

/** The qualified name of a table written by a SQL asset, from its metadata (schema resolved by the warehouse). */
export function sqlAssetTableName(metadata: Record<string, unknown>, defaultSchema: string): TableName | undefined {
  const table = metadata[SQL_TABLE_METADATA];
  if (typeof table !== "string") return undefined;
  const parts = table.split(".");
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: defaultSchema, name: parts[0]! };
}

export { qualifiedName };
