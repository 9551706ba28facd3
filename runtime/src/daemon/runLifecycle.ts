/**
 * Run state changes the daemon makes outside a worker: enqueueing, failing a run whose worker died,
 * retrying it, canceling. Every change is a compare-and-set (`transitionRun`) plus an event, so two
 * daemons racing on the same run change it once.
 */
import { randomUUID } from "node:crypto";
import { RunConflictError } from "../storage/errors";
import type { Storage } from "../storage/port";
import type { ProjectConfig } from "../loader/config";
import { daemonSettingsFromConfig } from "./settings";
import { FINAL_RUN_STATUSES, IN_PROGRESS_RUN_STATUSES, type Instigator, type NewRun, type RunEvent, type RunRecord, type RunStatus } from "../types";


/** A run-level event. */
export function runEvent(runId: string, type: RunEvent["type"], message: string, data: Record<string, unknown> = {}, level: RunEvent["level"] = "info"): RunEvent {
  return { runId, timestamp: new Date().toISOString(), type, stepKey: null, level, message, data };
}

/** Creates a QUEUED run and records its RUN_QUEUED event. Throws RunConflictError for a used run key. */
export async function enqueueRun(storage: Storage, run: Omit<NewRun, "runId" | "status"> & { runId?: string }): Promise<RunRecord> {
  const record = await storage.createRun({ ...run, runId: run.runId ?? randomUUID(), status: "QUEUED" });
  const by = record.instigator ? ` by ${record.instigator.type} ${record.instigator.name}` : "";
  await storage.appendEvents([runEvent(record.runId, "RUN_QUEUED", `Run queued${by}: "${record.selection}"`, { selection: record.selection })]);
  return record;
}

/**
 * Ends a run FAILURE (from one of `from`), with a RUN_FAILURE event. Resolves false when the run had
 * moved on already (another daemon failed it, or it finished).
 */
export async function failRun(storage: Storage, run: RunRecord, reason: string, from: readonly RunStatus[] = IN_PROGRESS_RUN_STATUSES): Promise<boolean> {
  const now = new Date().toISOString();
  const moved = await storage.transitionRun(run.runId, from, "FAILURE", { endedAt: now, error: reason });
  if (moved) await storage.appendEvents([runEvent(run.runId, "RUN_FAILURE", `Run failed: ${reason}`, { reason }, "error")]);
  return moved;
}

/**
 * Retries a failed run as a new QUEUED run (attempt + 1, parentRunId set) when the policy allows.
 * The retry keeps the instigator but not the run key (the key stays with the first attempt).
 * Resolves null when the policy does not allow one, or when another process retried the run first
 * (storage refuses a second retry of one run).
 */
export async function retryRun(storage: Storage, failed: RunRecord, maxRetries: number): Promise<RunRecord | null> {
  if (failed.attempt > maxRetries) return null;
  let instigator: Instigator | null = null;
  if (failed.instigator) {
    const { runKey: _key, ...rest } = failed.instigator;
    instigator = rest;
  }
  let retry: RunRecord;
  try {
    retry = await enqueueRun(storage, {
      selection: failed.selection,
      assetKeys: failed.assetKeys,
      tags: { ...failed.tags, "tributary/retry_of": failed.runId },
      instigator,
      attempt: failed.attempt + 1,
      parentRunId: failed.runId,
    });
  } catch (error) {
    if (error instanceof RunConflictError && error.conflict === "retry") return null;
    throw error;
  }
  await storage.appendEvents([
    runEvent(failed.runId, "LOG", `Retrying as run ${retry.runId} (attempt ${retry.attempt} of ${maxRetries + 1})`, { retryRunId: retry.runId }, "warn"),
  ]);
  return retry;
}

/**
 * Cancels a run: a QUEUED (or claimed, not yet started) run is CANCELED at once; a STARTED run
 * becomes CANCELING and the coordinator that owns it stops its worker.
 */
export async function cancelRun(storage: Storage, runId: string): Promise<RunRecord | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const run = await storage.getRun(runId);
    if (!run || FINAL_RUN_STATUSES.includes(run.status) || run.status === "CANCELING") return run;
    const now = new Date().toISOString();
    if (run.status === "QUEUED") {
      if (await storage.transitionRun(runId, ["QUEUED"], "CANCELED", { endedAt: now, error: "canceled before it started" })) {
        await storage.appendEvents([runEvent(runId, "RUN_CANCELED", "Run canceled before it started", {}, "warn")]);
        return storage.getRun(runId);
      }
    } else if (await storage.transitionRun(runId, ["STARTING", "STARTED"], "CANCELING")) {
      await storage.appendEvents([runEvent(runId, "RUN_CANCELING", "Cancel requested", {}, "warn")]);
      return storage.getRun(runId);
    }
    // The run moved between the read and the transition: look again.
  }
  return storage.getRun(runId);
}

/**
 * Heartbeats the runs a process executes without a coordinator (`tributary materialize`,
 * `backfill --run-here`) at the project's heartbeat interval, until the returned function is
 * called: a daemon's monitor on the same database judges staleness by the same settings, and would
 * otherwise fail such a run as dead. A failed heartbeat is skipped; the next one tries again.
 */
export function heartbeatWhileRunning(storage: Storage, runIds: () => string[], config: Pick<ProjectConfig, "daemon">): () => void {
  const everyMs = daemonSettingsFromConfig(config.daemon).heartbeatMs;
  const timer = setInterval(() => {
    const ids = runIds();
    if (ids.length > 0) void storage.heartbeatRuns(ids, new Date().toISOString()).catch(() => undefined);
  }, everyMs);
  return () => clearInterval(timer);
}

