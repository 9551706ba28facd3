/**
 * Step summaries of runs, derived from their events and cached: a run's events are read once
 * (then only the new ones, by event id), so `/api/assets` and `/api/runs/:id` stay cheap when polled.
 * Each step keeps its attempts with their times, for the run page's timeline: the executor writes
 * STEP_START once per step and STEP_RETRY when an attempt failed and another follows after
 * `data.delayMs`, so an attempt's start is the step's start or its retry's instant plus that delay.
 */
import { LIFECYCLE_EVENT_TYPES } from "../../storage/filters";
import type { Storage } from "../../storage/port";
import type { RunRecord, RunEventType, StepStatus, StoredRunEvent } from "../../types";

/** One attempt of a step: when it ran and how it ended (`RUNNING` while it runs). */
export interface StepAttempt {
  /** 1 for the first attempt, counted over the step (a partitioned step's partitions share the count). */
  attempt: number;
  status: "RUNNING" | "SUCCESS" | "FAILURE" | "CANCELED";
  startedAt: string;
  endedAt: string | null;
  /** One-line reason for FAILURE and CANCELED. */
  error?: string;
}

/** Where one step of a run stands. */
export interface StepSummary {
  /** The step key: the asset key, or the multi-asset's name. */
  key: string;
  status: "RUNNING" | StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /** How many attempts started (retries add one each). */
  attempts: number;
  /** Those attempts in order, each with its times and outcome (Dagster's `attempts_list`). */
  attemptList: StepAttempt[];
  /** One-line reason for FAILURE, SKIPPED and CANCELED. */
  error?: string;
  /** Id of the event that last changed this step (orders it against materializations). */
  eventId: number;
}

/** Events that end a run: nothing is written after them. */
export const FINAL_RUN_EVENTS: ReadonlySet<RunEventType> = new Set(["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"]);

const STEP_END: Partial<Record<RunEventType, StepStatus>> = {
  STEP_SUCCESS: "SUCCESS",
  STEP_FAILURE: "FAILURE",
  STEP_SKIPPED: "SKIPPED",
  STEP_CANCELED: "CANCELED",
};

interface CachedRun {
  afterId: number;
  steps: Map<string, StepSummary>;
  /** A final run event was read: nothing will change any more. */
  complete: boolean;
}

/** Reads and caches step summaries per run. */
export class RunStepTracker {
  private readonly cache = new Map<string, CachedRun>();

  /**
   * @param maxCachedRuns - runs kept (least recently used are dropped). @defaultValue 500
   */
  constructor(private readonly storage: Storage, private readonly maxCachedRuns = 500) {}

  /** The steps of `run` in the order they started. */
  async stepsOf(run: Pick<RunRecord, "runId">): Promise<StepSummary[]> {
    let cached = this.cache.get(run.runId);
    if (cached) this.cache.delete(run.runId); // re-insert below: Map order is our LRU order
    cached ??= { afterId: 0, steps: new Map(), complete: false };
    while (!cached.complete) {
      // The lifecycle events only, by their partial index: a run's million log lines are not read.
      const page = await this.storage.getRunEvents(run.runId, { afterId: cached.afterId, limit: 1000, types: LIFECYCLE_EVENT_TYPES });
      for (const event of page) applyEvent(cached, event);
      if (page.length < 1000) break;
    }
    this.cache.set(run.runId, cached);
    if (this.cache.size > this.maxCachedRuns) this.cache.delete(this.cache.keys().next().value!);
    return [...cached.steps.values()];
  }
}

function applyEvent(cached: CachedRun, event: StoredRunEvent): void {
  cached.afterId = event.id;
  if (FINAL_RUN_EVENTS.has(event.type)) cached.complete = true;
  if (event.stepKey === null) return;
  let step = cached.steps.get(event.stepKey);
  if (event.type === "STEP_START") {
    if (!step) {
      step = { key: event.stepKey, status: "RUNNING", startedAt: event.timestamp, endedAt: null, durationMs: null, attempts: 0, attemptList: [], eventId: event.id };
      cached.steps.set(event.stepKey, step);
    }
    step.attempts += 1;
    step.attemptList.push({ attempt: step.attempts, status: "RUNNING", startedAt: event.timestamp, endedAt: null });
    step.status = "RUNNING";
    step.eventId = event.id;
    return;
  }
  if (event.type === "STEP_RETRY") {
    if (!step) return; // a retry of a step whose start this run never recorded: nothing to attach it to
    const failed = step.attemptList.at(-1);
    if (failed?.status === "RUNNING") {
      failed.status = "FAILURE";
      failed.endedAt = event.timestamp;
      failed.error = errorLine(event);
    }
    // The next attempt starts once the retry's delay is over: no event marks that instant.
    const delayMs = typeof event.data?.["delayMs"] === "number" ? event.data["delayMs"] : 0;
    step.attempts += 1;
    step.attemptList.push({ attempt: step.attempts, status: "RUNNING", startedAt: new Date(Date.parse(event.timestamp) + delayMs).toISOString(), endedAt: null });
    step.eventId = event.id;
    return;
  }
  const ended = STEP_END[event.type];
  if (!ended) return;
  if (!step) {
    // Skipped and canceled steps never started.
    step = { key: event.stepKey, status: ended, startedAt: null, endedAt: null, durationMs: null, attempts: 0, attemptList: [], eventId: event.id };
    cached.steps.set(event.stepKey, step);
  }
  step.status = ended;
  step.endedAt = event.timestamp;
  step.durationMs = step.startedAt ? Math.max(0, Date.parse(event.timestamp) - Date.parse(step.startedAt)) : null;
  step.eventId = event.id;
  if (ended !== "SUCCESS") step.error = errorLine(event);
  const last = step.attemptList.at(-1);
  if (last?.status === "RUNNING") {
    if (Date.parse(last.startedAt) > Date.parse(event.timestamp)) {
      // Ended (canceled) while waiting to retry: that attempt never started.
      step.attemptList.pop();
      step.attempts -= 1;
    } else {
      last.status = ended === "SKIPPED" ? "CANCELED" : ended;
      last.endedAt = event.timestamp;
      if (ended !== "SUCCESS") last.error = step.error;
    }
  }
}

function errorLine(event: StoredRunEvent): string {
  const error = event.data?.["error"] as { message?: unknown } | undefined;
  const message = typeof error?.message === "string" ? error.message : event.message;
  return message.split("\n")[0]!;
}
