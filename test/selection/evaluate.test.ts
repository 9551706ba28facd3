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

    it("matches a key pattern of 200,000 wildcards without overflowing a regular expression's stack", () => {
      const graph = graphFromAssets([asset("banana"), asset(`${"a".repeat(100_000)}b`), asset("a".repeat(200_001))]);
      const pattern = `*${"a*".repeat(200_000)}`;
      assert.deepEqual(select(`key:"${pattern}"`, graph), ["a".repeat(200_001)]);
      assert.deepEqual(select(`key:"*a*a*a*"`, graph).length, 3);
      assert.deepEqual(select(`key:"b*a*a*a"`, graph), ["banana"]);
      assert.deepEqual(select(`key:"ban*nana"`, graph), [], "the parts of a pattern do not overlap");
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

    it("matches wildcards in groups, as Dagster does: group:\"*\" is every asset with a group", () => {
      assert.equal(select('group:"*"', warehouse).length, 7);
      assert.deepEqual(select("group:stag*", warehouse), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select('group:"*a*g*"', warehouse), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select('group:"my *"', warehouse), ["my asset"]);
    });

    it("accepts empty quoted values, which select the assets whose value is empty", () => {
      const graph = graphFromAssets([asset("a", { tags: { "": "" }, kinds: [""] }), asset("b", { group: "" }), asset("c")]);
      assert.deepEqual(select('tag:""', graph), ["a"]);
      assert.deepEqual(select('tag:""=""', graph), ["a"]);
      assert.deepEqual(select('kind:""', graph), ["a"]);
      assert.deepEqual(select('group:""', graph), ["b"]);
      assert.deepEqual(select('key:""', graph), []);
      assert.deepEqual(select('tag:""', warehouse), []);
    });

    it("selects a job's assets with job:NAME, a job naming another job included", () => {
      const graph = graphFromAssets(warehouse.assets.values(), {
        jobs: [
          { name: "staging_job", selection: "group:staging" },
          { name: "nightly", selection: "job:staging_job+1 and not tag:tier=gold" },
          { name: "broken", selection: "group:(" },
        ],
      });
      assert.deepEqual(select("job:staging_job", graph), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select("job:nightly", graph), ["stg_customers", "stg_orders"]);
      assert.deepEqual(select("+job:staging_job", graph), ["raw_customers", "raw_orders", "stg_customers", "stg_orders"]);
      assert.deepEqual(select("job:nope or job:broken", graph), [], "an unknown job and a job whose selection does not parse select nothing");
      assert.deepEqual(select("job:staging_job", warehouse), [], "a graph without jobs");
    });

    it("selects nothing for a job that names itself, rather than recursing forever", () => {
      const graph = graphFromAssets(warehouse.assets.values(), {
        jobs: [
          { name: "a", selection: "job:b or group:raw" },
          { name: "b", selection: "job:a or group:staging" },
        ],
      });
      assert.deepEqual(select("job:a", graph), ["raw_customers", "raw_orders", "stg_customers", "stg_orders"]);
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
    });

    it("looks through assets outside the selection, as Dagster does: e is reached from b through d", () => {
      assert.deepEqual(select("roots(b or c or e)", diamond), ["b", "c"]);
      assert.deepEqual(select("sinks(b or c or e)", diamond), ["e"]);
      assert.deepEqual(select("roots(a or e)", diamond), ["a"]);
      assert.deepEqual(select("sinks(a or e)", diamond), ["e"]);
    });

    it("ignores an asset's edge to itself, and counts only other assets reached around a cycle", () => {
      const selfDep = graphFromAssets([asset("a", { deps: ["a"] }), asset("b", { deps: ["a", "b"] })]);
      assert.deepEqual(select("roots(a)", selfDep), ["a"]);
      assert.deepEqual(select("sinks(a)", selfDep), ["a"]);
      assert.deepEqual(select("roots(*)", selfDep), ["a"]);
      assert.deepEqual(select("sinks(*)", selfDep), ["b"]);
      // x -> y -> x with only x selected: no other selected asset reaches x, nor does x reach one.
      const cycle = graphFromAssets([asset("x", { deps: ["y"] }), asset("y", { deps: ["x"] }), asset("z", { deps: ["y"] })]);
      assert.deepEqual(select("roots(x)", cycle), ["x"]);
      assert.deepEqual(select("sinks(x)", cycle), ["x"]);
      assert.deepEqual(select("roots(x or z)", cycle), ["x"]);
      assert.deepEqual(select("sinks(x or z)", cycle), ["z"]);
    });

    it("finds the roots of a 10,000-asset chain selection in linear time (each asset passed on at most twice, then ordered once)", () => {
      const chain = chainGraph(10_000);
      let visits = 0;
      const counting: SelectableGraph = { assets: chain.assets, parentsOf: (key) => chain.parentsOf(key), childrenOf: (key) => (visits++, chain.childrenOf(key)) };
      assert.deepEqual([...resolveSelection("roots(key:n1* or n0)", counting)], ["n0"]);
      assert.ok(visits <= 3 * 10_000, `${visits} visits`);
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

  describe("work done", () => {
    /** A graph that counts how often evaluation asks for an asset's parents or children. */
    function counted(graph: SelectableGraph): { graph: SelectableGraph; visits: () => number } {
      let visits = 0;
      return {
        graph: {
          assets: graph.assets,
          parentsOf: (key) => (visits++, graph.parentsOf(key)),
          childrenOf: (key) => (visits++, graph.childrenOf(key)),
        },
        visits: () => visits,
      };
    }

    it("walks a 10,000-asset chain a bounded number of times per asset for +x, x+, ranges, roots/sinks and not", () => {
      const chain = chainGraph(10_000);
      const cases: [string, number][] = [
        ["+n9999", 10_000],
        ["n0+", 10_000],
        ["5000+n9999+", 5001],
        ["roots(+n9999) or sinks(n0+)", 2],
        ["not +n5000", 4999],
      ];
      for (const [selection, size] of cases) {
        const { graph, visits } = counted(chain);
        assert.equal(resolveSelection(selection, graph).size, size, selection);
        // Linear: each operator asks for each asset's neighbours a few times (the walk, then the
        // topological order); a walk per seed would ask ~10,000 x 10,000 / 2 times.
        assert.ok(visits() <= 8 * 10_000, `${selection}: ${visits()} neighbour look-ups on 10,000 assets`);
      }
    });

    it("evaluates a wide graph with many traversal seeds without revisiting assets", () => {
      // 200 roots all feeding 200 sinks: 40,000 edges; every sink's ancestors are every root.
      const roots = Array.from({ length: 200 }, (_, i) => asset(`r${i}`));
      const sinks = Array.from({ length: 200 }, (_, i) => asset(`s${i}`, { deps: roots.map((root) => root.key) }));
      const { graph, visits } = counted(graphFromAssets([...roots, ...sinks]));
      assert.equal(resolveSelection("+key:s*+", graph).size, 400);
      // A few look-ups per asset (the walks up and down, then the order); a walk per seed would ask
      // for the 200 roots once per sink: 200 x 200 = 40,000.
      assert.ok(visits() <= 4 * 400, `${visits()} neighbour look-ups on 400 assets`);
    });
  });
});
