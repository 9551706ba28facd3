import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Pool } from "pg";
import { EnvVar, resolveConfig } from "../../runtime/src/definitions/resource";
import { NeverMaterializedError, PostgresTableIOManager, postgresTableIOManager } from "../../runtime/src/io";
import { PostgresConnectionError } from "../../runtime/src/resources";
import { inputContext, nextTick, numberedRows, outputContext, silentLog, TEST_DATABASE_URL, typedRows, typedRowsReadBack } from "./helpers";

/** The test URL with a password added: trust auth ignores it, and metadata must not show it. */
function urlWithPassword(): string {
  const url = new URL(TEST_DATABASE_URL);
  url.password = "s3cret-pw";
  return url.toString();
}

describe("postgresTableIOManager (real PostgreSQL)", () => {
  const schema = `tributary_io_test_${randomBytes(4).toString("hex")}`;
  let admin: Pool;
  let manager: PostgresTableIOManager;

  before(async () => {
    admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
    // Fails the suite loudly (never skips) when the server is unreachable.
    await admin.query("SELECT 1").catch((error: Error) => {
      throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is unreachable (set TRIBUTARY_TEST_DATABASE_URL): ${error.message}`);
    });
  });
  beforeEach(() => {
    manager = new PostgresTableIOManager({ connectionString: urlWithPassword(), schema });
  });
  afterEach(() => manager.close());
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it("round-trips rows with every column kind, NULLs and a missing field, with the JS types written", async () => {
    await manager.handleOutput(outputContext("customers"), typedRows());
    const loaded = await manager.loadInput(inputContext("customers"));
    assert.deepEqual(loaded, typedRowsReadBack());
    assert.equal(typeof loaded[0]!.id, "number");
    assert.equal(loaded[0]!.first_order, "2018-01-01");
  });

  it("creates real columns of the inferred PostgreSQL types in the schema", async () => {
    await manager.handleOutput(outputContext("warehouse/customers"), typedRows());
    const { rows } = await admin.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'customers' ORDER BY ordinal_position`,
      [schema],
    );
    assert.deepEqual(
      rows.map((row) => `${row.column_name} ${row.data_type}`),
      [
        "id bigint",
        "name text",
        "amount double precision",
        "active boolean",
        "first_order date",
        "updated_at timestamp with time zone",
        "attributes jsonb",
        "mixed jsonb",
        "big numeric",
        "note text",
      ],
    );
    const { rows: sums } = await admin.query(`SELECT sum(amount) AS total, count(*) FILTER (WHERE note IS NULL) AS nulls FROM ${schema}.customers`);
    assert.deepEqual(sums[0], { total: 13.5, nulls: "2" });
  });

  it("returns the table, row count, schema and a database URL without the password as metadata", async () => {
    const metadata = await manager.handleOutput(outputContext("orders", { definitionMetadata: { table: "fct_orders" } }), [{ id: 1 }]);
    assert.equal(metadata.table, "fct_orders");
    assert.equal(metadata.rows, 1);
    assert.equal(metadata.schema, schema);
    assert.doesNotMatch(String(metadata.database), /s3cret-pw/);
    assert.match(String(metadata.database), /^postgres:\/\/postgres:\*\*\*@/);
  });

  it("writes thousands of rows in multi-row batches and reads them back in order", async () => {
    const rows = numberedRows(2_500, "batch");
    await manager.handleOutput(outputContext("events"), rows);
    assert.deepEqual(await manager.loadInput(inputContext("events")), rows);
  });

  it("replaces the table on each materialization, keeps its columns for an empty one, and leaves no scratch table", async () => {
    await manager.handleOutput(outputContext("orders"), [{ id: 1, status: "placed" }]);
    await manager.handleOutput(outputContext("orders"), [{ id: 2, amount: 5 }]);
    assert.deepEqual(await manager.loadInput(inputContext("orders")), [{ id: 2, amount: 5 }]);
    await manager.handleOutput(outputContext("orders"), []);
    assert.deepEqual(await manager.loadInput(inputContext("orders")), []);
    const { rows } = await admin.query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name LIKE 'orders%' ORDER BY ordinal_position`,
      [schema],
    );
    assert.deepEqual(rows, [
      { table_name: "orders", column_name: "id" },
      { table_name: "orders", column_name: "amount" },
    ]);
  });

  it("keeps the old table when a materialization fails half way", async () => {
    await manager.handleOutput(outputContext("orders"), [{ id: 1 }]);
    await assert.rejects(() => manager.handleOutput(outputContext("orders"), [{ id: 2 }, { id: () => 3 }]), /column "id" holds a function/);
    assert.deepEqual(await manager.loadInput(inputContext("orders")), [{ id: 1 }]);
  });

  it("throws a NeverMaterializedError naming the table when it does not exist", async () => {
    await assert.rejects(
      () => manager.loadInput(inputContext("never_built", { downstreamKey: "customers" })),
      (error: unknown) =>
        error instanceof NeverMaterializedError &&
        error.message.includes(`"${schema}"."never_built"`) &&
        !error.message.includes("s3cret-pw"),
    );
  });

  it("lets readers see the old table or the new one while it is being replaced, never an empty or half one", async function () {
    this.timeout(30_000);
    await manager.handleOutput(outputContext("events"), numberedRows(10, "old"));
    let done = false;
    const writing = manager.handleOutput(outputContext("events"), numberedRows(20_000, "new")).finally(() => (done = true));
    const seen = new Set<string>();
    let reads = 0;
    while (!done) {
      const { rows } = await admin.query(`SELECT count(*)::int AS n, min(label) AS label, count(DISTINCT label)::int AS labels FROM ${schema}.events`);
      seen.add(`${rows[0].n}:${rows[0].label}:${rows[0].labels}`);
      reads++;
      await nextTick();
    }
    await writing;
    const { rows } = await admin.query(`SELECT count(*)::int AS n, min(label) AS label, count(DISTINCT label)::int AS labels FROM ${schema}.events`);
    seen.add(`${rows[0].n}:${rows[0].label}:${rows[0].labels}`);
    assert.ok(reads > 1, "the reader must have read while the write was in flight");
    assert.deepEqual([...seen].filter((state) => state !== "10:old:1" && state !== "20000:new:1"), [], [...seen].join(", "));
    assert.ok(seen.has("20000:new:1"));
  });

  it("takes its connection string from an EnvVar and ends its own pool on teardown", async () => {
    const definition = postgresTableIOManager({ connectionString: EnvVar("TEST_PG_URL"), schema });
    const config = resolveConfig(definition.config, "warehouse_io", { TEST_PG_URL: TEST_DATABASE_URL });
    const fromResource = await definition.setup({ config, key: "warehouse_io", runId: "r", log: silentLog });
    await fromResource.handleOutput(outputContext("from_env"), [{ id: 7 }]);
    await definition.teardown!(fromResource);
    assert.deepEqual(await manager.loadInput(inputContext("from_env")), [{ id: 7 }]);
  });

  it("reports an unreachable server with the URL without its password", async () => {
    const unreachable = new PostgresTableIOManager({ connectionString: "postgres://app:hunter2@127.0.0.1:1/warehouse", schema });
    try {
      await assert.rejects(
        () => unreachable.handleOutput(outputContext("orders"), [{ id: 1 }]),
        (error: unknown) =>
          error instanceof PostgresConnectionError &&
          error.message.includes("postgres://app:***@127.0.0.1:1/warehouse") &&
          !error.message.includes("hunter2"),
      );
    } finally {
      await unreachable.close();
    }
  });

  it("uses a pool it is given and leaves it open", async () => {
    const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      const definition = postgresTableIOManager({ pool, schema });
      const fromResource = await definition.setup({ config: resolveConfig(definition.config, "io", {}), key: "io", runId: "r", log: silentLog });
      await fromResource.handleOutput(outputContext("from_pool"), [{ id: 8 }]);
      await definition.teardown!(fromResource);
      assert.deepEqual((await pool.query(`SELECT id FROM ${schema}.from_pool`)).rows, [{ id: "8" }]);
    } finally {
      await pool.end();
    }
  });
});
