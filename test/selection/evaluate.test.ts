import assert from "node:assert/strict";
import {
  graphFromAssets,
  parseSelection,
  resolveSelection,
  topologicalOrder,
  type SelectableGraph,
} from "../../runtime/src/selection";
import { asset, chainGraph, diamondGraph, warehouseGraph } from "./fixtures";

/** The selected keys, sorted, so set-equality assertions read well. */
function select(selection: string, graph: SelectableGraph): string[] {
  return [...resolveSelection(selection, graph)].sort();
}

describe("selection evaluation", () => {
  const warehouse = warehouseGraph();
  const diamond = diamondGraph();

  describe("attributes", () => {
    it("selects a key, bare or with key:, and nothing for a key that is not in the graph", () => {
      assert.deepEqual(select("raw_orders", warehouse), ["raw_orders"]);
      assert.deepEqual(select("key:warehouse/orders", warehouse), ["warehouse/orders"]);
      assert.deepEqual(select('key:"my asset"', warehouse), ["my asset"]);
      assert.deepEqual(select("no_such_asset", warehouse), []);
    });

    it("matches wildcards anywhere in a key, / included", () => {
      assert.deepEqual(select("key:stg_*", warehouse), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select("key:warehouse/*", warehouse), ["warehouse/customers", "warehouse/orders"]);
      assert.deepEqual(select("*orders", warehouse), ["raw_orders", "stg_orders", "warehouse/orders"]);
      assert.deepEqual(select("*_*s", warehouse), ["raw_customers", "raw_orders", "stg_customers", "stg_orders"]);
      assert.deepEqual(select("key:*", warehouse).length, 7);
      assert.deepEqual(select("key:nothing*", warehouse), []);
    });

    it("treats regular-expression characters in key patterns literally", () => {
      const graph = graphFromAssets([asset("a.b"), asset("axb"), asset("a.b.c")]);
      assert.deepEqual(select("key:a.b*", graph), ["a.b", "a.b.c"]);
    });

    it("selects everything with * and nothing with not *", () => {
      assert.equal(select("*", warehouse).length, 7);
      assert.deepEqual(select("not *", warehouse), []);
    });

    it("selects by group, exactly", () => {
      assert.deepEqual(select("group:staging", warehouse), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select('group:"my group"', warehouse), ["my asset"]);
      assert.deepEqual(select("group:stag", warehouse), []);
    });

    it("selects by tag presence whatever its value, including an empty value", () => {
      assert.deepEqual(select("tag:pii", warehouse), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select("tag:tier", warehouse), ["stg_customers", "warehouse/customers", "warehouse/orders"]);
    });

    it("selects by tag value", () => {
      assert.deepEqual(select("tag:tier=gold", warehouse), ["warehouse/customers", "warehouse/orders"]);
      assert.deepEqual(select("tag:tier=silver", warehouse), ["stg_customers"]);
      assert.deepEqual(select('tag:pii=""', warehouse), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select('tag:"team=data eng"', warehouse), ["my asset"]);
      assert.deepEqual(select("tag:tier=bronze", warehouse), []);
    });

    it("does not mistake inherited object properties for tags", () => {
      assert.deepEqual(select("tag:toString", warehouse), []);
      assert.deepEqual(select("tag:constructor", warehouse), []);
    });

    it("selects by owner, team strings and e-mail addresses alike", () => {
      assert.deepEqual(select("owner:team:finance", warehouse), ["warehouse/customers", "warehouse/orders"]);
      assert.deepEqual(select("owner:alice@example.com", warehouse), ["warehouse/orders"]);
      assert.deepEqual(select("owner:team:data", warehouse), ["raw_customers", "raw_orders"]);
    });

    it("selects by kind", () => {
      assert.deepEqual(select("kind:csv", warehouse), ["raw_customers", "raw_orders"]);
      assert.deepEqual(select("kind:table", warehouse), ["warehouse/orders"]);
    });
  });

  describe("boolean operators", () => {
    it("follows precedence: a or b and c is a or (b and c)", () => {
      assert.deepEqual(select("raw_orders or group:staging and tag:tier", warehouse), ["raw_orders", "stg_customers"]);
      assert.deepEqual(select("(raw_orders or group:staging) and tag:pii", warehouse), ["stg_customers", "stg_orders"]);
    });

    it("follows precedence: not a and b is (not a) and b", () => {
      assert.deepEqual(select("not group:raw and kind:csv", warehouse), []);
      assert.deepEqual(select("not (group:raw and kind:csv)", warehouse).length, 5);
    });

    it("intersects, unites and complements", () => {
      assert.deepEqual(select("kind:sql and tag:tier", warehouse), ["stg_customers", "warehouse/customers", "warehouse/orders"]);
      assert.deepEqual(select("group:raw or group:warehouse", warehouse), ["raw_customers", "raw_orders", "warehouse/customers", "warehouse/orders"]);
      assert.deepEqual(select("not kind:sql", warehouse), ["my asset", "raw_customers", "raw_orders"]);
    });
  });

  describe("traversals on a diamond", () => {
    it("selects all ancestors and all descendants, the asset included", () => {
      assert.deepEqual(select("+d", diamond), ["a", "b", "c", "d"]);
      assert.deepEqual(select("b+", diamond), ["b", "d", "e"]);
      assert.deepEqual(select("+d+", diamond), ["a", "b", "c", "d", "e"]);
    });

    it("limits depth in both directions", () => {
      assert.deepEqual(select("1+d", diamond), ["b", "c", "d"]);
      assert.deepEqual(select("2+d", diamond), ["a", "b", "c", "d"]);
      assert.deepEqual(select("0+d", diamond), ["d"]);
      assert.deepEqual(select("a+1", diamond), ["a", "b", "c"]);
      assert.deepEqual(select("a+2", diamond), ["a", "b", "c", "d"]);
      assert.deepEqual(select("1+d+1", diamond), ["b", "c", "d", "e"]);
    });

    it("measures depth from the nearest selected asset when several are selected", () => {
      // e is 1 level below d and 3 below a: "a or d" one level down reaches it through d.
      assert.deepEqual(select("(a or d)+1", diamond), ["a", "b", "c", "d", "e"]);
    });

    it("widens a traversal of a traversal (siblings come in through shared ancestors)", () => {
      assert.deepEqual(select("+b+", diamond), ["a", "b", "d", "e"]);
      assert.deepEqual(select("(+b)+", diamond), ["a", "b", "c", "d", "e"]);
    });
  });

  describe("traversals on a long chain", () => {
    const chain = chainGraph(50);

    it("goes exactly as far as the depth says", () => {
      assert.deepEqual([...resolveSelection("3+n20", chain)], ["n17", "n18", "n19", "n20"]);
      assert.deepEqual([...resolveSelection("n20+2", chain)], ["n20", "n21", "n22"]);
      assert.equal(resolveSelection("+n49", chain).size, 50);
      assert.equal(resolveSelection("n0+", chain).size, 50);
      assert.equal(resolveSelection("n10+100", chain).size, 40);
    });
  });

  describe("roots and sinks", () => {
    it("finds roots and sinks within the selected subgraph, not the whole graph", () => {
      assert.deepEqual(select("roots(b+)", diamond), ["b"]);
      assert.deepEqual(select("sinks(+d)", diamond), ["d"]);
      assert.deepEqual(select("roots(*)", diamond), ["a"]);
      assert.deepEqual(select("sinks(*)", diamond), ["e"]);
      assert.deepEqual(select("roots(b or c or e)", diamond), ["b", "c", "e"]);
    });

    it("finds the roots and sinks of the warehouse", () => {
      assert.deepEqual(select("roots(*)", warehouse), ["raw_customers", "raw_orders"]);
      assert.deepEqual(select("sinks(*)", warehouse), ["my asset", "warehouse/customers"]);
      assert.deepEqual(select("roots(group:warehouse)", warehouse), ["warehouse/customers", "warehouse/orders"]);
    });
  });

  describe("result order", () => {
    it("iterates in topological order, parents before children", () => {
      assert.deepEqual([...resolveSelection("*", diamond)], ["a", "b", "c", "d", "e"]);
      const reversed = graphFromAssets([asset("z", { deps: ["y"] }), asset("y", { deps: ["x"] }), asset("x")]);
      assert.deepEqual([...resolveSelection("*", reversed)], ["x", "y", "z"]);
      assert.deepEqual([...resolveSelection("z or x", reversed)], ["x", "z"]);
    });

    it("keeps insertion order where the graph sets none, and puts assets on a cycle last", () => {
      const graph = graphFromAssets([asset("p", { deps: ["q"] }), asset("q", { deps: ["p"] }), asset("solo"), asset("other")]);
      assert.deepEqual(topologicalOrder(graph), ["solo", "other", "p", "q"]);
      assert.deepEqual([...resolveSelection("+p", graph)], ["p", "q"]);
    });
  });

  describe("graphs", () => {
    it("ignores deps on assets outside the graph and duplicate deps", () => {
      const graph = graphFromAssets([asset("a", { deps: ["ghost", "b", "b"] }), asset("b")]);
      assert.deepEqual(graph.parentsOf("a"), ["b"]);
      assert.deepEqual(graph.childrenOf("b"), ["a"]);
      assert.deepEqual(select("+a", graph), ["a", "b"]);
    });

    it("works on any SelectableGraph, and never returns keys outside it", () => {
      const assets = new Map([["a", asset("a")], ["b", asset("b", { deps: ["a", "ghost"] })]]);
      const graph: SelectableGraph = {
        assets,
        parentsOf: (key) => assets.get(key)?.deps ?? [],
        childrenOf: (key) => (key === "a" ? ["b"] : key === "ghost" ? ["b"] : []),
      };
      assert.deepEqual([...resolveSelection("+b", graph)], ["a", "b"]);
    });

    it("accepts a string, a parsed tree or an AssetSelection", () => {
      const ast = parseSelection("+d");
      assert.deepEqual([...resolveSelection(ast, diamond)], ["a", "b", "c", "d"]);
    });
  });

  describe("performance", () => {
    it("selects +x and x+ on a 10,000-asset chain in well under a second", () => {
      const chain = chainGraph(10_000);
      const started = performance.now();
      assert.equal(resolveSelection("+n9999", chain).size, 10_000);
      assert.equal(resolveSelection("n0+", chain).size, 10_000);
      assert.equal(resolveSelection("5000+n9999+", chain).size, 5001);
      assert.equal(resolveSelection("roots(+n9999) or sinks(n0+)", chain).size, 2);
      assert.equal(resolveSelection("not +n5000", chain).size, 4999);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
    });

    it("evaluates a wide graph with many traversal seeds without revisiting assets", () => {
      // 200 roots all feeding 200 sinks: 40,000 edges; every sink's ancestors are every root.
      const roots = Array.from({ length: 200 }, (_, i) => asset(`r${i}`));
      const sinks = Array.from({ length: 200 }, (_, i) => asset(`s${i}`, { deps: roots.map((root) => root.key) }));
      const graph = graphFromAssets([...roots, ...sinks]);
      const started = performance.now();
      assert.equal(resolveSelection("+key:s*+", graph).size, 400);
      assert.ok(performance.now() - started < 2000);
    });
  });
});
