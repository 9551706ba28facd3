/**
 * The warehouses a SQL asset runs in, behind one small interface: PostgreSQL (the `pg.Pool` of a
 * `postgresResource`) and the embedded analytical warehouse, DuckDB in a file under `.tributary/`
 * (chosen over SQLite on measured figures: docs/sql-assets.md#the-embedded-warehouse). Both take
 * `$1`, `$2`... parameters and support transactional DDL, so one materialization code serves both.
 */
import path from "node:path";
import { mkdirSync } from "node:fs";
import type { Pool, PoolClient } from "pg";
import { resource, type ResourceDefinition } from "../definitions/resource";
import { TributaryError } from "../errors";
import { READ_TYPES } from "../io/postgresTable";
import { redactConnectionString } from "../redact";

export type Row = Record<string, unknown>;

/** Runs statements; a transaction's statements all run on one connection. */
export interface SqlSession {
  query(text: string, params?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** A warehouse as the SQL runtime sees it. */
export interface Warehouse extends SqlSession {
  /**
   * Runs one statement that `signal` cancels inside the warehouse (a canceled run or a timed-out
   * step must not leave a long build running there).
   */
  queryCancelable(text: string, params: readonly unknown[], signal: AbortSignal): Promise<{ rows: Row[]; rowCount: number | null }>;
  readonly dialect: "postgres" | "duckdb";
  /** Names the warehouse in errors: "PostgreSQL at postgres://...", "the embedded warehouse at ...". */
  readonly description: string;
  /** The schema unqualified names resolve to. */
  defaultSchema(): Promise<string>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
}

/** Runs `work` between `begin` and `commit` on one session; rolls back when it throws. */
async function inTransaction<T>(session: SqlSession, work: (session: SqlSession) => Promise<T>): Promise<T> {
  await session.query("begin transaction");
  try {
    const result = await work(session);
    await session.query("commit");
    return result;
  } catch (error) {
    await session.query("rollback").catch(() => undefined);
    throw error;
  }
}

const WAREHOUSE_ADAPTER = Symbol.for("tributary.warehouseAdapter");

/** True for a value of a warehouse resource already adapted (the embedded warehouse is one). */
function isWarehouse(value: unknown): value is Warehouse {
  return typeof value === "object" && value !== null && WAREHOUSE_ADAPTER in value;
}

/** True for a `pg.Pool` (the value of a `postgresResource`). */
export function isPgPool(value: unknown): value is Pool {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Pool).query === "function" &&
    typeof (value as Pool).connect === "function" &&
    "totalCount" in value
  );
}

/**
 * The warehouse behind a resource's value: a `pg.Pool` (from `postgresResource`) or the embedded
 * warehouse. Anything else is an error naming the resource and what to provide.
 */
export function warehouseOf(value: unknown, resourceKey: string): Warehouse {
  if (isWarehouse(value)) return value;
  if (isPgPool(value)) return postgresWarehouse(value);
  throw new TributaryError(`resource "${resourceKey}" is used as a SQL warehouse but is neither a PostgreSQL pool nor the embedded warehouse`, {
    hint: `Provide resources: { ${resourceKey}: postgresResource({ connectionString: ... }) }, or leave "warehouse" out to use the embedded warehouse under .tributary/.`,
  });
}

const adapters = new WeakMap<Pool, Warehouse>();

function postgresWarehouse(pool: Pool): Warehouse {
  const known = adapters.get(pool);
  if (known) return known;
  const options = (pool as unknown as { options?: { connectionString?: string } }).options;
  const where = options?.connectionString ? redactConnectionString(options.connectionString) : "the configured server";
  const run = async (client: Pool | PoolClient, text: string, params?: readonly unknown[]) => {
    const result = await client.query({ text, values: params as unknown[] | undefined, types: READ_TYPES });
    return { rows: result.rows as Row[], rowCount: result.rowCount };
  };
  let schema: Promise<string> | undefined;
  const warehouse: Warehouse = {
    [WAREHOUSE_ADAPTER]: true,
    dialect: "postgres",
    description: `PostgreSQL at ${where}`,
    query: (text, params) => run(pool, text, params),
    async queryCancelable(text, params, signal) {
      signal.throwIfAborted();
      const client = await pool.connect();
      const processId = (client as unknown as { processID: number }).processID;
      const cancel = () => void pool.query("select pg_cancel_backend($1)", [processId]).catch(() => undefined);
      signal.addEventListener("abort", cancel, { once: true });
      try {
        return await run(client, text, params);
      } finally {
        signal.removeEventListener("abort", cancel);
        client.release();
      }
    },
    defaultSchema: () => {
      schema ??= defaultPostgresSchema((text, params) => run(pool, text, params));
      schema.catch(() => (schema = undefined)); // a failure is not remembered: the next step asks again
      return schema;
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        return await inTransaction({ query: (text, params) => run(client, text, params) }, work);
      } finally {
        client.release();
      }
    },
  } as Warehouse;
  adapters.set(pool, warehouse);
  return warehouse;
}

/**
 * The schema unqualified names resolve to: `current_schema()`, or, when the first schema of the
 * `search_path` does not exist yet (`postgresResource({ schema })` names a new one), that schema,
 * created here as the table I/O managers create theirs.
 */
async function defaultPostgresSchema(query: SqlSession["query"]): Promise<string> {
  const { rows } = await query("select current_schema() as schema, current_setting('search_path') as path");
  if (rows[0]!.schema !== null) return String(rows[0]!.schema);
  const first = String(rows[0]!.path).split(",")[0]!.trim().replace(/^"(.*)"$/, "$1").replace(/""/g, '"');
  if (first === "" || first === "$user") throw new TributaryError("the PostgreSQL warehouse has no schema to build in: its search_path names none that exists");
  try {
    await query(`create schema if not exists "${first.replace(/"/g, '""')}"`);
  } catch (error) {
    // Another session created it at the same moment (a unique violation): it exists, which is enough.
    if (!["23505", "42P06"].includes((error as { code?: string }).code ?? "")) throw error;
  }
  return first;
}

/** Options of {@link embeddedWarehouse}. */
export interface EmbeddedWarehouseOptions {
  /** The DuckDB database file; its folder is created when missing. */
  path: string;
  /**
   * DuckDB lets one process at a time open a file: a run waits this long for another run that
   * holds it before failing with a message that says so (milliseconds). @defaultValue 60000
   */
  lockTimeoutMs?: number;
}

type DuckInstance = import("@duckdb/node-api").DuckDBInstance;
type DuckConnection = import("@duckdb/node-api").DuckDBConnection;

/** One instance per file in this process, shared by the runs and steps that use it at once. */
const openInstances = new Map<string, { instance: Promise<DuckInstance>; users: number }>();

async function openDuckDb(file: string, lockTimeoutMs: number): Promise<DuckInstance> {
  // Loaded on first use: the native binding costs nothing to projects that never run SQL assets.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + lockTimeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await DuckDBInstance.create(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/lock/i.test(message)) throw error;
      if (Date.now() + delay > deadline) {
        throw new TributaryError(`the embedded warehouse ${file} is in use by another process: ${message}`, {
          cause: error,
          hint: "DuckDB lets one process open its file at a time: wait for the other run to end, close other tools that opened the file, or give definitions({ resources }) a PostgreSQL warehouse for concurrent runs.",
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

type DuckType = ReturnType<import("@duckdb/node-api").DuckDBResultReader["columnTypes"]>[number];

/** DuckDB type ids (`DuckDBTypeId`) whose JS values are converted to what PostgreSQL's reads give. */
const DUCK_BIGINTS = new Set([5, 9, 16, 32]); // BIGINT, UBIGINT, HUGEINT, UHUGEINT
const DUCK_DATE = 13;
const DUCK_VARCHAR = 17;

/**
 * One cell of a DuckDB result, with the JS type the same column has when read from PostgreSQL
 * (`READ_TYPES`): 64-bit and wider integers as numbers (bigint beyond 2^53), dates as `YYYY-MM-DD`
 * strings, JSON parsed. A row reads the same from either warehouse, so a TypeScript asset or a
 * check does not depend on where the table lives.
 */
function fromDuck(cell: unknown, type: DuckType): unknown {
  if (cell === null || cell === undefined) return null;
  if (DUCK_BIGINTS.has(type.typeId) && typeof cell === "bigint") {
    return cell >= BigInt(Number.MIN_SAFE_INTEGER) && cell <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cell) : cell;
  }
  if (type.typeId === DUCK_DATE && cell instanceof Date) return cell.toISOString().slice(0, 10);
  if (type.typeId === DUCK_VARCHAR && type.alias === "JSON" && typeof cell === "string") return JSON.parse(cell);
  return cell;
}

function duckDbWarehouse(file: string, instance: DuckInstance): Warehouse {
  const run = async (connection: DuckConnection, text: string, params?: readonly unknown[]) => {
    const reader = await connection.runAndReadAll(text, params && params.length > 0 ? (params as never) : undefined);
    const types = reader.columnTypes();
    const names = reader.columnNames();
    const rows = (reader.getRowObjectsJS() as Row[]).map((row) => {
      for (let index = 0; index < names.length; index++) row[names[index]!] = fromDuck(row[names[index]!], types[index]!);
      return row;
    });
    // DuckDB reports the rows a CREATE TABLE AS wrote as its one result row, { Count }, not in rowsChanged.
    const count = rows.length === 1 && reader.columnNames().join() === "Count" ? Number(rows[0]!.Count) : reader.rowsChanged;
    return { rows, rowCount: count ?? null };
  };
  // A connection per call: DuckDB's transactions belong to a connection, and steps run concurrently.
  const withConnection = async <T>(work: (connection: DuckConnection) => Promise<T>): Promise<T> => {
    const connection = await instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  };
  return {
    [WAREHOUSE_ADAPTER]: true,
    dialect: "duckdb",
    description: `the embedded warehouse at ${file}`,
    query: (text, params) => withConnection((connection) => run(connection, text, params)),
    queryCancelable: (text, params, signal) =>
      withConnection(async (connection) => {
        signal.throwIfAborted();
        const cancel = () => connection.interrupt();
        signal.addEventListener("abort", cancel, { once: true });
        try {
          return await run(connection, text, params);
        } finally {
          signal.removeEventListener("abort", cancel);
        }
      }),
    defaultSchema: async () => "main",
    transaction: (work) => withConnection((connection) => inTransaction({ query: (text, params) => run(connection, text, params) }, work)),
  } as Warehouse;
}

/**
 * The embedded analytical warehouse: DuckDB in one file. It is what SQL assets run in when
 * `definitions({ resources })` has no `warehouse`; the default file is
 * `.tributary/storage/warehouse.duckdb`.
 *
 * @example resources: { warehouse: embeddedWarehouse({ path: "data/warehouse.duckdb" }) }
 */
export function embeddedWarehouse(options: EmbeddedWarehouseOptions): ResourceDefinition<Warehouse> {
  const file = path.resolve(options.path);
  return resource({
    description: `embedded warehouse (DuckDB) at ${file}`,
    setup: async () => {
      let open = openInstances.get(file);
      if (!open) openInstances.set(file, (open = { instance: openDuckDb(file, options.lockTimeoutMs ?? 60_000), users: 0 }));
      open.users++;
      try {
        return duckDbWarehouse(file, await open.instance);
      } catch (error) {
        releaseDuckDb(file);
        throw error;
      }
    },
    // Closed when its last run ends, so the file's lock passes to the next process at once.
    teardown: () => releaseDuckDb(file),
  }) as ResourceDefinition<Warehouse>;
}

function releaseDuckDb(file: string): void {
  const open = openInstances.get(file);
  if (!open || --open.users > 0) return;
  openInstances.delete(file);
  void open.instance.then((instance) => instance.closeSync(), () => undefined);
}
