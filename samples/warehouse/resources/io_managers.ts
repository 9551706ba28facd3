/**
 * Where the sample's assets are stored.
 *
 * - Raw and staging assets use the default I/O manager: JSON files under `.tributary/storage/`.
 * - The marts (`customers`, `orders`) use `warehouse_io`: real tables. By default SQLite tables in
 *   `.tributary/warehouse.db` (or `WAREHOUSE_SQLITE_PATH`); when `WAREHOUSE_DATABASE_URL` holds a
 *   `postgres://` URL, PostgreSQL tables in `WAREHOUSE_DATABASE_SCHEMA` (default `public`).
 */
import { EnvVar, postgresTableIOManager, sqliteTableIOManager } from "tributary-ts";
import { defaultSqlitePath, usesPostgres, warehouseDatabase, warehouseSchema } from "./database";

/** Resource key of the marts' I/O manager (used in the marts' `ioManager`). */
export const WAREHOUSE_IO = "warehouse_io";
/** Resource key of the warehouse database (used by the grand-totals check). */
export const WAREHOUSE_DB = "warehouse_db";

/** The marts' I/O manager for the environment `env`. */
export function warehouseIOManager(env: NodeJS.ProcessEnv = process.env) {
  return usesPostgres(env)
    ? postgresTableIOManager({ connectionString: EnvVar("WAREHOUSE_DATABASE_URL"), schema: warehouseSchema(env) })
    : sqliteTableIOManager({ path: EnvVar("WAREHOUSE_SQLITE_PATH", { default: defaultSqlitePath() }) });
}

/** Every resource of the sample, for `definitions({ resources })`. */
export function warehouseResources(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  return { [WAREHOUSE_IO]: warehouseIOManager(env), [WAREHOUSE_DB]: warehouseDatabase(env) };
}
