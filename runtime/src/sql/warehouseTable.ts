/** The {@link WarehouseTable} a SQL asset's step returns and its I/O manager loads. */
import { warehouseTableBrand, type WarehouseTable } from "../checks/warehouseTable";
import { qualifiedName, type TableName } from "./materialize";
import type { Warehouse } from "./warehouse";

export function warehouseTable(assetKey: string, warehouse: Warehouse, table: TableName): WarehouseTable {
  const name = qualifiedName(table);
  return {
    ...warehouseTableBrand(),
    assetKey,
    qualifiedName: name,
    dialect: warehouse.dialect,
    query: async (text, params) => (await warehouse.query(text, params)).rows,
    rows: async () => (await warehouse.query(`select * from ${name}`)).rows,
  };
}
