import { TributaryError } from "../errors";
import type { AssetGraph, StepDefinition } from "../graph/assetGraph";
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
}

/** The selection parsed but picked no asset (a usage error: the CLI exits 2, the HTTP API answers 400). */
export class EmptySelectionError extends TributaryError {}

/**
 * Plans a run: resolves the selection against the graph and orders the steps. A multi-asset runs
 * as one step when any of its outputs is selected.
 */
export function planRun(graph: AssetGraph, selection: string): ExecutionPlan {
  const ast = parseSelection(selection);
  const selected = resolveSelection(ast, graph);
  if (selected.size === 0) {
    const guesses = unmatchedTerms(ast, graph)
      .filter((term) => term.suggestion !== undefined)
      .map((term) => `${term.attribute === "key" ? "" : `${term.attribute}:`}${term.suggestion}`);
    throw new EmptySelectionError(`the selection "${selection}" matches no asset`, {
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
  return { selection, assetKeys, steps: ordered };
}
