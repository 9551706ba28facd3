/**
 * Which runs an automation tick launches: the assets requested together run together, in
 * dependency order (the run's plan orders them), one run per connected set of requested assets
 * per partition key. Each run has a run key made of the tick and its content, so a retried tick
 * launches the same runs and the run key refuses a second copy.
 */
import { AssetSelection } from "../../selection";
import type { AutomationLaunch } from "../../storage/port";
import { canRunTogether, type AssetEvaluation, type AutomationAsset } from "./evaluator";

/** The runs of one tick, and the run key of each requested asset's first partition. */
export function planLaunches(
  tickId: number,
  evaluations: readonly AssetEvaluation[],
  assets: readonly AutomationAsset[],
): { launches: AutomationLaunch[]; runKeyOf: Map<string, string> } {
  const byKey = new Map(assets.map((asset) => [asset.key, asset]));
  const order = new Map(assets.map((asset, index) => [asset.key, index]));
  const byPartition = new Map<string, Set<string>>();
  for (const evaluation of evaluations) {
    for (const partition of evaluation.requested) {
      let set = byPartition.get(partition);
      if (!set) byPartition.set(partition, (set = new Set()));
      set.add(evaluation.assetKey);
    }
  }
  const launches: AutomationLaunch[] = [];
  const runKeyOf = new Map<string, string>();
  for (const [partition, requested] of byPartition) {
    // Union-find over the graph's edges between requested assets that can share a run.
    const parent = new Map<string, string>([...requested].map((key) => [key, key]));
    const find = (key: string): string => {
      let root = key;
      while (parent.get(root) !== root) root = parent.get(root)!;
      parent.set(key, root);
      return root;
    };
    for (const key of requested) {
      const asset = byKey.get(key)!;
      for (const dep of asset.deps) {
        const upstream = byKey.get(dep);
        if (upstream && requested.has(dep) && canRunTogether(asset, upstream)) parent.set(find(key), find(dep));
      }
    }
    const groups = new Map<string, string[]>();
    for (const key of requested) {
      const root = find(key);
      const group = groups.get(root);
      if (group) group.push(key);
      else groups.set(root, [key]);
    }
    for (const keys of groups.values()) {
      keys.sort((a, b) => order.get(a)! - order.get(b)!);
      const runKey = `automation:${tickId}:${partition === "" ? "-" : partition}:${keys[0]}`;
      launches.push({ runKey, selection: AssetSelection.keys(...keys).toString(), assetKeys: keys, partitionKeys: partition === "" ? [] : [partition] });
      for (const key of keys) if (!runKeyOf.has(key)) runKeyOf.set(key, runKey);
    }
  }
  return { launches, runKeyOf };
}
