/**
 * The SQLite storage: the embedded default (`.tributary/` next to the project) and the backend of
 * tests (`:memory:`). better-sqlite3 is synchronous; the async port methods simply wrap it.
 * This class owns the connection (./connection) and the migrations; each concern of the port is a
 * module of its own over that connection: ./runs (with ./claims), ./events (with ./eventBatch),
 * ./schedules, ./partitions, ./daemons, ./freshness, ./automation.
 */
import type Database from "better-sqlite3";
import { assertDatabaseNotNewer, latestVersion, pendingMigrations } from "../migrations";
import type { AutomationStorage, DaemonStorage, EventStorage, FreshnessStorage, PartitionStorage, RunStorage, ScheduleStorage, Storage } from "../port";
import { nowIso, type Row } from "../rows";
import { delegateToConcerns } from "../concerns";
import { openDatabase, statementCache, type SqliteConnection } from "./connection";
import { SqliteAutomation } from "./automation";
import { SqliteDaemons } from "./daemons";
import { SqliteEvents } from "./events";
import { SqliteFreshness } from "./freshness";
import { SQLITE_MIGRATIONS } from "./migrations";
import { SqlitePartitions } from "./partitions";
import { SqliteRuns } from "./runs";
import { SqliteSchedules } from "./schedules";

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * How long a write waits for another process's lock before failing with SQLITE_BUSY.
   * @defaultValue 10000
   */
  busyTimeoutMs?: number;
}

/** The concern ports SqliteStorage gains from its modules in its constructor (see delegateToConcerns). */
export interface SqliteStorage extends RunStorage, EventStorage, ScheduleStorage, PartitionStorage, DaemonStorage, FreshnessStorage, AutomationStorage {}

/**
 * {@link Storage} on a SQLite file (or `:memory:`).
 *
 * @example
 * ```ts
 * const storage = new SqliteStorage(".tributary/tributary.db");
 * await storage.migrate();
 * ```
 */
export class SqliteStorage implements Storage {
  readonly dialect = "sqlite" as const;
  /** The database file, or `:memory:`. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly connection: SqliteConnection;

  constructor(path: string, options: SqliteStorageOptions = {}) {
    this.path = path;
    this.db = openDatabase(path, options.busyTimeoutMs ?? 10_000);
    this.connection = { db: this.db, statement: statementCache(this.db) };
    delegateToConcerns(this, {
      runs: new SqliteRuns(this.connection),
      events: new SqliteEvents(this.connection),
      schedules: new SqliteSchedules(this.connection),
      partitions: new SqlitePartitions(this.connection),
      daemons: new SqliteDaemons(this.connection),
      freshness: new SqliteFreshness(this.connection),
      automation: new SqliteAutomation(this.connection),
    });
  }

  /** The underlying better-sqlite3 connection, for tools and tests. */
  get database(): Database.Database {
    return this.db;
  }

  async migrate(): Promise<void> {
    const apply = this.db.transaction(() => {
      this.db.exec(
        "CREATE TABLE IF NOT EXISTS tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
      );
      const current = this.readVersion();
      assertDatabaseNotNewer(current, SQLITE_MIGRATIONS, `in ${this.path}`);
      for (const migration of pendingMigrations(current, SQLITE_MIGRATIONS)) {
        this.db.exec(migration.sql);
        this.db
          .prepare("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, nowIso());
      }
    });
    // IMMEDIATE takes the write lock up front, so two processes migrating at once run one after the
    // other and the second sees the first's versions.
    apply.immediate();
  }

  async schemaVersion(): Promise<number> {
    return this.readVersion();
  }

  async ping(): Promise<void> {
    this.connection.statement("SELECT 1").get();
  }

  /** The code's newest migration version. */
  get supportedVersion(): number {
    return latestVersion(SQLITE_MIGRATIONS);
  }

  private readVersion(): number {
    const table = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tributary_schema_migrations'")
      .get();
    if (!table) return 0;
    const row = this.db.prepare("SELECT MAX(version) AS version FROM tributary_schema_migrations").get() as Row;
    return Number(row.version ?? 0);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
