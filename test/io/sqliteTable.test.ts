import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { resolveConfig } from "../../runtime/src/definitions/resource";
import { NeverMaterializedError, SqliteTableIOManager, sqliteTableIOManager, UnsupportedValueError } from "../../runtime/src/io";
import { inputContext, nextTick, numberedRows, outputContext, silentLog, typedRows, typedRowsReadBack } from "./helpers";

describe("sqliteTableIOManager", () => {
  let dir: string;
  let path: string;
  let manager: SqliteTableIOManager;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tributary-sqlite-io-"));
    path = join(dir, "nested", "warehouse.db");
    manager = new SqliteTableIOManager(path);
  });
  afterEach(() => {
    manager.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("round-trips rows with every column kind, NULLs and a missing field, in order", () => {
    manager.handleOutput(outputContext("customers"), typedRows());
    assert.deepEqual(manager.loadInput(inputContext("customers")), typedRowsReadBack());
  });

  it("names the table after the last segment of the key, or metadata.table, and declares inferred types", () => {
    const metadata = manager.handleOutput(outputContext("warehouse/customers"), typedRows());
    assert.deepEqual(metadata, { table: "customers", rows: 3, database: path });
    manager.handleOutput(outputContext("marts/orders", { definitionMetadata: { table: "fct_orders" } }), [{ id: 1 }]);
    const db = new Database(path, { readonly: true });
    try {
      const types = db.prepare("SELECT name, type FROM pragma_table_info('customers')").all();
      assert.deepEqual(types, [
        { name: "id", type: "INTEGER" },
        { name: "name", type: "TEXT" },
        { name: "amount", type: "REAL" },
        { name: "active", type: "BOOLEAN" },
        { name: "first_order", type: "DATE" },
        { name: "updated_at", type: "TIMESTAMP" },
        { name: "attributes", type: "JSON" },
        { name: "mixed", type: "JSON" },
        { name: "big", type: "BIGINT" },
        { name: "note", type: "TEXT" },
      ]);
      assert.deepEqual(db.prepare('SELECT first_order FROM customers WHERE id = 1').get(), { first_order: "2018-01-01" });
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM fct_orders").get(), { n: 1 });
    } finally {
      db.close();
    }
  });

  it("replaces the table's rows and columns on each materialization and keeps columns for an empty one", () => {
    manager.handleOutput(outputContext("orders"), [{ id: 1, status: "placed" }]);
    manager.handleOutput(outputContext("orders"), [{ id: 2, amount: 5 }, { id: 3, amount: 6 }]);
    assert.deepEqual(manager.loadInput(inputContext("orders")), [{ id: 2, amount: 5 }, { id: 3, amount: 6 }]);
    manager.handleOutput(outputContext("orders"), []);
    assert.deepEqual(manager.loadInput(inputContext("orders")), []);
    const db = new Database(path, { readonly: true });
    try {
      assert.deepEqual(db.prepare("SELECT name FROM pragma_table_info('orders')").pluck().all(), ["id", "amount"]);
      assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(), ["orders"], "no scratch table left");
    } finally {
      db.close();
    }
    manager.handleOutput(outputContext("never_filled"), []);
    assert.deepEqual(manager.loadInput(inputContext("never_filled")), []);
  });

  it("throws a NeverMaterializedError naming the table and database when the table does not exist", () => {
    assert.throws(
      () => manager.loadInput(inputContext("orders", { downstreamKey: "customers" })),
      (error: unknown) =>
        error instanceof NeverMaterializedError &&
        error.message.includes('table "orders" in ' + path) &&
        /--select orders/.test(error.hint ?? ""),
    );
  });

  it("refuses a value that is not an array of row objects, naming the asset and the row", () => {
    assert.throws(() => manager.handleOutput(outputContext("orders"), { id: 1 }), UnsupportedValueError);
    assert.throws(() => manager.handleOutput(outputContext("orders"), [{ id: 1 }, 5]), /asset "orders": row 1 is number/);
  });

  it("keeps the old table when a materialization fails half way", () => {
    manager.handleOutput(outputContext("orders"), [{ id: 1 }]);
    // A cell no table can hold (a function) fails the insert after the new table was created.
    assert.throws(() => manager.handleOutput(outputContext("orders"), [{ id: 2 }, { id: () => 3 }]), /column "id" holds a function/);
    assert.deepEqual(manager.loadInput(inputContext("orders")), [{ id: 1 }]);
  });

  it("lets another process read the old table or the new one while it is being replaced, never an empty or half one", async function () {
    this.timeout(30_000);
    manager.handleOutput(outputContext("events"), numberedRows(10, "old"));
    manager.close();
    const sizes = [30_000, 5_000, 30_000, 5_000];
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "sqliteWriter.fixture.ts"), path, ...sizes.map(String)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let finished = false;
    void exited.then(() => (finished = true));
    const reader = new Database(path, { readonly: true });
    const seen = new Set<number>();
    let reads = 0;
    try {
      while (!finished) {
        const { n, labels } = reader.prepare("SELECT count(*) AS n, count(DISTINCT label) AS labels FROM events").get() as {
          n: number;
          labels: number;
        };
        assert.equal(labels, 1, "a table mixing two materializations was visible");
        seen.add(n);
        reads++;
        await nextTick();
      }
      assert.equal(await exited, 0, stderr);
      seen.add((reader.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n);
    } finally {
      reader.close();
    }
    assert.ok(reads > 0);
    assert.deepEqual([...seen].filter((n) => n !== 10 && !sizes.includes(n)), [], `counts seen: ${[...seen].join(", ")}`);
    assert.ok(seen.has(5_000), "the final table is visible once the writer is done");
  });

  it("opens the database named by an EnvVar when set up as a resource, and closes it on teardown", async () => {
    const { EnvVar } = await import("../../runtime/src/definitions/resource");
    const definition = sqliteTableIOManager({ path: EnvVar("TEST_WAREHOUSE_DB") });
    const config = resolveConfig(definition.config, "warehouse_io", { TEST_WAREHOUSE_DB: path });
    const fromResource = await definition.setup({ config, key: "warehouse_io", runId: "r", log: silentLog });
    fromResource.handleOutput(outputContext("orders"), [{ id: 1 }]);
    await definition.teardown!(fromResource);
    assert.deepEqual(manager.loadInput(inputContext("orders")), [{ id: 1 }]);
  });
});
