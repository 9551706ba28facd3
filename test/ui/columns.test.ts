/** Column-level lineage in the lineage UI (ui/src/columns.ts, the view's expanded cards, the details pane's chain). */
import assert from "node:assert/strict";
import { ColumnLineage, columnLabel, splitColumn, type ColumnRef } from "../../ui/src/columns";
import { LineageModel } from "../../ui/src/model";
import { chainLines } from "../../ui/src/panels/columnDetails";
import type { LineageAsset, LineageAssetColumns } from "../../ui/src/protocol";
import { ASSET_SIZE, assetHeight, buildView, type ViewState } from "../../ui/src/view";

const ref = (text: string): ColumnRef => {
  const [key, column] = text.split(".") as [string, string];
  return { key, column };
};
const labels = (refs: Iterable<ColumnRef>) => [...refs].map(columnLabel).sort();
const ids = (set: Set<string>) => [...set].map((id) => id.replace("\n", ".")).sort();

/**
 * raw_payments (TypeScript: columns unknown) -> stg_payments -> orders -> customers, and raw_orders
 * (unknown) -> stg_orders -> orders. `orders.amount` feeds two downstreams: customers.lifetime_value
 * and finance.revenue. `orders.loaded_at` is a constant (no lineage).
 */
const COLUMNS: LineageAssetColumns[] = [
  { key: "raw_payments", columns: null },
  { key: "raw_orders", columns: null },
  { key: "stg_payments", columns: [
    { name: "payment_id", from: ["raw_payments.id"] },
    { name: "order_id", from: ["raw_payments.order_id"] },
    { name: "amount", type: "numeric", from: ["raw_payments.amount"] },
  ] },
  { key: "stg_orders", columns: [
    { name: "order_id", from: ["raw_orders.id"] },
    { name: "customer_id", from: ["raw_orders.user_id"] },
  ] },
  { key: "orders", columns: [
    { name: "order_id", from: ["stg_orders.order_id"] },
    { name: "customer_id", from: ["stg_orders.customer_id"] },
    { name: "amount", type: "numeric", from: ["stg_payments.amount"] },
    { name: "loaded_at", type: "timestamp", from: [] },
  ] },
  { key: "customers", columns: [
    { name: "customer_id", from: ["orders.customer_id"] },
    { name: "lifetime_value", from: ["orders.amount"] },
  ] },
  { key: "finance", columns: [{ name: "revenue", from: ["orders.amount", "stg_payments.payment_id"] }] },
];
const ASSETS: LineageAsset[] = [
  { key: "raw_payments", group: "raw", deps: [] },
  { key: "raw_orders", group: "raw", deps: [] },
  { key: "stg_payments", group: "staging", deps: ["raw_payments"] },
  { key: "stg_orders", group: "staging", deps: ["raw_orders"] },
  { key: "orders", group: "marts", deps: ["stg_orders", "stg_payments"] },
  { key: "customers", group: "marts", deps: ["orders"] },
  { key: "finance", group: "marts", deps: ["orders", "stg_payments"] },
];

describe("column lineage in the lineage UI", () => {
  const lineage = new ColumnLineage(COLUMNS, ASSETS.map((a) => a.key));

  it("follows a column upstream transitively, to the columns of a TypeScript asset that SQL reads", () => {
    const path = lineage.pathOf(ref("customers.lifetime_value"));
    assert.deepEqual(labels(path.upstream.map((e) => e.from)), ["orders.amount", "raw_payments.amount", "stg_payments.amount"]);
    assert.deepEqual(path.downstream, []);
    assert.deepEqual([...path.assets].sort(), ["customers", "orders", "raw_payments", "stg_payments"]);
    // Nearest first: the details pane reads customers.lifetime_value ← orders.amount, then orders.amount ← stg_payments.amount...
    assert.deepEqual(chainLines(path.upstream).map((l) => `${columnLabel(l.to)} ← ${l.from.map(columnLabel).join(", ")}`), [
      "customers.lifetime_value ← orders.amount",
      "orders.amount ← stg_payments.amount",
      "stg_payments.amount ← raw_payments.amount",
    ]);
  });

  it("follows a column downstream transitively, to a column feeding two downstreams", () => {
    const path = lineage.pathOf(ref("raw_payments.amount"));
    assert.deepEqual(path.upstream, []);
    assert.deepEqual(labels(path.downstream.map((e) => e.to)), ["customers.lifetime_value", "finance.revenue", "orders.amount", "stg_payments.amount"]);
    assert.deepEqual(labels(lineage.consumersOf(ref("orders.amount"))), ["customers.lifetime_value", "finance.revenue"]);
    assert.deepEqual(chainLines(path.downstream).map((l) => `${columnLabel(l.to)} ← ${l.from.map(columnLabel).join(", ")}`), [
      "stg_payments.amount ← raw_payments.amount",
      "orders.amount ← stg_payments.amount",
      "customers.lifetime_value ← orders.amount",
      "finance.revenue ← orders.amount",
    ]);
  });

  it("highlights both directions from a column in the middle, and nothing else", () => {
    const path = lineage.pathOf(ref("orders.amount"));
    assert.deepEqual(ids(path.columns), ["customers.lifetime_value", "finance.revenue", "orders.amount", "raw_payments.amount", "stg_payments.amount"]);
    assert.ok(!path.columns.has("orders\norder_id"), "a sibling column is not on the path");
    assert.ok(!path.assets.has("stg_orders"), "an upstream asset the column does not come from is not on the path");
    // finance.revenue also reads stg_payments.payment_id, which is not upstream of orders.amount.
    assert.ok(!path.columns.has("stg_payments\npayment_id"));
  });

  it("gives a constant column no lineage, and says so in an empty path", () => {
    const path = lineage.pathOf(ref("orders.loaded_at"));
    assert.deepEqual(path.upstream, []);
    assert.deepEqual(path.downstream, []);
    assert.deepEqual(ids(path.columns), ["orders.loaded_at"]);
    assert.deepEqual([...path.assets], ["orders"]);
  });

  it("lists an asset's own columns, or for a TypeScript asset the ones SQL reads from it", () => {
    assert.deepEqual(lineage.columnsOf("orders").map((c) => [c.name, c.type ?? null, c.inferred]), [
      ["order_id", null, false], ["customer_id", null, false], ["amount", "numeric", false], ["loaded_at", "timestamp", false],
    ]);
    assert.deepEqual(lineage.columnsOf("raw_payments").map((c) => [c.name, c.inferred]), [["amount", true], ["id", true], ["order_id", true]]);
    assert.equal(lineage.knowsColumnsOf("raw_payments"), false);
    assert.deepEqual(lineage.columnsOf("no_such_asset"), []);
  });

  it("splits an upstream column after the longest known key, so keys and columns may hold dots and slashes", () => {
    const keys = new Set(["mart/orders", "a.b"]);
    assert.deepEqual(splitColumn("mart/orders.amount", keys), { key: "mart/orders", column: "amount" });
    assert.deepEqual(splitColumn("a.b.c", keys), { key: "a.b", column: "c" });
    assert.deepEqual(splitColumn("x.y.z", keys), { key: "x.y", column: "z" });
    assert.equal(splitColumn("nodot", keys), undefined);
  });

  it("grows an expanded card by one row per column and keeps the others at their size", () => {
    const model = new LineageModel(ASSETS);
    const state: ViewState = { filter: "", focus: null, depth: 2, grouping: "auto", expandedGroups: new Set(), expandedAssets: new Set(["orders", "raw_orders"]) };
    const view = buildView(model, state, lineage);
    const node = (key: string) => view.input.nodes[view.itemOf.get(key)!]!;
    assert.equal(node("orders").height, assetHeight(4));
    assert.ok(node("orders").height > ASSET_SIZE.height);
    assert.equal(node("raw_orders").height, assetHeight(2), "the two columns stg_orders reads");
    assert.equal(node("customers").height, ASSET_SIZE.height);
    const orders = view.items[view.itemOf.get("orders")!]!;
    assert.deepEqual(orders.kind === "asset" ? orders.columns?.map((c) => c.name) : null, ["order_id", "customer_id", "amount", "loaded_at"]);
    // An expanded asset with no known column shows one row saying so.
    const none = buildView(model, { ...state, expandedAssets: new Set(["customers"]) }, new ColumnLineage([], []));
    const customers = none.items[none.itemOf.get("customers")!]!;
    assert.deepEqual(customers.kind === "asset" ? customers.columns : null, [{ name: null }]);
  });
});
