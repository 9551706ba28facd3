import { graphFromAssets, type SelectableAsset, type SelectableGraph } from "../../runtime/src/selection";

/** An asset with defaults, so fixtures only spell out what a test is about. */
export function asset(key: string, fields: Partial<Omit<SelectableAsset, "key">> = {}): SelectableAsset {
  return { key, group: "default", tags: {}, owners: [], kinds: [], deps: [], ...fields };
}

/**
 * The sample warehouse: raw -> staging -> warehouse -> reports.
 *
 *   raw_orders ──> stg_orders ──────┐
 *   raw_customers ──> stg_customers ┴─> warehouse/orders ──> "my asset"
 *                                  └──> warehouse/customers
 */
export function warehouseGraph(): SelectableGraph {
  return graphFromAssets([
    asset("raw_orders", { group: "raw", kinds: ["csv"], owners: ["team:data"] }),
    asset("raw_customers", { group: "raw", kinds: ["csv"], owners: ["team:data"] }),
    asset("stg_orders", { group: "staging", kinds: ["sql"], tags: { pii: "" }, deps: ["raw_orders"] }),
    asset("stg_customers", { group: "staging", kinds: ["sql"], tags: { pii: "", tier: "silver" }, deps: ["raw_customers"] }),
    asset("warehouse/orders", {
      group: "warehouse", kinds: ["sql", "table"], tags: { tier: "gold" }, owners: ["team:finance", "alice@example.com"],
      deps: ["stg_orders", "stg_customers"],
    }),
    asset("warehouse/customers", { group: "warehouse", kinds: ["sql"], tags: { tier: "gold" }, owners: ["team:finance"], deps: ["stg_customers"] }),
    asset("my asset", { group: "my group", tags: { team: "data eng" }, owners: ["bob@example.com"], deps: ["warehouse/orders"] }),
  ]);
}

/**
 * A diamond with a tail:  a -> b -> d -> e
 *                          \-> c -/
 */
export function diamondGraph(): SelectableGraph {
  return graphFromAssets([
    asset("a"),
    asset("b", { deps: ["a"] }),
    asset("c", { deps: ["a"] }),
    asset("d", { deps: ["b", "c"] }),
    asset("e", { deps: ["d"] }),
  ]);
}

/** n0 -> n1 -> ... -> n(length-1). */
export function chainGraph(length: number): SelectableGraph {
  const assets: SelectableAsset[] = [];
  for (let i = 0; i < length; i++) assets.push(asset(`n${i}`, { deps: i === 0 ? [] : [`n${i - 1}`] }));
  return graphFromAssets(assets);
}
