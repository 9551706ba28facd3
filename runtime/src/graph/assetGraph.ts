import type { AssetDefinition } from "../definitions/asset";
import type { AutomationCondition } from "../definitions/automation";
import type { AssetCheckDefinition, CheckSpec } from "../definitions/checks";
import type { Definitions } from "../definitions/definitions";
import { isMultiAsset, type MultiAssetDefinition } from "../definitions/multiAsset";
import type { SourceLocation } from "../errors";
import type { FreshnessPolicy } from "../definitions/freshness";
import type { PartitionsDefinition } from "../partitions/definition";
import type { PartitionMapping } from "../partitions/mappings";
import type { SelectableAsset, SelectableGraph } from "../selection";

/** One asset in the graph, whichever definition (asset or multi-asset output) declared it. */
export interface AssetNode extends SelectableAsset {
  readonly key: string;
  readonly group: string;
  readonly description: string | undefined;
  readonly deps: string[];
  readonly tags: Record<string, string>;
  readonly owners: string[];
  readonly kinds: string[];
  readonly metadata: Record<string, unknown>;
  readonly codeVersion: string | undefined;
  /** How old its latest materialization may get (`freshness` on its spec), or undefined. */
  readonly freshness: FreshnessPolicy | undefined;
  /** The automation condition the daemon evaluates, or undefined. */
  readonly automation: AutomationCondition | undefined;
  readonly ioManager: string;
  /** Checks declared on the spec and stand-alone checks targeting this asset. */
  readonly checks: (CheckSpec<any> & { location?: SourceLocation | undefined })[];
  /** Name of the step that computes it: the asset key, or the multi-asset's name. */
  readonly stepKey: string;
  /** How the asset is partitioned, or undefined. */
  readonly partitions: PartitionsDefinition | undefined;
  /** Partition mappings by upstream key (unlisted deps use the default mapping). */
  readonly partitionMappings: Readonly<Record<string, PartitionMapping>>;
  readonly location: SourceLocation | undefined;
}

/** A unit of execution: one asset function, or one multi-asset function with several outputs. */
export interface StepDefinition {
  readonly stepKey: string;
  readonly outputKeys: string[];
  /** Upstream asset keys of all outputs, deduplicated. */
  readonly deps: string[];
  readonly resources: readonly string[];
  readonly definition: AssetDefinition | MultiAssetDefinition;
}

/**
 * The asset graph of a code location: nodes by key, parent/child edges, and steps. Built from
 * `definitions()`; {@link validateGraph} reports what is wrong with it.
 */
export class AssetGraph implements SelectableGraph {
  readonly assets = new Map<string, AssetNode>();
  readonly steps = new Map<string, StepDefinition>();
  /** Keys declared more than once, with every location (for error messages). */
  readonly duplicates = new Map<string, (SourceLocation | undefined)[]>();
  /** Checks whose asset does not exist. */
  readonly orphanChecks: AssetCheckDefinition<any>[] = [];
  /** Each job's selection string by job name, for selections that name a job (`job:nightly`). */
  readonly jobs: ReadonlyMap<string, string>;
  private readonly children = new Map<string, string[]>();

  constructor(readonly definitions: Definitions) {
    // The first job of a name wins; validateGraph reports the duplicate.
    const jobs = new Map<string, string>();
    for (const job of definitions.jobs) if (!jobs.has(job.name)) jobs.set(job.name, job.selection);
    this.jobs = jobs;
    for (const definition of definitions.assets) {
      if (isMultiAsset(definition)) this.addMultiAsset(definition);
      else this.addAsset(definition as AssetDefinition);
    }
    for (const check of definitions.checks) {
      const node = this.assets.get(check.assetKey);
      if (node) node.checks.push(check);
      else this.orphanChecks.push(check);
    }
    for (const node of this.assets.values()) {
      for (const dep of node.deps) {
        const list = this.children.get(dep);
        if (list) list.push(node.key);
        else this.children.set(dep, [node.key]);
      }
    }
  }

  parentsOf(key: string): readonly string[] {
    return this.assets.get(key)?.deps ?? [];
  }

  childrenOf(key: string): readonly string[] {
    return this.children.get(key) ?? [];
  }

  /** The step that computes an asset. */
  stepOf(key: string): StepDefinition | undefined {
    const node = this.assets.get(key);
    return node ? this.steps.get(node.stepKey) : undefined;
  }

  private addAsset(definition: AssetDefinition): void {
    this.addNode({
      key: definition.key,
      group: definition.group,
      description: definition.description,
      deps: [...definition.deps],
      tags: definition.tags,
      owners: [...definition.owners],
      kinds: [...definition.kinds],
      metadata: definition.metadata,
      codeVersion: definition.codeVersion,
      freshness: definition.freshness,
      automation: definition.automation,
      ioManager: definition.ioManager,
      checks: [...definition.checks],
      stepKey: definition.key,
      partitions: definition.partitions,
      partitionMappings: definition.partitionMappings ?? {},
      get location() {
        return definition.location;
      },
    });
    this.addStep({
      stepKey: definition.key,
      outputKeys: [definition.key],
      deps: [...definition.deps],
      resources: definition.resources,
      definition,
    });
  }

  private addMultiAsset(definition: MultiAssetDefinition): void {
    const outputKeys: string[] = [];
    for (const out of Object.values(definition.outs)) {
      outputKeys.push(out.key);
      this.addNode({
        key: out.key,
        group: out.group,
        description: out.description,
        deps: [...definition.deps],
        tags: out.tags,
        owners: [...out.owners],
        kinds: [...out.kinds],
        metadata: out.metadata,
        codeVersion: out.codeVersion,
        freshness: out.freshness,
        automation: out.automation,
        ioManager: out.ioManager,
        checks: [...out.checks],
        stepKey: definition.name,
        partitions: definition.partitions,
        partitionMappings: definition.partitionMappings ?? {},
        get location() {
          return definition.location;
        },
      });
    }
    this.addStep({
      stepKey: definition.name,
      outputKeys,
      deps: [...definition.deps],
      resources: definition.resources,
      definition,
    });
  }

  private addNode(node: AssetNode): void {
    const existing = this.assets.get(node.key);
    if (existing) {
      const places = this.duplicates.get(node.key) ?? [existing.location];
      places.push(node.location);
      this.duplicates.set(node.key, places);
      return;
    }
    this.assets.set(node.key, node);
  }

  private addStep(step: StepDefinition): void {
    // A step key that collides (a multi-asset named like an asset) is reported as a duplicate key.
    if (!this.steps.has(step.stepKey)) this.steps.set(step.stepKey, step);
  }
}
