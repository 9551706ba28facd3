/**
 * The daemon: wires the code location, the scheduler, the sensors, the run coordinator, the
 * monitor, the freshness loop, notifications and the daemon heartbeat around one storage, and implements
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
import { FreshnessLoop } from "./freshnessLoop";
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
import { systemClock, type Clock } from "./clock";
import { TypedEmitter, type DaemonEvents, type DaemonEventSource } from "./events";
import { Logger, createLogger, textSink } from "./logger";
import { LoopHeartbeats, type LoopHealth } from "./loopHealth";
import { PollLoop } from "./pollLoop";
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
  /** The automation loop's clock (tests move it tick by tick). @defaultValue the daemon's {@link DaemonOptions.clock} */
  automationClock?: () => number;
  /**
   * Where log lines of text go (`[scheduler] ...`), at `daemon.logLevel`. Ignored when `logger` is
   * given. @defaultValue stderr, in `daemon.logFormat`
   */
  log?: (message: string) => void;
  /**
   * The logger of the daemon and its parts (each scopes it: `component: "scheduler"`, ...): a
   * JSON logger, or a pino instance through `new Logger(pinoSink(pino), {}, "debug")`.
   */
  logger?: Logger;
  /** The clock of the daemon's loops and their heartbeats (tests move it by hand). @defaultValue the system clock */
  clock?: Clock;
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
  private freshness: FreshnessLoop | undefined;
  private automation: AutomationLoop | undefined;
  /** Records this process's heartbeat (the `heartbeat` loop). */
  private heartbeatLoop: PollLoop | undefined;
  private readonly emitter = new TypedEmitter<DaemonEvents>();
  /** The daemon's logger, scoped `daemonId` (the HTTP server and the CLI log through it too). */
  readonly logger: Logger;
  /** The heartbeat of every loop of this process (`/api/health`'s `loops`). */
  readonly heartbeats: LoopHeartbeats;
  /** The `runs` scope: a line per run queued and per run ended. */
  private readonly runsLog: Logger;
  /** The base URL of the HTTP API serving this daemon, for the run links in its log lines. */
  private servedAt: string | undefined;
  /** Sees every storage call: logs an outage once, and lets the loops back off during it. */
  private readonly storageWatch: StorageWatch;

  constructor(private readonly options: DaemonOptions) {
    this.mode = options.mode ?? "daemon";
    this.role = options.role ?? "daemon";
    this.settings = { ...daemonSettingsFromConfig(options.config.daemon), ...options.settings };
    const section = options.config.daemon;
    const base =
      options.logger ??
      (options.log
        ? new Logger(textSink(boundedLog(options.log)), {}, section?.logLevel ?? "info")
        : createLogger({ ...(section?.logFormat ? { format: section.logFormat } : {}), ...(section?.logLevel ? { level: section.logLevel } : {}) }));
    // Several daemons and workers ship to one log store: each entry says which process wrote it.
    this.logger = base.scope({ daemonId: this.daemonId });
    this.runsLog = this.logger.scope({ component: "runs" });
    const clock = options.clock ?? systemClock;
    this.heartbeats = new LoopHeartbeats({
      clock,
      logger: this.logger.scope({ component: "loops" }),
      events: this.emitter,
      ...(this.settings.loopUnhealthyAfterMs === undefined ? {} : { unhealthyAfterMs: this.settings.loopUnhealthyAfterMs }),
    });
    this.storageWatch = new StorageWatch(this.logger, undefined, this.emitter);
    this.notifier = new Notifier(notificationSettingsFromConfig(options.config.notifications), this.logger);
    this.code = new CodeLocation(options.config, { watch: this.mode === "dev", logger: this.logger });
  }

  get storage(): Storage {
    if (!this.storageValue) throw new TributaryError("the daemon is not started: call start() first");
    return this.storageValue;
  }

  /**
   * Tells the daemon the URL its HTTP API and console are served at: its log lines about runs then
   * link to their console pages, and its heartbeat carries the URL, so that `tributary materialize`
   * and `tributary runs show` on the same storage can print a run's console URL.
   */
  servesAt(baseUrl: string): void {
    this.servedAt = baseUrl;
    if (this.heartbeatLoop) void this.recordHeartbeat();
  }

  /** Opens storage, loads the code and starts the loops. */
  async start(): Promise<void> {
    this.storageValue = this.storageWatch.watch(this.options.storage ?? (await openStorage(this.options.config.storage)));
    const storage = this.storageValue;
    const outages = this.storageWatch;
    const { logger, heartbeats } = this;
    const events = this.emitter;
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
        log: logger.lines(),
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
      onRunResult: (run, result, durationMs) => {
        this.runsLog.log(result.status === "SUCCESS" ? "info" : "warn", runResultLine(run.runId, result, durationMs, this.servedAt), { runId: run.runId, status: result.status, durationMs });
        // A materialization can make an asset fresh again: judge now rather than a poll later.
        this.freshness?.wake();
      },
      events,
      logger,
      heartbeats,
      outages,
    });
    // A run the monitor ends (its worker died) has no result here: its line is built from storage.
    const onMonitorEnded = (run: RunRecord) => {
      const fields = { runId: run.runId, status: run.status };
      void runEndedLine(run, storage, this.servedAt).then(
        (line) => this.runsLog.warn(line, fields),
        (error: unknown) => {
          if (!this.storageWatch.absorb(error)) this.runsLog.warn(`run ${run.runId} ${run.status} (reading its events failed: ${error instanceof Error ? error.message : String(error)})`, fields);
        },
      );
      onRunEnded(run);
    };
    this.monitor = new RunMonitor({ storage, settings: this.settings, onRunEnded: onMonitorEnded, events, logger, heartbeats, outages });
    this.code.onReload((changedFiles) => {
      // New runs go to workers of the new version; a failed reload keeps the running one.
      const version = this.code.version;
      if (version && version !== this.pool?.codeVersion) this.pool?.reload(version);
      this.evaluations?.reload(version ?? undefined);
      this.freshness?.wake();
      this.scheduler?.wake();
      this.sensors?.wake();
      this.automation?.wake();
      const state = this.code.current;
      events.emit("codeReloaded", { ok: state.ok, codeVersion: state.codeVersion, changedFiles });
    });
    // Workers (role "worker") load it too: the code their runs execute is the one loaded here.
    await this.code.start();
    if (this.role === "daemon") {
      const submit = (request: RunSubmission) => this.submitRun(request);
      const project = () => this.code.project;
      this.scheduler = new Scheduler({ storage, project, submit, pollMs: this.settings.schedulerPollMs, logger, heartbeats, outages });
      // Sensors evaluate the code version the runs execute, not whatever is on disk when their process starts.
      const code = this.code.version;
      this.evaluations = new EvaluationWorker({
        projectDir: this.options.config.projectDir,
        storageConfig: this.options.config.storage,
        ...(code ? { code } : {}),
        log: logger.lines(),
      });
      this.sensors = new SensorLoop({
        storage,
        project,
        submit,
        evaluations: this.evaluations,
        notify: (message, details) => this.notifier.send({ event: "message", title: message, details, timestamp: new Date().toISOString() }),
        pollMs: this.settings.sensorPollMs,
        logger,
        heartbeats,
        outages,
      });
      this.backfills = new BackfillLoop({
        storage,
        graph: () => this.code.project?.graph ?? null,
        submit,
        pollMs: this.settings.schedulerPollMs,
        logger,
        heartbeats,
        outages,
        onChange: (backfillId) => events.emit("backfillChanged", { backfillId }),
      });
      this.freshness = new FreshnessLoop({
        storage,
        graph: () => this.code.project?.graph ?? null,
        notify: (notification) => this.notifier.send(notification),
        pollMs: this.settings.freshnessPollMs,
        logger,
        heartbeats,
        outages,
      });
      this.automation = new AutomationLoop({
        storage,
        project,
        submit,
        daemonId: this.daemonId,
        settings: { ...automationSettingsFromConfig(this.options.config.automation), ...this.options.automation },
        logger,
        heartbeats,
        outages,
        // Tick instants on the daemon's clock unless a test moves the automation's own.
        now: this.options.automationClock ?? (() => heartbeats.clock.now()),
      });
      this.scheduler.start();
      this.sensors.start();
      this.freshness.start();
      this.automation.start();
      this.backfills.start();
      this.monitor.start();
    }
    this.coordinator.start();
    await this.recordHeartbeat();
    this.heartbeatLoop = new PollLoop({
      name: "heartbeat",
      pass: () => this.recordHeartbeat(),
      pollMs: () => this.settings.daemonHeartbeatMs,
      onError: () => undefined, // recordHeartbeat reports its own failures
      firstPassAfterInterval: true,
      heartbeats,
    });
    this.heartbeatLoop.start();
  }

  /**
   * Stops the loops. Runs in flight finish (up to `timeoutMs`) unless `cancelRunning`; a run left
   * behind is failed by another daemon's monitor once its heartbeat is stale.
   */
  async stop(options: { cancelRunning?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.heartbeatLoop?.stop();
    // Says it is gone: the CLI then prints no console URL of a daemon that no longer serves.
    // At most a second: a database that is down must not hold the stop.
    if (this.heartbeatLoop) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.recordHeartbeat(true), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
    }
    await Promise.all([this.scheduler?.stop(), this.sensors?.stop(), this.monitor?.stop(), this.backfills?.stop(), this.freshness?.stop(), this.automation?.stop()]);
    await this.evaluations?.close();
    await this.coordinator?.stop(options);
    await this.pool?.close();
    await this.code.stop();
    await this.notifier.close();
    if (!this.options.storage) await this.storageValue?.close();
    this.heartbeats.close();
  }

  /** What this daemon tells its listeners (runs, ticks, reloads, outages, stalled loops). */
  get events(): DaemonEventSource {
    return this.emitter;
  }

  /** The heartbeat of each of this process's loops, for `/api/health`. */
  loops(): LoopHealth[] {
    return this.heartbeats.health();
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

  /** The freshness loop (tests trigger passes). */
  get freshnessLoop(): FreshnessLoop | undefined {
    return this.freshness;
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
    const instigator = run.instigator && { type: run.instigator.type, name: run.instigator.name };
    this.runsLog.info(runQueuedLine(run, this.servedAt), { runId: run.runId, selection: run.selection, ...(instigator ? { instigator } : {}) });
    this.coordinator?.wake();
    this.emitter.emit("runQueued", { runId: run.runId, selection: run.selection, instigator });
    if (instigator && (instigator.type === "schedule" || instigator.type === "sensor")) this.emitter.emit("tick", { instigator, runId: run.runId });
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
    this.emitter.emit("runCancelRequested", { runId, status: run.status });
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
    this.emitter.emit("instigatorChanged", { name, type, status: state.status });
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

  private async recordHeartbeat(stopped = false): Promise<void> {
    try {
      await this.storage.recordDaemonHeartbeat(
        this.daemonId,
        {
          role: this.role, mode: this.mode, pid: process.pid, host: hostname(), activeRuns: this.coordinator?.activeRunIds.length ?? 0,
          ...(this.servedAt !== undefined && !stopped ? { url: this.servedAt } : {}),
          ...(stopped ? { stopped: true } : {}),
        },
        new Date().toISOString(),
      );
    } catch (error) {
      if (!this.storageWatch.absorb(error)) this.logger.scope({ component: "daemon" }).error(`recording the heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
