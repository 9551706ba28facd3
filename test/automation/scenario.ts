/**
 * A scenario for the automation evaluator, after Dagster's AutomationConditionScenarioState
 * (dagster_tests/definitions_tests/declarative_automation_tests/scenario_utils/automation_condition_scenario.py):
 * assets, an injected clock, runs that materialize or fail, and evaluations that carry their
 * state forward the way the daemon does (each asset's state from its previous evaluation).
 */
import type { AutomationCondition } from "../../runtime/src/definitions/automation";
import type { PartitionsDefinition } from "../../runtime/src/partitions/definition";
import type { PartitionMapping } from "../../runtime/src/partitions/mappings";
import { graphFromAssets } from "../../runtime/src/selection";
import {
  evaluateAutomation,
  type AssetEvaluation,
  type AutomationAsset,
  type AutomationAssetState,
  type MaterializationFact,
} from "../../runtime/src/services/automation/evaluator";

/** One asset of a scenario. */
export interface ScenarioAsset {
  key: string;
  deps?: string[];
  partitions?: PartitionsDefinition;
  partitionMappings?: Record<string, PartitionMapping>;
  codeVersion?: string;
  automation?: AutomationCondition;
}

export class AutomationScenario {
  now: number;
  assets: AutomationAsset[];
  private eventId = 0;
  private runSeq = 0;
  private tickId = 0;
  readonly materializations = new Map<string, Map<string, MaterializationFact>>();
  readonly failed = new Map<string, Set<string>>();
  readonly inProgress = new Map<string, Set<string>>();
  readonly runAssetKeys = new Map<string, Set<string>>();
  readonly dynamicKeys = new Map<string, string[]>();
  states = new Map<string, AutomationAssetState>();

  constructor(assets: ScenarioAsset[], startIso = "2020-02-02T00:55:00Z") {
    this.assets = assets.map(toAsset);
    this.now = Date.parse(startIso);
  }

  /** Replaces the assets' definitions (a code change), keeping storage and states. */
  withAssets(assets: ScenarioAsset[]): this {
    this.assets = assets.map(toAsset);
    return this;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  /** A run that plans `planned` (default: the materialized ones) and materializes `keys` (partition after `:`). */
  materialize(keys: string[], planned: string[] = keys): this {
    const runId = `run-${++this.runSeq}`;
    this.runAssetKeys.set(runId, new Set(planned.map((key) => splitItem(key)[0])));
    for (const item of keys) {
      const [key, partition] = splitItem(item);
      let partitions = this.materializations.get(key);
      if (!partitions) this.materializations.set(key, (partitions = new Map()));
      partitions.set(partition, { eventId: ++this.eventId, at: this.now, runId });
      this.failed.get(key)?.delete(partition);
    }
    return this;
  }

  /**
   * A materialization of `item` whose event id is taken now but which becomes visible only when the
   * returned function is called: PostgreSQL's sequence hands out ids at insert, and a transaction
   * that commits later than one with a higher id makes its event appear behind the cursor.
   */
  materializeLater(item: string): () => void {
    const [key, partition] = splitItem(item);
    const runId = `run-${++this.runSeq}`;
    const fact = { eventId: ++this.eventId, at: this.now, runId };
    this.runAssetKeys.set(runId, new Set([key]));
    return () => {
      let partitions = this.materializations.get(key);
      if (!partitions) this.materializations.set(key, (partitions = new Map()));
      partitions.set(partition, fact);
      this.failed.get(key)?.delete(partition);
    };
  }

  fail(key: string, partition = ""): this {
    let set = this.failed.get(key);
    if (!set) this.failed.set(key, (set = new Set()));
    set.add(partition);
    return this;
  }

  setInProgress(key: string, partition = "", on = true): this {
    let set = this.inProgress.get(key);
    if (!set) this.inProgress.set(key, (set = new Set()));
    if (on) set.add(partition);
    else set.delete(partition);
    return this;
  }

  /** Evaluates every asset with a condition; the states carry over to the next call. */
  evaluate(): Map<string, AssetEvaluation> {
    const graph = graphFromAssets(this.assets.map((asset) => ({ key: asset.key, group: "default", tags: {}, owners: [], kinds: [], deps: [...asset.deps] })));
    const evaluations = evaluateAutomation({
      tickId: ++this.tickId,
      assets: this.assets,
      graph,
      previous: this.states,
      facts: {
        now: this.now,
        materializations: this.materializations,
        failed: this.failed,
        inProgress: this.inProgress,
        runAssetKeys: this.runAssetKeys,
        // As loadAutomationFacts reads it: the highest id among the materializations visible now.
        eventCursor: Math.max(0, ...[...this.materializations.values()].flatMap((partitions) => [...partitions.values()].map((fact) => fact.eventId))),
        dynamicKeys: this.dynamicKeys,
      },
    });
    const next = new Map(this.states);
    for (const evaluation of evaluations) if (evaluation.state) next.set(evaluation.assetKey, evaluation.state);
    this.states = next;
    return new Map(evaluations.map((evaluation) => [evaluation.assetKey, evaluation]));
  }

  /** The partitions of `key` requested by a fresh evaluation. */
  requested(key: string): string[] {
    const evaluation = this.evaluate().get(key);
    if (!evaluation) throw new Error(`no evaluation of ${key}`);
    return evaluation.requested;
  }
}

/** "A:2020-02-02-00:00" -> ["A", "2020-02-02-00:00"] (partition keys may hold ":"). */
function splitItem(item: string): [string, string] {
  const at = item.indexOf(":");
  return at < 0 ? [item, ""] : [item.slice(0, at), item.slice(at + 1)];
}

function toAsset(asset: ScenarioAsset): AutomationAsset {
  return {
    key: asset.key,
    deps: asset.deps ?? [],
    partitions: asset.partitions,
    partitionMappings: asset.partitionMappings ?? {},
    codeVersion: asset.codeVersion,
    automation: asset.automation,
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
