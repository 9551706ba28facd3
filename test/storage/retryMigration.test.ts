/**
 * The migration that allows one retry per run, on a database written before it: one that already
 * holds two retries of a run (the race it closes) must still migrate, keeping the first retry as the
 * run's retry. Run against both dialects from the migration just before it.
 */
import assert from "node:assert/strict";
import type { Migration } from "../../runtime/src/storage/migrations";
import type { Storage } from "../../runtime/src/storage/port";
import { POSTGRES_MIGRATIONS } from "../../runtime/src/storage/postgres/migrations";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { SQLITE_MIGRATIONS } from "../../runtime/src/storage/sqlite/migrations";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { assertTestDatabaseReachable, disposeTestStorage, TEST_DATABASE_URL, uniqueSchemaName } from "./postgresTestDatabase";

/** A dialect: its migrations, and an empty database with a way to run SQL on it directly. */
interface Backend {
  name: string;
  migrations: readonly Migration[];
  open(): Promise<{ storage: Storage; exec(sql: string, params?: unknown[]): Promise<void>; dispose(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "SQLite",
    migrations: SQLITE_MIGRATIONS,
    async open() {
      const storage = new SqliteStorage(":memory:");
      return {
        storage,
        exec: async (sql, params) => void (params ? storage.database.prepare(sql).run(...params) : storage.database.exec(sql)),
        dispose: () => storage.close(),
      };
    },
  },
  {
    name: "PostgreSQL",
    migrations: POSTGRES_MIGRATIONS,
    async open() {
      await assertTestDatabaseReachable();
      const storage = new PostgresStorage(TEST_DATABASE_URL, { schema: uniqueSchemaName(), maxConnections: 2 });
      await storage.pool.query(`CREATE SCHEMA "${storage.schema}"`);
      return {
        storage,
        // Placeholders written `?` as in SQLite, numbered for PostgreSQL.
        exec: async (sql, params) => void (await storage.pool.query(params ? sql.replace(/\?/g, (_, offset: number) => `$${sql.slice(0, offset).split("?").length}`) : sql, params)),
        dispose: () => disposeTestStorage(storage),
      };
    },
  },
];

for (const backend of backends) {
  describe(`the one-retry-per-run migration (${backend.name})`, () => {
    it("migrates a database that holds two retries of one run, keeping the first as its retry and the tag on both", async () => {
      const { storage, exec, dispose } = await backend.open();
      try {
        const target = backend.migrations.find((migration) => migration.name === "one_retry_per_run")!;
        await exec("CREATE TABLE tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        for (const migration of backend.migrations.filter((candidate) => candidate.version < target.version)) {
          await exec(migration.sql);
          await exec("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [migration.version, migration.name, new Date().toISOString()]);
        }
        const run = (runId: string, parentRunId: string | null) => storage.createRun({ runId, status: "QUEUED", selection: "*", assetKeys: ["a"], attempt: parentRunId ? 2 : 1, parentRunId, tags: parentRunId ? { "tributary/retry_of": parentRunId } : {} });
        await run("failed", null);
        await run("first-retry", "failed");
        await run("second-retry", "failed");
        await storage.migrate();
        assert.equal((await storage.getRun("first-retry"))?.parentRunId, "failed");
        const second = await storage.getRun("second-retry");
        assert.equal(second?.parentRunId, null);
        assert.equal(second?.tags["tributary/retry_of"], "failed");
      } finally {
        await dispose();
      }
    });
  });
}
