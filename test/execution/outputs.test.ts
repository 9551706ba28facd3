/**
 * The output writer alone: each output stored by its asset's I/O manager, recorded as a
 * materialization with the manager's metadata and the step's own, checked by the asset's checks
 * (which of them block), and the per-asset choice of where values are stored.
 */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { assetCheck } from "../../runtime/src/definitions/checks";
import { definitions } from "../../runtime/src/definitions/definitions";
import type { IOManager } from "../../runtime/src/definitions/ioManager";
import { multiAsset } from "../../runtime/src/definitions/multiAsset";
import { TributaryError, UserCodeError } from "../../runtime/src/errors";
import type { AssetIOResolver } from "../../runtime/src/execution/assetIO";
import { OutputWriter } from "../../runtime/src/execution/outputs";
import { memoryIOManager } from "../../runtime/src/io/memory";
import { runParts } from "./helpers";

describe("output writer", () => {
  it("stores the value with the asset's I/O manager and records a materialization: the manager's metadata, then the step's own", async () => {
    const io = memoryIOManager();
    const orders = asset({ key: "orders", codeVersion: "v2", metadata: { table: "orders_tbl" } }, () => []);
    const parts = await runParts(definitions({ assets: [orders], resources: { io_manager: io } }));
    const stored: string[] = [];
    const writer = new OutputWriter({ ...parts, onStored: (assetKey, partitionKey, value) => stored.push(`${assetKey}/${partitionKey}=${JSON.stringify(value)}`) });
    const blocking = await writer.write(parts.step("orders"), { value: [1, 2, 3], metadata: { rows: 99, source: "shop" }, partitionKey: null }, {});
    assert.deepEqual(blocking, []);
    assert.deepEqual(io.value.get("orders"), [1, 2, 3]);
    assert.deepEqual(stored, ["orders/null=[1,2,3]"]);
    const materialization = parts.seen.find((event) => event.type === "ASSET_MATERIALIZATION");
    assert.equal(materialization?.message, "Materialized orders");
    assert.deepEqual(materialization?.data, { assetKey: "orders", metadata: { rows: 99, source: "shop" }, partition: null, codeVersion: "v2" });
    await parts.close();
  });

  it("writes every output of a multi-asset, and refuses a value that lacks one", async () => {
    const io = memoryIOManager();
    const split = multiAsset({ name: "split", outs: { evens: {}, odds: {} } }, () => ({ evens: [], odds: [] }));
    const parts = await runParts(definitions({ assets: [split], resources: { io_manager: io } }));
    const writer = new OutputWriter(parts);
    await writer.write(parts.step("split"), { value: { evens: [2], odds: [1, 3] }, metadata: {}, partitionKey: "p" }, {});
    assert.deepEqual([io.value.get("evens", "p"), io.value.get("odds", "p")], [[2], [1, 3]]);
    assert.deepEqual(parts.seen.filter((e) => e.type === "ASSET_MATERIALIZATION").map((e) => e.message), ["Materialized evens (partition p)", "Materialized odds (partition p)"]);
    await assert.rejects(
      writer.write(parts.step("split"), { value: { evens: [] }, metadata: {}, partitionKey: null }, {}),
      (error: unknown) => error instanceof TributaryError && /multiAsset "split" returned no value for "odds"/.test(error.message),
    );
    await parts.close();
  });

  const checkCases: { name: string; severity: "ERROR" | "WARN"; blocking: boolean; passes: boolean; blocks: boolean; level: string }[] = [
    { name: "a failed blocking ERROR check blocks", severity: "ERROR", blocking: true, passes: false, blocks: true, level: "error" },
    { name: "a failed blocking WARN check does not block", severity: "WARN", blocking: true, passes: false, blocks: false, level: "warn" },
    { name: "a failed non-blocking ERROR check does not block", severity: "ERROR", blocking: false, passes: false, blocks: false, level: "error" },
    { name: "a passed blocking ERROR check does not block", severity: "ERROR", blocking: true, passes: true, blocks: false, level: "info" },
  ];
  for (const c of checkCases) {
    it(`checks: ${c.name}, and its verdict is recorded at level ${c.level}`, async () => {
      const io = memoryIOManager();
      const orders = asset({ key: "orders" }, () => [] as number[]);
      const check = assetCheck({ name: "positive", asset: orders, severity: c.severity, blocking: c.blocking }, ({ value }) => value.every((n) => n > 0));
      const parts = await runParts(definitions({ assets: [orders], checks: [check], resources: { io_manager: io } }));
      const blocking = await new OutputWriter(parts).write(parts.step("orders"), { value: c.passes ? [1] : [-1], metadata: {}, partitionKey: null }, {});
      assert.deepEqual(blocking, c.blocks ? ["positive on orders"] : []);
      const verdict = parts.seen.find((event) => event.type === "ASSET_CHECK_EVALUATION");
      assert.equal(verdict?.level, c.level);
      assert.equal(verdict?.message, `Check positive on orders ${c.passes ? "passed" : "failed"}`);
      assert.ok(io.value.has("orders"), "the value is stored before it is checked");
      await parts.close();
    });
  }

  it("stores each asset where a per-asset choice says (the hook for assets stored elsewhere), and names it when storing fails", async () => {
    const io = memoryIOManager();
    const plain = asset({ key: "plain" }, () => 0);
    const table = asset({ key: "table" }, () => 0);
    const parts = await runParts(definitions({ assets: [plain, table], resources: { io_manager: io } }));
    const failing: IOManager = {
      handleOutput: () => {
        throw new Error("relation does not exist");
      },
      loadInput: () => undefined,
    };
    const ioFor: AssetIOResolver = (assetKey) => (assetKey === "table" ? Promise.resolve({ manager: failing, label: "warehouse table" }) : parts.ioFor(assetKey));
    const writer = new OutputWriter({ ...parts, ioFor });
    await writer.write(parts.step("plain"), { value: 1, metadata: {}, partitionKey: null }, {});
    assert.equal(io.value.get("plain"), 1);
    await assert.rejects(
      writer.write(parts.step("table"), { value: 2, metadata: {}, partitionKey: null }, {}),
      (error: unknown) => error instanceof UserCodeError && /storing "table" with warehouse table/.test(error.message) && /relation does not exist/.test(String(error.cause ?? error.stack)),
    );
    assert.equal(io.value.has("table"), false);
    await parts.close();
  });

  it("refuses a resource used as an I/O manager that is not one, with a way out", async () => {
    const orders = asset({ key: "orders", ioManager: "warehouse" }, () => 0);
    const parts = await runParts(definitions({ assets: [orders], resources: { warehouse: { url: "postgres://" } } }));
    await assert.rejects(
      new OutputWriter(parts).write(parts.step("orders"), { value: 1, metadata: {}, partitionKey: null }, {}),
      (error: unknown) => error instanceof TributaryError && /resource "warehouse" is used as an I\/O manager/.test(error.message) && /docs\/io-managers.md/.test(error.hint ?? ""),
    );
    await parts.close();
  });
});
