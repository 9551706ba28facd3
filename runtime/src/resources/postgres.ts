/**
 * The PostgreSQL resource: a `pg.Pool` set up once per run and ended when the run ends, with
 * connection failures reported with the (password-free) URL and what to check.
 */
import { Pool, type PoolConfig } from "pg";
import { TributaryError } from "../errors";
import { resource, type EnvVarRef, type ResourceDefinition } from "../definitions/resource";
import { redactConnectionString } from "../redact";

export { redactConnectionString };

/** Options of {@link postgresResource}. */
export interface PostgresResourceOptions {
  /** `postgres://user:password@host:5432/database`; usually `EnvVar("WAREHOUSE_DATABASE_URL")`. */
  connectionString: string | EnvVarRef;
  /** Most connections the pool opens at once. @defaultValue 10 */
  max?: number;
  /** Sets `search_path` on every connection, so queries can name tables unqualified. */
  schema?: string;
  /** Gives up connecting after this long (milliseconds). @defaultValue 10000 */
  connectionTimeoutMs?: number;
  /** Closes connections idle this long (milliseconds). @defaultValue 10000 */
  idleTimeoutMs?: number;
  /** Shown in `pg_stat_activity`. @defaultValue "tributary" */
  applicationName?: string;
  /**
   * Checks the connection during setup (one `SELECT 1`), so a wrong URL fails the run before the
   * first step rather than in the middle of one.
   * @defaultValue true
   */
  verify?: boolean;
}

/** PostgreSQL could not be reached (server down, wrong host, bad credentials, unknown database). */
export class PostgresConnectionError extends TributaryError {}

/**
 * A resource whose value is a `pg.Pool`. The pool is created for each run (in the run's worker) and
 * ended when the run ends.
 *
 * @example
 * ```ts
 * import { EnvVar, postgresResource } from "tributary-ts";
 *
 * export default definitions({
 *   assets: [...],
 *   resources: { warehouse: postgresResource({ connectionString: EnvVar("WAREHOUSE_DATABASE_URL"), max: 4 }) },
 * });
 * // in an asset with resources: ["warehouse"]
 * const { rows } = await ctx.resources.warehouse.query("select count(*) from orders");
 * ```
 */
export function postgresResource(options: PostgresResourceOptions): ResourceDefinition<Pool, { connectionString: string | EnvVarRef }> {
  if (!options || (typeof options.connectionString !== "string" && typeof options.connectionString !== "object")) {
    throw new TypeError(
      'postgresResource() needs a connectionString: postgresResource({ connectionString: EnvVar("WAREHOUSE_DATABASE_URL") })',
    );
  }
  const { connectionString, ...rest } = options;
  return resource({
    description: "PostgreSQL connection pool",
    config: { connectionString },
    setup: ({ config }) => createPostgresPool({ ...rest, connectionString: config.connectionString }),
    teardown: (pool) => pool.end(),
  }) as ResourceDefinition<Pool, { connectionString: string | EnvVarRef }>;
}

/**
 * Creates a pool and (unless `verify: false`) checks that it connects. A failure is a
 * {@link PostgresConnectionError} naming the URL without its password.
 */
export async function createPostgresPool(options: Omit<PostgresResourceOptions, "connectionString"> & { connectionString: string }): Promise<Pool> {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? "tributary",
  };
  if (options.schema !== undefined) config.options = `-c search_path=${quoteSearchPath(options.schema)}`;
  const pool = new Pool(config);
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, it would crash
  // the process. The pool discards that client and the next query reports the problem.
  pool.on("error", () => undefined);
  if (options.verify ?? true) {
    try {
      await pool.query("SELECT 1");
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw postgresConnectionError(options.connectionString, error);
    }
  }
  return pool;
}

function quoteSearchPath(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new TypeError(`PostgreSQL schema "${schema}" must be letters, digits and underscores (starting with a letter)`);
  }
  return schema;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "EPIPE"]);
// SQLSTATE classes 08 (connection exception) and 28 (invalid authorization), 3D000 (no such
// database), and the server going away or not taking connections yet: 57P01 (admin shutdown:
// `pg_ctl stop -m fast` ends every session with it), 57P02 (crash shutdown), 57P03 (cannot connect
// now: the server is starting up or shutting down).
const CONNECTION_SQLSTATE = /^(08|28)|^3D000$|^57P0[123]$/;
// What pg says, without a code, of a connection that timed out, ended under a query, or broke earlier.
const CONNECTION_MESSAGE = /timeout expired|Connection terminated|is not queryable/i;

/**
 * True when an error means "could not connect" or "lost the connection" rather than "the query
 * failed": the server is down, restarting or unreachable, or the credentials are wrong.
 */
export function isPostgresConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || CONNECTION_SQLSTATE.test(code))) return true;
  // Node reports a refused connection to "localhost" (IPv4 and IPv6 tried) as an AggregateError.
  if (error instanceof AggregateError) return error.errors.some(isPostgresConnectionFailure);
  return CONNECTION_MESSAGE.test(error instanceof Error ? error.message : "");
}

/** Wraps a connection failure so it names the URL (without password) and says what to check. */
export function postgresConnectionError(connectionString: string, error: unknown): Error {
  if (!isPostgresConnectionFailure(error)) return error instanceof Error ? error : new Error(String(error));
  const reason =
    error instanceof AggregateError
      ? error.errors.map((e: unknown) => (e as Error).message).join("; ")
      : error instanceof Error
        ? error.message || (error as { code?: string }).code || error.name
        : String(error);
  return new PostgresConnectionError(`Cannot connect to PostgreSQL at ${redactConnectionString(connectionString)}: ${reason}`, {
    cause: error,
    hint:
      "Is the server running and reachable from here (host, port, firewall)? Are the user, password and " +
      "database name in the connection string right? Try: psql \"<the same URL>\" -c 'select 1'.",
  });
}
