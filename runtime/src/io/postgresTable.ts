/**
 * An I/O manager that stores arrays of rows as PostgreSQL tables, one table per asset, replaced
 * atomically on each materialization; a partitioned asset keeps all its partitions in one table,
 * and each materialization replaces one partition's rows.
 */
import { Pool, types as pgTypes, type PoolClient } from "pg";
import type { InputContext, IOManager, OutputContext } from "../definitions/ioManager";
import { resource, type EnvVarRef, type ResourceDefinition } from "../definitions/resource";
import { TributaryError } from "../errors";
import { createPostgresPool, postgresConnectionError, redactConnectionString } from "../resources/postgres";
import {
  inferColumns,
  jsonCell,
  partitionColumnOf,
  quoteIdentifier,
  rowsOf,
  scratchTableName,
  tableNameFor,
  type Column,
  type ColumnKind,
  type Row,
} from "./columns";
import { NeverMaterializedError, UnsupportedValueError } from "./errors";

/** Options of {@link postgresTableIOManager}: a connection string, or a pool you own. */
export type PostgresTableIOManagerOptions = (
  | { connectionString: string | EnvVarRef; pool?: undefined }
  | { pool: Pool; connectionString?: undefined }
) & {
  /** Schema holding the tables; created when missing. @defaultValue "public" */
  schema?: string | EnvVarRef;
};

const SQL_TYPE: Record<ColumnKind, string> = {
  integer: "bigint",
  bignum: "numeric",
  real: "double precision",
  boolean: "boolean",
  date: "date",
  timestamp: "timestamptz",
  text: "text",
  json: "jsonb",
};

/** PostgreSQL allows 65535 parameters per statement; 1000 rows per INSERT keeps statements small. */
const MAX_PARAMETERS = 65_535;
const MAX_ROWS_PER_INSERT = 1_000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const DATE_OID = 1082;

/**
 * Parsers for reading tables back with the JS types that were written: int8 and numeric as numbers
 * (bigint beyond 2^53), dates as `YYYY-MM-DD` strings (pg's default would make a local-midnight
 * Date). Passed per query, so the global `pg.types` of user code is left alone. SQL assets read
 * their warehouse with the same parsers, so rows reach TypeScript assets with the same types.
 */
export const READ_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return parseNumeric;
    if (oid === DATE_OID) return (text: string) => text;
    return pgTypes.getTypeParser(oid, format ?? "text");
  }) as typeof pgTypes.getTypeParser,
};

function parseNumeric(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const asNumber = Number(text);
    return Number.isSafeInteger(asNumber) ? asNumber : BigInt(text);
  }
  return Number(text);
}

/**
 * Stores each asset's rows in a PostgreSQL table named after the asset (see {@link inferColumns} for
 * the column types). Each materialization creates a new table, fills it with multi-row INSERTs and
 * swaps it in, all in one transaction: a reader sees the old table or the new one, never an empty
 * or half-filled one, and a crash leaves the old table untouched.
 *
 * A partitioned asset (the run sets `partitionKey`) keeps every partition in one table, told apart
 * by a text column (`metadata.partitionColumn`, default `partition_key`, indexed). Writing a
 * partition deletes that partition's rows and inserts the new ones in one transaction, so readers
 * see the partition's old rows or its new ones and the other partitions are never touched; loading
 * a partition reads its rows without the partition column.
 */
export class PostgresTableIOManager implements IOManager {
  readonly schema: string;
  /** Where the tables live, without password (for metadata and messages). */
  readonly database: string;
  private readonly connectionString: string | undefined;
  private readonly ownsPool: boolean;
  private poolPromise: Promise<Pool> | undefined;
  private schemaReady: Promise<void> | undefined;

  constructor(options: { connectionString: string; schema?: string } | { pool: Pool; schema?: string }) {
    this.schema = options.schema ?? "public";
    if ("pool" in options) {
      this.ownsPool = false;
      this.poolPromise = Promise.resolve(options.pool);
      const { connectionString, host, port, database } = options.pool.options;
      this.database = connectionString ? redactConnectionString(connectionString) : `${host ?? "localhost"}:${port ?? 5432}/${database ?? ""}`;
    } else {
      this.ownsPool = true;
      this.connectionString = options.connectionString;
      this.database = redactConnectionString(options.connectionString);
    }
  }

  async handleOutput(ctx: OutputContext, value: unknown): Promise<Record<string, unknown>> {
    const rows = rowsOf(value, ctx.assetKey, "postgresTableIOManager");
    const table = tableNameFor(ctx.assetKey, ctx.definitionMetadata);
    const columns = inferColumns(rows);
    for (const column of columns) {
      if (Buffer.byteLength(column.name) > 63) {
        throw new UnsupportedValueError(`asset "${ctx.assetKey}": column name "${column.name}" is longer than PostgreSQL's 63 bytes`, {
          hint: "Rename the field in the rows the asset returns.",
        });
      }
    }
    await this.ensureSchema();
    if (ctx.partitionKey !== null) {
      const partitionColumn = partitionColumnOf(ctx.definitionMetadata);
      await this.replacePartition(ctx.assetKey, table, partitionColumn, ctx.partitionKey, rows, columns.filter((c) => c.name !== partitionColumn));
      return { table, rows: rows.length, schema: this.schema, database: this.database, partitionColumn };
    }
    const target = this.qualified(table);
    const scratch = this.qualified(scratchTableName(table));
    await this.transaction(async (client) => {
      // Two runs writing the same table take turns instead of racing to drop each other's table.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [target]);
      const definitions =
        columns.length > 0
          ? columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPE[c.kind]}`)
          : await existingColumnDefinitions(client, target);
      await client.query(`CREATE TABLE ${scratch} (${definitions.join(", ")})`);
      await insertRows(client, scratch, columns, rows);
      try {
        await client.query(`DROP TABLE IF EXISTS ${target}`);
      } catch (error) {
        if ((error as { code?: string }).code === "2BP01") {
          throw new TributaryError(`asset "${ctx.assetKey}": cannot replace table ${target}: other objects (views?) depend on it`, {
            cause: error,
            hint: "Drop or recreate the dependent views after each materialization, or have them read a table you manage yourself.",
          });
        }
        throw error;
      }
      await client.query(`ALTER TABLE ${scratch} RENAME TO ${quoteIdentifier(table)}`);
    });
    return { table, rows: rows.length, schema: this.schema, database: this.database };
  }

  /** The table a SQL asset reads this asset from (when the warehouse is this database). */
  tableFor(assetKey: string, definitionMetadata: Record<string, unknown>): string {
    return this.qualified(tableNameFor(assetKey, definitionMetadata));
  }

  async loadInput(ctx: InputContext): Promise<Row[]> {
    const table = tableNameFor(ctx.assetKey, ctx.definitionMetadata);
    const pool = await this.pool();
    try {
      if (ctx.partitionKey !== null) {
        // Physical order: the order the partition's rows were written, unless a VACUUM let later
        // inserts reuse the space of deleted rows. Sort in the consumer when order matters.
        const partitionColumn = partitionColumnOf(ctx.definitionMetadata);
        const result = await pool.query({
          text: `SELECT * FROM ${this.qualified(table)} WHERE ${quoteIdentifier(partitionColumn)} = $1 ORDER BY ctid`,
          values: [ctx.partitionKey],
          types: READ_TYPES,
        });
        const rows = result.rows as Row[];
        for (const row of rows) delete row[partitionColumn];
        return rows;
      }
      // A fresh table filled by INSERTs only: physical order (ctid) is the order the rows were written.
      const result = await pool.query({ text: `SELECT * FROM ${this.qualified(table)} ORDER BY ctid`, types: READ_TYPES });
      return result.rows as Row[];
    } catch (error) {
      if ((error as { code?: string }).code === "42P01") {
        throw new NeverMaterializedError({
          assetKey: ctx.assetKey,
          downstreamKey: ctx.downstreamKey,
          partitionKey: ctx.partitionKey,
          where: `table ${this.qualified(table)} in ${this.database}`,
        });
      }
      throw this.wrap(error);
    }
  }

  /**
   * Writes one partition in one transaction: creates the table (or adds the columns it lacks),
   * deletes the partition's rows, inserts the new ones. Two writers of the same partition take
   * turns (an advisory lock per table and key), so neither can leave both sets of rows behind;
   * writers of different partitions only wait for each other while one changes the table's columns.
   */
  private async replacePartition(assetKey: string, table: string, partitionColumn: string, partitionKey: string, rows: Row[], columns: Column[]): Promise<void> {
    const target = this.qualified(table);
    await this.transaction(async (client) => {
      let existing = await existingColumnTypes(client, target);
      const lacking = (present: Map<string, string>) =>
        present.size === 0 || !present.has(partitionColumn) || columns.some((column) => !present.has(column.name));
      if (lacking(existing)) {
        // DDL under the same lock the unpartitioned path takes, then look again: another writer
        // may have created the table or added the columns meanwhile.
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [target]);
        existing = await existingColumnTypes(client, target);
        if (existing.size === 0) {
          const definitions = [...columns.map((c) => `${quoteIdentifier(c.name)} ${SQL_TYPE[c.kind]}`), `${quoteIdentifier(partitionColumn)} text NOT NULL`];
          await client.query(`CREATE TABLE ${target} (${definitions.join(", ")})`);
          await client.query(`CREATE INDEX ON ${target} (${quoteIdentifier(partitionColumn)})`);
        } else {
          // A table written before the asset was partitioned: its old rows get a NULL key and are never loaded.
          if (!existing.has(partitionColumn)) await client.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdentifier(partitionColumn)} text`);
          for (const column of columns) {
            if (!existing.has(column.name)) await client.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdentifier(column.name)} ${SQL_TYPE[column.kind]}`);
          }
        }
      }
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", [target, partitionKey]);
      await client.query(`DELETE FROM ${target} WHERE ${quoteIdentifier(partitionColumn)} = $1`, [partitionKey]);
      try {
        await insertRows(client, target, [...columns, { name: partitionColumn, kind: "text" }], rows.map((row) => ({ ...row, [partitionColumn]: partitionKey })));
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 22P02 invalid text for the type, 42804 datatype mismatch, 22003 out of range.
        if (code === "22P02" || code === "42804" || code === "22003") {
          throw new UnsupportedValueError(`asset "${assetKey}" (partition "${partitionKey}"): a value does not fit the type its column has in ${target}: ${(error as Error).message}`, {
            cause: error,
            hint: "Every partition shares the table's columns: return the same types for every partition, or drop the table and materialize all partitions again.",
          });
        }
        throw error;
      }
    });
  }

  /** Ends the pool when this manager created it (the resource's teardown). */
  async close(): Promise<void> {
    const pool = this.poolPromise;
    this.poolPromise = undefined;
    if (this.ownsPool && pool) await (await pool.catch(() => undefined))?.end();
  }

  private qualified(table: string): string {
    return `${quoteIdentifier(this.schema)}.${quoteIdentifier(table)}`;
  }

  private pool(): Promise<Pool> {
    if (!this.poolPromise) {
      this.poolPromise = createPostgresPool({ connectionString: this.connectionString!, max: 4 });
      // A failed connection is retried on the next call rather than remembered forever.
      this.poolPromise.catch(() => (this.poolPromise = undefined));
    }
    return this.poolPromise;
  }

  private ensureSchema(): Promise<void> {
    if (!this.schemaReady) {
      this.schemaReady = this.pool()
        .then((pool) => pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)}`))
        .then(
          () => undefined,
          (error: { code?: string }) => {
            // Two sessions creating the schema at once: the loser gets a unique violation, and the schema exists.
            if (error.code === "23505" || error.code === "42P06") return;
            this.schemaReady = undefined;
            throw this.wrap(error);
          },
        );
    }
    return this.schemaReady;
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const pool = await this.pool();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.wrap(error);
    }
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
      throw this.wrap(error);
    } finally {
      client.release(broken);
    }
  }

  private wrap(error: unknown): Error {
    return postgresConnectionError(this.connectionString ?? this.database, error);
  }
}

/**
 * Inserts rows with multi-row INSERTs, each within PostgreSQL's parameter limit. Cells of a column
 * a row lacks are NULL.
 */
async function insertRows(client: PoolClient, qualifiedTable: string, columns: readonly Column[], rows: readonly Row[]): Promise<void> {
  const rowsPerInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / Math.max(1, columns.length))));
  const columnList = columns.map((c) => quoteIdentifier(c.name)).join(", ");
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const chunk = rows.slice(start, start + rowsPerInsert);
    const parameters: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = columns.map((column) => {
        parameters.push(toPostgres(row[column.name], column.kind, column.name));
        return `$${parameters.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    // An empty row of a table without other columns still needs a tuple: DEFAULT VALUES per row.
    if (columns.length === 0) for (let index = 0; index < chunk.length; index++) await client.query(`INSERT INTO ${qualifiedTable} DEFAULT VALUES`);
    else await client.query(`INSERT INTO ${qualifiedTable} (${columnList}) VALUES ${tuples.join(", ")}`, parameters);
  }
}

/** Column names and types of an existing table (empty when there is no such table). */
async function existingColumnTypes(client: PoolClient, qualifiedTable: string): Promise<Map<string, string>> {
  const result = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [qualifiedTable],
  );
  return new Map(result.rows.map((column) => [column.name, column.type]));
}

/** Column definitions of an existing table, so an empty materialization keeps its columns. */
async function existingColumnDefinitions(client: PoolClient, qualifiedTable: string): Promise<string[]> {
  const result = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [qualifiedTable],
  );
  return result.rows.map((column) => `${quoteIdentifier(column.name)} ${column.type}`);
}

function toPostgres(cell: unknown, kind: ColumnKind, column: string): unknown {
  if (cell === null || cell === undefined) return null;
  switch (kind) {
    case "json":
      // pg would turn a JS array into a PostgreSQL array literal; jsonb needs JSON text.
      return jsonCell(cell, column);
    case "bignum":
      return String(cell);
    default:
      return cell;
  }
}

/**
 * Stores arrays of rows as PostgreSQL tables: `customers` rows land in `<schema>.customers`.
 * Give a connection string (the manager creates and ends its own pool) or a pool you own.
 *
 * @example
 * ```ts
 * export default definitions({
 *   assets: [customers, orders],   // with ioManager: "warehouse_io"
 *   resources: {
 *     warehouse_io: postgresTableIOManager({ connectionString: EnvVar("WAREHOUSE_DATABASE_URL"), schema: "marts" }),
 *   },
 * });
 * ```
 */
export function postgresTableIOManager(
  options: PostgresTableIOManagerOptions,
): ResourceDefinition<PostgresTableIOManager, { connectionString: string | EnvVarRef | null; schema: string | EnvVarRef }> {
  if (!options || (options.pool === undefined && options.connectionString === undefined)) {
    throw new TypeError(
      'postgresTableIOManager() needs a connectionString or a pool: postgresTableIOManager({ connectionString: EnvVar("WAREHOUSE_DATABASE_URL") })',
    );
  }
  const pool = options.pool;
  return resource({
    description: "PostgreSQL tables, one per asset",
    config: { connectionString: options.connectionString ?? null, schema: options.schema ?? "public" },
    setup: ({ config }) =>
      pool !== undefined
        ? new PostgresTableIOManager({ pool, schema: config.schema })
        : new PostgresTableIOManager({ connectionString: config.connectionString!, schema: config.schema }),
    teardown: (manager) => manager.close(),
  }) as ResourceDefinition<PostgresTableIOManager, { connectionString: string | EnvVarRef | null; schema: string | EnvVarRef }>;
}
