/**
 * The input loader alone: where each `ctx.inputs[dep]` comes from (a value held from earlier in
 * the run, or the dep's I/O manager), and its shape for partitioned deps (one value, or a record by
 * partition key as definitions/inputs.ts types it).
 */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { UserCodeError } from "../../runtime/src/errors";
import { InputLoader } from "../../runtime/src/execution/inputs";
import { memoryIOManager } from "../../runtime/src/io/memory";
import { timeWindowMapping } from "../../runtime/src/partitions/mappings";
import { staticPartitions } from "../../runtime/src/partitions/static";
import { dailyPartitions } from "../../runtime/src/partitions/timeWindowFactories";
import { runParts } from "./helpers";

const daily = dailyPartitions({ start: "2024-01-01" });

/** Stores a value as a run before this one would have, through the I/O manager's own interface. */
function storeEarlier(io: ReturnType<typeof memoryIOManager>, assetKey: string, partitionKey: string | null, value: unknown): void {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  io.value.handleOutput({ assetKey, runId: "earlier", partitionKey, definitionMetadata: {}, log }, value);
}

describe("input loader", () => {
  it("hands over a value computed in the run as it is, and loads a dep outside the run from its I/O manager", async () => {
    const io = memoryIOManager();
    const outside = asset({ key: "outside" }, () => 0);
    const a = asset({ key: "a" }, () => 0);
    const b = asset({ key: "b", deps: [a, outside] }, () => 0);
    const parts = await runParts(definitions({ assets: [outside, a, b], resources: { io_manager: io } }), "a or b");
    storeEarlier(io, "outside", null, "from storage");
    const loader = new InputLoader(parts, parts.plan.steps);
    const computed = { rows: [1, 2] };
    loader.hold("a", null, computed);
    const inputs = await loader.load(parts.step("b"), null);
    assert.equal(inputs.a, computed, "the same object, not a copy read back");
    assert.equal(inputs.outside, "from storage");
    await parts.close();
  });

  it("drops a held value once its last consumer in the run has ended", async () => {
    const io = memoryIOManager();
    const a = asset({ key: "a" }, () => 0);
    const b = asset({ key: "b", deps: [a] }, () => 0);
    const c = asset({ key: "c", deps: [a] }, () => 0);
    const parts = await runParts(definitions({ assets: [a, b, c], resources: { io_manager: io } }));
    const loader = new InputLoader(parts, parts.plan.steps);
    loader.hold("a", null, "value of a");
    assert.equal((await loader.load(parts.step("b"), null)).a, "value of a");
    loader.release(parts.step("b"));
    assert.equal((await loader.load(parts.step("c"), null)).a, "value of a", "c has still to read it");
    loader.release(parts.step("c"));
    assert.equal((await loader.load(parts.step("c"), null)).a, undefined, "no consumer left: the value is gone");
    await parts.close();
  });

  it("gives a partition its upstream's same partition as a value, and a 7-day window as a record by day, held or stored", async () => {
    const io = memoryIOManager();
    const raw = asset({ key: "raw", partitions: daily }, () => 0);
    const total = asset({ key: "total", deps: [raw], partitions: daily }, () => 0);
    const week = asset({ key: "week", deps: [total], partitions: daily, partitionMappings: { total: timeWindowMapping({ startOffset: -6 }) } }, () => 0);
    const parts = await runParts(definitions({ assets: [raw, total, week], resources: { io_manager: io } }), "total or week", ["2024-01-08"]);
    storeEarlier(io, "raw", "2024-01-08", "raw of the 8th");
    for (let day = 2; day <= 7; day++) storeEarlier(io, "total", `2024-01-0${day}`, day);
    const loader = new InputLoader(parts, parts.plan.steps);
    assert.deepEqual(await loader.load(parts.step("total"), "2024-01-08"), { raw: "raw of the 8th" });
    loader.hold("total", "2024-01-08", 8);
    assert.deepEqual(await loader.load(parts.step("week"), "2024-01-08"), {
      total: { "2024-01-02": 2, "2024-01-03": 3, "2024-01-04": 4, "2024-01-05": 5, "2024-01-06": 6, "2024-01-07": 7, "2024-01-08": 8 },
    });
    await parts.close();
  });

  it("warns about the partitions of a window that do not exist, and passes the ones that do", async () => {
    const io = memoryIOManager();
    const total = asset({ key: "total", partitions: daily }, () => 0);
    const week = asset({ key: "week", deps: [total], partitions: daily, partitionMappings: { total: timeWindowMapping({ startOffset: -6 }) } }, () => 0);
    const parts = await runParts(definitions({ assets: [total, week], resources: { io_manager: io } }), "week", ["2024-01-02"]);
    storeEarlier(io, "total", "2024-01-01", 1);
    storeEarlier(io, "total", "2024-01-02", 2);
    const loader = new InputLoader(parts, parts.plan.steps);
    assert.deepEqual(await loader.load(parts.step("week"), "2024-01-02"), { total: { "2024-01-01": 1, "2024-01-02": 2 } });
    const warning = parts.seen.find((event) => event.level === "warn");
    assert.equal(warning?.stepKey, "week");
    assert.match(warning?.message ?? "", /^reads 2 of 7 partitions of total: 2023-12-27, .* do not exist$/);
    await parts.close();
  });

  it("gives an unpartitioned asset every partition of a partitioned dep, by key", async () => {
    const io = memoryIOManager();
    const regions = staticPartitions(["eu", "us"]);
    const sales = asset({ key: "sales", partitions: regions }, () => 0);
    const global = asset({ key: "global", deps: [sales] }, () => 0);
    const parts = await runParts(definitions({ assets: [sales, global], resources: { io_manager: io } }), "global");
    storeEarlier(io, "sales", "eu", 10);
    storeEarlier(io, "sales", "us", 20);
    const loader = new InputLoader(parts, parts.plan.steps);
    assert.deepEqual(await loader.load(parts.step("global"), null), { sales: { eu: 10, us: 20 } });
    await parts.close();
  });

  it("wraps an I/O manager's failure to load as the user's error, naming the input, its partition and the step", async () => {
    const io = memoryIOManager();
    const raw = asset({ key: "raw", partitions: daily }, () => 0);
    const total = asset({ key: "total", deps: [raw], partitions: daily }, () => 0);
    const parts = await runParts(definitions({ assets: [raw, total], resources: { io_manager: io } }), "total", ["2024-01-03"]);
    const loader = new InputLoader(parts, parts.plan.steps);
    await assert.rejects(
      loader.load(parts.step("total"), "2024-01-03"),
      (error: unknown) => error instanceof UserCodeError && /loading input "raw" \(partition 2024-01-03\) of "total"/.test(error.message),
    );
    await parts.close();
  });
});
