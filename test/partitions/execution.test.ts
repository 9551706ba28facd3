/**
 * Partitioned runs in-process: ctx.partitionKey and the time window, inputs per mapping (one key:
 * the value; several: an object by key), materializations per partition, status derived from
 * events, and the usage errors of a run that does not fit its partitions.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { DefinitionError } from "../../runtime/src/errors";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { PartitionSelectionError } from "../../runtime/src/execution/plan";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { assertValidGraph } from "../../runtime/src/graph/validate";
import { PartitionKeyError } from "../../runtime/src/partitions/common";
import { timeWindowMapping, identityMapping } from "../../runtime/src/partitions/mappings";
import { staticPartitions } from "../../runtime/src/partitions/static";
import { dailyPartitions } from "../../runtime/src/partitions/timeWindowFactories";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";

const daily = dailyPartitions({ start: "2024-01-01" });

function project() {
  const seen: { key: string | null; window: string | null }[] = [];
  const rawOrders = asset({ key: "raw_orders", partitions: daily }, (ctx) => {
    seen.push({ key: ctx.partitionKey, window: ctx.partitionTimeWindow ? `${ctx.partitionTimeWindow.start.toISOString()}/${ctx.partitionTimeWindow.end.toISOString()}` : null });
    return [{ day: ctx.partitionKey, amount: Number(ctx.partitionKey!.slice(-2)) }];
  });
  const dailyTotal = asset({ key: "daily_total", deps: [rawOrders], partitions: daily }, ({ inputs }) =>
    (inputs.raw_orders as { amount: number }[]).reduce((sum, row) => sum + row.amount, 0),
  );
  const weekTotal = asset(
    { key: "week_total", deps: ["daily_total"], partitions: daily, partitionMappings: { daily_total: timeWindowMapping({ startOffset: -6 }) } },
    ({ inputs }) => inputs.daily_total as Record<string, number>,
  );
  return { seen, defs: definitions({ assets: [rawOrders, dailyTotal, weekTotal] }) };
}

async function run(defs: ReturnType<typeof project>["defs"], storage: Storage, storageDir: string, selection: string, partitionKeys: string[]) {
  return executeInProcess({ definitions: defs, storage, storageDir, selection, partitionKeys });
}

describe("Partitioned runs", () => {
  let storage: Storage;
  let storageDir: string;
  beforeEach(async () => {
    storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    storageDir = mkdtempSync(path.join(os.tmpdir(), "tributary-partitions-"));
  });
  afterEach(() => storage.close());

  it("gives the asset its partition key and time window, and records one materialization per partition", async () => {
    const { seen, defs } = project();
    const result = await run(defs, storage, storageDir, "raw_orders", ["2024-01-05", "2024-01-06"]);
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(seen, [
      { key: "2024-01-05", window: "2024-01-05T00:00:00.000Z/2024-01-06T00:00:00.000Z" },
      { key: "2024-01-06", window: "2024-01-06T00:00:00.000Z/2024-01-07T00:00:00.000Z" },
    ]);
    const events = await storage.getRunEvents(result.runId);
    const partitions = events.filter((e) => e.type === "ASSET_MATERIALIZATION").map((e) => e.data?.partition);
    assert.deepEqual(partitions, ["2024-01-05", "2024-01-06"]);
    const record = await storage.getRun(result.runId);
    assert.equal(record?.tags["tributary/partition_range_start"], "2024-01-05");
    assert.deepEqual((await storage.getAssetPartitions("raw_orders")).map((p) => [p.partitionKey, p.status]), [
      ["2024-01-05", "MATERIALIZED"],
      ["2024-01-06", "MATERIALIZED"],
    ]);
  });

  it("reads the same day of an upstream as a value, and the last 7 days as an object keyed by day", async () => {
    const { defs } = project();
    const keys = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"];
    assert.equal((await run(defs, storage, storageDir, "raw_orders or daily_total", keys)).status, "SUCCESS");
    const week = await run(defs, storage, storageDir, "week_total", ["2024-01-08"]);
    assert.equal(week.status, "SUCCESS");
    const stored = JSON.parse(readFileSync(path.join(storageDir, "week_total", "2024-01-08.json"), "utf8"));
    assert.deepEqual(stored, { "2024-01-02": 2, "2024-01-03": 3, "2024-01-04": 4, "2024-01-05": 5, "2024-01-06": 6, "2024-01-07": 7, "2024-01-08": 8 });
  });

  it("warns when a window reaches before the first partition and passes the days that exist", async () => {
    const { defs } = project();
    await run(defs, storage, storageDir, "raw_orders or daily_total", ["2024-01-01", "2024-01-02"]);
    const result = await run(defs, storage, storageDir, "week_total", ["2024-01-02"]);
    assert.equal(result.status, "SUCCESS");
    const warning = (await storage.getRunEvents(result.runId)).find((e) => e.level === "warn");
    assert.match(warning?.message ?? "", /reads 2 of 7 partitions of daily_total: 2023-12-27, .* do not exist/);
  });

  it("marks the failed partition FAILED and keeps the partitions that succeeded before it", async () => {
    const flaky = asset({ key: "flaky", partitions: staticPartitions(["eu", "us", "apac"]) }, (ctx) => {
      if (ctx.partitionKey === "us") throw new Error("us export missing");
      return [ctx.partitionKey];
    });
    const result = await executeInProcess({ definitions: definitions({ assets: [flaky] }), storage, storageDir, selection: "flaky", partitionKeys: ["eu", "us", "apac"] });
    assert.equal(result.status, "FAILURE");
    assert.deepEqual((await storage.getAssetPartitions("flaky")).map((p) => [p.partitionKey, p.status]), [
      ["eu", "MATERIALIZED"],
      ["us", "FAILED"],
    ]);
  });

  it("refuses a partitioned selection without a partition, a key that does not exist, and mixed partitions", async () => {
    const { defs } = project();
    await assert.rejects(run(defs, storage, storageDir, "raw_orders", []), (error: unknown) => {
      assert.ok(error instanceof PartitionSelectionError);
      assert.match(error.hint ?? "", /--partition KEY/);
      return true;
    });
    await assert.rejects(run(defs, storage, storageDir, "raw_orders", ["2023-12-31"]), PartitionKeyError);
    await assert.rejects(run(defs, storage, storageDir, "raw_orders", ["2999-01-01"]), PartitionKeyError);
    const other = asset({ key: "regional", partitions: staticPartitions(["eu"]) }, () => 1);
    const mixed = definitions({ assets: [...defs.assets, other] });
    await assert.rejects(run(mixed as never, storage, storageDir, "raw_orders or regional", ["eu"]), /mixes assets with different partitions/);
  });

  it("reports an incompatible mapping at load, naming both assets and the file", () => {
    const regions = asset({ key: "regions", partitions: staticPartitions(["eu", "us"]) }, () => 1);
    const byDay = asset({ key: "by_day", deps: [regions], partitions: daily, partitionMappings: { regions: timeWindowMapping() } }, () => 1);
    assert.throws(() => assertValidGraph(new AssetGraph(definitions({ assets: [regions, byDay] }))), (error: unknown) => {
      assert.ok(error instanceof DefinitionError);
      assert.match(error.message, /asset "by_day" depends on "regions" with the timeWindow mapping/);
      assert.match(error.message, /execution\.test\.ts:\d+/);
      assert.match(error.message, /\[incompatible-partition-mapping\]/);
      return true;
    });
  });

  it("refuses a mapping for a key that is not a dep, suggesting the dep", () => {
    assert.throws(
      () => asset({ key: "x", deps: ["raw_orders"], partitions: daily, partitionMappings: { raw_order: identityMapping() } as never }, () => 1),
      /partitionMappings names "raw_order", which is not one of its deps[\s\S]*/,
    );
  });
});
