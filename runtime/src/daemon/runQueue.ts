/**
 * The run coordinator: claims QUEUED runs (`claimQueuedRuns`, `FOR UPDATE SKIP LOCKED` on
 * PostgreSQL) within this process's capacity, the global limit and the per-tag limits, executes each in a worker
 * process, writes the runs' ends for their workers (group commit, refilling the freed slots in the
 * same statements: RunEndWriter), heartbeats them, and stops the worker of a run someone marked
 * CANCELING.
 *
 * Every `tributary daemon` and every `tributary worker` runs one; they share the queue through storage.
 */
import type { RunResult } from "../execution/api";
import { launchRunInWorker, RunStartError, type WorkerRunOptions } from "../execution/worker";
import type { StorageConfig } from "../storage";
import type { Storage } from "../storage/port";
import { FINAL_RUN_STATUSES, UNFINISHED_RUN_STATUSES, type RunRecord } from "../types";
import { failRun, retryRun, runEvent } from "./runLifecycle";
import { RunEndWriter } from "./runEndWriter";
import type { DaemonEvents, TypedEmitter } from "./events";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import { PollLoop } from "./pollLoop";
import type { StorageOutages } from "./storageWatch";
import type { DaemonSettings } from "./settings";

/** Launches one run; `launchRunInWorker` unless a test or a warm pool provides another. */
export type RunLauncher = (options: WorkerRunOptions) => Promise<RunResult>;

/** Options of {@link RunCoordinator}. */
export interface RunCoordinatorOptions {
  storage: Storage;
  storageConfig: StorageConfig;
  projectDir: string;
  /** This process's id (`host:pid:uuid`), written on claimed runs. */
  workerId: string;
  settings: DaemonSettings;
  launcher?: RunLauncher;
  /** Told when a run this coordinator executed has ended (notifications). */
  onRunEnded?: (run: RunRecord) => void;
  /**
   * Told how a run this coordinator executed ended, from its worker's result (no storage read):
   * the daemon's log line. Not told of a run another process ended.
   */
  onRunResult?: (run: RunRecord, result: RunResult, durationMs: number) => void;
  /** Told of the runs it starts and ends and of their events (`runsStarted`, `runEvent`, `runEnded`). */
  events?: TypedEmitter<DaemonEvents>;
  /** @defaultValue stderr, text */
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`): its claim loop is `runQueue`. */
  heartbeats?: LoopHeartbeats;
  /** The daemon's storage outages: claims back off during one, and it is logged there once. */
  outages?: StorageOutages;
}

interface ActiveRun {
  run: RunRecord;
  abort: AbortController;
  done: Promise<void>;
}

/** Claims and executes queued runs until stopped. */
export class RunCoordinator {
  private readonly active = new Map<string, ActiveRun>();
  /** Claims at start, when woken, and every queuePollMs. */
  private readonly loop: PollLoop;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Resolves to the function that stops listening for queued runs (when storage can notify). */
  private listening: Promise<(() => Promise<void>) | undefined> | undefined;
  /** The listener lost its connection in a database outage: its "listening again" is news of no one. */
  private listenerLostInOutage = false;
  private stopWatchingOutages: (() => void) | undefined;

  /** Writes the ends of this coordinator's runs, refilling their slots in the same statements. */
  private readonly ends: RunEndWriter;
  private readonly logger: Logger;

  constructor(private readonly options: RunCoordinatorOptions) {
    this.logger = (options.logger ?? createLogger()).scope({ component: "coordinator" });
    this.loop = new PollLoop({
      name: "runQueue",
      ...(options.heartbeats ? { heartbeats: options.heartbeats } : {}),
      pass: () => this.claim(),
      pollMs: () => options.settings.queuePollMs,
      onError: (error) => this.logger.error(`claiming queued runs failed: ${describe(error)}`),
      ...(options.outages ? { outages: options.outages } : {}),
    });
    this.ends = new RunEndWriter({
      storage: options.storage,
      workerId: options.workerId,
      // With limits across processes, the claim after the runs have ended keeps them (claimQueuedRuns).
      claimLimit: (ends) => (!this.loop.isRunning || options.settings.tagConcurrencyLimits.length > 0 || options.settings.globalMaxConcurrentRuns > 0 ? 0 : ends),
      onClaimed: (runs) => this.launchClaimed(runs),
      onUnreachable: (error) => void this.options.outages?.absorb(error),
    });
  }

  /** Runs this coordinator is executing now. */
  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  start(): void {
    if (this.loop.isRunning) return;
    const heartbeat = () => void this.heartbeat().catch((error) => this.logFailure(error, `heartbeat failed: ${describe(error)}`));
    this.heartbeatTimer = setInterval(heartbeat, this.options.settings.heartbeatMs);
    // Heartbeats missed during an outage are caught up at once, before a monitor looks at them.
    this.stopWatchingOutages = this.options.outages?.onRecovered(heartbeat);
    // Runs queued by other processes wake this one at once where the database can tell (PostgreSQL);
    // polling every queuePollMs stays, for SQLite and for a lost listening connection.
    this.listening = this.options.storage.listenForQueuedRuns?.(() => this.wake(), (message, error) => this.listenerSays(message, error)).catch((error: unknown) => {
      this.logFailure(error, `cannot listen for queued runs, polling only: ${describe(error)}`);
      return undefined;
    });
    this.loop.start();
  }

  /** Stops the worker of a run this coordinator executes (a cancel made in this process). */
  abortIfActive(runId: string): void {
    this.active.get(runId)?.abort.abort();
  }

  /**
   * Looks for queued runs now (called after a submit in this process, or on a notification from
   * another process), instead of at the next poll.
   */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Stops claiming. With `cancelRunning`, cancels the runs in flight; either way waits for them to
   * end (up to `timeoutMs`).
   */
  async stop(options: { cancelRunning?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const stopped = this.loop.stop();
    const stopListening = await this.listening;
    this.listening = undefined;
    await stopListening?.();
    await stopped;
    if (options.cancelRunning) for (const active of this.active.values()) active.abort.abort();
    const all = Promise.all([...this.active.values()].map((active) => active.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, options.timeoutMs ?? 30_000)))]);
    clearTimeout(timer);
    clearInterval(this.heartbeatTimer);
    this.stopWatchingOutages?.();
  }

  /** One claim for the free capacity; resolves 0 (look again at once) after a full batch. */
  private async claim(): Promise<number | void> {
    const capacity = this.options.settings.maxConcurrentRuns - this.active.size;
    if (capacity <= 0) return;
    // Straight into STARTED: this coordinator launches them at once (one commit per run less).
    const { tagConcurrencyLimits: tagLimits, globalMaxConcurrentRuns } = this.options.settings;
    const claimed = await this.options.storage.claimQueuedRuns(this.options.workerId, capacity, {
      start: true,
      ...(tagLimits.length > 0 ? { tagLimits } : {}),
      ...(globalMaxConcurrentRuns > 0 ? { maxInProgress: globalMaxConcurrentRuns } : {}),
    });
    this.launchClaimed(claimed);
    // A full batch suggests more are waiting.
    if (claimed.length === capacity) return 0;
  }

  /** Executes runs claimed for this coordinator. */
  private launchClaimed(claimed: RunRecord[]): void {
    if (claimed.length === 0) return;
    for (const run of claimed) this.execute(run);
    this.options.events?.emit("runsStarted", { runIds: claimed.map((run) => run.runId) });
  }

  private execute(run: RunRecord): void {
    const abort = new AbortController();
    const active: ActiveRun = { run, abort, done: Promise.resolve() };
    this.active.set(run.runId, active);
    let endedHere = true;
    let status: RunRecord["status"] | null = null;
    active.done = this.executeRun(run, abort.signal, (ended) => (status = ended))
      .then((outcome) => {
        endedHere = outcome !== "endedElsewhere";
      })
      .catch((error) => this.logFailure(error, `run ${run.runId}: ${describe(error)}`))
      .finally(() => {
        this.active.delete(run.runId);
        this.options.events?.emit("runEnded", { runId: run.runId, status, by: "coordinator" });
        // A run another process ended was notified about there.
        if (endedHere) void this.endedRun(run.runId);
        this.wake();
      });
  }

  /** Executes a run to its end; "endedElsewhere" when another process had ended it first. */
  private async executeRun(run: RunRecord, signal: AbortSignal, onStatus: (status: RunRecord["status"]) => void): Promise<"endedHere" | "endedElsewhere"> {
    const launcher = this.options.launcher ?? launchRunInWorker;
    const launchedAt = Date.now();
    const ended = (result: RunResult) => {
      onStatus(result.status);
      this.options.onRunResult?.(run, result, Date.now() - launchedAt);
    };
    try {
      const result = await launcher({
        projectDir: this.options.projectDir,
        storageConfig: this.options.storageConfig,
        storage: this.options.storage,
        runId: run.runId,
        selection: run.selection,
        tags: run.tags,
        instigator: run.instigator,
        runKey: run.runKey,
        claimedAsStarted: true,
        endRun: (events, runUpdate) => this.ends.end(events, runUpdate),
        signal,
        onEvent: () => this.options.events?.emit("runEvent", { runId: run.runId }),
      });
      if (result.endedElsewhere) {
        // This process was frozen or cut off while another one ended the run (its monitor took the
        // run for dead, and retried it if the policy says so): that end is the run's one outcome.
        this.logger.warn(`run ${run.runId} finished here after another process had ended it ${result.status}: not counted again (no retry, no notification)`, { runId: run.runId });
        return "endedElsewhere";
      }
      ended(result);
      if (result.status === "FAILURE" && result.error && this.options.settings.maxRetries > 0) {
        // The worker died (crash, OOM, kill): a run retry policy applies, as when the monitor finds it.
        const failed = await this.options.storage.getRun(run.runId);
        if (failed?.status === "FAILURE") await retryRun(this.options.storage, failed, this.options.settings.maxRetries);
      }
    } catch (error) {
      const current = await this.options.storage.getRun(run.runId);
      if (current?.status === "CANCELING") {
        await this.options.storage.transitionRun(run.runId, ["CANCELING"], "CANCELED", { endedAt: new Date().toISOString(), error: "canceled before it started" });
        await this.options.storage.appendEvents([runEvent(run.runId, "RUN_CANCELED", "Run canceled before it started", {}, "warn")]);
        ended({ runId: run.runId, status: "CANCELED", steps: [], error: "canceled before it started" });
        return "endedHere";
      }
      const reason = error instanceof RunStartError ? `the run could not start: ${error.message}` : describe(error);
      if (current && (await failRun(this.options.storage, current, reason, UNFINISHED_RUN_STATUSES))) {
        ended({ runId: run.runId, status: "FAILURE", steps: [], error: reason });
      }
    }
    return "endedHere";
  }

  private async endedRun(runId: string): Promise<void> {
    // Reading the run back costs a query per run: only worth it when someone listens.
    if (!this.options.onRunEnded) return;
    try {
      const run = await this.options.storage.getRun(runId);
      if (run && FINAL_RUN_STATUSES.includes(run.status)) this.options.onRunEnded?.(run);
    } catch (error) {
      this.logFailure(error, `reading run ${runId} after it ended failed: ${describe(error)}`);
    }
  }

  /** Heartbeats this coordinator's runs, and stops those someone asked to cancel. */
  private async heartbeat(): Promise<void> {
    const ids = this.activeRunIds;
    if (ids.length === 0) return;
    await this.options.storage.heartbeatRuns(ids, new Date().toISOString());
    const canceling = await this.options.storage.listRuns({ statuses: ["CANCELING"], limit: 1000 });
    for (const run of canceling) this.active.get(run.runId)?.abort.abort();
  }

  /** What the queued-run listener reports: a connection it lost in a database outage is part of that outage. */
  private listenerSays(message: string, error?: unknown): void {
    if (error !== undefined && this.options.outages?.absorb(error)) {
      this.listenerLostInOutage = true;
      return;
    }
    if (error === undefined && this.listenerLostInOutage) {
      this.listenerLostInOutage = false;
      return;
    }
    this.log(message);
  }

  /** Logs a failure, unless it is the database being unreachable (the outage is logged once, elsewhere). */
  private logFailure(error: unknown, message: string): void {
    if (!this.options.outages?.absorb(error)) this.log(message);
  }

  private log(message: string): void {
    this.logger.warn(message);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
