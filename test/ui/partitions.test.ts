/** The lineage's partition strip and details lines (ui/src/partitions.ts), from the daemon's partition status. */
import assert from "node:assert/strict";
import { LineageModel } from "../../ui/src/model";
import { partitionCells, partitionStatusLines, partitionSummary, stripCells } from "../../ui/src/partitions";
import type { LineageAsset, LineagePartitions } from "../../ui/src/protocol";

/** January of a 99-day range loaded, one day failed, the rest missing: as `partitions status --json` prints it. */
const sample = (): LineagePartitions => ({
  definition: "daily partitions from 2018-01-01 (UTC), ending before 2018-04-10T00:00:00.000Z",
  total: 99,
  materialized: { count: 30, ranges: [["2018-01-01", "2018-01-14"], ["2018-01-16", "2018-01-31"]] },
  failed: { count: 1, ranges: [["2018-01-15", "2018-01-15"]] },
  missing: { count: 68, ranges: [["2018-02-01", "2018-04-09"]] },
  strip: `${"M".repeat(14)}F${"M".repeat(16)}${"-".repeat(68)}`,
});

describe("lineage partition strip and details", () => {
  it("keeps one cell per key when there is room, in key order", () => {
    assert.deepEqual(stripCells("MMF-", 10), ["M", "M", "F", "-"]);
    assert.equal(stripCells(sample().strip!, 200).join(""), sample().strip);
  });

  it("squeezes many keys into the cells it has, a failed key winning its cell so it never disappears", () => {
    const cells = partitionCells(sample(), 10);
    assert.equal(cells.length, 10);
    assert.equal(cells.filter((cell) => cell === "F").length, 1, "the one failed day among 99 still shows");
    assert.deepEqual(cells.slice(0, 1), ["M"]);
    assert.deepEqual(cells.slice(-6), ["-", "-", "-", "-", "-", "-"]);
    // A cell mixing materialized and missing keys shows missing.
    assert.deepEqual(stripCells("MM-M", 2), ["M", "-"]);
  });

  it("draws proportional runs from the counts when the daemon sends no strip (more than 2,000 keys)", () => {
    const big: LineagePartitions = { ...sample(), total: 10_000, materialized: { count: 5_000, ranges: [] }, failed: { count: 3, ranges: [] }, missing: { count: 4_997, ranges: [] }, strip: null };
    const cells = partitionCells(big, 100);
    assert.equal(cells.length, 100);
    assert.equal(cells.filter((cell) => cell === "M").length, 50);
    assert.equal(cells.filter((cell) => cell === "F").length, 1, "3 failed keys of 10,000 still get a cell");
    assert.deepEqual(partitionCells({ ...big, total: 0, strip: null }, 100), []);
  });

  it("gives the details pane materialized / failed / missing counts with their ranges, and a summary", () => {
    assert.deepEqual(partitionStatusLines(sample()), [
      { status: "materialized", count: 30, ranges: ["2018-01-01..2018-01-14", "2018-01-16..2018-01-31"], moreRanges: 0 },
      { status: "failed", count: 1, ranges: ["2018-01-15"], moreRanges: 0 },
      { status: "missing", count: 68, ranges: ["2018-02-01..2018-04-09"], moreRanges: 0 },
    ]);
    assert.deepEqual(partitionStatusLines(sample(), 1)[0]!.moreRanges, 1);
    assert.equal(partitionSummary(sample()), "30/99 materialized, 1 failed");
  });

  it("keeps the partitions of an /api/assets entry on the model's asset", () => {
    const daily: LineageAsset = { key: "stg_orders", group: "staging", deps: [], status: "FRESH", partitions: sample() };
    const model = new LineageModel([daily, { key: "orders", group: "warehouse", deps: ["stg_orders"], status: "FRESH" }]);
    assert.equal(model.assets.get("stg_orders")!.partitions!.total, 99);
    assert.equal(model.assets.get("orders")!.partitions, undefined);
  });
});
