import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, StorageVersionError } from "../../runtime/src/errors";
import { openStorage, storageConfigFromUrl } from "../../runtime/src/storage";
import { StorageConnectionError } from "../../runtime/src/storage/errors";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { disposeTestStorage, TEST_DATABASE_URL, uniqueSchemaName } from "./postgresTestDatabase";

describe("storageConfigFromUrl", () => {
  it("maps postgres:// and postgresql:// URLs to PostgreSQL, taking the schema from ?schema=", () => {
    assert.deepEqual(storageConfigFromUrl("postgres://u:p@db:5432/app"), { kind: "postgres", url: "postgres://u:p@db:5432/app" });
    assert.deepEqual(storageConfigFromUrl("postgresql://db/app"), { kind: "postgres", url: "postgresql://db/app" });
    assert.deepEqual(storageConfigFromUrl("postgres://db/app?schema=tributary&sslmode=require"), {
      kind: "postgres",
      url: "postgres://db/app?sslmode=require",
      schema: "tributary",
    });
  });

  it("takes ?preparedStatements=true|false off the URL into the config, and refuses other values", () => {
    assert.deepEqual(storageConfigFromUrl("postgres://db/app?preparedStatements=false&schema=s"), {
      kind: "postgres",
      url: "postgres://db/app",
      schema: "s",
      preparedStatements: false,
    });
    assert.deepEqual(storageConfigFromUrl("postgres://db/app?preparedStatements=true"), { kind: "postgres", url: "postgres://db/app", preparedStatements: true });
    assert.throws(() => storageConfigFromUrl("postgres://db/app?preparedStatements=no"), /must be true or false, not "no"/);
  });

  it("maps file paths, sqlite: URLs and :memory: to SQLite", () => {
    assert.deepEqual(storageConfigFromUrl(".tributary/tributary.db"), { kind: "sqlite", path: ".tributary/tributary.db" });
    assert.deepEqual(storageConfigFromUrl("sqlite:state/t.db"), { kind: "sqlite", path: "state/t.db" });
    assert.deepEqual(storageConfigFromUrl("sqlite:///var/lib/t.db"), { kind: "sqlite", path: "/var/lib/t.db" });
    assert.deepEqual(storageConfigFromUrl(":memory:"), { kind: "sqlite", path: ":memory:" });
  });

  it("refuses other URL schemes and empty URLs without printing the password", () => {
    assert.throws(() => storageConfigFromUrl("mysql://root:hunter2@db/app"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /mysql:\/\/root:\*\*\*@db\/app/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
    assert.throws(() => storageConfigFromUrl("  "), ConfigError);
    assert.throws(() => storageConfigFromUrl("sqlite:"), ConfigError);
  });
});

describe("openStorage", () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "tributary-open-"));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("creates the SQLite file's folder and migrates it", async () => {
    const path = join(folder, "nested", ".tributary", "tributary.db");
    const storage = await openStorage({ kind: "sqlite", path });
    try {
      assert.ok(existsSync(path));
      assert.equal(storage.dialect, "sqlite");
      assert.equal(await storage.schemaVersion(), (storage as SqliteStorage).supportedVersion);
    } finally {
      await storage.close();
    }
  });

  it("leaves the schema alone when told not to migrate", async () => {
    const storage = await openStorage({ kind: "sqlite", path: join(folder, "t.db") }, { migrate: false });
    assert.equal(await storage.schemaVersion(), 0);
    await storage.close();
  });

  it("refuses to open a SQLite database migrated by a newer tributary", async () => {
    const path = join(folder, "t.db");
    const first = (await openStorage({ kind: "sqlite", path })) as SqliteStorage;
    first.database.prepare("INSERT INTO tributary_schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00.000Z')").run();
    await first.close();
    await assert.rejects(openStorage({ kind: "sqlite", path }), (error: unknown) => {
      assert.ok(error instanceof StorageVersionError);
      assert.match(error.message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*version 999`));
      return true;
    });
  });

  it("migrates PostgreSQL into the configured schema and nowhere else", async () => {
    const schema = uniqueSchemaName();
    const storage = (await openStorage({ kind: "postgres", url: TEST_DATABASE_URL, schema })) as PostgresStorage;
    try {
      const { rows } = await storage.pool.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'runs' AND table_schema = $1", [schema]);
      assert.equal(rows.length, 1);
      assert.equal(await storage.schemaVersion(), storage.supportedVersion);
    } finally {
      await disposeTestStorage(storage);
    }
  });

  it("says which PostgreSQL URL it could not reach, without its password, and what to check", async () => {
    await assert.rejects(openStorage({ kind: "postgres", url: "postgres://postgres:hunter2@127.0.0.1:1/test" }), (error: unknown) => {
      assert.ok(error instanceof StorageConnectionError, String(error));
      assert.match(error.message, /Cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test/);
      assert.doesNotMatch(error.message + (error.hint ?? ""), /hunter2/);
      assert.match(error.hint ?? "", /server running/);
      assert.match(error.hint ?? "", /TRIBUTARY_DATABASE_URL/);
      return true;
    });
    await assert.rejects(openStorage({ kind: "postgres", url: "postgres://postgres@127.0.0.1:1/test" }, { migrate: false }), StorageConnectionError);
  });

  it("refuses a PostgreSQL schema name that is not a plain lowercase identifier", async () => {
    await assert.rejects(openStorage({ kind: "postgres", url: TEST_DATABASE_URL, schema: "Robert'); DROP" }), ConfigError);
  });
});
