import assert from "node:assert/strict";
import { TributaryError } from "../../runtime/src/errors";
import { AssetSelection, resolveSelection, type SelectableGraph } from "../../runtime/src/selection";
import { diamondGraph, warehouseGraph } from "./fixtures";

/** Builder, the string it should print, and an equivalent hand-written selection string. */
const EQUIVALENTS: Array<[AssetSelection, string, string]> = [
  [AssetSelection.all(), "*", "*"],
  [AssetSelection.keys("raw_orders"), "raw_orders", "key:raw_orders"],
  [AssetSelection.keys("raw_orders", "warehouse/*"), "raw_orders or warehouse/*", "key:raw_orders or key:warehouse/*"],
  [AssetSelection.keys("my asset"), 'key:"my asset"', '"my asset"'],
  [AssetSelection.keys(), "not *", "not *"],
  [AssetSelection.groups("staging", "raw"), "group:staging or group:raw", "group:raw or group:staging"],
  [AssetSelection.groups("my group"), 'group:"my group"', 'group:"my group"'],
  [AssetSelection.tag("pii"), "tag:pii", "tag:pii"],
  [AssetSelection.tag("tier", "gold"), "tag:tier=gold", "tag:tier=gold"],
  [AssetSelection.tag("team", "data eng"), 'tag:team="data eng"', 'tag:"team=data eng"'],
  [AssetSelection.owner("team:finance"), "owner:team:finance", "owner:team:finance"],
  [AssetSelection.owner("alice@example.com"), "owner:alice@example.com", "owner:alice@example.com"],
  [AssetSelection.kind("sql"), "kind:sql", "kind:sql"],
  [AssetSelection.from("+stg_orders"), "+stg_orders", "+key:stg_orders"],
  [AssetSelection.keys("stg_orders").upstream(), "+stg_orders", "+stg_orders"],
  [AssetSelection.keys("warehouse/orders").upstream(1), "1+warehouse/orders", "1+warehouse/orders"],
  [AssetSelection.keys("stg_customers").downstream(), "stg_customers+", "stg_customers+"],
  [AssetSelection.keys("stg_customers").downstream(1), "stg_customers+1", "stg_customers+1"],
  [AssetSelection.keys("stg_orders").upstream().downstream(), "(+stg_orders)+", "(+stg_orders)+"],
  [AssetSelection.groups("staging").and(AssetSelection.tag("tier")), "group:staging and tag:tier", "group:staging and tag:tier"],
  [AssetSelection.groups("raw").or(AssetSelection.kind("table")), "group:raw or kind:table", "group:raw or kind:table"],
  [AssetSelection.all().minus(AssetSelection.groups("raw")), "* and not group:raw", "not group:raw"],
  [AssetSelection.groups("raw").not(), "not group:raw", "not group:raw"],
  [AssetSelection.groups("staging", "warehouse").roots(), "roots(group:staging or group:warehouse)", "group:staging"],
  [AssetSelection.groups("staging", "warehouse").sinks(), "sinks(group:staging or group:warehouse)", "warehouse/customers or warehouse/orders"],
  [
    AssetSelection.groups("staging", "warehouse").minus(AssetSelection.tag("pii")),
    "(group:staging or group:warehouse) and not tag:pii",
    "group:warehouse",
  ],
  [
    AssetSelection.keys("a").or(AssetSelection.keys("b")).and(AssetSelection.keys("c").or(AssetSelection.keys("d"))),
    "(a or b) and (c or d)",
    "(a or b) and (c or d)",
  ],
];

describe("AssetSelection builders", () => {
  const warehouse = warehouseGraph();

  for (const [builder, expectedString, equivalent] of EQUIVALENTS) {
    it(`prints ${JSON.stringify(expectedString)} and selects the same assets as ${JSON.stringify(equivalent)}`, () => {
      assert.equal(builder.toString(), expectedString);
      assert.deepEqual(sorted(builder.resolve(warehouse)), sorted(resolveSelection(equivalent, warehouse)));
      assert.deepEqual(sorted(resolveSelection(builder.toString(), warehouse)), sorted(builder.resolve(warehouse)));
      assert.deepEqual(sorted(resolveSelection(builder, warehouse)), sorted(builder.resolve(warehouse)));
    });
  }

  it("selects the same assets as strings on a diamond, traversals included", () => {
    const diamond: SelectableGraph = diamondGraph();
    assert.deepEqual([...AssetSelection.keys("d").upstream(1).resolve(diamond)], ["b", "c", "d"]);
    assert.deepEqual([...AssetSelection.keys("a").downstream(2).resolve(diamond)], ["a", "b", "c", "d"]);
    assert.deepEqual([...AssetSelection.all().sinks().resolve(diamond)], ["e"]);
    assert.deepEqual([...AssetSelection.keys("b").downstream().roots().resolve(diamond)], ["b"]);
  });

  it("keeps chains flat, so thousands of keys make a shallow selection", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `n${i}`);
    const selection = AssetSelection.keys(...keys);
    assert.equal(selection.ast.type, "or");
    assert.equal(selection.ast.type === "or" && selection.ast.operands.length, 5000);
    const chained = AssetSelection.keys("a").or(AssetSelection.keys("b")).or(AssetSelection.keys("c"));
    assert.equal(chained.toString(), "a or b or c");
  });

  it("carries offsets that point into its own string", () => {
    const selection = AssetSelection.groups("staging").and(AssetSelection.tag("pii"));
    const text = selection.toString();
    assert.equal(selection.ast.type, "and");
    if (selection.ast.type === "and") {
      assert.deepEqual(selection.ast.operands.map((operand) => text.slice(operand.start, operand.end)), ["group:staging", "tag:pii"]);
    }
  });

  it("serializes to JSON as its selection string", () => {
    assert.equal(JSON.stringify({ selection: AssetSelection.keys("a").upstream() }), '{"selection":"+a"}');
  });

  it("rejects arguments it cannot turn into a selection, saying what to pass instead", () => {
    assert.throws(() => AssetSelection.keys(""), (error: unknown) => error instanceof TributaryError && /empty string/.test(error.message));
    assert.throws(() => AssetSelection.keys("a").upstream(-1), /depth must be a whole number/);
    assert.throws(() => AssetSelection.keys("a").downstream(1.5), /depth must be a whole number/);
    assert.throws(
      () => AssetSelection.tag("tier=gold"),
      (error: unknown) => error instanceof TributaryError && error.hint === 'did you mean AssetSelection.tag("tier", "gold")?',
    );
    assert.throws(() => AssetSelection.from("a and"), /expected a selection after "and"/);
  });
});

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort();
}
