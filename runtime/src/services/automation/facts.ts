/**
 * The storage facts one automation tick evaluates against, read in a few set-based queries
 * whatever the number of assets: the latest materialization of every asset a condition looks at
 * (one query), the runs in progress (one), recent failed runs (one), the partitions of partitioned
 * assets that conditions look at (one per such asset), dynamic partition keys (one per name), and the runs of the
 * materializations that are new since the previous evaluation (one per 1,000 such runs).
 */
import { partitionKeysFromTags } from "../../partitions/runPartitions";
import type { Storage } from "../../storage/port";
import type { RunStatus } from "../../types";
import { LATE_COMMIT_GRACE_MS, type AutomationAsset, type AutomationAssetState, type AutomationFacts, type MaterializationFact } from "./evaluator";

const IN_PROGRESS: RunStatus[] = ["QUEUED", "STARTING", "STARTED", "CANCELING"];
/** Failed runs looked at for `executionFailed` of unpartitioned assets: the latest ones. */
const RECENT_FAILURES = 1000;
/** Run ids read per query (SQLite binds each; its limit is 32,766 parameters). */
const RUNS_PER_QUERY = 1000;

type FactStorage = Pick<Storage, "getLatestMaterializations" | "getAssetPartitions" | "listRuns" | "dynamicPartitionKeys">;

/** Reads the facts for evaluating `assets` (all of the graph, parents first) at `now`. */
export async function loadAutomationFacts(
  storage: FactStorage,
  assets: readonly AutomationAsset[],
  states: ReadonlyMap<string, AutomationAssetState>,
  now: number,
): Promise<AutomationFacts> {
  const byKey = new Map(assets.map((asset) => [asset.key, asset]));
  // Only the assets a condition can look at: those with one, and their deps.
  const relevant = new Set<string>();
  for (const asset of assets) {
    if (!asset.automation) continue;
    relevant.add(asset.key);
    for (const dep of asset.deps) relevant.add(dep);
  }
  const partitioned = [...relevant].filter((key) => byKey.get(key)?.partitions);
  const dynamicNames = new Set<string>();
  for (const key of relevant) {
    const partitions = byKey.get(key)?.partitions;
    if (partitions?.kind === "dynamic") dynamicNames.add(partitions.name);
  }
  const [latest, running, failedRuns, partitionRecords, dynamicKeyLists] = await Promise.all([
    // Only the relevant unpartitioned assets' (partitioned ones are read per partition below): on a
    // large graph most assets have no condition and feed none.
    storage.getLatestMaterializations([...relevant].filter((key) => !byKey.get(key)?.partitions)),
    storage.listRuns({ statuses: IN_PROGRESS, limit: 100_000 }),
    storage.listRuns({ statuses: ["FAILURE"], limit: RECENT_FAILURES }),
    Promise.all(partitioned.map((key) => storage.getAssetPartitions(key))),
    Promise.all([...dynamicNames].map((name) => storage.dynamicPartitionKeys(name))),
  ]);

  const materializations = new Map<string, Map<string, MaterializationFact>>();
  const failed = new Map<string, Set<string>>();
  const add = <V>(map: Map<string, Set<V>>, key: string, value: V) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
  };
  let eventCursor = 0;
  for (const record of latest) {
    eventCursor = Math.max(eventCursor, record.eventId);
    if (byKey.get(record.assetKey)?.partitions) continue;
    materializations.set(record.assetKey, new Map([["", { eventId: record.eventId, at: Date.parse(record.timestamp), runId: record.runId }]]));
  }
  partitioned.forEach((key, index) => {
    const partitions = new Map<string, MaterializationFact>();
    for (const record of partitionRecords[index]!) {
      eventCursor = Math.max(eventCursor, record.eventId);
      if (record.status === "MATERIALIZED") partitions.set(record.partitionKey, { eventId: record.eventId, at: Date.parse(record.updatedAt), runId: record.runId });
      else add(failed, key, record.partitionKey);
    }
    materializations.set(key, partitions);
  });

  // An unpartitioned asset failed when a failed run planned it, ended after its latest
  // materialization, and did not materialize it itself.
  for (const run of failedRuns) {
    for (const key of run.assetKeys) {
      if (!relevant.has(key) || byKey.get(key)?.partitions) continue;
      const fact = materializations.get(key)?.get("");
      const endedAt = Date.parse(run.endedAt ?? run.createdAt);
      if (!fact || (fact.runId !== run.runId && endedAt > fact.at)) add(failed, key, "");
    }
  }

  const inProgress = new Map<string, Set<string>>();
  for (const run of running) {
    const keys = partitionKeysFromTags(run.tags);
    for (const key of run.assetKeys) {
      if (keys.length === 0) {
        add(inProgress, key, "");
        add(inProgress, key, "*");
      } else for (const partition of keys) add(inProgress, key, partition);
    }
  }

  // The runs of materializations newer than the oldest cursor: executedWithRootTarget reads them.
  // (and of those written within the late-commit grace before the oldest evaluation: one that
  // became visible behind the cursor is new too, see LATE_COMMIT_GRACE_MS).
  let oldestCursor = Infinity;
  let oldestEvaluation = Infinity;
  for (const state of states.values()) {
    oldestCursor = Math.min(oldestCursor, state.eventCursor);
    oldestEvaluation = Math.min(oldestEvaluation, state.evaluatedAt);
  }
  const lateSince = oldestEvaluation - LATE_COMMIT_GRACE_MS;
  const runIds = new Set<string>();
  if (oldestCursor !== Infinity) {
    for (const partitions of materializations.values()) for (const fact of partitions.values()) if (fact.eventId > oldestCursor || fact.at >= lateSince) runIds.add(fact.runId);
  }
  // Set-based, a chunk of ids per query: one getRun per new materialization's run was the tick's
  // largest cost on PostgreSQL (a round trip each; bench/automation).
  const ids = [...runIds];
  const chunks: string[][] = [];
  for (let start = 0; start < ids.length; start += RUNS_PER_QUERY) chunks.push(ids.slice(start, start + RUNS_PER_QUERY));
  const runs = (await Promise.all(chunks.map((chunk) => storage.listRuns({ runIds: chunk, limit: chunk.length })))).flat();
  const runAssetKeys = new Map<string, Set<string>>();
  for (const run of runs) runAssetKeys.set(run.runId, new Set(run.assetKeys));

  const dynamicKeys = new Map<string, readonly string[]>();
  [...dynamicNames].forEach((name, index) => dynamicKeys.set(name, dynamicKeyLists[index]!));

  return { now, materializations, failed, inProgress, runAssetKeys, eventCursor, dynamicKeys };
}
