/**
 * The daemon: wires the code location, the scheduler, the sensors, the run coordinator, the
 * monitor, notifications and the daemon heartbeat around one storage, and implements
 * {@link DaemonServices} for the HTTP API.
 *
 * `tributary daemon` runs all of it; `tributary worker` runs the coordinator only (role "worker");
 * `tributary dev` runs all of it on embedded storage with code reloads (mode "dev").
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { isSchedule } from "../definitions/schedule";
import { isSensor } from "../definitions/sensor";
import { TributaryError } from "../errors";
import { planRun } from "../execution/plan";
import { loadPartitionContext, partitionTags } from "../partitions/runPartitions";
import type { ProjectConfig } from "../loader";
import { openStorage } from "../storage";
import type { Storage } from "../storage/port";
import type { InstigatorState, InstigatorStatus, RunRecord } from "../types";
import { CodeLocation } from "./codeLocation";
import { BackfillLoop } from "./backfills";
import { RunMonitor } from "./monitor";
import { Notifier, notificationSettingsFromConfig } from "./notifications";
import { cancelRun, enqueueRun } from "./runLifecycle";
import { CODE_VERSION_TAG, type RunResult } from "../execution/api";
import { EvaluationWorker } from "../execution/evaluationWorker";
import { RunStartError } from "../execution/worker";
import { WorkerPool, type PoolLaunchOptions } from "../execution/workerPool";
import { RunCoordinator, type RunLauncher } from "./runQueue";
import { Scheduler } from "./scheduler";
import { SensorLoop } from "./sensors";
import { runEndedLine, runQueuedLine, runResultLine } from "./runLog";
import { boundedLog } from "./logLine";
import type { DaemonServices, ProjectState, RunSubmission } from "./services";
import { automationSettingsFromConfig, daemonSettingsFromConfig, type AutomationSettings, type DaemonSettings } from "./settings";
import { AutomationLoop } from "./automation";
import { StorageWatch, type StorageOutages } from "./storageWatch";

/** Options of {@link Daemon}. */
export interface DaemonOptions {
  config: ProjectConfig;
  /** @defaultValue "daemon" */
  mode?: "dev" | "daemon";
  /** "daemon": everything; "worker": only the run coordinator (execution capacity). @defaultValue "daemon" */
  role?: "daemon" | "worker";
  /** Overrides of tributary.yaml's `daemon:` settings (tests use small intervals). */
  settings?: Partial<DaemonSettings>;
  /** Overrides of tributary.yaml's `automation:` settings (tests use a 1 s interval). */
  automation?: Partial<AutomationSettings>;
  /** An open storage to use instead of opening the config's (it is not closed by stop()). */
  storage?: Storage;
  /** Replaces launchRunInWorker (tests, warm pools). */
  launcher?: RunLauncher;
  /** The automation loop's clock (tests move it tick by tick). @defaultValue Date.now */
  automationClock?: () => number;
  /** Where log lines go. @defaultValue stderr */
  log?: (message: string) => void;
}

/** This process's id: host, pid and a random part (pids are reused). */
export function newProcessId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * A daemon process.
 *
 * @example
 * ```ts
 * const daemon = new Daemon({ config: findProjectConfig(process.cwd()) });
 * await daemon.start();
 * process.on("SIGTERM", () => void daemon.stop());
 * ```
 */
export class Daemon implements DaemonServices {
  readonly daemonId = newProcessId();
  readonly mode: "dev" | "daemon";
  readonly role: "daemon" | "worker";
  readonly settings: DaemonSettings;
  readonly notifier: Notifier;
  private storageValue: Storage | undefined;
  private readonly code: CodeLocation;
  private coordinator: RunCoordinator | undefined;
  private pool: WorkerPool | undefined;
  private scheduler: Scheduler | undefined;
  private sensors: SensorLoop | undefined;
  /** Runs the user code of sensors, off this process's event loop. */
  private evaluations: EvaluationWorker | undefined;
  private monitor: RunMonitor | undefined;
  private backfills: BackfillLoop | undefined;
  private automation: AutomationLoop | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly log: (message: string) => void;
  /** The base URL of the HTTP API serving this daemon, for the run links in its log lines. */
  private servedAt: string | undefined;
  /** Sees every storage call: logs an outage once, and lets the loops back off during it. */
  private readonly storageWatch: StorageWatch;

  constructor(private readonly options: DaemonOptions) {
    this.mode = options.mode ?? "daemon";
    this.role = options.role ?? "daemon";
    this.settings = { ...daemonSettingsFromConfig(options.config.daemon), ...options.settings };
    this.log = boundedLog(options.log ?? ((line) => process.stderr.write(`${line}\n`)));
    this.storageWatch = new StorageWatch(this.log);
    this.notifier = new Notifier(notificationSettingsFromConfig(options.config.notifications), this.log);
    this.code = new CodeLocation(options.config, { watch: this.mode === "dev", log: this.log });
  }

  get storage(): Storage {
    if (!this.storageValue) throw new TributaryError("the daemon is not started: call start() first");
    return this.storageValue;
  }

  /** Tells the daemon the URL its HTTP API is served at: its log lines about runs then link to them. */
  servesAt(baseUrl: string): void {
    this.servedAt = baseUrl;
  }

  /** Opens storage, loads the code and starts the loops. */
  async start(): Promise<void> {
    this.storageValue = this.storageWatch.watch(this.options.storage ?? (await openStorage(this.options.config.storage)));
    const storage = this.storageValue;
    const outages = this.storageWatch;
    const onChange = () => this.changed();
    const onRunEnded = (run: RunRecord) => {
      void this.notifier.runEnded(run, storage);
      if (run.instigator?.type === "backfill") this.backfills?.wake();
    };
    let launcher = this.options.launcher;
    // A daemon that leaves execution to workers (maxConcurrentRuns 0) keeps no worker process.
    if (!launcher && this.settings.maxConcurrentRuns > 0) {
      const pool = new WorkerPool({
        projectDir: this.options.config.projectDir,
        storageConfig: this.options.config.storage,
        size: Math.max(1, this.settings.maxConcurrentRuns),
        spare: this.settings.warmWorkers,
        // Without warm workers, a fresh process per run.
        ...(this.settings.warmWorkers === 0 ? { maxRunsPerWorker: 1 } : {}),
        log: this.log,
      });
      this.pool = pool;
      launcher = (options) => this.launchOnLoadedCode(pool, options);
    }
    this.coordinator = new RunCoordinator({
      storage,
      storageConfig: this.options.config.storage,
      projectDir: this.options.config.projectDir,
      workerId: this.daemonId,
      settings: this.settings,
      ...(launcher ? { launcher } : {}),
      // Only notifications need the ended run read back; sensors read runs themselves.
      ...(this.notifier.enabled ? { onRunEnded } : {}),
      // The log line comes from the worker's result, without a read.
      onRunResult: (run, result, durationMs) => this.log(runResultLine(run.runId, result, durationMs, this.servedAt)),
      onChange,
      log: this.log,
      outages,
    });
    // A run the monitor ends (its worker died) has no result here: its line is built from storage.
    const onMonitorEnded = (run: RunRecord) => {
      void runEndedLine(run, storage, this.servedAt).then(this.log, (error: unknown) => {
        if (!this.storageWatch.absorb(error)) this.log(`[runs] run ${run.runId} ${run.status} (reading its events failed: ${error instanceof Error ? error.message : String(error)})`);
      });
      onRunEnded(run);
    };
    this.monitor = new RunMonitor({ storage, settings: this.settings, onRunEnded: onMonitorEnded, onChange, log: this.log, outages });
    this.code.onReload(() => {
      // New runs go to workers of the new version; a failed reload keeps the running one.
      const version = this.code.version;
      if (version && version !== this.pool?.codeVersion) this.pool?.reload(version);
      this.evaluations?.reload(version ?? undefined);
      this.scheduler?.wake();
      this.sensors?.wake();
      this.automation?.wake();
      this.changed();
    });
    // Workers (role "worker") load it too: the code their runs execute is the one loaded here.
    await this.code.start();
    if (this.role === "daemon") {
      const submit = (request: RunSubmission) => this.submitRun(request);
      const project = () => this.code.project;
      this.scheduler = new Scheduler({ storage, project, submit, pollMs: this.settings.schedulerPollMs, log: this.log, outages });
      // Sensors evaluate the code version the runs execute, not whatever is on disk when their process starts.
      const code = this.code.version;
      this.evaluations = new EvaluationWorker({
        projectDir: this.options.config.projectDir,
        storageConfig: this.options.config.storage,
        ...(code ? { code } : {}),
        log: this.log,
      });
      this.sensors = new SensorLoop({
        storage,
        project,
        submit,
        evaluations: this.evaluations,
        notify: (message, details) => this.notifier.send({ event: "message", title: message, details, timestamp: new Date().toISOString() }),
        pollMs: this.settings.sensorPollMs,
        log: this.log,
        outages,
      });
      this.backfills = new BackfillLoop({
        storage,
        graph: () => this.code.project?.graph ?? null,
        submit,
        pollMs: this.settings.schedulerPollMs,
        log: this.log,
        outages,
        onChange,
      });
      this.automation = new AutomationLoop({
        storage,
        project,
        submit,
        daemonId: this.daemonId,
        settings: { ...automationSettingsFromConfig(this.options.config.automation), ...this.options.automation },
        log: this.log,
        outages,
        ...(this.options.automationClock ? { now: this.options.automationClock } : {}),
      });
      this.scheduler.start();
      this.sensors.start();
      this.automation.start();
      this.backfills.start();
      this.monitor.start();
    }
    this.coordinator.start();
    await this.recordHeartbeat();
    this.heartbeatTimer = setInterval(() => void this.recordHeartbeat(), this.settings.daemonHeartbeatMs);
  }

  /**
   * Stops the loops. Runs in flight finish (up to `timeoutMs`) unless `cancelRunning`; a run left
   * behind is failed by another daemon's monitor once its heartbeat is stale.
   */
  async stop(options: { cancelRunning?: boolean; timeoutMs?: number } = {}): Promise<void> {
    clearInterval(this.heartbeatTimer);
    await Promise.all([this.scheduler?.stop(), this.sensors?.stop(), this.monitor?.stop(), this.backfills?.stop(), this.automation?.stop()]);
    await this.evaluations?.close();
    await this.coordinator?.stop(options);
    await this.pool?.close();
    await this.code.stop();
    await this.notifier.close();
    if (!this.options.storage) await this.storageValue?.close();
  }

  project(): ProjectState {
    return this.code.current;
  }

  async reloadCode(): Promise<ProjectState> {
    await this.code.reload();
    return this.code.current;
  }

  /** Called after every load of the code, good or bad, with the changed files that caused it (none: at start, or on request). */
  onCodeReload(listener: (changed: string[]) => void): () => void {
    return this.code.onReload(listener);
  }

  /** The daemon's view of its database outages. */
  get outages(): StorageOutages {
    return this.storageWatch;
  }

  /** The scheduler (tests, and the HTTP API's next tick). */
  get schedulerLoop(): Scheduler | undefined {
    return this.scheduler;
  }

  /** The automation loop (tests wake it). */
  get automationLoop(): AutomationLoop | undefined {
    return this.automation;
  }

  /** The monitor (tests trigger checks). */
  get runMonitor(): RunMonitor | undefined {
    return this.monitor;
  }

  async submitRun(request: RunSubmission): Promise<RunRecord> {
    const project = this.code.project;
    const version = this.code.version;
    if (!project || !version) {
      const state = this.code.current;
      throw new TributaryError(`cannot launch a run: the project does not load${state.ok ? "" : `: ${state.error.message}`}`, { hint: this.howToReload() });
    }
    const partitionKeys = request.partitionKeys ?? [];
    const context = partitionKeys.length > 0 ? await loadPartitionContext(this.storage, [...project.graph.assets.values()].map((n) => n.partitions)) : {};
    const plan = planRun(project.graph, request.selection, partitionKeys, context);
    const run = await enqueueRun(this.storage, {
      selection: request.selection,
      assetKeys: [...plan.assetKeys],
      tags: { ...plan.jobTags, ...(request.tags ?? {}), ...partitionTags(partitionKeys), [CODE_VERSION_TAG]: version.id },
      instigator: request.instigator ?? null,
      runKey: request.runKey ?? null,
    });
    this.log(runQueuedLine(run, this.servedAt));
    this.coordinator?.wake();
    this.changed();
    return run;
  }

  /** Looks at backfills now (one was created or canceled). */
  wakeBackfills(): void {
    this.backfills?.wake();
  }

  async cancelRun(runId: string): Promise<RunRecord> {
    const run = await cancelRun(this.storage, runId);
    if (!run) throw new TributaryError(`no run with id ${runId}`, { hint: "List runs with `tributary runs list`." });
    if (run.status === "CANCELING") this.coordinator?.abortIfActive(runId);
    this.changed();
    return run;
  }

  async setInstigatorStatus(name: string, status: InstigatorStatus): Promise<InstigatorState> {
    const definitions = this.code.project?.definitions;
    const definition = definitions?.schedules.find((item) => item.name === name) ?? definitions?.sensors.find((item) => item.name === name);
    if (!definition) {
      const known = [...(definitions?.schedules ?? []), ...(definitions?.sensors ?? [])].map((item) => item.name);
      throw new TributaryError(`no schedule or sensor named "${name}"`, {
        hint: known.length > 0 ? `Known: ${known.join(", ")}.` : "The project defines no schedule or sensor.",
      });
    }
    const type = isSchedule(definition) ? "schedule" : isSensor(definition) ? "sensor" : "schedule";
    const state = await this.storage.setInstigatorState({ name, type, status });
    this.scheduler?.wake();
    this.sensors?.wake();
    this.changed();
    return state;
  }

  /**
   * Executes a run on the code this process loaded (at start, or at the last reload), never on the
   * files on disk: a run planned on an older version executes on it only if the current code cannot
   * plan it (see WorkerPool.launch).
   */
  private launchOnLoadedCode(pool: WorkerPool, options: PoolLaunchOptions): Promise<RunResult> {
    if (!this.code.version) {
      const state = this.code.current;
      return Promise.reject(
        new RunStartError(`this ${this.role} has not loaded the project${state.ok ? "" : `: ${state.error.message}`}`, false, this.howToReload()),
      );
    }
    return pool.launch({ ...options, plannedCode: this.code.versionById(options.tags?.[CODE_VERSION_TAG]) });
  }

  /** What to do about code that does not load, in this mode. */
  private howToReload(): string {
    return this.mode === "dev"
      ? "Fix the error in the definitions; they are reloaded when you save."
      : "Fix the error, then load the code again: POST /api/reload, or send the process SIGHUP.";
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener must not break the daemon.
      }
    }
  }

  private async recordHeartbeat(): Promise<void> {
    try {
      await this.storage.recordDaemonHeartbeat(
        this.daemonId,
        { role: this.role, mode: this.mode, pid: process.pid, host: hostname(), activeRuns: this.coordinator?.activeRunIds.length ?? 0 },
        new Date().toISOString(),
      );
    } catch (error) {
      if (!this.storageWatch.absorb(error)) this.log(`[daemon] recording the heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
