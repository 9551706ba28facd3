/** The SQLite table I/O manager stores partitions as rows tagged with their key, replaced per partition. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { SqliteTableIOManager } from "../../runtime/src/io/sqliteTable";

const log = { debug() {}, info() {}, warn() {}, error() {} };
const out = (partitionKey: string | null) => ({ assetKey: "orders", runId: "r", partitionKey, definitionMetadata: {}, log });
const input = (partitionKey: string | null) => ({ assetKey: "orders", downstreamKey: "x", runId: "r", partitionKey, definitionMetadata: {}, log });

describe("SQLite table I/O manager with partitions", () => {
  it("replaces only the rows of the materialized partition and loads a partition's rows without the key column", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tributary-table-")), "w.db");
    const manager = new SqliteTableIOManager(file);
    manager.handleOutput(out("2024-01-01"), [{ id: 1, amount: 10 }, { id: 2, amount: 20 }]);
    manager.handleOutput(out("2024-01-02"), [{ id: 3, amount: 30 }]);
    manager.handleOutput(out("2024-01-01"), [{ id: 4, amount: 40, note: "late" }]);
    assert.deepEqual(manager.loadInput(input("2024-01-01")), [{ id: 4, amount: 40, note: "late" }]);
    assert.deepEqual(manager.loadInput(input("2024-01-02")), [{ id: 3, amount: 30, note: null }]);
    const db = new Database(file, { readonly: true });
    const counts = db.prepare("SELECT partition_key, COUNT(*) AS n FROM orders GROUP BY partition_key ORDER BY partition_key").all();
    assert.deepEqual(counts, [{ partition_key: "2024-01-01", n: 1 }, { partition_key: "2024-01-02", n: 1 }]);
    db.close();
    manager.close();
  });
});
