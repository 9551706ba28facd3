import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvVar, resolveConfig } from "../../runtime/src/definitions/resource";
import { FilesystemIOManager, filesystemIOManager, NeverMaterializedError } from "../../runtime/src/io";
import { inputContext, nextTick, numberedRows, outputContext, silentLog } from "./helpers";

describe("filesystemIOManager", () => {
  let baseDir: string;
  let manager: FilesystemIOManager;

  beforeEach(() => {
    baseDir = mkdtempSync(join(tmpdir(), "tributary-fs-io-"));
    manager = new FilesystemIOManager(baseDir);
  });
  afterEach(() => rmSync(baseDir, { recursive: true, force: true }));

  it("round-trips rows with nulls, numbers and nested objects, and turns Dates into ISO strings", async () => {
    const value = [
      { id: 1, amount: 10.5, note: null, nested: { tags: ["a", "b"], deep: { n: 1 } }, at: new Date("2024-05-01T10:00:00.000Z") },
      { id: 2, amount: -3, note: "x", nested: [], at: null },
    ];
    await manager.handleOutput(outputContext("orders"), value);
    const loaded = await manager.loadInput(inputContext("orders"));
    assert.deepEqual(loaded, [
      { id: 1, amount: 10.5, note: null, nested: { tags: ["a", "b"], deep: { n: 1 } }, at: "2024-05-01T10:00:00.000Z" },
      { id: 2, amount: -3, note: "x", nested: [], at: null },
    ]);
  });

  it("round-trips non-array values, including a bare string and undefined", async () => {
    await manager.handleOutput(outputContext("config"), { a: 1 });
    await manager.handleOutput(outputContext("greeting"), "hello");
    await manager.handleOutput(outputContext("nothing"), undefined);
    assert.deepEqual(await manager.loadInput(inputContext("config")), { a: 1 });
    assert.equal(await manager.loadInput(inputContext("greeting")), "hello");
    assert.equal(await manager.loadInput(inputContext("nothing")), undefined);
  });

  it("stores key paths as folders and partitions as files inside the asset's folder", async () => {
    await manager.handleOutput(outputContext("warehouse/orders"), [1]);
    await manager.handleOutput(outputContext("daily", { partitionKey: "2024-05-01" }), [2]);
    await manager.handleOutput(outputContext("daily", { partitionKey: "eu/west" }), [3]);
    assert.ok(existsSync(join(baseDir, "warehouse", "orders.json")));
    assert.ok(existsSync(join(baseDir, "daily", "2024-05-01.json")));
    assert.ok(existsSync(join(baseDir, "daily", "eu%2Fwest.json")), "a / in a partition key must not make a folder");
    assert.deepEqual(await manager.loadInput(inputContext("daily", { partitionKey: "eu/west" })), [3]);
  });

  it("returns the path, the byte size and the row count as metadata", async () => {
    const metadata = await manager.handleOutput(outputContext("orders"), [{ id: 1 }, { id: 2 }]);
    const path = join(baseDir, "orders.json");
    assert.deepEqual(metadata, { path, bytes: readFileSync(path).length, rows: 2 });
    const single = await manager.handleOutput(outputContext("one"), { id: 1 });
    assert.equal("rows" in single, false);
  });

  it("throws an error naming the asset, its reader and the materialize command when nothing was stored", async () => {
    await assert.rejects(
      () => manager.loadInput(inputContext("raw_orders", { downstreamKey: "stg_orders" })),
      (error: unknown) => {
        assert.ok(error instanceof NeverMaterializedError);
        assert.match(error.message, /asset "raw_orders" has never been materialized/);
        assert.match(error.message, /"stg_orders" needs its value/);
        assert.match(error.hint ?? "", /tributary materialize --select raw_orders/);
        return true;
      },
    );
  });

  it("refuses a value JSON cannot hold with an error naming the asset", async () => {
    await assert.rejects(() => manager.handleOutput(outputContext("big"), { n: 1n }), /asset "big": its value cannot be stored as JSON/);
    assert.equal(existsSync(join(baseDir, "big.json")), false);
  });

  it("lets a reader see the old file or the new one while a large value is being rewritten, never half of one", async () => {
    await manager.handleOutput(outputContext("events"), numberedRows(10, "old"));
    const path = join(baseDir, "events.json");
    let done = false;
    const writing = manager.handleOutput(outputContext("events"), numberedRows(200_000, "new")).finally(() => (done = true));
    const seen: number[] = [];
    while (!done) {
      seen.push((JSON.parse(readFileSync(path, "utf8")) as unknown[]).length);
      await nextTick();
    }
    await writing;
    seen.push((JSON.parse(readFileSync(path, "utf8")) as unknown[]).length);
    assert.ok(seen.length > 1, "the reader must have read while the write was in flight");
    assert.deepEqual([...new Set(seen)].filter((n) => n !== 10 && n !== 200_000), []);
    assert.equal(seen.at(-1), 200_000);
    assert.deepEqual(readdirSync(baseDir), ["events.json"], "no temporary file is left behind");
  });

  it("resolves an EnvVar base folder when the resource is set up", async () => {
    const definition = filesystemIOManager({ baseDir: EnvVar("TEST_IO_DIR") });
    const config = resolveConfig(definition.config, "io_manager", { TEST_IO_DIR: baseDir });
    const fromResource = await definition.setup({ config, key: "io_manager", runId: "r", log: silentLog });
    await fromResource.handleOutput(outputContext("a"), [1]);
    assert.ok(existsSync(join(baseDir, "a.json")));
  });
});
