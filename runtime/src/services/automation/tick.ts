/**
 * One automation tick, from a claimed tick to its launched runs: read each asset's previous state
 * and the facts, evaluate every condition, store the evaluations, the new states and the runs to
 * launch in one transaction, then launch those runs under their run keys.
 *
 * Why that order: a daemon killed after the evaluations are stored leaves a tick EVALUATED with
 * its launches written down; another daemon takes it over and launches the same runs under the
 * same run keys, so each launches exactly once (see {@link resumeAutomationTick}). A daemon killed
 * before that leaves a STARTED tick with nothing stored: it is skipped with that reason, and the
 * next tick evaluates from the last stored states, so nothing is lost but one interval.
 */
import type { AssetGraph } from "../../graph/assetGraph";
import { topologicalOrder } from "../../selection";
import { RunConflictError } from "../../storage/errors";
import type { AutomationLaunch, AutomationTickRecord, NewAutomationEvaluation, Storage } from "../../storage/port";
import type { Instigator } from "../../types";
import { evaluateAutomation, type AssetEvaluation, type AutomationAsset, type AutomationAssetState } from "./evaluator";
import { loadAutomationFacts } from "./facts";
import { planLaunches } from "./launches";

/**
 * The instigator name of every automation run (run keys are unique within it). It holds a "/",
 * which no schedule or sensor name may: a schedule named "automation" cannot share its run keys.
 */
export const AUTOMATION_INSTIGATOR = "tributary/automation";
/** Runs a tick enqueues at once (a PostgreSQL storage's pool has a few connections more). */
const LAUNCH_CONCURRENCY = 4;
/** The tag on automation runs. */
export const AUTOMATION_TAG = "tributary/automation";

/** A run an automation tick asks for. */
export interface AutomationRunRequest {
  selection: string;
  partitionKeys: readonly string[];
  tags: Record<string, string>;
  instigator: Instigator;
  runKey: string;
}

/** What a tick needs from the daemon. */
export interface AutomationTickHost {
  storage: Storage;
  /** Enqueues a run; rejects with RunConflictError when its run key exists. */
  submit(request: AutomationRunRequest): Promise<{ runId: string }>;
  /** Told of an asset whose condition failed to evaluate, and of a run that could not be launched. */
  warn(message: string): void;
}

/** The outcome of a tick, for logs and tests. */
export interface AutomationTickOutcome {
  evaluations: AssetEvaluation[];
  launches: AutomationLaunch[];
  runIds: string[];
}

/** The graph's assets in topological order, as the evaluator takes them. */
export function automationAssets(graph: AssetGraph): AutomationAsset[] {
  return topologicalOrder(graph).map((key) => {
    const node = graph.assets.get(key)!;
    return {
      key,
      deps: node.deps,
      partitions: node.partitions,
      partitionMappings: node.partitionMappings,
      codeVersion: node.codeVersion,
      automation: node.automation,
    };
  });
}

/** Evaluates a claimed (STARTED) tick and launches its runs. */
export async function runAutomationTick(host: AutomationTickHost, tick: AutomationTickRecord, graph: AssetGraph, now: number): Promise<AutomationTickOutcome> {
  const { storage } = host;
  const assets = automationAssets(graph);
  const withCondition = assets.filter((asset) => asset.automation).map((asset) => asset.key);
  const storedStates = await storage.getAutomationStates(withCondition);
  const previous = new Map<string, AutomationAssetState>();
  for (const [key, state] of storedStates) previous.set(key, state as AutomationAssetState);
  const facts = await loadAutomationFacts(storage, assets, previous, now);
  const evaluations = evaluateAutomation({ tickId: tick.tickId, assets, graph, facts, previous });
  const { launches, runKeyOf } = planLaunches(tick.tickId, evaluations, assets);
  const evaluatedAt = new Date(now).toISOString();
  // An evaluation is stored when it requested something or its reason changed (as Dagster stores
  // only evaluations that differ from the previous one): 1,000 conditions every 30 s would
  // otherwise write ~3 million rows a day saying the same thing. The states are written each tick.
  const stored = evaluations.filter(
    (evaluation) => evaluation.requested.length > 0 || evaluation.error !== undefined || previous.get(evaluation.assetKey)?.storedReason !== evaluation.reason,
  );
  const rows: NewAutomationEvaluation[] = stored.map((evaluation) => ({
    assetKey: evaluation.assetKey,
    evaluatedAt,
    requested: evaluation.requested.length > 0,
    partitions: evaluation.requested.filter((partition) => partition !== ""),
    runKey: runKeyOf.get(evaluation.assetKey) ?? null,
    reason: evaluation.reason,
    tree: evaluation.tree,
  }));
  const states = evaluations.flatMap((evaluation) =>
    evaluation.state ? [{ assetKey: evaluation.assetKey, state: { ...evaluation.state, storedReason: evaluation.reason } }] : [],
  );
  await storage.recordAutomationEvaluations(tick.tickId, { evaluations: rows, states, launches });
  for (const evaluation of evaluations) if (evaluation.error) host.warn(`asset "${evaluation.assetKey}": ${evaluation.reason}`);
  const runIds = await launchAll(host, { ...tick, launches });
  return { evaluations, launches, runIds };
}

/**
 * Launches the runs of an EVALUATED tick (its own, or one whose daemon stopped) and ends it:
 * a run whose key exists already is found, not launched again.
 */
export async function resumeAutomationTick(host: AutomationTickHost, tick: AutomationTickRecord): Promise<string[]> {
  return launchAll(host, tick);
}

async function launchAll(host: AutomationTickHost, tick: AutomationTickRecord): Promise<string[]> {
  const { storage } = host;
  const runIds: string[] = [];
  const runIdsByKey: Record<string, string> = {};
  const failures: string[] = [];
  // Launched LAUNCH_CONCURRENCY at a time: one after the other, each a round trip (or more) to the
  // database, the launches were a third of a PostgreSQL tick in bench/automation. Run keys make
  // each idempotent, and a run's plan orders its assets, so the order of launches carries nothing.
  const outcomes: ({ runId: string } | { error: unknown })[] = new Array(tick.launches.length);
  let next = 0;
  const worker = async () => {
    while (next < tick.launches.length) {
      const index = next++;
      try {
        outcomes[index] = { runId: await launchOne(host, tick, tick.launches[index]!) };
      } catch (error) {
        outcomes[index] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LAUNCH_CONCURRENCY, tick.launches.length) }, worker));
  tick.launches.forEach((launch, index) => {
    const outcome = outcomes[index]!;
    if ("runId" in outcome) {
      runIds.push(outcome.runId);
      runIdsByKey[launch.runKey] = outcome.runId;
    } else {
      // One run that cannot be launched (its selection no longer plans) does not stop the others.
      const error = outcome.error;
      failures.push(`${launch.selection}${launch.partitionKeys.length > 0 ? ` (${launch.partitionKeys.join(", ")})` : ""}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  if (Object.keys(runIdsByKey).length > 0) await storage.setAutomationRunIds(tick.tickId, runIdsByKey);
  await storage.updateAutomationTick(tick.tickId, {
    status: failures.length > 0 ? "FAILURE" : "SUCCESS",
    runIds,
    ...(failures.length > 0 ? { reason: `${failures.length} run(s) could not be launched: ${failures.join("; ")}` } : {}),
  });
  for (const failure of failures) host.warn(`tick ${tick.tickTime}: could not launch ${failure}`);
  return runIds;
}

async function launchOne(host: AutomationTickHost, tick: AutomationTickRecord, launch: AutomationLaunch): Promise<string> {
  try {
    const run = await host.submit({
      selection: launch.selection,
      partitionKeys: launch.partitionKeys,
      tags: { [AUTOMATION_TAG]: "true" },
      instigator: { type: "automation", name: AUTOMATION_INSTIGATOR, tickTime: tick.tickTime, runKey: launch.runKey },
      runKey: launch.runKey,
    });
    return run.runId;
  } catch (error) {
    if (!(error instanceof RunConflictError)) throw error;
    const existing = await host.storage.findRunByKey(AUTOMATION_INSTIGATOR, launch.runKey);
    if (!existing) throw error;
    return existing.runId;
  }
}
