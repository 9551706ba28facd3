/**
 * Where SQL assets meet the executor: the table names a SQL asset's step receives instead of its
 * upstream values, and the built-in resources (the embedded warehouse, the I/O manager of SQL
 * assets) every run has.
 */
import path from "node:path";
import type { WarehouseTable } from "../checks/warehouseTable";
import type { IOManager, InputContext, OutputContext } from "../definitions/ioManager";
import { TributaryError } from "../errors";
import { NeverMaterializedError } from "../io/errors";
import { qualifiedName, type TableName } from "./materialize";
import { DEFAULT_WAREHOUSE_KEY, SQL_TABLE_IO_MANAGER_KEY, SQL_WAREHOUSE_METADATA, sqlAssetTableName } from "./sqlAsset";
import { embeddedWarehouse, warehouseOf } from "./warehouse";
import { warehouseTable } from "./warehouseTable";
import { WAREHOUSE_TABLES_IO_MANAGER_KEY, warehouseTablesIOManager } from "./warehouseTables";

/** What the executor tells about an upstream asset. */
export interface UpstreamOfSqlAsset {
  key: string;
  metadata: Record<string, unknown>;
  ioManagerKey: string;
  ioManager: () => Promise<IOManager>;
}

/**
 * The inputs of a SQL asset's step: for each dep, `{ qualifiedName }` of its table. A SQL
 * upstream's table is in the same warehouse; a TypeScript upstream needs an I/O manager that
 * stores it as a table there (`postgresTableIOManager` on the warehouse's database).
 */
export async function tableInputs(
  downstreamKey: string,
  upstreams: readonly UpstreamOfSqlAsset[],
  warehouse: { key: string; value: unknown },
): Promise<Record<string, { qualifiedName: string }>> {
  const inputs: Record<string, { qualifiedName: string }> = {};
  for (const upstream of upstreams) {
    const upstreamWarehouse = upstream.metadata[SQL_WAREHOUSE_METADATA];
    if (upstreamWarehouse !== undefined) {
      if (upstreamWarehouse !== warehouse.key) {
        throw new TributaryError(`sqlAsset "${downstreamKey}" reads "${upstream.key}", which is built in warehouse "${String(upstreamWarehouse)}", not in "${warehouse.key}"`, {
          hint: "A query runs in one warehouse: give both assets the same `warehouse`.",
        });
      }
      const table = sqlAssetTableName(upstream.metadata, await warehouseOf(warehouse.value, warehouse.key).defaultSchema())!;
      inputs[upstream.key] = { qualifiedName: qualifiedName(table) };
      continue;
    }
    const manager = await upstream.ioManager();
    const table = await manager.tableFor?.(upstream.key, upstream.metadata);
    if (table === undefined) {
      throw new TributaryError(`sqlAsset "${downstreamKey}" reads "${upstream.key}", whose I/O manager "${upstream.ioManagerKey}" does not store it as a table in the warehouse`, {
        hint: `Store "${upstream.key}" in the warehouse: ioManager: "${WAREHOUSE_TABLES_IO_MANAGER_KEY}" (a table in the warehouse SQL assets use), or make it a sqlAsset.`,
      });
    }
    inputs[upstream.key] = { qualifiedName: table };
  }
  return inputs;
}

/**
 * The I/O manager of SQL assets. Storing records the table (the rows are already in the
 * warehouse); loading gives a downstream TypeScript asset a {@link WarehouseTable}, whose rows it
 * reads only when it asks (`await inputs.orders.rows()`).
 */
export function sqlTableIOManager(resource: (key: string) => Promise<unknown>): IOManager {
  return {
    handleOutput: (ctx: OutputContext, value: unknown) => ({ table: (value as WarehouseTable).qualifiedName, warehouse: ctx.definitionMetadata[SQL_WAREHOUSE_METADATA] }),
    async loadInput(ctx: InputContext): Promise<WarehouseTable> {
      const key = String(ctx.definitionMetadata[SQL_WAREHOUSE_METADATA] ?? DEFAULT_WAREHOUSE_KEY);
      const warehouse = warehouseOf(await resource(key), key);
      const table: TableName = sqlAssetTableName(ctx.definitionMetadata, await warehouse.defaultSchema())!;
      const { rows } = await warehouse.query(
        "select 1 from information_schema.tables where table_schema = $1 and table_name = $2",
        [table.schema, table.name],
      );
      if (rows.length === 0) {
        throw new NeverMaterializedError({
          assetKey: ctx.assetKey,
          downstreamKey: ctx.downstreamKey,
          partitionKey: ctx.partitionKey,
          where: `table ${qualifiedName(table)} in ${warehouse.description}`,
        });
      }
      return warehouseTable(ctx.assetKey, warehouse, table);
    },
  };
}

/** Resource keys every run provides for SQL assets unless `definitions({ resources })` overrides them. */
export const SQL_BUILT_IN_RESOURCE_KEYS = [DEFAULT_WAREHOUSE_KEY, SQL_TABLE_IO_MANAGER_KEY, WAREHOUSE_TABLES_IO_MANAGER_KEY] as const;

/**
 * The built-in resources of SQL assets: the embedded warehouse in `<storageDir>/warehouse.duckdb`
 * (storageDir is `.tributary/storage`), their I/O manager, and `warehouse_tables`, which stores
 * TypeScript assets as tables in the `warehouse`; the managers read other resources of the run.
 */
export function sqlBuiltInResources(storageDir: string, resource: (key: string) => Promise<unknown>): Record<string, unknown> {
  return {
    [DEFAULT_WAREHOUSE_KEY]: embeddedWarehouse({ path: path.join(storageDir, "warehouse.duckdb") }),
    [SQL_TABLE_IO_MANAGER_KEY]: sqlTableIOManager(resource),
    [WAREHOUSE_TABLES_IO_MANAGER_KEY]: warehouseTablesIOManager(resource, DEFAULT_WAREHOUSE_KEY),
  };
}
