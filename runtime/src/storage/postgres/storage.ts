/**
 * The PostgreSQL storage: shared by many daemons and workers on many machines. PostgreSQL is the
 * coordination engine: `FOR UPDATE SKIP LOCKED` claims, unique tick keys, an advisory lock around
 * migrations. All tables live in one schema (default `public`), set as each connection's search_path.
 * This class owns the pool (./connection) and the migrations; each concern of the port is a module
 * of its own over that pool: ./runs (with ./claims and ./queueNotifications), ./events (with
 * ./eventBatch), ./schedules, ./partitions, ./daemons, ./freshness, ./automation.
 */
import type { Pool } from "pg";
import { assertDatabaseNotNewer, latestVersion, pendingMigrations } from "../migrations";
import type { AutomationStorage, DaemonStorage, EventStorage, FreshnessStorage, PartitionStorage, RunStorage, ScheduleStorage, Storage } from "../port";
import { nowIso } from "../rows";
import { delegateToConcerns } from "../concerns";
import { redactConnectionString } from "../../redact";
import { PostgresClaims } from "./claims";
import { connectPostgres, withTransaction, type PostgresConnection } from "./connection";
import { PostgresAutomation } from "./automation";
import { PostgresDaemons } from "./daemons";
import { PostgresEvents } from "./events";
import { PostgresFreshness } from "./freshness";
import { POSTGRES_MIGRATIONS } from "./migrations";
import { PostgresPartitions } from "./partitions";
import { PostgresRuns } from "./runs";
import { PostgresSchedules } from "./schedules";

/** Options of {@link PostgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * The schema holding Tributary's tables; created by migrate() when missing.
   * @defaultValue "public"
   */
  schema?: string;
  /**
   * Maximum connections of the pool.
   * @defaultValue 10
   */
  maxConnections?: number;
  /**
   * Prepare each distinct statement once per connection (PostgreSQL then parses and plans it once,
   * not on every call). Turn off behind a pooler that cannot keep prepared statements, such as
   * PgBouncer in transaction mode before version 1.21.
   * @defaultValue true
   */
  preparedStatements?: boolean;
}

/** The concern ports PostgresStorage gains from its modules in its constructor (see delegateToConcerns). */
export interface PostgresStorage extends RunStorage, EventStorage, ScheduleStorage, PartitionStorage, DaemonStorage, FreshnessStorage, AutomationStorage {
  /** PostgreSQL can notify: see {@link RunStorage.listenForQueuedRuns}. */
  listenForQueuedRuns: NonNullable<RunStorage["listenForQueuedRuns"]>;
}

/**
 * {@link Storage} on PostgreSQL through a `pg` pool.
 *
 * @example
 * ```ts
 * const storage = new PostgresStorage("postgres://tributary@db:5432/tributary", { schema: "tributary" });
 * await storage.migrate();
 * ```
 */
export class PostgresStorage implements Storage {
  readonly dialect = "postgres" as const;
  /** The schema holding the tables. */
  readonly schema: string;
  private readonly connection: PostgresConnection;

  constructor(url: string, options: PostgresStorageOptions = {}) {
    this.schema = options.schema ?? "public";
    this.connection = connectPostgres(url, this.schema, options.maxConnections ?? 10, options.preparedStatements ?? true);
    // One claims object for runs and events: both claim from its frontier.
    const claims = new PostgresClaims(this.connection);
    delegateToConcerns(this, {
      runs: new PostgresRuns(this.connection, claims),
      events: new PostgresEvents(this.connection, claims),
      schedules: new PostgresSchedules(this.connection),
      partitions: new PostgresPartitions(this.connection),
      daemons: new PostgresDaemons(this.connection),
      freshness: new PostgresFreshness(this.connection),
      automation: new PostgresAutomation(this.connection),
    });
  }

  /** The underlying pool, for tools and tests. */
  get pool(): Pool {
    return this.connection.pool;
  }

  /** The URL with its password hidden, for messages. */
  get displayUrl(): string {
    return redactConnectionString(this.connection.url);
  }

  /** The code's newest migration version. */
  get supportedVersion(): number {
    return latestVersion(POSTGRES_MIGRATIONS);
  }

  /** Checks that the server answers (openStorage calls it when it does not migrate). */
  async ping(): Promise<void> {
    await this.connection.query("SELECT 1");
  }

  async migrate(): Promise<void> {
    await withTransaction(this.connection.pool, this.connection.url, async (client) => {
      // Two processes starting at once would both try to create the same tables; the advisory lock
      // (released at commit) makes the second wait and then find nothing to do.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`tributary_migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(
        "CREATE TABLE IF NOT EXISTS tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
      );
      const current = Number((await client.query("SELECT MAX(version) AS version FROM tributary_schema_migrations")).rows[0]?.version ?? 0);
      assertDatabaseNotNewer(current, POSTGRES_MIGRATIONS, `at ${this.displayUrl} (schema ${this.schema})`);
      for (const migration of pendingMigrations(current, POSTGRES_MIGRATIONS)) {
        await client.query(migration.sql);
        await client.query("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          nowIso(),
        ]);
      }
    });
  }

  async schemaVersion(): Promise<number> {
    const [table] = await this.connection.query("SELECT to_regclass('tributary_schema_migrations') AS name");
    if (!table?.name) return 0;
    const [row] = await this.connection.query("SELECT MAX(version) AS version FROM tributary_schema_migrations");
    return Number(row?.version ?? 0);
  }

  async close(): Promise<void> {
    if (!this.connection.pool.ended) await this.connection.pool.end();
  }
}
