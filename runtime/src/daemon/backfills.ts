/**
 * The backfill loop: turns the PENDING partitions of stored backfills into QUEUED runs of the same
 * run queue as everything else (instigator `{ type: "backfill", name: backfillId }`), follows those
 * runs to mark each partition DONE or FAILED, and finishes or cancels the backfill.
 *
 * Never twice: each run's run key is `<partition>#<attempt>` of its first partition under the
 * backfill's instigator name, and the storage refuses a second run with the same key. A daemon
 * killed between creating a run and marking its partitions QUEUED finds the run by its key when it
 * (or another daemon) comes back, instead of launching another. Several daemons may tick the same
 * backfill; the run keys keep them from launching a partition twice.
 *
 * A run that ended without materializing its partitions and without a failure of user code (it was
 * canceled because its daemon died, or its worker was lost) is launched again, up to
 * {@link MAX_PARTITION_ATTEMPTS} times; a partition whose asset function failed is FAILED.
 */
import type { AssetGraph } from "../graph/assetGraph";
import { BACKFILL_TAG } from "../partitions/runPartitions";
import { RunConflictError } from "../storage/errors";
import type { BackfillPartitionRecord, BackfillRecord, Storage } from "../storage/port";
import { FINAL_RUN_STATUSES, type RunRecord } from "../types";
import type { RunSubmission } from "./services";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import { PollLoop } from "./pollLoop";
import type { StorageOutages } from "./storageWatch";

/** Launches of one partition after lost runs before it is FAILED. */
export const MAX_PARTITION_ATTEMPTS = 3;

/** What the loop needs from its host (a daemon, or `tributary backfill --run-here`). */
export interface BackfillHost {
  storage: Storage;
  /** The current graph (null while the project does not load: the loop waits). */
  graph(): AssetGraph | null;
  /** Enqueues a run; throws RunConflictError for a used run key. */
  submit(request: RunSubmission): Promise<RunRecord>;
  pollMs: number;
  /** Where it logs (scoped to its component here). @defaultValue stderr, text */
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`); not watched when absent. */
  heartbeats?: LoopHeartbeats;
  /** The daemon's storage outages: logged once there, not per backfill and pass here. */
  outages?: StorageOutages;
  /** Only this backfill (the CLI's `--run-here`); all when omitted. */
  onlyBackfillId?: string;
  /** Told when a backfill changed (progress displays, event streams). */
  onChange?: (backfillId: string) => void;
}

/** Progress as the CLI and the HTTP API show it. */
export interface BackfillSummary {
  backfillId: string;
  status: BackfillRecord["status"];
  selection: string;
  request: BackfillRecord["request"];
  policy: BackfillRecord["policy"];
  createdAt: string;
  error: string | null;
  /** `remaining` counts PENDING and QUEUED partitions (queued: a run exists, not finished). */
  partitions: { total: number; done: number; failed: number; canceled: number; remaining: number; queued: number };
}

/** Reads a backfill with its progress, or null. */
export async function backfillSummary(storage: Storage, backfillId: string): Promise<BackfillSummary | null> {
  const backfill = await storage.getBackfill(backfillId);
  if (!backfill) return null;
  const progress = await storage.getBackfillProgress(backfillId);
  const total = Object.values(progress).reduce((sum, count) => sum + count, 0);
  return {
    backfillId,
    status: backfill.status,
    selection: backfill.selection,
    request: backfill.request,
    policy: backfill.policy,
    createdAt: backfill.createdAt,
    error: backfill.error,
    partitions: {
      total,
      done: progress.DONE,
      failed: progress.FAILED,
      canceled: progress.CANCELED,
      remaining: progress.PENDING + progress.QUEUED,
      queued: progress.QUEUED,
    },
  };
}

/**
 * Asks a backfill to stop: no new partition run starts; runs in flight finish (they are not
 * canceled) and then the backfill is CANCELED. Resolves the backfill, or null when unknown.
 */
export async function cancelBackfill(storage: Storage, backfillId: string): Promise<BackfillRecord | null> {
  await storage.transitionBackfill(backfillId, ["REQUESTED"], "CANCELING");
  return storage.getBackfill(backfillId);
}

/** What {@link resumeBackfill} did. */
export type ResumeOutcome = { resumed: BackfillRecord } | { refused: BackfillRecord } | null;

/**
 * Resumes a CANCELED or FAILED backfill: its canceled and failed partitions become PENDING again
 * (a new attempt each, so they get new runs) and the backfill REQUESTED, for the backfill loop to
 * launch them. Partitions first: a loop that saw the backfill REQUESTED with nothing pending would
 * end it again at once. Resolves `refused` for a backfill in another status, null when unknown.
 */
export async function resumeBackfill(storage: Storage, backfillId: string): Promise<ResumeOutcome> {
  const backfill = await storage.getBackfill(backfillId);
  if (!backfill) return null;
  if (backfill.status !== "CANCELED" && backfill.status !== "FAILED") return { refused: backfill };
  const again = await storage.getBackfillPartitions(backfillId, { statuses: ["CANCELED", "FAILED"] });
  await storage.setBackfillPartitions(backfillId, again.map((partition) => partition.partitionKey), "PENDING", { runId: null, bumpAttempt: true });
  if (!(await storage.transitionBackfill(backfillId, ["CANCELED", "FAILED"], "REQUESTED", null))) return { refused: (await storage.getBackfill(backfillId))! };
  return { resumed: (await storage.getBackfill(backfillId))! };
}

/** Ticks every unfinished backfill at an interval until stopped. */
export class BackfillLoop {
  private readonly loop: PollLoop;

  private readonly logger: Logger;

  constructor(private readonly host: BackfillHost) {
    this.logger = backfillLogger(host);
    this.loop = new PollLoop({
      name: "backfills",
      ...(host.heartbeats ? { heartbeats: host.heartbeats } : {}),
      pass: () => this.tickAll(),
      pollMs: () => host.pollMs,
      onError: (error) => this.logger.error(describe(error)),
      ...(host.outages ? { outages: host.outages } : {}),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Looks at the backfills now (a run ended, a backfill was created or canceled). */
  wake(): void {
    this.loop.wake();
  }

  /** One pass over the unfinished backfills (tests call it directly). */
  async tickAll(): Promise<void> {
    const graph = this.host.graph();
    if (!graph) return;
    const { storage } = this.host;
    const backfills = this.host.onlyBackfillId
      ? [await storage.getBackfill(this.host.onlyBackfillId)].filter((b): b is BackfillRecord => b !== null)
      : await storage.listBackfills({ statuses: ["REQUESTED", "CANCELING"], limit: 1000 });
    for (const backfill of backfills) {
      if (backfill.status !== "REQUESTED" && backfill.status !== "CANCELING") continue;
      try {
        await tickBackfill({ ...this.host, graph }, backfill);
      } catch (error) {
        if (!this.host.outages?.absorb(error)) this.logger.error(`backfill ${backfill.backfillId}: ${describe(error)}`, { backfillId: backfill.backfillId });
      }
    }
  }
}

/** One step of one backfill: settle finished runs, then cancel or launch more. */
export async function tickBackfill(host: Omit<BackfillHost, "graph" | "pollMs"> & { graph: AssetGraph }, backfill: BackfillRecord): Promise<void> {
  const { storage } = host;
  const id = backfill.backfillId;
  const canceling = backfill.status === "CANCELING";
  let changed = false;

  // 1. Partitions whose run has ended become DONE, FAILED, or PENDING again (lost run).
  const queued = await storage.getBackfillPartitions(id, { statuses: ["QUEUED"] });
  const byRun = new Map<string, BackfillPartitionRecord[]>();
  for (const partition of queued) {
    const list = byRun.get(partition.runId!) ?? [];
    list.push(partition);
    byRun.set(partition.runId!, list);
  }
  let runsInFlight = 0;
  for (const [runId, partitions] of byRun) {
    const run = await storage.getRun(runId);
    if (run && !FINAL_RUN_STATUSES.includes(run.status)) {
      runsInFlight++;
      continue;
    }
    await settlePartitions(host, run, partitions, canceling, id);
    changed = true;
  }

  // 2. Canceling: nothing new starts; the backfill ends once its runs have.
  if (canceling) {
    const pending = await storage.getBackfillPartitions(id, { statuses: ["PENDING"] });
    if (pending.length > 0) {
      await storage.setBackfillPartitions(id, pending.map((p) => p.partitionKey), "CANCELED");
      changed = true;
    }
    if (runsInFlight === 0 && (await storage.transitionBackfill(id, ["CANCELING"], "CANCELED"))) {
      backfillLogger(host).info(`backfill ${id} canceled`, { backfillId: id });
      changed = true;
    }
    if (changed) host.onChange?.(id);
    return;
  }

  // 3. Launch runs for the next pending partitions, within the policy's concurrency.
  const { maxConcurrentRuns, maxPartitionsPerRun } = backfill.policy;
  const capacity = maxConcurrentRuns - runsInFlight;
  if (capacity > 0) {
    const pending = await storage.getBackfillPartitions(id, { statuses: ["PENDING"], limit: capacity * maxPartitionsPerRun });
    for (const batch of batches(pending, maxPartitionsPerRun).slice(0, capacity)) {
      await launch(host, backfill, batch);
      runsInFlight++;
      changed = true;
    }
  }

  // 4. Finished: every partition DONE, FAILED or CANCELED.
  if (runsInFlight === 0) {
    const progress = await storage.getBackfillProgress(id);
    if (progress.PENDING === 0 && progress.QUEUED === 0) {
      const failed = progress.FAILED > 0;
      const error = failed ? `${progress.FAILED} partition(s) failed` : null;
      if (await storage.transitionBackfill(id, ["REQUESTED"], failed ? "FAILED" : "COMPLETED", error)) {
        backfillLogger(host).log(failed ? "warn" : "info", `backfill ${id} ${failed ? `finished with ${error}` : "completed"}`, { backfillId: id, status: failed ? "FAILED" : "COMPLETED" });
        changed = true;
      }
    }
  }
  if (changed) host.onChange?.(id);
}

/** Contiguous pending partitions (by position, same attempt) of at most `size` keys each. */
function batches(pending: BackfillPartitionRecord[], size: number): BackfillPartitionRecord[][] {
  const result: BackfillPartitionRecord[][] = [];
  for (const partition of pending) {
    const current = result.at(-1);
    const last = current?.at(-1);
    if (current && last && current.length < size && partition.position === last.position + 1 && partition.attempt === last.attempt) current.push(partition);
    else result.push([partition]);
  }
  return result;
}

/** The run key of a batch: its first partition and attempt (stable across daemon restarts). */
export function backfillRunKey(first: BackfillPartitionRecord): string {
  return `${first.partitionKey}#${first.attempt}`;
}

async function launch(host: Omit<BackfillHost, "graph" | "pollMs">, backfill: BackfillRecord, batch: BackfillPartitionRecord[]): Promise<void> {
  const { storage } = host;
  const id = backfill.backfillId;
  const runKey = backfillRunKey(batch[0]!);
  const keys = batch.map((partition) => partition.partitionKey);
  // A run with this key exists when an earlier tick created it and died before marking it below.
  let run = await storage.findRunByKey(id, runKey);
  if (!run) {
    try {
      run = await host.submit({
        selection: backfill.selection,
        partitionKeys: keys,
        tags: { [BACKFILL_TAG]: id },
        instigator: { type: "backfill", name: id, runKey },
        runKey,
      });
    } catch (error) {
      if (!(error instanceof RunConflictError)) throw error;
      run = await storage.findRunByKey(id, runKey);
      if (!run) throw error;
    }
  }
  await storage.setBackfillPartitions(id, keys, "QUEUED", { runId: run.runId });
}

/** Decides what a finished (or vanished) run means for each of its partitions. */
async function settlePartitions(
  host: Omit<BackfillHost, "graph" | "pollMs"> & { graph: AssetGraph },
  run: RunRecord | null,
  partitions: BackfillPartitionRecord[],
  canceling: boolean,
  backfillId: string,
): Promise<void> {
  const { storage, graph } = host;
  const keys = partitions.map((p) => p.partitionKey);
  const assets = (run?.assetKeys ?? []).filter((key) => graph.assets.get(key)?.partitions);
  const records = await Promise.all(assets.map((asset) => storage.getAssetPartitions(asset, { partitionKeys: keys })));
  const done: string[] = [];
  const failed: string[] = [];
  const lost: string[] = [];
  for (const partition of partitions) {
    const key = partition.partitionKey;
    const mine = records.map((list) => list.find((record) => record.partitionKey === key && record.runId === run?.runId));
    if (run && assets.length > 0 && mine.every((record) => record?.status === "MATERIALIZED")) done.push(key);
    else if (mine.some((record) => record?.status === "FAILED") || canceling || partition.attempt >= MAX_PARTITION_ATTEMPTS) failed.push(key);
    else lost.push(key);
  }
  await storage.setBackfillPartitions(backfillId, done, "DONE");
  await storage.setBackfillPartitions(backfillId, failed, canceling ? "CANCELED" : "FAILED");
  if (lost.length > 0) {
    backfillLogger(host).warn(`backfill ${backfillId}: run ${run?.runId ?? "?"} ended ${run?.status ?? "missing"} without materializing ${lost.join(", ")}; launching again`, { backfillId, runId: run?.runId ?? null, partitionKeys: lost });
    await storage.setBackfillPartitions(backfillId, lost, "PENDING", { runId: null, bumpAttempt: true });
  }
}

/** The backfills' scope of a host's logger. */
function backfillLogger(host: { logger?: Logger }): Logger {
  return (host.logger ?? createLogger()).scope({ component: "backfills" });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
