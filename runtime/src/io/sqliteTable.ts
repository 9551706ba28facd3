/**
 * An I/O manager that stores arrays of rows as SQLite tables, one table per asset, replaced
 * atomically on each materialization.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import type { InputContext, IOManager, OutputContext } from "../definitions/ioManager";
import { resource, type EnvVarRef, type ResourceDefinition } from "../definitions/resource";
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
import { NeverMaterializedError } from "./errors";

/** Options of {@link sqliteTableIOManager}. */
export interface SqliteTableIOManagerOptions {
  /** The database file (created with its folder when missing), relative to the working directory. */
  path: string | EnvVarRef;
}

const DECLARED_TYPE: Record<ColumnKind, string> = {
  integer: "INTEGER",
  bignum: "BIGINT",
  real: "REAL",
  boolean: "BOOLEAN",
  date: "DATE",
  timestamp: "TIMESTAMP",
  text: "TEXT",
  json: "JSON",
};

/** SQLite refuses a table without columns; an empty first materialization gets this one. */
const PLACEHOLDER_COLUMN = "_tributary_empty";

/**
 * Stores each asset's rows in a table of a SQLite database (see {@link inferColumns} for the column
 * types). Each materialization builds a new table and swaps it in with one transaction, so a reader
 * (another process, the `sqlite3` shell) sees the old table or the new one, never a half-filled one.
 */
export class SqliteTableIOManager implements IOManager {
  /** The absolute database path (or `:memory:`). */
  readonly path: string;
  private connection: Database.Database | undefined;

  constructor(path: string) {
    this.path = path === ":memory:" ? path : resolve(path);
  }

  handleOutput(ctx: OutputContext, value: unknown): Record<string, unknown> {
    const rows = rowsOf(value, ctx.assetKey, "sqliteTableIOManager");
    const table = tableNameFor(ctx.assetKey, ctx.definitionMetadata);
    const db = this.database();
    if (ctx.partitionKey !== null) return this.replacePartition(db, table, partitionColumnOf(ctx.definitionMetadata), ctx.partitionKey, rows);
    const columns = inferColumns(rows);
    const declared = this.columnsFor(db, table, columns);
    const scratch = scratchTableName(table);
    // One IMMEDIATE transaction: it takes the write lock up front (waiting up to busy_timeout for
    // another writer) and commits the new table and the swap together.
    db.transaction(() => {
      db.exec(`CREATE TABLE ${quoteIdentifier(scratch)} (${declared.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(", ")})`);
      if (rows.length > 0) {
        const insert = db.prepare(
          `INSERT INTO ${quoteIdentifier(scratch)} (${columns.map((c) => quoteIdentifier(c.name)).join(", ")}) ` +
            `VALUES (${columns.map(() => "?").join(", ")})`,
        );
        for (const row of rows) insert.run(columns.map((column) => toSqlite(row[column.name], column.kind, column.name)));
      }
      db.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`);
      db.exec(`ALTER TABLE ${quoteIdentifier(scratch)} RENAME TO ${quoteIdentifier(table)}`);
    }).immediate();
    return { table, rows: rows.length, database: this.path };
  }

  loadInput(ctx: InputContext): Row[] {
    const table = tableNameFor(ctx.assetKey, ctx.definitionMetadata);
    const db = this.database();
    const types = declaredTypes(db, table);
    if (types.size === 0) {
      throw new NeverMaterializedError({
        assetKey: ctx.assetKey,
        downstreamKey: ctx.downstreamKey,
        partitionKey: ctx.partitionKey,
        where: `table "${table}" in ${this.path}`,
      });
    }
    // Integers are read as bigints only when a BIGINT column may hold some beyond 2^53: it costs an
    // allocation per integer cell.
    const exactIntegers = [...types.values()].includes("BIGINT");
    const partitionColumn = ctx.partitionKey === null ? undefined : partitionColumnOf(ctx.definitionMetadata);
    const raw = (
      partitionColumn === undefined
        ? db.prepare(`SELECT * FROM ${quoteIdentifier(table)} ORDER BY rowid`).safeIntegers(exactIntegers).all()
        : db.prepare(`SELECT * FROM ${quoteIdentifier(table)} WHERE ${quoteIdentifier(partitionColumn)} = ? ORDER BY rowid`).safeIntegers(exactIntegers).all(ctx.partitionKey)
    ) as Row[];
    if (partitionColumn !== undefined) for (const row of raw) delete row[partitionColumn];
    const placeholderOnly = types.size === 1 && types.has(PLACEHOLDER_COLUMN);
    if (placeholderOnly) return [];
    return raw.map((row) => {
      const out: Row = {};
      for (const [name, cell] of Object.entries(row)) out[name] = fromSqlite(cell, types.get(name) ?? "");
      return out;
    });
  }

  /**
   * Writes one partition: in one IMMEDIATE transaction, creates the table (or adds missing columns),
   * deletes the partition's rows and inserts the new ones, so readers see the old rows of that
   * partition or the new ones, and other partitions are untouched.
   */
  private replacePartition(db: Database.Database, table: string, partitionColumn: string, partitionKey: string, rows: Row[]): Record<string, unknown> {
    const columns = inferColumns(rows).filter((column) => column.name !== partitionColumn);
    db.transaction(() => {
      const existing = declaredTypes(db, table);
      if (existing.size === 0) {
        const declared = [...columns.map((c) => `${quoteIdentifier(c.name)} ${DECLARED_TYPE[c.kind]}`), `${quoteIdentifier(partitionColumn)} TEXT NOT NULL`];
        db.exec(`CREATE TABLE ${quoteIdentifier(table)} (${declared.join(", ")})`);
        db.exec(`CREATE INDEX ${quoteIdentifier(`${table}_${partitionColumn}`)} ON ${quoteIdentifier(table)} (${quoteIdentifier(partitionColumn)})`);
      } else {
        if (!existing.has(partitionColumn)) db.exec(`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(partitionColumn)} TEXT`);
        for (const column of columns) {
          if (!existing.has(column.name)) db.exec(`ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${DECLARED_TYPE[column.kind]}`);
        }
      }
      db.prepare(`DELETE FROM ${quoteIdentifier(table)} WHERE ${quoteIdentifier(partitionColumn)} = ?`).run(partitionKey);
      const names = [...columns.map((c) => c.name), partitionColumn];
      const insert = db.prepare(`INSERT INTO ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`);
      for (const row of rows) insert.run(...columns.map((column) => toSqlite(row[column.name], column.kind, column.name)), partitionKey);
    }).immediate();
    return { table, rows: rows.length, database: this.path, partitionColumn };
  }

  /** Closes the connection (the resource's teardown). */
  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }

  private database(): Database.Database {
    if (!this.connection) {
      if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
      const db = new Database(this.path);
      // WAL lets readers keep reading the old table while a materialization writes the new one.
      db.pragma("journal_mode = WAL");
      db.pragma("busy_timeout = 10000");
      this.connection = db;
    }
    return this.connection;
  }

  /** Declared columns of the new table; empty rows keep the existing table's columns. */
  private columnsFor(db: Database.Database, table: string, columns: Column[]): { name: string; type: string }[] {
    if (columns.length > 0) return columns.map((c) => ({ name: c.name, type: DECLARED_TYPE[c.kind] }));
    const existing = [...declaredTypes(db, table)].map(([name, type]) => ({ name, type }));
    return existing.length > 0 ? existing : [{ name: PLACEHOLDER_COLUMN, type: "INTEGER" }];
  }
}

function declaredTypes(db: Database.Database, table: string): Map<string, string> {
  const info = db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(table) as { name: string; type: string }[];
  return new Map(info.map((column) => [column.name, column.type.toUpperCase()]));
}

function toSqlite(cell: unknown, kind: ColumnKind, column: string): unknown {
  if (cell === null || cell === undefined) return null;
  switch (kind) {
    case "boolean":
      return cell ? 1 : 0;
    case "timestamp":
      return (cell as Date).toISOString();
    case "json":
      return jsonCell(cell, column);
    case "bignum":
      return typeof cell === "bigint" ? cell : BigInt(cell as number);
    default:
      return cell;
  }
}

function fromSqlite(cell: unknown, declaredType: string): unknown {
  if (cell === null) return null;
  switch (declaredType) {
    case "BOOLEAN":
      return cell !== 0n && cell !== 0;
    case "TIMESTAMP":
      return new Date(String(cell));
    case "JSON":
      return JSON.parse(String(cell));
    default:
      // Integers were read as bigints so none loses precision; most fit in a number.
      if (typeof cell === "bigint") return Number.isSafeInteger(Number(cell)) ? Number(cell) : cell;
      return cell;
  }
}

/**
 * Stores arrays of rows as tables in a SQLite database file.
 *
 * @example
 * ```ts
 * export default definitions({
 *   assets: [customers, orders],   // with ioManager: "warehouse_io"
 *   resources: { warehouse_io: sqliteTableIOManager({ path: ".tributary/warehouse.db" }) },
 * });
 * ```
 */
export function sqliteTableIOManager(
  options: SqliteTableIOManagerOptions,
): ResourceDefinition<SqliteTableIOManager, { path: string | EnvVarRef }> {
  if (!options || (typeof options.path !== "string" && typeof options.path !== "object")) {
    throw new TypeError('sqliteTableIOManager() needs a database file: sqliteTableIOManager({ path: ".tributary/warehouse.db" })');
  }
  return resource({
    description: "SQLite tables, one per asset",
    config: { path: options.path },
    setup: ({ config }) => new SqliteTableIOManager(config.path),
    teardown: (manager) => manager.close(),
  }) as ResourceDefinition<SqliteTableIOManager, { path: string | EnvVarRef }>;
}
