/**
 * Partition strips of the wire: the one squeeze the daemon (a backfill's strip) and the UI (an
 * asset's strip, to its pixels) share, and the keys each cell covers.
 */
import * as assert from "node:assert/strict";
import { squeezeStrip, stripCellSpan } from "../../runtime/src/wire";

describe("partition strips", () => {
  it("keeps a strip that fits as it is, one cell per key", () => {
    assert.equal(squeezeStrip("DDFCRQP", 2_000, "FCRQPD"), "DDFCRQP");
    assert.equal(squeezeStrip("", 10, "F-M"), "");
  });

  it("shows in each squeezed cell the letter of its keys that comes first in the order given", () => {
    assert.equal(squeezeStrip("MMMMF---", 4, "F-M"), "MMF-");
    assert.equal(squeezeStrip("DDDPDRDD", 2, "FCRQPD"), "PR");
    assert.equal(squeezeStrip(`${"D".repeat(999)}F`, 10, "FCRQPD"), `${"D".repeat(9)}F`);
  });

  it("covers every key once with cells that differ by at most one key", () => {
    const spans = Array.from({ length: 7 }, (_, cell) => stripCellSpan(cell, 7, 45));
    assert.equal(spans[0]![0], 0);
    assert.equal(spans.at(-1)![1], 45);
    for (let cell = 1; cell < spans.length; cell++) assert.equal(spans[cell]![0], spans[cell - 1]![1]);
    const sizes = spans.map(([from, to]) => to - from);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, sizes.join(","));
  });
});
