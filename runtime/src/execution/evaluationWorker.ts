/**
 * The daemon's side of user-code evaluations (./evaluations): one warm worker process that has
 * loaded the project evaluates every sensor tick (and, later, automation condition) the daemon's
 * loops ask for, several at once. The daemon's event loop only waits for messages, so a sensor that
 * blocks or hangs cannot stop the HTTP API, the heartbeats of runs or the other loops, and a timeout
 * holds: at `timeoutMs` the evaluation fails, and a process that does not answer its cancel within a
 * grace period (its code blocks the event loop) is killed. The next evaluation starts a new one.
 */
import { randomUUID } from "node:crypto";
import type { CodeVersion } from "../loader";
import type { StorageConfig } from "../storage";
import type { EvaluationKind, EvaluationOutcome, Evaluations } from "./evaluations";
import { describeWorkerExit, retireAll, WorkerProcess, type WorkerExit } from "./workerProcess";
import { preloadedCode } from "./workerPool";
import type { WorkerMessage } from "./workerProtocol";

/** Options of {@link EvaluationWorker}. */
export interface EvaluationWorkerOptions {
  projectDir: string;
  storageConfig: StorageConfig;
  /**
   * The code version to evaluate: the one the daemon's runs execute (see `reload`). Without one, the
   * project on disk when the process starts.
   */
  code?: CodeVersion;
  /** Where problems writing a version's bundle are said. */
  log?: (line: string) => void;
  /**
   * Time an evaluation past its timeout has to answer its cancel before its process is presumed
   * blocked and killed (with every evaluation it was running). @defaultValue 2000
   */
  cancelGraceMs?: number;
  /** A process that has not loaded the project after this long is killed. @defaultValue 120000 */
  loadTimeoutMs?: number;
}

/** How one evaluation is run. */
export interface EvaluateOptions {
  /** The evaluation fails after this long. */
  timeoutMs: number;
  /** What is evaluated, for messages: `sensor "new_files"`. */
  what: string;
  /** The timeout's setting, for messages: `sensor timeoutMs`. */
  timeoutSetting: string;
  /** Lines the code logged. */
  onLog?: (level: "info" | "warn" | "error", message: string) => void;
  /** Notifications the code sent. */
  onNotify?: (message: string, details: Record<string, unknown>) => void;
}

interface Pending {
  options: EvaluateOptions;
  settle: (outcome: EvaluationOutcome) => void;
  timeout: NodeJS.Timeout;
  kill: NodeJS.Timeout | undefined;
}

interface EvaluationProcess {
  process: WorkerProcess;
  /** Resolves once the project is loaded; rejects with why it did not load. */
  ready: Promise<void>;
  pending: Map<string, Pending>;
  /** Code changed (or closing): no new evaluation goes here; it retires once idle. */
  retiring: boolean;
}

/** Evaluates user code for the daemon in a worker process of its own. */
export class EvaluationWorker {
  private current: EvaluationProcess | undefined;
  private readonly all = new Set<EvaluationProcess>();
  private closed = false;
  private code: CodeVersion | undefined;

  constructor(private readonly options: EvaluationWorkerOptions) {
    this.code = options.code;
  }

  /**
   * Evaluates `name` of `kind` with `input`. Never rejects: what the code threw, a timeout, a crash
   * of the process or a project that does not load there are the outcome's error.
   */
  async evaluate<K extends EvaluationKind>(kind: K, name: string, input: Evaluations[K]["input"], options: EvaluateOptions): Promise<EvaluationOutcome<Evaluations[K]["output"]>> {
    if (this.closed) return { ok: false, error: "the daemon is stopping" };
    const target = this.current ?? this.spawn();
    try {
      await target.ready;
    } catch (error) {
      return { ok: false, error: `the project does not load in the evaluation process: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (!target.process.alive) return { ok: false, error: "the evaluation process exited before the evaluation started" };
    const evaluationId = randomUUID();
    const outcome = new Promise<EvaluationOutcome>((resolve) => {
      let settled = false;
      const pending: Pending = {
        options,
        settle: (result) => {
          if (settled) return;
          settled = true;
          resolve(result);
        },
        // Started once the process has the project: loading it is not the code's time.
        timeout: setTimeout(() => this.timedOut(target, evaluationId), options.timeoutMs),
        kill: undefined,
      };
      target.pending.set(evaluationId, pending);
    });
    target.process.send({ type: "evaluate", evaluationId, kind, name, input });
    return outcome as Promise<EvaluationOutcome<Evaluations[K]["output"]>>;
  }

  /**
   * The code changed: new evaluations go to a process that loads `code` (or, without a version, the
   * project on disk afresh); the old one retires once idle. The same version again changes nothing.
   */
  reload(code?: CodeVersion): void {
    if (code && code.id === this.code?.id) return;
    this.code = code;
    if (this.current) this.retire(this.current);
    this.current = undefined;
  }

  /** Retires every process (evaluations in progress finish first, up to `timeoutMs`, then they are killed). */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    this.current = undefined;
    await retireAll([...this.all], (entry) => this.retire(entry), timeoutMs, "the daemon stopped");
  }

  private spawn(): EvaluationProcess {
    const worker = new WorkerProcess();
    const entry: EvaluationProcess = { process: worker, ready: Promise.resolve(), pending: new Map(), retiring: false };
    entry.ready = new Promise<void>((resolve, reject) => {
      // Code that hangs at import time must not keep every sensor waiting for good.
      const loadMs = this.options.loadTimeoutMs ?? 120_000;
      const timer = setTimeout(() => worker.kill(`the evaluation process did not load the project within ${loadMs / 1000} s`), loadMs);
      const stop = worker.onMessage((message) => {
        if (message.type === "ready") {
          stop();
          clearTimeout(timer);
          resolve();
        } else if (message.type === "fatal" && message.runId === null) {
          stop();
          clearTimeout(timer);
          reject(new Error(message.error.message));
        }
      });
      worker.onExit((exit) => {
        stop();
        clearTimeout(timer);
        reject(new Error(describeWorkerExit(exit)));
      });
    });
    entry.ready.catch(() => undefined); // observed by evaluate()
    worker.onMessage((message) => this.onMessage(entry, message));
    worker.onExit((exit) => this.onExit(entry, exit));
    const code = this.code ? { code: preloadedCode(this.code, this.options.log) } : {};
    worker.send({ type: "preload", projectDir: this.options.projectDir, storage: this.options.storageConfig, ...code });
    this.all.add(entry);
    this.current = entry;
    return entry;
  }

  private onMessage(entry: EvaluationProcess, message: WorkerMessage): void {
    if (!("evaluationId" in message)) return;
    const pending = entry.pending.get(message.evaluationId);
    if (!pending) return;
    if (message.type === "evaluationLog") {
      pending.options.onLog?.(message.level, message.message);
    } else if (message.type === "evaluationNotify") {
      pending.options.onNotify?.(message.message, message.details);
    } else if (message.type === "evaluated") {
      clearTimeout(pending.timeout);
      clearTimeout(pending.kill);
      entry.pending.delete(message.evaluationId);
      pending.settle(message.outcome);
      if (entry.retiring && entry.pending.size === 0) entry.process.send({ type: "retire" });
    }
  }

  /** An evaluation's time is up: it fails now; its process must show it is not blocked, or go. */
  private timedOut(entry: EvaluationProcess, evaluationId: string): void {
    const pending = entry.pending.get(evaluationId);
    if (!pending) return;
    const { timeoutMs, what, timeoutSetting } = pending.options;
    pending.settle({ ok: false, error: `the evaluation timed out after ${timeoutMs} ms (${timeoutSetting})` });
    entry.process.send({ type: "cancelEvaluation", evaluationId });
    pending.kill = setTimeout(() => {
      entry.process.kill(`${what} blocked its evaluation process past its timeout of ${timeoutMs} ms, so the process was killed`);
    }, this.options.cancelGraceMs ?? 2_000);
  }

  private onExit(entry: EvaluationProcess, exit: WorkerExit): void {
    this.all.delete(entry);
    if (this.current === entry) this.current = undefined;
    for (const pending of entry.pending.values()) {
      clearTimeout(pending.timeout);
      clearTimeout(pending.kill);
      pending.settle({ ok: false, error: `the evaluation process ended: ${describeWorkerExit(exit)}` });
    }
    entry.pending.clear();
  }

  private retire(entry: EvaluationProcess): void {
    if (entry.retiring) return;
    entry.retiring = true;
    if (entry.pending.size === 0) entry.process.send({ type: "retire" });
  }
}
