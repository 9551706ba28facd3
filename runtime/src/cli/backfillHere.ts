/**
 * `tributary backfill --run-here`: executes one backfill from this process, without a daemon. The
 * same backfill loop as the daemon's launches its runs (so they are QUEUED runs with the same run
 * keys), and this process claims each one it launched at once and executes it in a worker process.
 * A daemon running against the same storage may pick up some of them first; either way each
 * partition runs once.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { BackfillLoop, backfillSummary, type BackfillSummary } from "../daemon/backfills";
import { silentLogger } from "../daemon/logger";
import { enqueueRun, heartbeatWhileRunning } from "../daemon/runLifecycle";
import type { RunResult } from "../execution/api";
import { planRun } from "../execution/plan";
import type { WorkerRunOptions } from "../execution/worker";
import type { LoadedProject } from "../loader";
import { loadPartitionContext, partitionTags } from "../partitions/runPartitions";
import type { StorageConfig } from "../storage";
import type { Storage } from "../storage/port";
import { FINAL_BACKFILL_STATUSES } from "./backfillFormat";

/** Options of {@link runBackfillHere}. */
export interface RunHereOptions {
  storage: Storage;
  storageConfig: StorageConfig;
  project: LoadedProject;
  backfillId: string;
  /** Called after each change, for progress. */
  onProgress?: (summary: BackfillSummary) => void;
  /** Executes one claimed run; a worker process per run by default. */
  launcher?: (options: WorkerRunOptions) => Promise<RunResult>;
  /** Aborting stops launching (the backfill stays REQUESTED: a daemon or a later --run-here resumes it). */
  signal?: AbortSignal;
  pollMs?: number;
}

/** Runs the backfill to its end (or until `signal` aborts) and resolves its final summary. */
export async function runBackfillHere(options: RunHereOptions): Promise<BackfillSummary> {
  const { storage, project } = options;
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const active = new Set<Promise<unknown>>();
  const launcher =
    options.launcher ?? ((runOptions: WorkerRunOptions) => (require("../execution/worker") as typeof import("../execution/worker")).launchRunInWorker(runOptions));
  let loop: BackfillLoop;
  const stopHeartbeat = heartbeatWhileRunning(storage, () => activeRunIds(), project.config);
  const running = new Set<string>();
  const activeRunIds = () => [...running];

  loop = new BackfillLoop({
    storage,
    graph: () => project.graph,
    pollMs: options.pollMs ?? 250,
    logger: silentLogger(),
    onlyBackfillId: options.backfillId,
    async submit(request) {
      const keys = request.partitionKeys ?? [];
      const context = await loadPartitionContext(storage, [...project.graph.assets.values()].map((node) => node.partitions));
      const plan = planRun(project.graph, request.selection, keys, context);
      const run = await enqueueRun(storage, {
        selection: request.selection,
        assetKeys: [...plan.assetKeys],
        tags: { ...(request.tags ?? {}), ...partitionTags(keys) },
        instigator: request.instigator ?? null,
        runKey: request.runKey ?? null,
      });
      // Claim it for this process; a daemon that claimed it first executes it instead.
      if (await storage.transitionRun(run.runId, ["QUEUED"], "STARTING", { workerId, heartbeatAt: new Date().toISOString() })) {
        running.add(run.runId);
        const done = launcher({
          projectDir: project.config.projectDir,
          storageConfig: options.storageConfig,
          storage,
          runId: run.runId,
          selection: run.selection,
          tags: run.tags,
          instigator: run.instigator,
          runKey: run.runKey,
        })
          .catch(() => undefined)
          .finally(() => {
            running.delete(run.runId);
            active.delete(done);
            loop.wake();
          });
        active.add(done);
      }
      return run;
    },
  });
  try {
    loop.start();
    for (;;) {
      const summary = (await backfillSummary(storage, options.backfillId))!;
      options.onProgress?.(summary);
      if (FINAL_BACKFILL_STATUSES.includes(summary.status) || options.signal?.aborted) return summary;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
  } finally {
    await loop.stop();
    await Promise.all([...active]);
    stopHeartbeat();
  }
}
