/**
 * Connecting to PostgreSQL: the pool (with the storage's schema as search_path), the query every
 * concern module of PostgresStorage runs through, and turning driver connection errors into errors
 * that say what to check.
 */
import { Pool, type PoolClient, type QueryResultRow } from "pg";
import { ConfigError } from "../../errors";
import { redactConnectionString } from "../../redact";
import { isPostgresConnectionFailure } from "../../resources/postgres";
import { StorageConnectionError } from "../errors";
import type { Row } from "../rows";
import { isStalePreparedStatement, PreparedStatementNames } from "./preparedStatements";

/** The one connection (pool) of a PostgresStorage, shared by its concern modules (runs, events, ...). */
export interface PostgresConnection {
  pool: Pool;
  url: string;
  /** The schema holding the tables (the pool's search_path). */
  schema: string;
  statements: PreparedStatementNames;
  /** The storage's query: prepared statements, connection errors named. */
  query: <T extends QueryResultRow = Row>(sql: string, params?: unknown[]) => Promise<T[]>;
}

/**
 * The pool for `schema` at `url` (see {@link createPool}) and the query over it: each statement
 * prepared once per connection when `preparedStatements`, driver connection failures turned into
 * StorageConnectionErrors.
 */
export function connectPostgres(url: string, schema: string, maxConnections: number, preparedStatements: boolean): PostgresConnection {
  const pool = createPool(url, schema, maxConnections);
  const statements = new PreparedStatementNames(preparedStatements);
  const query = async <T extends QueryResultRow = Row>(sql: string, params: unknown[] = [], unnamed = false): Promise<T[]> => {
    const name = unnamed ? undefined : statements.nameOf(sql);
    try {
      return (await pool.query<T>(name ? { name, text: sql, values: params } : { text: sql, values: params })).rows;
    } catch (error) {
      if (name && isStalePreparedStatement(error)) {
        // A migration by another process changed a table under this statement: this once unnamed;
        // the next call prepares it afresh under a new name.
        statements.forget(sql);
        return query<T>(sql, params, true);
      }
      throw isConnectionError(error) ? connectionError(url, error) : error;
    }
  };
  return { pool, url, schema, statements, query: (sql, params) => query(sql, params) };
}

/** Schema names are restricted so they can go unquoted into `search_path` and into messages. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a schema name; throws a {@link ConfigError} that says which names are allowed. */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigError(`Invalid PostgreSQL schema name "${schema}"`, {
      hint: "Use lowercase letters, digits and underscores, starting with a letter or underscore (e.g. tributary).",
    });
  }
}

/**
 * Creates the pool. Every connection gets `search_path = schema`, so SQL names tables unqualified,
 * and plans prepared statements once: with the default plan cache mode PostgreSQL re-plans a
 * statement with array parameters on every call, and planning the run queue's statements probes
 * the queue's index past every run claimed since the last vacuum (measured: throughput fell by
 * half between 20,000 and 40,000 queued runs; with generic plans it holds).
 */
function createPool(url: string, schema: string, maxConnections: number): Pool {
  assertSchemaName(schema);
  const pool = new Pool({
    connectionString: url,
    max: maxConnections,
    options: `-c search_path=${schema} -c plan_cache_mode=force_generic_plan`,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, it would crash the
  // process. The pool discards that client, and the next query reports the problem to its caller.
  pool.on("error", () => undefined);
  return pool;
}

/**
 * True when an error means "could not connect" or "lost the connection" rather than "the query
 * failed" (the same test as the PostgreSQL resource's).
 */
export const isConnectionError = isPostgresConnectionFailure;

/** Wraps a connection failure in a {@link StorageConnectionError} naming the (redacted) URL. */
export function connectionError(url: string, error: unknown): StorageConnectionError {
  if (error instanceof StorageConnectionError) return error;
  const reason = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  return new StorageConnectionError(`Cannot connect to PostgreSQL at ${redactConnectionString(url)}: ${reason}`, {
    cause: error,
    hint:
      "Is the PostgreSQL server running and reachable from this machine? Is TRIBUTARY_DATABASE_URL " +
      "(or the database url in tributary.yaml) right: host, port, user, password and database name?",
  });
}

/**
 * Runs `work` on one pooled connection, outside any explicit transaction; connection failures come
 * out as {@link StorageConnectionError}s.
 *
 * While a client is checked out, a lost connection (the server stopped or restarted) makes pg emit
 * 'error' on the client besides failing its query; with no listener that would crash the process,
 * so one is attached until the client goes back. A client whose connection failed (or that `work`
 * discards) is destroyed rather than pooled.
 */
export async function withClient<T>(pool: Pool, url: string, work: (client: PoolClient, discard: (reason: Error) => void) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw isConnectionError(error) ? connectionError(url, error) : error;
  }
  let lost: Error | undefined;
  const onLost = (error: Error) => (lost = error);
  client.on("error", onLost);
  try {
    return await work(client, onLost);
  } catch (error) {
    if (isConnectionError(error)) {
      lost ??= error as Error;
      throw connectionError(url, error);
    }
    throw error;
  } finally {
    client.removeListener("error", onLost);
    client.release(lost);
  }
}

/** Runs `work` in one transaction on one pooled connection; rolls back when it throws. */
export async function withTransaction<T>(pool: Pool, url: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, url, async (client, discard) => {
    await client.query("BEGIN");
    try {
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // A connection that cannot even roll back is destroyed instead of going back to the pool.
      await client.query("ROLLBACK").catch(discard);
      throw error;
    }
  });
}
