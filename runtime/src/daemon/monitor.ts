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
  onChange?: () => void;
  log?: (message: string) => void;
  /** The daemon's storage outages: logged once there, not per check here. */
  outages?: StorageOutages;
}

/** Periodically checks runs in progress. */
export class RunMonitor {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** The last check could not reach the database. */
  private unreachable = false;
  /** When the database was reached again after an outage: no heartbeat is judged older than this. */
  private reachableSince = -Infinity;
  private stopWatching: (() => void) | undefined;

  constructor(private readonly options: RunMonitorOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.checkNow(), this.options.settings.monitorIntervalMs);
    // An outage another part of the daemon saw counts too (it may fall between two checks).
    this.stopWatching = this.options.outages?.onRecovered(() => (this.reachableSince = Date.now()));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopWatching?.();
    await this.checking;
  }

  /** Checks every run in progress once (also called by tests). */
  checkNow(): Promise<void> {
    this.checking ??= this.check()
      .catch((error) => {
        if (isStorageUnreachable(error)) this.unreachable = true;
        if (!this.options.outages?.absorb(error)) this.log(`check failed: ${error instanceof Error ? error.message : String(error)}`);
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
          this.log(`run ${run.runId} failed: ${reason}`);
          const failed = (await storage.getRun(run.runId)) ?? run;
          const retry = settings.maxRetries > 0 ? await retryRun(storage, failed, settings.maxRetries) : null;
          if (retry) this.log(`run ${run.runId} retried as ${retry.runId}`);
          this.options.onChange?.();
          this.options.onRunEnded?.(failed);
        }
        continue;
      }
      const maxRuntime = maxRuntimeMs(run, settings);
      if (run.status === "STARTED" && maxRuntime > 0 && run.startedAt && now - Date.parse(run.startedAt) > maxRuntime) {
        if (await storage.transitionRun(run.runId, ["STARTED"], "CANCELING")) {
          const message = `Run exceeded its max runtime of ${maxRuntime / 1000} s: canceling`;
          await storage.appendEvents([runEvent(run.runId, "RUN_CANCELING", message, { maxRuntimeMs: maxRuntime }, "warn")]);
          this.log(`run ${run.runId}: ${message}`);
          this.options.onChange?.();
        }
      }
    }
  }

  private log(message: string): void {
    (this.options.log ?? ((line) => process.stderr.write(`${line}\n`)))(`[monitor] ${message}`);
  }
}

function maxRuntimeMs(run: RunRecord, settings: DaemonSettings): number {
  const tag = run.tags[MAX_RUNTIME_TAG];
  const seconds = tag === undefined ? NaN : Number(tag);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : settings.maxRuntimeMs;
}
