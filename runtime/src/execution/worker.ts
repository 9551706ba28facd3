import { randomUUID } from "node:crypto";
import { TributaryError } from "../errors";
import type { StorageConfig } from "../storage";
import type { RunUpdateRequest, Storage } from "../storage/port";
import { RunStatusConflictError } from "../storage/errors";
import { FINAL_RUN_STATUSES, IN_PROGRESS_RUN_STATUSES, type RunEvent, type RunStatus, type StepStatus } from "../types";
import type { RunOptions, RunResult, StepResult } from "./api";
import { describeWorkerExit, WorkerProcess, type WorkerExit } from "./workerProcess";
import type { WorkerMessage } from "./workerProtocol";

/** Options of {@link launchRunInWorker}. */
export interface WorkerRunOptions extends RunOptions {
  /** The project folder (where tributary.yaml or definitions.ts is found). */
  projectDir: string;
  /** Storage the worker opens (the same database the caller uses). */
  storageConfig: StorageConfig;
  /** The caller's storage, used to record the run's end when the worker dies. */
  storage: Storage;
  /** Heap limit of the worker (MB); Node's default when omitted. */
  maxOldSpaceMb?: number;
  /** A worker silent for this long (no heartbeat, no event) is killed. @defaultValue 60000 */
  unresponsiveMs?: number;
  /** Extra time a step may overrun its timeoutMs before the worker is presumed stuck and killed. @defaultValue 5000 */
  timeoutGraceMs?: number;
  /** Time a canceled worker has to stop by itself before it is killed. @defaultValue 10000 */
  cancelGraceMs?: number;
}

/**
 * Executes a run in a worker process of its own. Whatever user code does (throws, exits, hangs,
 * exhausts memory) the caller gets a RunResult: a dead worker's run ends FAILURE with the reason, and
 * the steps it was running fail with that reason too.
 *
 * Rejects only when the run cannot start: a selection that does not parse or selects nothing
 * (`usage: true` errors) or project code that does not load.
 */
export function launchRunInWorker(options: WorkerRunOptions): Promise<RunResult> {
  const worker = new WorkerProcess({
    ...(options.maxOldSpaceMb === undefined ? {} : { maxOldSpaceMb: options.maxOldSpaceMb }),
    ...(options.unresponsiveMs === undefined ? {} : { unresponsiveMs: options.unresponsiveMs }),
  });
  return new WorkerRun(options, worker).start();
}

/** Error from a worker that could not start the run; `usage` marks a bad selection. */
export class RunStartError extends TributaryError {
  constructor(
    message: string,
    readonly usage: boolean,
    hint?: string,
  ) {
    super(message, hint === undefined ? undefined : { hint });
  }
}

/**
 * Follows one run executed by a worker process (one-shot, or a warm one from a pool): forwards its
 * events, enforces what the worker cannot (a step that blocks the event loop past its timeout, a
 * cancel that is ignored), and when the process dies mid-run records the run's end in storage.
 */
export class WorkerRun {
  private readonly runId: string;
  private fatal: RunStartError | undefined;
  private runStarted = false;
  private plannedSteps: string[] = [];
  private readonly stepStates = new Map<string, { status: StepStatus | "running"; startedAt: number; durationMs: number }>();
  private readonly stepTimers = new Map<string, NodeJS.Timeout>();
  /** Events passed on so far; they are the first ones of the run in storage, in the same order. */
  private delivered = 0;
  private settle!: { resolve: (result: RunResult) => void; reject: (error: unknown) => void };
  private readonly cleanups: (() => void)[] = [];
  /** The write of the run's last batch the worker handed over, while in flight. */
  private ending: Promise<void> | undefined;
  /** The run's end the worker handed over was written: the run was ended here, not elsewhere. */
  private endedHere = false;

  constructor(
    private readonly options: WorkerRunOptions,
    private readonly worker: WorkerProcess,
  ) {
    this.runId = options.runId ?? randomUUID();
  }

  start(): Promise<RunResult> {
    const done = new Promise<RunResult>((resolve, reject) => (this.settle = { resolve, reject }));
    this.cleanups.push(this.worker.onMessage((message) => this.onMessage(message)));
    this.cleanups.push(this.worker.onExit((exit) => void this.onExit(exit)));
    const onAbort = () => this.cancel();
    this.options.signal?.addEventListener("abort", onAbort, { once: true });
    this.cleanups.push(() => this.options.signal?.removeEventListener("abort", onAbort));
    this.worker.send({
      type: "start",
      runId: this.runId,
      projectDir: this.options.projectDir,
      storage: this.options.storageConfig,
      selection: this.options.selection,
      tags: this.options.tags ?? {},
      instigator: this.options.instigator ?? null,
      runKey: this.options.runKey ?? null,
      maxConcurrency: this.options.maxConcurrency,
      claimedAsStarted: this.options.claimedAsStarted ?? false,
      codeVersion: this.options.codeVersion,
    });
    if (this.options.signal?.aborted) this.cancel();
    return done;
  }

  private finish(outcome: { result: RunResult } | { error: unknown }): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const timer of this.stepTimers.values()) clearTimeout(timer);
    if ("result" in outcome) this.settle.resolve(outcome.result);
    else this.settle.reject(outcome.error);
  }

  private onMessage(message: WorkerMessage): void {
    if (!("runId" in message) || message.runId !== this.runId) return;
    if (message.type === "events") {
      for (const event of message.events) this.track(event);
    } else if (message.type === "attempt") {
      this.watchAttempt(message.stepKey, message.timeoutMs);
    } else if (message.type === "endRun") {
      this.ending = this.endRun(message.events, message.runUpdate);
    } else if (message.type === "result") {
      this.finish({ result: message.result });
    } else if (message.type === "fatal") {
      const { error } = message;
      this.fatal = new RunStartError(error.message, error.usage === true, error.hint);
      if (error.stack && !error.usage) this.fatal.stack = error.stack;
      if (!this.runStarted) this.finish({ error: this.fatal });
      else void this.onExit({ code: null, signal: null, killedBecause: `the run failed: ${error.message}`, outOfMemory: false });
    }
  }

  /** Writes the run's last batch for the worker (RunOptions.endRun) and tells it how that went. */
  private async endRun(events: RunEvent[], runUpdate: RunUpdateRequest): Promise<void> {
    const write = this.options.endRun ?? ((batch: RunEvent[], update: RunUpdateRequest) => this.options.storage.appendEvents(batch, { runUpdate: update }));
    try {
      await write(events, runUpdate);
      this.endedHere = runUpdate.update.status !== undefined;
      this.worker.send({ type: "runEnded", runId: this.runId });
    } catch (error) {
      this.worker.send(
        error instanceof RunStatusConflictError
          ? { type: "runEnded", runId: this.runId, conflict: { status: error.status, reason: error.reason } }
          : { type: "runEnded", runId: this.runId, error: error instanceof Error ? error.message : String(error) },
      );
    }
  }

  private async onExit(exit: WorkerExit): Promise<void> {
    // A last batch handed over just before the worker died is written first: it may be the run's end.
    await this.ending;
    try {
      this.finish({ result: await this.recordCrash(describeWorkerExit(exit)) });
    } catch (error) {
      this.finish({ error });
    }
  }

  /** Follows the run from its events: for live progress, and to know what to fail if the worker dies. */
  private track(event: RunEvent): void {
    this.delivered++;
    if (event.type === "RUN_START") {
      this.runStarted = true;
      this.plannedSteps = (event.data?.steps as string[] | undefined) ?? [];
    } else if (event.stepKey) {
      this.trackStep(event, event.stepKey);
    }
    try {
      this.options.onEvent?.(event);
    } catch {
      // A progress display must never break a run.
    }
  }

  private trackStep(event: RunEvent, stepKey: string): void {
    const ended: Partial<Record<RunEvent["type"], StepStatus>> = {
      STEP_SUCCESS: "SUCCESS",
      STEP_FAILURE: "FAILURE",
      STEP_SKIPPED: "SKIPPED",
      STEP_CANCELED: "CANCELED",
    };
    if (event.type === "STEP_START") {
      if (!this.stepStates.has(stepKey)) this.stepStates.set(stepKey, { status: "running", startedAt: Date.now(), durationMs: 0 });
    } else if (ended[event.type]) {
      const state = this.stepStates.get(stepKey);
      const durationMs = typeof event.data?.durationMs === "number" ? event.data.durationMs : 0;
      this.stepStates.set(stepKey, { status: ended[event.type]!, startedAt: state?.startedAt ?? 0, durationMs });
      clearTimeout(this.stepTimers.get(stepKey));
      this.stepTimers.delete(stepKey);
    }
  }

  /**
   * Arms a kill timer for a step attempt with a timeout. The worker enforces timeouts itself; this
   * catches the case it cannot: user code that blocks the event loop.
   */
  private watchAttempt(stepKey: string, timeoutMs: number | undefined): void {
    if (!this.stepStates.has(stepKey)) this.stepStates.set(stepKey, { status: "running", startedAt: Date.now(), durationMs: 0 });
    clearTimeout(this.stepTimers.get(stepKey));
    if (timeoutMs === undefined) return;
    const grace = this.options.timeoutGraceMs ?? 5_000;
    this.stepTimers.set(
      stepKey,
      setTimeout(() => {
        this.worker.kill(`step "${stepKey}" overran its timeout of ${timeoutMs} ms and blocked the worker, which was killed`);
      }, timeoutMs + grace),
    );
  }

  private cancel(): void {
    this.worker.send({ type: "cancel", runId: this.runId });
    const timer = setTimeout(() => this.worker.kill("the worker did not stop after the run was canceled"), this.options.cancelGraceMs ?? 10_000);
    timer.unref();
    this.cleanups.push(() => clearTimeout(timer));
  }

  /** The worker died without a result: fail the run and its unfinished steps, in storage too. */
  private async recordCrash(reason: string): Promise<RunResult> {
    // Storage is the truth: events that were durable but not yet forwarded complete the picture.
    const stored = await this.options.storage.getRunEvents(this.runId);
    for (const event of stored.slice(this.delivered)) this.track(event);
    const canceled = this.options.signal?.aborted === true;
    const steps: StepResult[] = [];
    const events: RunEvent[] = [];
    const now = new Date().toISOString();
    const event = (type: RunEvent["type"], stepKey: string | null, message: string, data: Record<string, unknown>): RunEvent => ({
      runId: this.runId,
      timestamp: now,
      type,
      stepKey,
      level: "error",
      message,
      data,
    });
    // Before its first events were durable the plan is unknown: the run record's keys stand in for it.
    const run = await this.options.storage.getRun(this.runId);
    if (!run) {
      // The worker died before it recorded the run: there is nothing to fail but the caller's call.
      if (this.fatal) throw this.fatal;
      throw new RunStartError(`the run could not start: ${reason}`, false);
    }
    const stepKeys = new Set([...(this.plannedSteps.length > 0 ? this.plannedSteps : run.assetKeys), ...this.stepStates.keys()]);
    for (const stepKey of stepKeys) {
      const state = this.stepStates.get(stepKey);
      if (state && state.status !== "running") {
        steps.push({ key: stepKey, status: state.status, durationMs: state.durationMs });
        continue;
      }
      const status: StepStatus = canceled ? "CANCELED" : state ? "FAILURE" : "SKIPPED";
      const why = state ? reason : `not started: ${reason}`;
      steps.push({ key: stepKey, status, durationMs: state ? Date.now() - state.startedAt : 0, error: why });
      events.push(event(`STEP_${status}` as RunEvent["type"], stepKey, `${stepKey}: ${why}`, { reason: why }));
    }
    const status = canceled ? "CANCELED" : "FAILURE";
    events.push(event(`RUN_${status}`, null, `Run ${status === "CANCELED" ? "canceled" : "failed"}: ${reason}`, { reason }));
    // The end that stands when the run was ended before this crash was recorded: by the worker's own
    // last batch (here), or by another process (the monitor took the run for dead).
    let endedBefore: { status: RunStatus; reason: string | null } | undefined = FINAL_RUN_STATUSES.includes(run.status) ? { status: run.status, reason: run.error } : undefined;
    if (!endedBefore) {
      // A compare-and-set, with its events: whoever ended the run first keeps its end.
      await this.options.storage
        .appendEvents(events, { runUpdate: { runId: this.runId, update: { status, endedAt: now, error: reason }, from: [...IN_PROGRESS_RUN_STATUSES] } })
        .catch((error: unknown) => {
          if (!(error instanceof RunStatusConflictError)) throw error;
          endedBefore = { status: error.status, reason: error.reason };
        });
    }
    for (const e of events) {
      try {
        this.options.onEvent?.(e);
      } catch {
        // ignore display errors
      }
    }
    if (!endedBefore) return { runId: this.runId, status, steps, error: reason };
    const ended = { runId: this.runId, status: endedBefore.status as RunResult["status"], steps, ...(endedBefore.reason === null ? {} : { error: endedBefore.reason }) };
    return this.endedHere ? ended : { ...ended, endedElsewhere: true };
  }
}
