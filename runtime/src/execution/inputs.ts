/**
 * The inputs of a run's steps: what `ctx.inputs[dep]` is for each dep. A value computed earlier
 * in the same run is handed over as it is (held in memory until its last consumer in the run has
 * read it); anything else is loaded through the dep's I/O manager. A partitioned dep arrives as
 * one value when the step reads one of its partitions, and as a record by partition key when it
 * reads several (`readsSingleUpstreamPartition`; definitions/inputs.ts types the same rule).
 * Dagster's `execution/plan/inputs.py` in spirit: where a step input comes from.
 */
import { TributaryError, UserCodeError } from "../errors";
import type { AssetGraph } from "../graph/assetGraph";
import type { PartitionContext } from "../partitions/definition";
import { upstreamKeysFor } from "../partitions/mappings";
import { readsSingleUpstreamPartition } from "../partitions/runPartitions";
import type { AssetIOResolver } from "./assetIO";
import type { PlannedStep } from "./plan";
import type { RunEventLog } from "./runEvents";

/** What the loader reads from: the run's graph, its I/O choices and its event log. */
export interface InputLoaderContext {
  readonly graph: AssetGraph;
  readonly runId: string;
  readonly ioFor: AssetIOResolver;
  readonly events: Pick<RunEventLog, "logger">;
  /** Dynamic partition keys and the clock, for partition mappings. */
  readonly partitionContext?: PartitionContext;
}

/** The inputs of one run's steps; holds values computed in the run for their consumers in it. */
export class InputLoader {
  /** Unpartitioned values computed in this run, by asset key. */
  private readonly values = new Map<string, unknown>();
  /** Values of partitioned assets computed in this run, by asset key then partition key. */
  private readonly partitionValues = new Map<string, Map<string, unknown>>();
  /** How many steps of the run have still to read each asset computed in it. */
  private readonly consumersLeft = new Map<string, number>();

  /** @param steps the run's plan: which of its steps read which assets computed in the run. */
  constructor(
    private readonly context: InputLoaderContext,
    steps: readonly PlannedStep[],
  ) {
    for (const step of steps) {
      for (const dep of step.definition.deps) {
        const producer = context.graph.assets.get(dep)?.stepKey;
        if (producer !== undefined && producer !== step.stepKey && step.upstreamSteps.includes(producer)) {
          this.consumersLeft.set(dep, (this.consumersLeft.get(dep) ?? 0) + 1);
        }
      }
    }
  }

  /** Keeps a value just computed while a step of this run has still to read it (and drops it otherwise). */
  hold(assetKey: string, partitionKey: string | null, value: unknown): void {
    if ((this.consumersLeft.get(assetKey) ?? 0) === 0) return;
    if (partitionKey === null) {
      this.values.set(assetKey, value);
      return;
    }
    let held = this.partitionValues.get(assetKey);
    if (!held) this.partitionValues.set(assetKey, (held = new Map()));
    held.set(partitionKey, value);
  }

  /**
   * The inputs of one execution of a step (one partition of it, or the step unpartitioned), by dep key.
   * @throws UserCodeError when an I/O manager fails to load a value; TributaryError when a partition
   * of the step reads no existing partition of a dep.
   */
  async load(step: PlannedStep, partitionKey: string | null): Promise<Record<string, unknown>> {
    const { graph, partitionContext } = this.context;
    const inputs: Record<string, unknown> = {};
    const external = new Set(step.externalInputs);
    const definition = step.definition.definition;
    for (const dep of step.definition.deps) {
      const node = graph.assets.get(dep);
      if (!node?.partitions) {
        inputs[dep] = external.has(dep) ? await this.loadStored(step, dep, null) : this.values.get(dep);
        continue;
      }
      const mapping = definition.partitionMappings[dep];
      const mapped = upstreamKeysFor(mapping, definition.partitions, partitionKey ?? undefined, node.partitions, partitionContext ?? {});
      const keys = mapped.partitioned ? mapped.keys : [];
      if (mapped.partitioned && mapped.nonexistent.length > 0) {
        this.context.events.logger(step.stepKey).warn(
          `reads ${keys.length} of ${keys.length + mapped.nonexistent.length} partitions of ${dep}: ${mapped.nonexistent.join(", ")} do not exist`,
          { asset: dep, missingPartitions: mapped.nonexistent },
        );
      }
      const held = this.partitionValues.get(dep);
      const values: Record<string, unknown> = {};
      for (const key of keys) values[key] = held?.has(key) ? held.get(key) : await this.loadStored(step, dep, key);
      if (readsSingleUpstreamPartition(mapping, definition.partitions, node.partitions)) {
        if (keys.length === 0) {
          throw new TributaryError(`partition "${partitionKey}" of "${step.stepKey}" reads no partition of "${dep}": ${mapped.partitioned ? mapped.nonexistent.join(", ") : "?"} does not exist`, {
            hint: "Pick a partition whose upstream partition exists, or change the partition mapping.",
          });
        }
        inputs[dep] = values[keys[0]!];
      } else {
        inputs[dep] = values;
      }
    }
    return inputs;
  }

  /** The step has ended (whatever its outcome): values only it had still to read are dropped. */
  release(step: PlannedStep): void {
    for (const dep of step.definition.deps) {
      const left = this.consumersLeft.get(dep);
      if (left === undefined) continue;
      if (left <= 1) {
        this.consumersLeft.delete(dep);
        this.values.delete(dep);
        this.partitionValues.delete(dep);
      } else {
        this.consumersLeft.set(dep, left - 1);
      }
    }
  }

  /** A value not computed in this run: loaded by the dep's I/O manager (user code, so its errors are wrapped). */
  private async loadStored(step: PlannedStep, dep: string, partitionKey: string | null): Promise<unknown> {
    const { manager } = await this.context.ioFor(dep);
    try {
      return await manager.loadInput({
        assetKey: dep,
        downstreamKey: step.stepKey,
        runId: this.context.runId,
        partitionKey,
        definitionMetadata: this.context.graph.assets.get(dep)?.metadata ?? {},
        log: this.context.events.logger(step.stepKey),
      });
    } catch (error) {
      throw new UserCodeError(`loading input "${dep}"${partitionKey === null ? "" : ` (partition ${partitionKey})`} of "${step.stepKey}"`, error);
    }
  }
}
