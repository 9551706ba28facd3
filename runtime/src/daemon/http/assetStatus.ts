/**
 * Each asset with its latest status, for `GET /api/assets` (docs/http-api.md; the shape is the wire
 * contract's `AssetJson`):
 * - RUNNING: a step computing it is running in a run that has not ended;
 * - FAILED: its latest step failed after its latest materialization;
 * - NEVER: never materialized;
 * - STALE: an upstream asset was materialized after it, or its `codeVersion` changed since;
 * - FRESH: otherwise.
 * (In that order of precedence.) An asset with a freshness policy also carries `freshness`: FRESH,
 * WARN, STALE or UNKNOWN by the age of its latest materialization (services/freshness.ts). Read from storage (latest materializations and checks, recent
 * runs' step events) and the current graph.
 */
import { relative } from "node:path";
import type { LoadedProject } from "../../loader";
import { assetFreshness } from "../../services/freshness";
import { assetPartitionsStatus } from "../../services/partitionStatus";
import type { Storage } from "../../storage/port";
import { FINAL_RUN_STATUSES, UNFINISHED_RUN_STATUSES, type CheckResultRecord, type MaterializationRecord } from "../../types";
import type { AssetJson, AssetStatus } from "../../wire/responses";
import type { RunStepTracker } from "./runSteps";

/** How many recent runs are scanned for failed and running steps. */
const RECENT_RUNS = 50;

/** Computes every asset of `project` with its status. */
export class AssetStatusReader {
  /** codeVersion recorded with a materialization event, by event id (events never change). */
  private readonly codeVersions = new Map<number, string | null>();

  /** `now` is the clock freshness is judged by (tests inject one). */
  constructor(private readonly storage: Storage, private readonly steps: RunStepTracker, private readonly now: () => number = Date.now) {}

  async describe(project: LoadedProject): Promise<AssetJson[]> {
    const graph = project.graph;
    const [materializations, checkResults, recent, active] = await Promise.all([
      this.storage.getLatestMaterializations(),
      this.storage.getLatestCheckResults(),
      this.storage.listRuns({ limit: RECENT_RUNS }),
      this.storage.listRuns({ statuses: [...UNFINISHED_RUN_STATUSES], limit: 1000 }),
    ]);
    const latest = new Map(materializations.map((record) => [record.assetKey, record]));
    const checksByAsset = new Map<string, CheckResultRecord[]>();
    for (const result of checkResults) {
      const list = checksByAsset.get(result.assetKey);
      if (list) list.push(result);
      else checksByAsset.set(result.assetKey, [result]);
    }

    const running = new Set<string>();
    const lastFailure = new Map<string, number>();
    const runs = new Map([...recent, ...active].map((run) => [run.runId, run]));
    for (const run of runs.values()) {
      const runEnded = FINAL_RUN_STATUSES.includes(run.status);
      for (const step of await this.steps.stepsOf(run)) {
        const keys = graph.steps.get(step.key)?.outputKeys ?? [step.key];
        for (const key of keys) {
          if (step.status === "RUNNING" && !runEnded) running.add(key);
          if (step.status === "FAILURE" && (lastFailure.get(key) ?? 0) < step.eventId) lastFailure.set(key, step.eventId);
        }
      }
    }

    const assets: AssetJson[] = [];
    const now = this.now();
    for (const node of graph.assets.values()) {
      const materialization = latest.get(node.key);
      let status: AssetStatus;
      if (running.has(node.key)) status = "RUNNING";
      else if ((lastFailure.get(node.key) ?? 0) > (materialization?.eventId ?? 0)) status = "FAILED";
      else if (!materialization) status = "NEVER";
      else if (node.deps.some((dep) => (latest.get(dep)?.eventId ?? 0) > materialization.eventId)) status = "STALE";
      else if (node.codeVersion !== undefined && (await this.codeVersionOf(materialization)) !== node.codeVersion) status = "STALE";
      else status = "FRESH";

      const location = node.location;
      assets.push({
        key: node.key,
        group: node.group,
        deps: [...node.deps],
        description: node.description ?? null,
        kinds: [...node.kinds],
        tags: { ...node.tags },
        owners: [...node.owners],
        checks: node.checks.map((check) => check.name),
        ...(location ? { file: relative(project.config.projectDir, location.file) || location.file, line: location.line } : {}),
        status,
        latestMaterialization: materialization
          ? { runId: materialization.runId, timestamp: materialization.timestamp, metadata: materialization.metadata }
          : null,
        latestChecks: (checksByAsset.get(node.key) ?? []).map((result) => ({
          checkName: result.checkName,
          passed: result.passed,
          severity: result.severity,
          timestamp: result.timestamp,
          runId: result.runId,
        })),
        ...(node.partitions ? { partitions: await assetPartitionsStatus(this.storage, graph, node.key) } : {}),
        ...(node.freshness ? { freshness: assetFreshness(node.freshness, materialization, now) } : {}),
      });
    }
    return assets;
  }

  /** The codeVersion the asset had when it was materialized (read once per materialization). */
  private async codeVersionOf(record: MaterializationRecord): Promise<string | null> {
    const known = this.codeVersions.get(record.eventId);
    if (known !== undefined) return known;
    const [event] = await this.storage.getRunEvents(record.runId, { afterId: record.eventId - 1, limit: 1 });
    const version = event && event.id === record.eventId ? event.data?.["codeVersion"] : undefined;
    const result = typeof version === "string" ? version : null;
    this.codeVersions.set(record.eventId, result);
    return result;
  }
}
