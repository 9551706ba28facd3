import { TributaryError, quoteSelection } from "../errors";
import type { AssetGraph, StepDefinition } from "../graph/assetGraph";
import { PartitionKeyError, listForMessage } from "../partitions/common";
import { hasPartitionKey, partitionKeysOf, samePartitions, type PartitionContext, type PartitionsDefinition } from "../partitions/definition";
import { parseSelection, resolveSelection, unmatchedTerms } from "../selection";

/** One step of a plan, with its place in the run's dependency graph. */
export interface PlannedStep {
  readonly stepKey: string;
  readonly definition: StepDefinition;
  /** Outputs this run materializes (all outputs of the step). */
  readonly outputKeys: readonly string[];
  /** Steps of this plan that must succeed first. */
  readonly upstreamSteps: readonly string[];
  /** Steps of this plan that wait for this one. */
  readonly downstreamSteps: readonly string[];
  /** Upstream asset keys not computed in this run: loaded from their I/O managers. */
  readonly externalInputs: readonly string[];
}

/** What a run will do, in dependency order. */
export interface ExecutionPlan {
  readonly selection: string;
  /** Selected asset keys in plan order. */
  readonly assetKeys: readonly string[];
  /** Steps in a topological order (every step after its upstream steps). */
  readonly steps: readonly PlannedStep[];
  /** The partitions shared by the selected partitioned assets, or undefined when none is partitioned. */
  readonly partitions: PartitionsDefinition | undefined;
  /** The partition keys this run materializes ([] for an unpartitioned run). */
  readonly partitionKeys: readonly string[];
  /**
   * The tags of the job when the selection is exactly `job:NAME` ({} otherwise): a run of the job
   * carries them, as the runs of its schedules and sensors do (the run queue limits by tag).
   */
  readonly jobTags: Readonly<Record<string, string>>;
}

/**
 * The partitions asked for do not fit the selection: a partitioned asset without a key, a key for
 * a selection of unpartitioned assets, or assets with different partitions in one run. A usage
 * error (the CLI exits 2, the HTTP API answers 400).
 */
export class PartitionSelectionError extends TributaryError {
  /** Bad input: the HTTP API answers 400. */
  readonly httpStatus = 400;
  /**
   * The way out for a request to the HTTP API, naming its JSON fields (`partition`,
   * `allPartitions`) where {@link TributaryError.hint} names the CLI's flags; undefined when the
   * hint fits both.
   */
  readonly httpHint: string | undefined;

  constructor(message: string, options: { hint?: string; httpHint?: string } = {}) {
    super(message, options.hint === undefined ? undefined : { hint: options.hint });
    this.httpHint = options.httpHint;
  }
}

/** The selection parsed but picked no asset (a usage error: the CLI exits 2, the HTTP API answers 400). */
export class EmptySelectionError extends TributaryError {}

/**
 * Plans a run: resolves the selection against the graph and orders the steps. A multi-asset runs
 * as one step when any of its outputs is selected.
 */
export function planRun(
  graph: AssetGraph,
  selection: string,
  partitionKeys: readonly string[] = [],
  partitionContext: PartitionContext = {},
): ExecutionPlan {
  const plan = planSelection(graph, selection);
  checkPartitionKeys(plan.partitions, partitionKeys, selection, partitionContext);
  return { ...plan, partitionKeys: [...partitionKeys] };
}

/**
 * Plans the steps of a selection and finds its shared partitions, without asking for partition
 * keys (backfills and schedules use it to learn which keys there are). `partitionKeys` is empty.
 */
export function planSelection(graph: AssetGraph, selection: string): ExecutionPlan {
  const ast = parseSelection(selection);
  const selected = resolveSelection(ast, graph);
  if (selected.size === 0) {
    const unmatched = unmatchedTerms(ast, graph);
    const guesses = unmatched
      .filter((term) => term.suggestion !== undefined)
      .map((term) => `${term.attribute === "key" ? "" : `${term.attribute}:`}${term.suggestion}`);
    const missingJob = unmatched.find((term) => term.attribute === "job");
    const why = missingJob ? `: there is no job named "${missingJob.value}"${graph.jobs.size > 0 ? "" : " (the project defines no job)"}` : "";
    throw new EmptySelectionError(`the selection ${quoteSelection(selection)} matches no asset${why}`, {
      hint:
        guesses.length > 0
          ? `Did you mean ${guesses.map((g) => `"${g}"`).join(" or ")}?`
          : "`tributary assets list` shows the keys, groups and tags there are; `*` selects everything.",
    });
  }
  const stepKeys = new Set<string>();
  for (const key of selected) {
    const node = graph.assets.get(key);
    if (node) stepKeys.add(node.stepKey);
  }

  const upstreamOf = new Map<string, string[]>();
  const downstreamOf = new Map<string, string[]>();
  const externalOf = new Map<string, string[]>();
  for (const stepKey of stepKeys) {
    const step = graph.steps.get(stepKey)!;
    const upstream = new Set<string>();
    const external: string[] = [];
    for (const dep of step.deps) {
      const depStep = graph.assets.get(dep)?.stepKey;
      if (depStep !== undefined && stepKeys.has(depStep) && depStep !== stepKey) upstream.add(depStep);
      else external.push(dep);
    }
    upstreamOf.set(stepKey, [...upstream]);
    externalOf.set(stepKey, external);
    for (const up of upstream) {
      const list = downstreamOf.get(up);
      if (list) list.push(stepKey);
      else downstreamOf.set(up, [stepKey]);
    }
  }

  // Kahn's algorithm, seeded in declaration order so plans are stable from run to run.
  const remaining = new Map<string, number>();
  const ready: string[] = [];
  for (const stepKey of stepKeys) {
    const count = upstreamOf.get(stepKey)!.length;
    remaining.set(stepKey, count);
    if (count === 0) ready.push(stepKey);
  }
  const ordered: PlannedStep[] = [];
  for (let index = 0; index < ready.length; index++) {
    const stepKey = ready[index]!;
    const definition = graph.steps.get(stepKey)!;
    ordered.push({
      stepKey,
      definition,
      outputKeys: definition.outputKeys,
      upstreamSteps: upstreamOf.get(stepKey)!,
      downstreamSteps: downstreamOf.get(stepKey) ?? [],
      externalInputs: externalOf.get(stepKey)!,
    });
    for (const down of downstreamOf.get(stepKey) ?? []) {
      const left = remaining.get(down)! - 1;
      remaining.set(down, left);
      if (left === 0) ready.push(down);
    }
  }
  if (ordered.length !== stepKeys.size) {
    throw new TributaryError("the selected assets contain a dependency cycle", {
      hint: "`tributary validate` shows the cycle.",
    });
  }
  const assetKeys = ordered.flatMap((step) => step.outputKeys.filter((key) => selected.has(key) || step.outputKeys.length > 1));
  const partitions = sharedPartitions(graph, ordered, selection);
  const jobTags = ast.type === "job" ? graph.definitions.jobs.find((job) => job.name === ast.job)?.tags ?? {} : {};
  return { selection, assetKeys, steps: ordered, partitions, partitionKeys: [], jobTags };
}

/** The one partitions definition of the plan's partitioned steps (as in Dagster, a run has one). */
function sharedPartitions(graph: AssetGraph, steps: readonly PlannedStep[], selection: string): PartitionsDefinition | undefined {
  let shared: { definition: PartitionsDefinition; step: string } | undefined;
  for (const step of steps) {
    const definition = step.definition.definition.partitions;
    if (!definition) continue;
    if (!shared) shared = { definition, step: step.stepKey };
    else if (!samePartitions(shared.definition, definition)) {
      throw new PartitionSelectionError(
        `the selection ${quoteSelection(selection)} mixes assets with different partitions: "${shared.step}" has ${shared.definition.describe()}, "${step.stepKey}" has ${definition.describe()}`,
        { hint: "Materialize them in separate runs (one selection per partitions definition)." },
      );
    }
  }
  void graph;
  return shared?.definition;
}

/**
 * Most keys "all partitions" (`materialize --all-partitions`, `POST /api/runs` with
 * `allPartitions`) puts in one run: each key is a step execution in one worker and part of a run
 * tag, so more belongs in a backfill.
 */
export const MAX_ALL_PARTITIONS = 10_000;

/**
 * Every key that exists now of the partitions shared by the selection's partitioned assets ([]
 * for a selection without partitioned assets), for a run of all partitions. Dynamic keys must be
 * loaded into `context`.
 * @throws PartitionSelectionError (a usage error) beyond {@link MAX_ALL_PARTITIONS} keys or when no partition exists yet.
 */
export function allPartitionKeys(graph: AssetGraph, selection: string, context: PartitionContext = {}): string[] {
  const partitions = planSelection(graph, selection).partitions;
  if (!partitions) return [];
  const keys = partitionKeysOf(partitions, context);
  if (keys.length > MAX_ALL_PARTITIONS) {
    throw new PartitionSelectionError(`all partitions of ${partitions.describe()} would be ${keys.length} in one run (at most ${MAX_ALL_PARTITIONS})`, {
      hint: `Use a backfill: tributary backfill --select ${JSON.stringify(selection)} --max-partitions-per-run 100`,
      httpHint: "Use a backfill: POST /api/backfills with the selection and a range (\"from\", \"to\") or \"keys\".",
    });
  }
  if (keys.length === 0) throw new PartitionSelectionError(`${partitions.describe()} has no partition yet`, { hint: "Wait until the first window closes, or move the start." });
  return keys.toArray();
}

function checkPartitionKeys(
  partitions: PartitionsDefinition | undefined,
  keys: readonly string[],
  selection: string,
  context: PartitionContext,
): void {
  if (!partitions) {
    if (keys.length > 0) {
      throw new PartitionSelectionError(`the selection ${quoteSelection(selection)} has no partitioned asset, but partition ${listForMessage(keys)} was given`, {
        hint: "Leave out --partition, or select partitioned assets.",
        httpHint: 'Leave out "partition", or select partitioned assets.',
      });
    }
    return;
  }
  if (keys.length === 0) {
    throw new PartitionSelectionError(`the selection ${quoteSelection(selection)} includes partitioned assets (${partitions.describe()}), so a run needs a partition`, {
      hint: "Pass --partition KEY (or --all-partitions for every partition in one run), or use `tributary backfill --from KEY --to KEY` for a range.",
      httpHint: 'Send {"selection": ..., "partition": "KEY"} (or "allPartitions": true for every partition in one run), or POST /api/backfills with "from" and "to" for a range.',
    });
  }
  if (partitions.kind === "dynamic" && !context.dynamicKeys?.has(partitions.name)) return;
  for (const key of keys) {
    if (partitions.kind === "time") {
      partitions.indexOrThrow(key); // names the problem (format, before start, after end)
      if (!partitions.contains(key, context.now ?? new Date())) {
        throw new PartitionKeyError(`partition "${key}" does not exist yet: its window has not ended`, key, "Pick a past window, or set endOffset: 1.");
      }
    } else if (!hasPartitionKey(partitions, key, context)) {
      throw new PartitionKeyError(`"${key}" is not a key of ${partitions.describe()}`, key, partitions.kind === "dynamic" ? "Add it first: `tributary partitions add NAME KEY`." : "Pick one of its keys.");
    }
  }
}
