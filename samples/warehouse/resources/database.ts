/**
 * The warehouse database: where the marts land, as a resource assets and checks can query.
 *
 * - `WAREHOUSE_DATABASE_URL` holds a `postgres://` URL: PostgreSQL, through Tributary's
 *   `postgresResource` (a `pg.Pool`, ended when the run ends). `WAREHOUSE_DATABASE_SCHEMA` picks the
 *   schema (default `public`).
 * - Otherwise: the embedded SQLite file `.tributary/warehouse.db` (or `WAREHOUSE_SQLITE_PATH`).
 *
 * The choice is made when the definitions load, which is once per run: every run executes in a
 * worker process of its own that loads the code afresh. The URL itself stays an `EnvVar`, read when
 * the run sets the resource up, so it never sits in the definitions.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { EnvVar, postgresResource, resource, type ResourceDefinition } from "tributary-ts";
import { projectRoot } from "../ops/utilities";

/** A minimal, dialect-neutral way to query the warehouse (enough for checks and reports). */
export interface WarehouseDatabase {
  readonly dialect: "postgres" | "sqlite";
  /** Runs a read query and returns its rows. Numbers come back as numbers in both dialects. */
  query<T extends Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** True when `url` is a PostgreSQL connection URL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return typeof url === "string" && /^postgres(ql)?:\/\//i.test(url);
}

/** True when the marts go to PostgreSQL. */
export function usesPostgres(env: NodeJS.ProcessEnv = process.env): boolean {
  return isPostgresUrl(env.WAREHOUSE_DATABASE_URL);
}

/** Schema of the PostgreSQL marts. */
export function warehouseSchema(env: NodeJS.ProcessEnv = process.env): string {
  return env.WAREHOUSE_DATABASE_SCHEMA || "public";
}

/** The embedded warehouse file: `.tributary/warehouse.db` next to tributary.yaml. */
export function defaultSqlitePath(): string {
  try {
    return join(projectRoot(), ".tributary", "warehouse.db");
  } catch {
    return join(process.cwd(), ".tributary", "warehouse.db");
  }
}

/** The warehouse database resource for the environment `env` (see the file comment). */
export function warehouseDatabase(env: NodeJS.ProcessEnv = process.env): ResourceDefinition<WarehouseDatabase> {
  if (usesPostgres(env)) {
    const postgres = postgresResource({
      connectionString: EnvVar("WAREHOUSE_DATABASE_URL"),
      schema: warehouseSchema(env),
      max: 2,
      applicationName: "tributary-warehouse-sample",
    });
    return resource({
      description: "The PostgreSQL warehouse (WAREHOUSE_DATABASE_URL)",
      config: postgres.config,
      setup: async (ctx): Promise<WarehouseDatabase> => {
        const pool = await postgres.setup(ctx);
        return {
          dialect: "postgres",
          // sum() of bigint is numeric, which pg returns as a string: cast in SQL where a number is wanted.
          query: async <T extends Record<string, unknown>>(sql: string) => (await pool.query<T>(sql)).rows,
          close: () => pool.end(),
        };
      },
      teardown: (database) => database.close(),
    });
  }
  return resource({
    description: "The embedded SQLite warehouse (.tributary/warehouse.db)",
    config: { path: EnvVar("WAREHOUSE_SQLITE_PATH", { default: defaultSqlitePath() }) },
    setup: ({ config }): WarehouseDatabase => {
      const db = new Database(config.path);
      db.pragma("busy_timeout = 10000");
      return {
        dialect: "sqlite",
        query: async <T extends Record<string, unknown>>(sql: string) => db.prepare(sql).all() as T[],
        close: async () => void db.close(),
      };
    },
    teardown: (database) => database.close(),
  });
}
