/**
 * The embedded warehouse "down": another process holds the DuckDB file (DuckDB lets one process open
 * it at a time). The SQL step fails naming the asset, the line of its `sql` template and DuckDB's
 * own message, and the table built before is intact.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { definitions } from "../../runtime/src/definitions/definitions";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { sql } from "../../runtime/src/sql/template";
import { embeddedWarehouse as embedded } from "../../runtime/src/sql/warehouse";
import { openStorage } from "../../runtime/src/storage";
import { embeddedWarehouse, type TestWarehouse } from "./warehouses";

const REPO = path.join(__dirname, "..", "..");

/** A separate process that opens the DuckDB file and keeps it open until its stdin closes. */
function holdFile(file: string): Promise<ChildProcess> {
  const script = `
    const { DuckDBInstance } = require("@duckdb/node-api");
    DuckDBInstance.create(${JSON.stringify(file)}).then((instance) => {
      process.stdout.write("held\\n");
      process.stdin.on("end", () => { instance.closeSync(); process.exit(0); });
      process.stdin.resume();
    }, (error) => { console.error(error.message); process.exit(1); });`;
  const child = spawn(process.execPath, ["-e", script], { cwd: REPO, stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("held") && resolve(child));
    child.on("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
  });
}

describe("sqlAsset when the embedded warehouse is held by another process", function () {
  this.timeout(60_000);
  let warehouse: TestWarehouse;
  beforeEach(async () => (warehouse = await embeddedWarehouse()));
  afterEach(() => warehouse.close());

  it("fails with the asset, its template's line and DuckDB's message, and keeps the previous table", async () => {
    const file = path.join(warehouse.storageDir, "warehouse.duckdb");
    const query = sql`select 42 as answer`;
    const answer = sqlAsset({ key: "answer", query });
    const run = async (resources: Record<string, unknown>) => {
      const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
      try {
        return await executeInProcess({ definitions: definitions({ assets: [answer], resources: resources as never }), storage, storageDir: warehouse.storageDir, selection: "*" });
      } finally {
        await storage.close();
      }
    };
    assert.equal((await run({})).status, "SUCCESS");
    const holder = await holdFile(file);
    try {
      // A short wait for the lock: the other process does not let go while the run waits.
      const result = await run({ warehouse: embedded({ path: file, lockTimeoutMs: 100 }) });
      const error = result.steps[0]!.error ?? "";
      assert.equal(result.status, "FAILURE");
      assert.match(error, new RegExp(`embeddedUnavailable\\.test\\.ts:${query.location!.line}: sqlAsset "answer": the warehouse "warehouse" is unavailable: `), error);
      assert.match(error, /is in use by another process: .*lock/i, error);
    } finally {
      const exited = new Promise((resolve) => holder.on("exit", resolve));
      holder.stdin!.end();
      await exited;
    }
    assert.deepEqual(await warehouse.query("select answer from answer"), [{ answer: 42 }], "the previous table is intact");
  });
});
