import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { PARENT_PID_ENV, type ParentMessage, type WorkerMessage } from "./workerProtocol";

/** Options of a worker process. */
export interface WorkerProcessOptions {
  /** Heap limit of the worker (MB); Node's default when omitted. */
  maxOldSpaceMb?: number;
  /** A worker silent for this long (no heartbeat, no message) is killed. @defaultValue 60000 */
  unresponsiveMs?: number;
  /** Echo the worker's stderr to ours. @defaultValue true */
  echoStderr?: boolean;
}

/** Why a worker process ended, as told to each run it was executing. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when we killed it on purpose (timeout overrun, silence, cancel grace). */
  killedBecause: string | undefined;
  outOfMemory: boolean;
}

/**
 * One forked run worker: routes its messages to listeners, watches its heartbeat, keeps the tail of
 * its stderr (to tell an OOM from other deaths), and can be killed with a reason.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  private readonly listeners = new Set<(message: WorkerMessage) => void>();
  private readonly exitListeners = new Set<(exit: WorkerExit) => void>();
  private killedBecause: string | undefined;
  private stderrTail = "";
  private silenceTimer: NodeJS.Timeout | undefined;
  private exitInfo: WorkerExit | undefined;
  private lastRssBytes = 0;

  constructor(private readonly options: WorkerProcessOptions = {}) {
    const entry = path.join(__dirname, `workerMain${path.extname(__filename)}`);
    const execArgv = [...process.execArgv, "--enable-source-maps"];
    if (options.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${options.maxOldSpaceMb}`);
    // No `cwd` here: loaders in execArgv (tsx in tests) resolve from the parent's folder. The worker
    // moves into the project folder itself before it loads user code.
    this.child = fork(entry, [], {
      execArgv,
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      serialization: "advanced",
      // The worker watches for being re-parented: the IPC channel alone misses a parent that dies
      // while the worker is still starting.
      env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      if (options.echoStderr ?? true) process.stderr.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    this.child.on("message", (message: WorkerMessage) => {
      this.armSilenceTimer();
      if ("rssBytes" in message) this.lastRssBytes = message.rssBytes;
      for (const listener of this.listeners) listener(message);
    });
    this.child.on("error", (error) => {
      this.killedBecause ??= `the worker process could not be started: ${error.message}`;
    });
    this.child.on("exit", (code, signal) => {
      if (this.silenceTimer) clearTimeout(this.silenceTimer);
      this.exitInfo = {
        code,
        signal,
        killedBecause: this.killedBecause,
        outOfMemory: /heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderrTail),
      };
      for (const listener of this.exitListeners) listener(this.exitInfo);
    });
    this.armSilenceTimer();
  }

  /** The resident memory the worker last reported (0 before its first report). */
  get rssBytes(): number {
    return this.lastRssBytes;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  send(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  onMessage(listener: (message: WorkerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls the listener when the process ends (at once if it has ended already). */
  onExit(listener: (exit: WorkerExit) => void): () => void {
    if (this.exitInfo) {
      listener(this.exitInfo);
      return () => undefined;
    }
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** SIGKILLs the process; the first reason given is the one reported. */
  kill(reason: string): void {
    if (!this.alive) return;
    this.killedBecause ??= reason;
    this.child.kill("SIGKILL");
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    const limit = this.options.unresponsiveMs ?? 60_000;
    this.silenceTimer = setTimeout(() => this.kill(`the worker sent no heartbeat for ${limit} ms`), limit);
    this.silenceTimer.unref();
  }
}

/** The one-line reason a worker's death gives its runs. */
export function describeWorkerExit(exit: WorkerExit): string {
  if (exit.killedBecause) return exit.killedBecause;
  if (exit.outOfMemory) return "the worker ran out of memory (JavaScript heap); raise its memory or process less data per step";
  if (exit.signal) return `the worker process was killed by ${exit.signal}`;
  return `the worker process exited with code ${exit.code} before the run finished`;
}

/**
 * Retires processes and resolves once every one has exited; those still up after `timeoutMs`
 * (work that would not finish) are killed with `reason`. Shared by the run worker pool and the
 * evaluation worker.
 */
export async function retireAll<T extends { process: WorkerProcess }>(
  entries: readonly T[],
  retire: (entry: T) => void,
  timeoutMs: number,
  reason: string,
): Promise<void> {
  const exits = entries.map((entry) => new Promise<void>((resolve) => entry.process.onExit(() => resolve())));
  for (const entry of entries) retire(entry);
  const timer = setTimeout(() => {
    for (const entry of entries) entry.process.kill(reason);
  }, timeoutMs);
  await Promise.all(exits);
  clearTimeout(timer);
}
