/**
 * The run monitor: fails runs whose heartbeat went stale (their worker or its coordinator died:
 * SIGKILL, OOM killer, a lost machine), retries them per the run retry policy, and cancels runs
 * over their max runtime. Every daemon runs one; compare-and-set transitions make racing monitors
 * act once. A database outage is not taken for dead workers: heartbeats could not be written while
 * it lasted, so after one the monitor gives every run a full heartbeat timeout again.
 */
import type { Storage } from "../storage/port";
import { isStorageUnreachable } from "../storage/unreachable";
import { IN_PROGRESS_RUN_STATUSES, type RunRecord } from "../types";
import { failRun, retryRun, runEvent } from "./runLifecycle";
import type { DaemonEvents, TypedEmitter } from "./events";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import { PollLoop } from "./pollLoop";
import type { DaemonSettings } from "./settings";
import type { StorageOutages } from "./storageWatch";

/** Run tag that overrides the max runtime of one run, in seconds. */
export const MAX_RUNTIME_TAG = "tributary/max_runtime";

/** Options of {@link RunMonitor}. */
export interface RunMonitorOptions {
  storage: Storage;
  settings: DaemonSettings;
  /** Told about runs the monitor ended (notifications). */
  onRunEnded?: (run: RunRecord) => void;
  /** Told of the runs it fails, retries and cancels (`runEnded`, `runQueued`, `runCancelRequested`). */
  events?: TypedEmitter<DaemonEvents>;
  /** @defaultValue stderr, text */
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`). */
  heartbeats?: LoopHeartbeats;
  /** The daemon's storage outages: logged once there, not per check here. */
  outages?: StorageOutages;
}

/** Periodically checks runs in progress. */
export class RunMonitor {
  /** A check every monitorIntervalMs, the first one interval after start. */
  private readonly loop: PollLoop;
  private readonly logger: Logger;
  private checking: Promise<void> | undefined;
  /** The last check could not reach the database. */
  private unreachable = false;
  /** When the database was reached again after an outage: no heartbeat is judged older than this. */
  private reachableSince = -Infinity;
  private stopWatching: (() => void) | undefined;

  constructor(private readonly options: RunMonitorOptions) {
    this.logger = (options.logger ?? createLogger()).scope({ component: "monitor" });
    this.loop = new PollLoop({
      name: "monitor",
      pass: () => this.checkNow(),
      pollMs: () => options.settings.monitorIntervalMs,
      onError: () => undefined, // checkNow reports its own failures
      firstPassAfterInterval: true,
      ...(options.heartbeats ? { heartbeats: options.heartbeats } : {}),
    });
  }

  start(): void {
    if (this.loop.isRunning) return;
    this.loop.start();
    // An outage another part of the daemon saw counts too (it may fall between two checks).
    this.stopWatching = this.options.outages?.onRecovered(() => (this.reachableSince = Date.now()));
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.stopWatching?.();
    await this.checking;
  }

  /** Checks every run in progress once (also called by tests). */
  checkNow(): Promise<void> {
    this.checking ??= this.check()
      .catch((error) => {
        if (isStorageUnreachable(error)) this.unreachable = true;
        if (!this.options.outages?.absorb(error)) this.logger.error(`check failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<void> {
    const { storage, settings } = this.options;
    const now = Date.now();
    const runs = await storage.listRuns({ statuses: [...IN_PROGRESS_RUN_STATUSES], limit: 10_000 });
    if (this.unreachable) {
      // Back after an outage, during which no worker could write a heartbeat: the time it lasted is
      // not evidence against them. Live ones catch up within a heartbeat interval.
      this.unreachable = false;
      this.reachableSince = now;
    }
    for (const run of runs) {
      const heartbeat = Date.parse(run.heartbeatAt ?? run.startedAt ?? run.createdAt);
      if (now - Math.max(heartbeat, this.reachableSince) > settings.heartbeatTimeoutMs) {
        const reason = `its worker ${run.workerId ?? "(none)"} stopped sending heartbeats ${Math.round((now - heartbeat) / 1000)} s ago (it died or lost the database)`;
        if (await failRun(storage, run, reason, [run.status])) {
          this.logger.warn(`run ${run.runId} failed: ${reason}`, { runId: run.runId, workerId: run.workerId });
          const failed = (await storage.getRun(run.runId)) ?? run;
          const retry = settings.maxRetries > 0 ? await retryRun(storage, failed, settings.maxRetries) : null;
          if (retry) this.logger.info(`run ${run.runId} retried as ${retry.runId}`, { runId: run.runId, retryRunId: retry.runId });
          this.options.events?.emit("runEnded", { runId: run.runId, status: failed.status, by: "monitor" });
          if (retry) this.options.events?.emit("runQueued", { runId: retry.runId, selection: retry.selection, instigator: retry.instigator && { type: retry.instigator.type, name: retry.instigator.name } });
          this.options.onRunEnded?.(failed);
        }
        continue;
      }
      const maxRuntime = maxRuntimeMs(run, settings);
      if (run.status === "STARTED" && maxRuntime > 0 && run.startedAt && now - Date.parse(run.startedAt) > maxRuntime) {
        if (await storage.transitionRun(run.runId, ["STARTED"], "CANCELING")) {
          const message = `Run exceeded its max runtime of ${maxRuntime / 1000} s: canceling`;
          await storage.appendEvents([runEvent(run.runId, "RUN_CANCELING", message, { maxRuntimeMs: maxRuntime }, "warn")]);
          this.logger.warn(`run ${run.runId}: ${message}`, { runId: run.runId, maxRuntimeMs: maxRuntime });
          this.options.events?.emit("runCancelRequested", { runId: run.runId, status: "CANCELING" });
        }
      }
    }
  }

}

function maxRuntimeMs(run: RunRecord, settings: DaemonSettings): number {
  const tag = run.tags[MAX_RUNTIME_TAG];
  const seconds = tag === undefined ? NaN : Number(tag);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : settings.maxRuntimeMs;
}
