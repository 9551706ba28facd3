/**
 * The asset graph as the UI holds it: assets by key, parents/children, and live statuses driven by
 * run events. Status changes never touch the graph's shape, so they never cause a re-layout.
 */
import { graphFromAssets, type SelectableGraph } from "tributary-ts/selection";
import type { LineageStatus, LineageAsset, LineageCheckResult, LineageRunEvent } from "./protocol";

const NONE: readonly string[] = [];

/** Assets, their links and their current status. */
export class LineageModel {
  readonly assets = new Map<string, LineageAsset>();
  readonly keys: string[] = [];
  private readonly parents = new Map<string, string[]>();
  private readonly children = new Map<string, string[]>();
  private readonly status = new Map<string, LineageStatus>();
  /** Assets a run is executing, with the status to return to if the run ends without a result. */
  private readonly running = new Map<string, { runId: string; previous: LineageStatus }>();
  /** Assets each live run covers (from RUN_START), so a run's end can clear their RUNNING state. */
  private readonly runAssets = new Map<string, string[]>();
  private selectable: SelectableGraph | undefined;

  constructor(assets: LineageAsset[]) {
    for (const asset of assets) {
      if (!this.assets.has(asset.key)) this.keys.push(asset.key);
      this.assets.set(asset.key, asset);
      this.status.set(asset.key, asset.status ?? "NEVER");
    }
    for (const key of this.keys) {
      const deps = [...new Set(this.assets.get(key)!.deps)].filter((dep) => this.assets.has(dep) && dep !== key);
      this.parents.set(key, deps);
      for (const dep of deps) {
        let list = this.children.get(dep);
        if (!list) this.children.set(dep, (list = []));
        list.push(key);
      }
    }
  }

  /** Direct upstream keys that exist in the graph. */
  parentsOf(key: string): readonly string[] {
    return this.parents.get(key) ?? NONE;
  }

  /** Direct downstream keys. */
  childrenOf(key: string): readonly string[] {
    return this.children.get(key) ?? NONE;
  }

  /** Deps of `key` that are not in the graph (shown as missing in the details pane). */
  missingDepsOf(key: string): string[] {
    return (this.assets.get(key)?.deps ?? []).filter((dep) => !this.assets.has(dep));
  }

  statusOf(key: string): LineageStatus | undefined {
    return this.status.get(key);
  }

  /** The graph for selection evaluation (built once per model). */
  selectableGraph(): SelectableGraph {
    return (this.selectable ??= graphFromAssets(
      this.keys.map((key) => {
        const asset = this.assets.get(key)!;
        return { key, group: asset.group, tags: asset.tags ?? {}, owners: asset.owners ?? [], kinds: asset.kinds ?? [], deps: asset.deps };
      }),
    ));
  }

  /**
   * Applies a live run event; returns the keys whose status or checks changed (empty when none).
   * RUN_START (its `data.steps` or `data.assetKeys`) / STEP_START -> RUNNING; STEP_SUCCESS / ASSET_MATERIALIZATION
   * -> FRESH and direct children that were FRESH -> STALE; STEP_FAILURE -> FAILED; a skipped or
   * canceled step, or the run's end, returns still-RUNNING assets to their previous status.
   */
  applyRunEvent(event: LineageRunEvent): Set<string> {
    const changed = new Set<string>();
    const set = (key: string, status: LineageStatus): void => {
      if (!this.assets.has(key) || this.status.get(key) === status) return;
      this.status.set(key, status);
      changed.add(key);
    };
    const start = (key: string): void => {
      if (!this.assets.has(key)) return;
      if (!this.running.has(key)) this.running.set(key, { runId: event.runId, previous: this.status.get(key) ?? "NEVER" });
      set(key, "RUNNING");
    };
    const finish = (key: string, status: LineageStatus): void => {
      this.running.delete(key);
      set(key, status);
    };
    const revert = (key: string): void => {
      const entry = this.running.get(key);
      if (!entry) return;
      this.running.delete(key);
      set(key, entry.previous);
    };
    const stepAssets = (): string[] => {
      const fromData = event.data?.assetKey;
      if (typeof fromData === "string") return [fromData];
      return event.stepKey ? [event.stepKey] : [];
    };

    switch (event.type) {
      case "RUN_START": {
        // The executor lists the run's steps (asset keys) in RUN_START's data; hosts may add assetKeys.
        const listed = event.data?.assetKeys ?? event.data?.steps;
        const keys = Array.isArray(listed) ? (listed as unknown[]).filter((k): k is string => typeof k === "string") : [];
        this.runAssets.set(event.runId, keys);
        keys.forEach(start);
        break;
      }
      case "STEP_START":
        stepAssets().forEach(start);
        break;
      case "STEP_SUCCESS":
      case "ASSET_MATERIALIZATION":
        for (const key of stepAssets()) {
          if (!this.assets.has(key)) continue;
          finish(key, "FRESH");
          if (event.type === "ASSET_MATERIALIZATION") {
            const asset = this.assets.get(key)!;
            asset.latestMaterialization = {
              runId: event.runId,
              timestamp: event.timestamp,
              metadata: (event.data?.metadata as Record<string, unknown> | undefined) ?? {},
            };
            for (const child of this.childrenOf(key)) if (this.status.get(child) === "FRESH") set(child, "STALE");
            changed.add(key);
          }
        }
        break;
      case "STEP_FAILURE":
        stepAssets().forEach((key) => finish(key, "FAILED"));
        break;
      case "STEP_SKIPPED":
      case "STEP_CANCELED":
        stepAssets().forEach(revert);
        break;
      case "ASSET_CHECK_EVALUATION":
        this.applyCheck(event, changed);
        break;
      case "RUN_SUCCESS":
      case "RUN_FAILURE":
      case "RUN_CANCELED":
        for (const [key, entry] of [...this.running]) if (entry.runId === event.runId) revert(key);
        this.runAssets.delete(event.runId);
        break;
      default:
        break;
    }
    return changed;
  }

  private applyCheck(event: LineageRunEvent, changed: Set<string>): void {
    const data = event.data ?? {};
    const key = typeof data.assetKey === "string" ? data.assetKey : null;
    const asset = key ? this.assets.get(key) : undefined;
    if (!asset || typeof data.checkName !== "string") return;
    const result: LineageCheckResult = {
      checkName: data.checkName,
      passed: data.passed === true,
      severity: data.severity === "WARN" ? "WARN" : "ERROR",
      timestamp: event.timestamp,
      runId: event.runId,
    };
    asset.latestChecks = [...(asset.latestChecks ?? []).filter((c) => c.checkName !== result.checkName), result];
    changed.add(asset.key);
  }
}

/** Passed / failed counts of an asset's latest checks (for the badge). */
export function checkSummary(asset: LineageAsset): { passed: number; failed: number; total: number } {
  const results = asset.latestChecks ?? [];
  const failed = results.filter((c) => !c.passed).length;
  return { passed: results.length - failed, failed, total: Math.max(results.length, asset.checks?.length ?? 0) };
}
