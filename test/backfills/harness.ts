/** An in-process backfill harness: the daemon's backfill loop with runs executed in this process. */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BackfillLoop } from "../../runtime/src/daemon/backfills";
import { enqueueRun } from "../../runtime/src/daemon/runLifecycle";
import type { Definitions } from "../../runtime/src/definitions/definitions";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { planRun } from "../../runtime/src/execution/plan";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { loadPartitionContext, partitionTags } from "../../runtime/src/partitions/runPartitions";
import type { Storage } from "../../runtime/src/storage/port";
import { silentLogger } from "../../runtime/src/daemon/logger";

/** A backfill loop whose submitted runs wait QUEUED until {@link BackfillHarness.executeQueued}. */
export class BackfillHarness {
  readonly graph: AssetGraph;
  readonly loop: BackfillLoop;
  readonly storageDir = mkdtempSync(path.join(os.tmpdir(), "tributary-backfill-"));
  submitted = 0;

  constructor(
    readonly storage: Storage,
    readonly definitions: Definitions,
  ) {
    this.graph = new AssetGraph(definitions);
    this.loop = new BackfillLoop({
      storage,
      graph: () => this.graph,
      pollMs: 1_000_000,
      logger: silentLogger(),
      submit: async (request) => {
        this.submitted++;
        const keys = request.partitionKeys ?? [];
        const context = await loadPartitionContext(storage, [...this.graph.assets.values()].map((node) => node.partitions));
        const plan = planRun(this.graph, request.selection, keys, context);
        return enqueueRun(storage, {
          selection: request.selection,
          assetKeys: [...plan.assetKeys],
          tags: { ...(request.tags ?? {}), ...partitionTags(keys) },
          instigator: request.instigator ?? null,
          runKey: request.runKey ?? null,
        });
      },
    });
  }

  /** Executes every QUEUED run in this process, one after the other; returns how many ran. */
  async executeQueued(): Promise<number> {
    const runs = await this.storage.claimQueuedRuns("harness", 1000);
    for (const run of runs) {
      await executeInProcess({ definitions: this.definitions, graph: this.graph, storage: this.storage, storageDir: this.storageDir, selection: run.selection, runId: run.runId, tags: run.tags, maxConcurrency: 2 });
    }
    return runs.length;
  }

  /** Ticks and executes until the backfill is final (or `maxRounds`). */
  async runToEnd(backfillId: string, maxRounds = 500): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      await this.loop.tickAll();
      const backfill = await this.storage.getBackfill(backfillId);
      if (backfill && ["COMPLETED", "FAILED", "CANCELED"].includes(backfill.status)) return;
      await this.executeQueued();
    }
    throw new Error(`backfill ${backfillId} did not finish in ${maxRounds} rounds`);
  }
}
