/**
 * The PostgreSQL table I/O manager with partitioned assets: one table per asset, a partition_key
 * column, one partition replaced per materialization in one transaction (as the SQLite manager
 * does, test/partitions/tableIO.test.ts). Real PostgreSQL, in a schema of its own.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Pool } from "pg";
import { NeverMaterializedError, PostgresTableIOManager, UnsupportedValueError } from "../../runtime/src/io";
import { inputContext, nextTick, numberedRows, outputContext, TEST_DATABASE_URL } from "./helpers";

const out = (asset: string, partitionKey: string, definitionMetadata: Record<string, unknown> = {}) =>
  outputContext(asset, { partitionKey, definitionMetadata });
const input = (asset: string, partitionKey: string, definitionMetadata: Record<string, unknown> = {}) =>
  inputContext(asset, { partitionKey, definitionMetadata });

describe("postgresTableIOManager with partitions (real PostgreSQL)", () => {
  const schema = `tributary_io_parts_${randomBytes(4).toString("hex")}`;
  let admin: Pool;
  let manager: PostgresTableIOManager;

  before(async () => {
    admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 3, connectionTimeoutMillis: 5_000 });
    // Fails the suite loudly (never skips) when the server is unreachable.
    await admin.query("SELECT 1").catch((error: Error) => {
      throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is unreachable (set TRIBUTARY_TEST_DATABASE_URL): ${error.message}`);
    });
  });
  beforeEach(() => {
    manager = new PostgresTableIOManager({ connectionString: TEST_DATABASE_URL, schema });
  });
  afterEach(() => manager.close());
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  const countsByPartition = async (table: string, column = "partition_key") =>
    (await admin.query(`SELECT ${column} AS key, count(*)::int AS n FROM ${schema}.${table} GROUP BY 1 ORDER BY 1`)).rows;

  it("replaces only the rows of the materialized partition and loads a partition's rows without the key column", async () => {
    const first = await manager.handleOutput(out("orders", "2024-01-01"), [{ id: 1, amount: 10 }, { id: 2, amount: 20 }]);
    await manager.handleOutput(out("orders", "2024-01-02"), [{ id: 3, amount: 30 }]);
    await manager.handleOutput(out("orders", "2024-01-01"), [{ id: 4, amount: 40, note: "late" }]);
    assert.deepEqual(await manager.loadInput(input("orders", "2024-01-01")), [{ id: 4, amount: 40, note: "late" }]);
    assert.deepEqual(await manager.loadInput(input("orders", "2024-01-02")), [{ id: 3, amount: 30, note: null }]);
    assert.deepEqual(await countsByPartition("orders"), [{ key: "2024-01-01", n: 1 }, { key: "2024-01-02", n: 1 }]);
    assert.deepEqual({ table: first.table, rows: first.rows, partitionColumn: first.partitionColumn }, { table: "orders", rows: 2, partitionColumn: "partition_key" });
  });

  it("creates one table with a NOT NULL text partition column, indexed, named by metadata.partitionColumn", async () => {
    const metadata = { table: "daily_events", partitionColumn: "event_day" };
    await manager.handleOutput(out("events", "2024-03-10", metadata), [{ id: 1, kind: "click" }]);
    await manager.handleOutput(out("events", "2024-03-11", metadata), []);
    const { rows: columns } = await admin.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'daily_events' ORDER BY ordinal_position`,
      [schema],
    );
    assert.deepEqual(columns, [
      { column_name: "id", data_type: "bigint", is_nullable: "YES" },
      { column_name: "kind", data_type: "text", is_nullable: "YES" },
      { column_name: "event_day", data_type: "text", is_nullable: "NO" },
    ]);
    const { rows: indexes } = await admin.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'daily_events'`, [schema]);
    assert.equal(indexes.length, 1);
    assert.match(indexes[0].indexdef, /\(event_day\)/);
    assert.deepEqual(await manager.loadInput(input("events", "2024-03-10", metadata)), [{ id: 1, kind: "click" }]);
    assert.deepEqual(await manager.loadInput(input("events", "2024-03-11", metadata)), []);
  });

  it("keeps a partition's old rows and every other partition when a materialization fails half way", async () => {
    await manager.handleOutput(out("payments", "2024-01-01"), [{ id: 1 }]);
    await manager.handleOutput(out("payments", "2024-01-02"), [{ id: 2 }]);
    await assert.rejects(() => manager.handleOutput(out("payments", "2024-01-01"), [{ id: 5 }, { id: () => 6 }]), /column "id" holds a function/);
    assert.deepEqual(await manager.loadInput(input("payments", "2024-01-01")), [{ id: 1 }]);
    assert.deepEqual(await manager.loadInput(input("payments", "2024-01-02")), [{ id: 2 }]);
  });

  it("refuses a partition whose values do not fit the table's column types, naming the partition, and keeps its rows", async () => {
    await manager.handleOutput(out("typed", "2024-01-01"), [{ id: 1 }]);
    await assert.rejects(
      () => manager.handleOutput(out("typed", "2024-01-02"), [{ id: "not a number" }]),
      (error: unknown) =>
        error instanceof UnsupportedValueError && /partition "2024-01-02"/.test(error.message) && /same types for every partition/.test(error.hint ?? ""),
    );
    assert.deepEqual(await countsByPartition("typed"), [{ key: "2024-01-01", n: 1 }]);
  });

  it("lets readers see a partition's old rows or its new ones while it is being replaced, and the other partitions unchanged", async function () {
    this.timeout(30_000);
    await manager.handleOutput(out("clicks", "2024-01-01"), numberedRows(10, "old"));
    await manager.handleOutput(out("clicks", "2024-01-02"), numberedRows(7, "other"));
    let done = false;
    const writing = manager.handleOutput(out("clicks", "2024-01-01"), numberedRows(20_000, "new")).finally(() => (done = true));
    const seen = new Set<string>();
    let reads = 0;
    const state = async () => {
      const { rows } = await admin.query(
        `SELECT partition_key AS key, count(*)::int AS n, min(label) AS label, count(DISTINCT label)::int AS labels FROM ${schema}.clicks GROUP BY 1 ORDER BY 1`,
      );
      return rows.map((row) => `${row.key}=${row.n}:${row.label}:${row.labels}`).join(" ");
    };
    while (!done) {
      seen.add(await state());
      reads++;
      await nextTick();
    }
    await writing;
    seen.add(await state());
    assert.ok(reads > 1, "the reader must have read while the write was in flight");
    const allowed = ["2024-01-01=10:old:1 2024-01-02=7:other:1", "2024-01-01=20000:new:1 2024-01-02=7:other:1"];
    assert.deepEqual([...seen].filter((s) => !allowed.includes(s)), [], [...seen].join(", "));
    assert.ok(seen.has(allowed[1]!));
  });

  it("leaves exactly one run's rows when two runs write the same partition at once", async function () {
    this.timeout(30_000);
    const other = new PostgresTableIOManager({ connectionString: TEST_DATABASE_URL, schema });
    try {
      await manager.handleOutput(out("race", "2024-01-01"), [{ id: 0, label: "before" }]);
      const first = manager.handleOutput(out("race", "2024-01-01"), numberedRows(20_000, "a"));
      // The second write starts while the first one's transaction is inserting (its DELETE is done):
      // without a lock, its DELETE could not see the first one's rows and both sets would stay.
      const inserting = async () =>
        (
          await admin.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO "${schema}"."race"%'`,
          )
        ).rows[0].n > 0;
      while (!(await inserting())) await nextTick();
      await Promise.all([first, other.handleOutput(out("race", "2024-01-01"), numberedRows(500, "b")), other.handleOutput(out("race", "2024-01-02"), numberedRows(3, "c"))]);
      const { rows } = await admin.query(`SELECT partition_key AS key, count(*)::int AS n, min(label) AS label FROM ${schema}.race GROUP BY 1 ORDER BY 1`);
      assert.deepEqual(rows, [{ key: "2024-01-01", n: 500, label: "b" }, { key: "2024-01-02", n: 3, label: "c" }]);
    } finally {
      await other.close();
    }
  });

  it("adds the partition column to a table written before the asset was partitioned, and never loads its old rows", async () => {
    await manager.handleOutput(outputContext("legacy"), [{ id: 1 }, { id: 2 }]);
    await manager.handleOutput(out("legacy", "2024-01-01"), [{ id: 3 }]);
    assert.deepEqual(await manager.loadInput(input("legacy", "2024-01-01")), [{ id: 3 }]);
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.legacy WHERE partition_key IS NULL`);
    assert.equal(rows[0].n, 2);
  });

  it("throws a NeverMaterializedError naming the partition and the table when the table does not exist", async () => {
    await assert.rejects(
      () => manager.loadInput(input("never_built", "2024-01-05")),
      (error: unknown) => error instanceof NeverMaterializedError && error.message.includes('(partition "2024-01-05")') && error.message.includes(`"${schema}"."never_built"`),
    );
  });
});
