/** The lineage layout (ui/src/layout), run in Node: geometry invariants, cycles, speed, caching key. */
import assert from "node:assert/strict";
import { syntheticWarehouse } from "../../bench/lineage/generate";
import { layoutGraph, layoutShapeHash, type LayoutInput, type LayoutResult } from "../../ui/src/layout/layout";

function inputOf(assets: Array<{ key: string; group: string; deps: string[] }>): LayoutInput {
  const index = new Map(assets.map((a, i) => [a.key, i]));
  return {
    nodes: assets.map((a) => ({ id: a.key, width: 200, height: 48, group: a.group })),
    edges: assets.flatMap((a, i) => a.deps.map((d) => [index.get(d)!, i] as [number, number])),
  };
}

function rect(result: LayoutResult, input: LayoutInput, i: number) {
  return { x: result.positions[2 * i]!, y: result.positions[2 * i + 1]!, w: input.nodes[i]!.width, h: input.nodes[i]!.height };
}

describe("lineage layout", () => {
  const input = inputOf(syntheticWarehouse(500));
  const result = layoutGraph(input);

  it("places every upstream asset in a column left of its downstream assets", () => {
    for (const [from, to] of input.edges) assert.ok(rect(result, input, from).x + 200 < rect(result, input, to).x, `edge ${from} -> ${to}`);
  });

  it("never overlaps two asset cards", () => {
    const byColumn = new Map<number, Array<{ y: number; h: number }>>();
    input.nodes.forEach((_, i) => {
      const r = rect(result, input, i);
      byColumn.set(r.x, [...(byColumn.get(r.x) ?? []), { y: r.y, h: r.h }]);
    });
    for (const cards of byColumn.values()) {
      cards.sort((a, b) => a.y - b.y);
      for (let k = 1; k < cards.length; k++) assert.ok(cards[k]!.y >= cards[k - 1]!.y + cards[k - 1]!.h, "cards overlap");
    }
  });

  it("draws one box per group that holds all its assets, and no two boxes overlap", () => {
    const groups = new Set(input.nodes.map((n) => n.group));
    assert.equal(result.groups.length, groups.size);
    const boxes = new Map(result.groups.map((b) => [b.name, b]));
    input.nodes.forEach((node, i) => {
      const box = boxes.get(node.group!)!;
      const r = rect(result, input, i);
      assert.ok(r.x >= box.x && r.y >= box.y && r.x + r.w <= box.x + box.width && r.y + r.h <= box.y + box.height, `${node.id} inside ${node.group}`);
    });
    const list = result.groups;
    for (let a = 0; a < list.length; a++)
      for (let b = a + 1; b < list.length; b++) {
        const p = list[a]!, q = list[b]!;
        const overlap = p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
        assert.ok(!overlap, `${p.name} overlaps ${q.name}`);
      }
  });

  it("routes every edge from the upstream card's right side to the downstream card's left side", () => {
    input.edges.forEach(([from, to], e) => {
      const start = result.edgeOffsets[e]!;
      const end = result.edgeOffsets[e + 1]!;
      assert.ok(end - start >= 2);
      const a = rect(result, input, from);
      const b = rect(result, input, to);
      assert.equal(result.edgePoints[2 * start], a.x + a.w);
      assert.equal(result.edgePoints[2 * end - 2], b.x);
    });
  });

  it("crosses fewer edges than the initial order after crossing reduction", () => {
    const unordered = layoutGraph(input, { maxSweeps: 0 });
    assert.ok(result.stats.crossings < unordered.stats.crossings, `${result.stats.crossings} < ${unordered.stats.crossings}`);
  });

  it("still lays out a graph with a cycle, drawing the back edge", () => {
    const cyclic: LayoutInput = {
      nodes: ["a", "b", "c"].map((id) => ({ id, width: 200, height: 48, group: "g" })),
      edges: [[0, 1], [1, 2], [2, 0], [1, 1]],
    };
    const out = layoutGraph(cyclic);
    assert.equal(out.stats.layers, 3);
    assert.equal(out.edgeOffsets[4]! - out.edgeOffsets[3]!, 0, "a self-loop has no route");
    assert.ok(out.edgeOffsets[3]! - out.edgeOffsets[2]! >= 2, "the back edge has a route");
  });

  it("lays out 5,000 assets, every node placed (bench/lineage measures the 2 s goal in Chromium)", () => {
    const big = inputOf(syntheticWarehouse(5000));
    const out = layoutGraph(big);
    assert.equal(out.positions.length, 10_000);
    assert.ok(out.positions.every((value) => Number.isFinite(value)), "every coordinate is a number");
  });

  it("keys the layout cache on shape: same ids and edges hash equal, one more edge does not", () => {
    const same = inputOf(syntheticWarehouse(500));
    assert.equal(layoutShapeHash(same), layoutShapeHash(input));
    const more = { ...same, edges: [...same.edges, [0, 499] as [number, number]] };
    assert.notEqual(layoutShapeHash(more), layoutShapeHash(input));
  });
});
