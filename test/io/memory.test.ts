import assert from "node:assert/strict";
import { memoryIOManager, NeverMaterializedError } from "../../runtime/src/io";
import { inputContext, outputContext, silentLog } from "./helpers";

describe("memoryIOManager", () => {
  it("hands back the very value stored, per asset and partition, and shares it across runs", async () => {
    const definition = memoryIOManager();
    const firstRun = await definition.setup({ config: {}, key: "io_manager", runId: "run-1", log: silentLog });
    const value = [{ id: 1, at: new Date(0), nested: { a: [1] } }];
    assert.deepEqual(firstRun.handleOutput(outputContext("orders"), value), { rows: 1 });
    firstRun.handleOutput(outputContext("orders", { partitionKey: "2024-01-01" }), "partition value");
    const secondRun = await definition.setup({ config: {}, key: "io_manager", runId: "run-2", log: silentLog });
    assert.equal(secondRun.loadInput(inputContext("orders")), value);
    assert.equal(secondRun.loadInput(inputContext("orders", { partitionKey: "2024-01-01" })), "partition value");
    assert.equal(definition.value.get("orders"), value);
  });

  it("throws a NeverMaterializedError for an asset it holds nothing for", () => {
    const manager = memoryIOManager().value;
    assert.throws(() => manager.loadInput(inputContext("raw_orders")), NeverMaterializedError);
    manager.handleOutput(outputContext("raw_orders"), undefined);
    assert.equal(manager.loadInput(inputContext("raw_orders")), undefined, "a stored undefined is still a value");
    manager.clear();
    assert.equal(manager.has("raw_orders"), false);
  });
});
