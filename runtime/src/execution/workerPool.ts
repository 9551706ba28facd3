import type { StorageConfig } from "../storage";
import type { RunResult } from "./api";
import { RunStartError, WorkerRun, type WorkerRunOptions } from "./worker";
import { WorkerProcess, describeWorkerExit, type WorkerProcessOptions } from "./workerProcess";
import type { WorkerMessage } from "./workerProtocol";

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
  generation: number;
  active: number;
  served: number;
  retiring: boolean;
}

/**
 * Warm run workers: processes that have loaded the project and opened storage before a run arrives,
 * so launching a run costs an IPC message instead of a fork, a compile and an import (~0.3-1 s).
 * Isolation is kept: user code still runs outside the daemon, and a process that dies takes only
 * its own runs with it. `reload()` (code changed) retires the old processes as their runs end.
 */
export class WorkerPool {
  private readonly workers = new Set<PooledWorker>();
  private readonly waiting: (() => void)[] = [];
  private generation = 0;
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

  /**
   * Executes a run on a warm worker (waiting for a free slot when all are busy). Same contract as
   * `launchRunInWorker`: resolves with the outcome whatever user code does; rejects only when the run
   * cannot start (bad selection, or the project does not load).
   */
  async launch(options: Omit<WorkerRunOptions, "projectDir" | "storageConfig"> & Partial<WorkerRunOptions>): Promise<RunResult> {
    const worker = await this.acquire();
    try {
      return await new WorkerRun(
        { ...options, projectDir: this.options.projectDir, storageConfig: this.options.storageConfig },
        worker.process,
      ).start();
    } finally {
      worker.active--;
      worker.served++;
      if (worker.served >= this.maxRunsPerWorker || worker.process.rssBytes > this.maxWorkerBytes) this.retire(worker);
      else if (worker.retiring && worker.active === 0) worker.process.send({ type: "retire" });
      this.release();
    }
  }

  /** The code changed: new runs go to processes that load it afresh; old ones finish their runs. */
  reload(): void {
    this.generation++;
    for (const worker of this.workers) if (worker.generation !== this.generation) this.retire(worker);
    this.topUp();
  }

  /** Retires every process; running runs finish first, up to `timeoutMs`, then processes are killed. */
  async close(timeoutMs = 15_000): Promise<void> {
    this.closed = true;
    const workers = [...this.workers];
    const exits = workers.map((worker) => new Promise<void>((resolve) => worker.process.onExit(() => resolve())));
    for (const worker of workers) this.retire(worker);
    const timer = setTimeout(() => {
      for (const worker of workers) worker.process.kill("the worker pool was closed");
    }, timeoutMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  /** Processes now, for health reports. */
  stats(): { processes: number; ready: number; busy: number } {
    const all = [...this.workers];
    return { processes: all.length, ready: all.filter((w) => w.isReady && !w.retiring).length, busy: all.filter((w) => w.active > 0).length };
  }

  private async acquire(): Promise<PooledWorker> {
    for (;;) {
      if (this.closed) throw new RunStartError("the worker pool is closed", false);
      const worker = this.pick();
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
        if (worker.generation !== this.generation) continue;
        throw error; // the project's load error
      }
      if (worker.process.alive) return worker;
      worker.active--; // it died after loading: take another
    }
  }

  /** A current-generation process with a free slot: a ready one first, else a loading one, else a new one. */
  private pick(): PooledWorker | undefined {
    const usable = [...this.workers].filter(
      (w) => w.generation === this.generation && !w.retiring && w.process.alive && w.active < this.runsPerWorker,
    );
    const ready = usable.filter((w) => w.isReady).sort((a, b) => a.active - b.active)[0];
    if (ready) return ready;
    const loading = usable.find((w) => !w.isReady);
    if (loading) return loading;
    if (this.liveCount() < this.size) return this.spawn();
    return undefined;
  }

  /** Keeps `spare` idle ready-or-loading processes beyond the busy ones, within `size`. */
  private topUp(): void {
    if (this.closed) return;
    const idle = [...this.workers].filter((w) => w.generation === this.generation && !w.retiring && w.active === 0).length;
    for (let missing = this.spare - idle; missing > 0 && this.liveCount() < this.size; missing--) this.spawn();
  }

  private liveCount(): number {
    return [...this.workers].filter((w) => !w.retiring || w.active > 0).length;
  }

  private spawn(): PooledWorker {
    const process = new WorkerProcess(this.options);
    const worker: PooledWorker = {
      process,
      ready: Promise.resolve(),
      isReady: false,
      generation: this.generation,
      active: 0,
      served: 0,
      retiring: false,
    };
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
    process.send({ type: "preload", projectDir: this.options.projectDir, storage: this.options.storageConfig });
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
