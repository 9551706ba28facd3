/**
 * The warehouse: where the SQL assets run and the raw tables land.
 *
 * - By default, nothing to provide: Tributary's embedded warehouse, DuckDB in
 *   `.tributary/storage/warehouse.duckdb`, opened by a run and closed when it ends.
 * - `WAREHOUSE_DATABASE_URL` holding a `postgres://` URL: PostgreSQL, through `postgresResource`
 *   (a `pg.Pool` ended after the run), in the schema `WAREHOUSE_DATABASE_SCHEMA` (default `public`,
 *   created when missing).
 *
 * The choice is made when the definitions load, which is once per run: every run executes in a
 * worker process of its own that loads the code afresh. The URL itself stays an `EnvVar`, read when
 * the run sets the resource up, so it never sits in the definitions.
 */
import { EnvVar, postgresResource } from "tributary-ts";

/** The resource key SQL assets run in (and `ioManager: "warehouse_tables"` writes to). */
export const WAREHOUSE = "warehouse";

/** True when `url` is a PostgreSQL connection URL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return typeof url === "string" && /^postgres(ql)?:\/\//i.test(url);
}

/** True when the warehouse is PostgreSQL. */
export function usesPostgres(env: NodeJS.ProcessEnv = process.env): boolean {
  return isPostgresUrl(env.WAREHOUSE_DATABASE_URL);
}

/** Schema of the PostgreSQL warehouse. */
export function warehouseSchema(env: NodeJS.ProcessEnv = process.env): string {
  return env.WAREHOUSE_DATABASE_SCHEMA || "public";
}

/** Every resource of the sample, for `definitions({ resources })`: a PostgreSQL warehouse, or none (the embedded one). */
export function warehouseResources(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  if (!usesPostgres(env)) return {};
  return {
    [WAREHOUSE]: postgresResource({
      connectionString: EnvVar("WAREHOUSE_DATABASE_URL"),
      schema: warehouseSchema(env),
      max: 4,
      applicationName: "tributary-warehouse-sample",
    }),
  };
}
