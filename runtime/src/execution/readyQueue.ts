/**
 * The state machine of a run's steps: which are ready, running, done, or skipped because an
 * upstream failed, under the run's concurrency limit. Pure (no I/O, no clock, no events), so every
 * ordering the executor can meet is a unit test (test/execution/readyQueue.test.ts); the executor
 * turns its answers into work and events. Dagster's shape (`execution/plan/active.py`,
 * ActiveExecution), without its retry bookkeeping: a retry here happens inside the running step
 * (`stepRunner.ts`), which keeps its slot through the backoff, so the limit bounds attempts too.
 */
import { TributaryError } from "../errors";
import type { StepStatus } from "../types";

/** Where a step is: not started, running, or ended with a {@link StepStatus}. */
export type StepState = "pending" | "running" | StepStatus;

/** What the queue needs of a planned step (a `PlannedStep` is one). */
export interface QueuedStep {
  readonly stepKey: string;
  readonly upstreamSteps: readonly string[];
  readonly downstreamSteps: readonly string[];
}

/** A step the queue ended because an upstream step failed or was skipped, and why. */
export interface SkippedStep {
  readonly stepKey: string;
  readonly reason: string;
}

/**
 * Ready steps start in the order they became ready (roots in plan order, then each step's
 * downstream in plan order as their last upstream succeeds), so a run's events come out in the
 * same order every time.
 */
export class ReadyQueue {
  private readonly steps = new Map<string, QueuedStep>();
  private readonly states = new Map<string, StepState>();
  private readonly waitingOn = new Map<string, number>();
  private readonly ready: string[] = [];
  private readyIndex = 0;
  private runningCount = 0;
  private canceled = false;

  /**
   * @param steps in a topological order (every step after its upstream steps).
   * @param maxConcurrency how many steps may run at once (at least 1).
   */
  constructor(
    steps: readonly QueuedStep[],
    private readonly maxConcurrency: number,
  ) {
    if (!(maxConcurrency >= 1)) throw new TributaryError(`maxConcurrency must be at least 1, not ${maxConcurrency}`);
    for (const step of steps) {
      this.steps.set(step.stepKey, step);
      this.states.set(step.stepKey, "pending");
      this.waitingOn.set(step.stepKey, step.upstreamSteps.length);
      if (step.upstreamSteps.length === 0) this.ready.push(step.stepKey);
    }
  }

  /** The state of a step of the plan. */
  stateOf(stepKey: string): StepState {
    const state = this.states.get(stepKey);
    if (state === undefined) throw new TributaryError(`step "${stepKey}" is not in this run's plan`);
    return state;
  }

  /** How many steps are running. */
  get running(): number {
    return this.runningCount;
  }

  /** True while a ready step waits for a slot (and the run is not canceled). */
  get hasReady(): boolean {
    return !this.canceled && this.readyIndex < this.ready.length;
  }

  /** True when nothing runs and nothing more can start: the run is over. */
  get isDone(): boolean {
    return this.runningCount === 0 && !this.hasReady;
  }

  /** Takes the ready steps there is room for and marks them running; [] when canceled or full. */
  start(): string[] {
    const started: string[] = [];
    while (this.hasReady && this.runningCount < this.maxConcurrency) {
      const stepKey = this.ready[this.readyIndex++]!;
      if (this.states.get(stepKey) !== "pending") continue;
      this.states.set(stepKey, "running");
      this.runningCount++;
      started.push(stepKey);
    }
    return started;
  }

  /**
   * Ends a running step and frees its slot. On SUCCESS, its downstream steps whose upstream steps
   * all succeeded become ready; on FAILURE, everything downstream still pending is skipped and
   * returned (in breadth-first order, each with its reason); CANCELED leaves the downstream
   * pending (the run is canceled, and {@link pending} ends them).
   * @throws TributaryError when the step is not running: a bug in the executor, not user code.
   */
  finish(stepKey: string, status: Exclude<StepStatus, "SKIPPED">): SkippedStep[] {
    const state = this.stateOf(stepKey);
    if (state !== "running") throw new TributaryError(`step "${stepKey}" cannot end ${status}: it is ${state}, not running`);
    this.states.set(stepKey, status);
    this.runningCount--;
    const step = this.steps.get(stepKey)!;
    if (status === "SUCCESS") {
      for (const down of step.downstreamSteps) {
        const left = this.waitingOn.get(down)! - 1;
        this.waitingOn.set(down, left);
        if (left === 0 && this.states.get(down) === "pending") this.ready.push(down);
      }
      return [];
    }
    return status === "FAILURE" ? this.skipDownstream(step) : [];
  }

  /** No step starts from now on; running steps run on until they end or are {@link abandonRunning abandoned}. */
  cancel(): void {
    this.canceled = true;
  }

  /**
   * Ends every running step as CANCELED and frees its slot, for steps that ignored the run's
   * cancel past its grace period; returns them. Their late ends are to be ignored (their state is
   * no longer "running").
   */
  abandonRunning(): string[] {
    const abandoned: string[] = [];
    for (const [stepKey, state] of this.states) {
      if (state !== "running") continue;
      this.states.set(stepKey, "CANCELED");
      abandoned.push(stepKey);
    }
    this.runningCount = 0;
    return abandoned;
  }

  /** Steps that never started, in plan order (after a cancel, they end CANCELED). */
  pending(): string[] {
    return [...this.states].filter(([, state]) => state === "pending").map(([stepKey]) => stepKey);
  }

  /** Iterative, as chains may be 10,000 steps long. */
  private skipDownstream(failed: QueuedStep): SkippedStep[] {
    const skipped: SkippedStep[] = [];
    const queue: SkippedStep[] = failed.downstreamSteps.map((stepKey) => ({ stepKey, reason: `upstream step "${failed.stepKey}" failed` }));
    for (let index = 0; index < queue.length; index++) {
      const next = queue[index]!;
      if (this.states.get(next.stepKey) !== "pending") continue;
      this.states.set(next.stepKey, "SKIPPED");
      skipped.push(next);
      for (const down of this.steps.get(next.stepKey)!.downstreamSteps) {
        queue.push({ stepKey: down, reason: `upstream step "${next.stepKey}" was skipped` });
      }
    }
    return skipped;
  }
}
