import { ensureBundle, type CodeVersion } from "../loader";
import type { StorageConfig } from "../storage";
import type { RunResult } from "./api";
import { RunStartError, WorkerRun, type WorkerRunOptions } from "./worker";
import { WorkerProcess, describeWorkerExit, retireAll, type WorkerProcessOptions } from "./workerProcess";
import type { PreloadMessage, WorkerMessage } from "./workerProtocol";

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions extends WorkerProcessOptions {
  projectDir: string;
  storageConfig: StorageConfig;
  /** Worker processes at most (busy and warm). @defaultValue 2 */
  size?: number;
  /** Runs one process executes at once. 1 keeps runs isolated from each other. @defaultValue 1 */
  runsPerWorker?: number;
  /**
   * A process is retired after this many runs, so slow leaks in user code do not pile up. A new
   * process costs a fork, a compile and an import (~0.3-1 s of CPU), which this spreads thin.
   * @defaultValue 1000
   */
  maxRunsPerWorker?: number;
  /**
   * A process is retired after a run that leaves it above this resident memory (MB), so a leak is
   * cut short however few runs it took.
   * @defaultValue 1024
   */
  maxWorkerMemoryMb?: number;
  /** Warm processes kept ready beyond the busy ones. @defaultValue 1 */
  spare?: number;
  log?: (message: string) => void;
}

interface PooledWorker {
  process: WorkerProcess;
  /** Resolves when the project is loaded in it; rejects with the load error. */
  ready: Promise<void>;
  isReady: boolean;
  /** The code it loaded: a compiled version, or (without one) the project on disk at its start. */
  code: CodeVersion | undefined;
  /** Which code, as compared: the version's id, or the pool's reload count for code from disk. */
  codeKey: string;
  active: number;
  served: number;
  retiring: boolean;
}

/** What {@link WorkerPool.launch} takes: a run, and the code version it was planned on when known. */
export type PoolLaunchOptions = Omit<WorkerRunOptions, "projectDir" | "storageConfig"> &
  Partial<WorkerRunOptions> & {
    /**
     * The version the run was planned on. The run executes on the pool's current code; only when
     * that cannot plan it (its selection is gone since a reload) does it execute on this one.
     */
    plannedCode?: CodeVersion | undefined;
  };

/**
 * Warm run workers: processes that have loaded the project and opened storage before a run arrives,
 * so launching a run costs an IPC message instead of a fork, a compile and an import (~0.3-1 s).
 * Isolation is kept: user code still runs outside the daemon, and a process that dies takes only
 * its own runs with it.
 *
 * Every process belongs to one version of the code (`reload(version)`): it loads that version's
 * bundle, so all runs of a version run the same code however long the processes live. After a
 * reload, new runs go to processes of the new version, and the old ones retire as their runs end.
 */
export class WorkerPool {
  private readonly workers = new Set<PooledWorker>();
  private readonly waiting: (() => void)[] = [];
  private current: CodeVersion | undefined;
  /** Reloads without a version: each makes the code on disk a new "version". */
  private diskGeneration = 0;
  private closed = false;
  private readonly size: number;
  private readonly runsPerWorker: number;
  private readonly maxRunsPerWorker: number;
  private readonly maxWorkerBytes: number;
  private readonly spare: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? 2);
    this.runsPerWorker = Math.max(1, options.runsPerWorker ?? 1);
    this.maxRunsPerWorker = Math.max(1, options.maxRunsPerWorker ?? 1000);
    this.maxWorkerBytes = Math.max(1, options.maxWorkerMemoryMb ?? 1024) * 1024 * 1024;
    this.spare = Math.max(0, Math.min(options.spare ?? 1, this.size));
  }

  /** Starts the spare processes now, so the first run launches warm. */
  warmUp(): void {
    this.topUp();
  }

  /** The version new runs execute on (undefined: the project on disk, compiled by each process). */
  get codeVersion(): CodeVersion | undefined {
    return this.current;
  }

  /**
   * Executes a run on a warm worker (waiting for a free slot when all are busy). Same contract as
   * `launchRunInWorker`: resolves with the outcome whatever user code does; rejects only when the run
   * cannot start (bad selection, or the project does not load). A reload meanwhile never fails it.
   */
  async launch(options: PoolLaunchOptions): Promise<RunResult> {
    const { plannedCode, ...run } = options;
    const used: { codeKey?: string } = {};
    try {
      return await this.launchOn(undefined, run, used);
    } catch (error) {
      // The code reloaded since it was planned no longer has what the run selects: the planned code does.
      if (error instanceof RunStartError && error.usage && plannedCode && used.codeKey !== plannedCode.id) {
        return this.launchOn(plannedCode, run, used);
      }
      throw error;
    }
  }

  /**
   * The code changed: new runs go to processes of `version` (without one, to processes that load
   * the project from disk afresh); old processes finish their runs, then exit.
   */
  reload(version?: CodeVersion): void {
    if (version) this.current = version;
    else {
      this.current = undefined;
      this.diskGeneration++;
    }
    for (const worker of this.workers) if (worker.codeKey !== this.currentKey()) this.retire(worker);
    this.topUp();
  }

  /** Retires every process; running runs finish first, up to `timeoutMs`, then processes are killed. */
  async close(timeoutMs = 15_000): Promise<void> {
    this.closed = true;
    await retireAll([...this.workers], (worker) => this.retire(worker), timeoutMs, "the worker pool was closed");
  }

  /** Processes now, for health reports. */
  stats(): { processes: number; ready: number; busy: number } {
    const all = [...this.workers];
    return { processes: all.length, ready: all.filter((w) => w.isReady && !w.retiring).length, busy: all.filter((w) => w.active > 0).length };
  }

  /** Runs `run` on a process of `code` (the current code when undefined); `used` tells which code it got. */
  private async launchOn(code: CodeVersion | undefined, run: Omit<PoolLaunchOptions, "plannedCode">, used: { codeKey?: string }): Promise<RunResult> {
    const worker = await this.acquire(code);
    used.codeKey = worker.codeKey;
    try {
      return await new WorkerRun(
        {
          ...run,
          projectDir: this.options.projectDir,
          storageConfig: this.options.storageConfig,
          ...(worker.code ? { codeVersion: worker.code.id } : {}),
        },
        worker.process,
      ).start();
    } finally {
      worker.active--;
      worker.served++;
      if (worker.served >= this.maxRunsPerWorker || worker.process.rssBytes > this.maxWorkerBytes || worker.codeKey !== this.currentKey()) {
        worker.retiring = true;
      }
      if (worker.retiring && worker.active === 0) worker.process.send({ type: "retire" });
      this.release();
    }
  }

  /** A process of `code` (else of the current code, as it is at each try) with a slot reserved for the caller. */
  private async acquire(code: CodeVersion | undefined): Promise<PooledWorker> {
    for (;;) {
      if (this.closed) throw new RunStartError("the worker pool is closed", false);
      const worker = this.pick(code ?? this.current, code?.id ?? this.currentKey());
      if (!worker) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      // Reserved before it has loaded: a reload meanwhile retires it only after this run, instead
      // of stopping it under a run that waits for it (which then failed to start).
      worker.active++;
      this.topUp();
      try {
        await worker.ready;
      } catch (error) {
        worker.active--;
        this.release();
        // A process of code replaced since cannot fail the run: the current code gets its turn.
        if (!code && worker.codeKey !== this.currentKey()) continue;
        throw error; // the project's load error
      }
      if (worker.process.alive) return worker;
      worker.active--; // it died after loading: take another
    }
  }

  private currentKey(): string {
    return this.current?.id ?? `disk-${this.diskGeneration}`;
  }

  /** A process of the code with a free slot: a ready one first, else a loading one, else a new one. */
  private pick(code: CodeVersion | undefined, codeKey: string): PooledWorker | undefined {
    const usable = [...this.workers].filter((w) => w.codeKey === codeKey && !w.retiring && w.process.alive && w.active < this.runsPerWorker);
    const ready = usable.filter((w) => w.isReady).sort((a, b) => a.active - b.active)[0];
    if (ready) return ready;
    const loading = usable.find((w) => !w.isReady);
    if (loading) return loading;
    if (this.liveCount() >= this.size) {
      // Full of idle processes of other code (spares, when this run needs the code it was planned
      // on): one of them makes room.
      const idle = [...this.workers].find((w) => w.codeKey !== codeKey && !w.retiring && w.active === 0);
      if (!idle) return undefined;
      idle.retiring = true;
      idle.process.send({ type: "retire" });
    }
    return this.spawn(code, codeKey);
  }

  /** Keeps `spare` idle ready-or-loading processes of the current code beyond the busy ones, within `size`. */
  private topUp(): void {
    if (this.closed) return;
    const idle = [...this.workers].filter((w) => w.codeKey === this.currentKey() && !w.retiring && w.active === 0).length;
    for (let missing = this.spare - idle; missing > 0 && this.liveCount() < this.size; missing--) this.spawn(this.current, this.currentKey());
  }

  private liveCount(): number {
    return [...this.workers].filter((w) => !w.retiring || w.active > 0).length;
  }

  private spawn(code: CodeVersion | undefined, codeKey: string): PooledWorker {
    const process = new WorkerProcess(this.options);
    const worker: PooledWorker = { process, ready: Promise.resolve(), isReady: false, code, codeKey, active: 0, served: 0, retiring: false };
    worker.ready = new Promise<void>((resolve, reject) => {
      const stop = process.onMessage((message: WorkerMessage) => {
        if (message.type === "ready") {
          worker.isReady = true;
          stop();
          resolve();
        } else if (message.type === "fatal" && message.runId === null) {
          stop();
          const error = new RunStartError(message.error.message, false, message.error.hint);
          if (message.error.stack) error.stack = message.error.stack;
          reject(error);
        }
      });
      process.onExit((exit) => {
        stop();
        reject(new RunStartError(`the worker could not load the project: ${describeWorkerExit(exit)}`, false));
      });
    });
    worker.ready.catch(() => undefined); // observed by acquire(); a spare's failure must not crash us
    process.onExit(() => {
      this.workers.delete(worker);
      this.release();
    });
    process.send({ type: "preload", projectDir: this.options.projectDir, storage: this.options.storageConfig, ...(code ? { code: preloadedCode(code, this.options.log) } : {}) });
    this.workers.add(worker);
    return worker;
  }

  private retire(worker: PooledWorker): void {
    if (worker.retiring) return;
    worker.retiring = true;
    if (worker.active === 0) worker.process.send({ type: "retire" });
    this.topUp();
  }

  private release(): void {
    this.topUp();
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/**
 * What a worker process needs to load `code` (its `preload` message): the version's bundle, on disk
 * again if a compile elsewhere cleaned it up. Run workers and the evaluation worker load code alike.
 */
export function preloadedCode(code: CodeVersion, log?: (line: string) => void): NonNullable<PreloadMessage["code"]> {
  try {
    ensureBundle(code.compiled);
  } catch (error) {
    // The process reports the load error (the bundle is missing) to whoever waits for it.
    log?.(`[pool] cannot write the bundle of code ${code.id}: ${(error as Error).message}`);
  }
  return { id: code.id, bundleFile: code.compiled.bundleFile, config: code.config };
}
