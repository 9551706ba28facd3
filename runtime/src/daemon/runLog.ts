/**
 * The daemon's log lines about runs: one when a run is queued (by a schedule's tick, a sensor, a
 * backfill or a request) and one when it ends, with its status, duration, the failed step and its
 * error, and where to see it. Without them a daemon's log said nothing of the work it did.
 * The daemon logs them scoped `component: "runs"` (`[runs] run ...` in text).
 */
import type { RunResult } from "../execution/api";
import type { Storage } from "../storage/port";
import type { RunRecord } from "../types";
import { consoleRunPath, consoleUrl } from "../wire/consoleUrls";

/** `850 ms`, `1.2 s`, `3 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}

/** Where a run can be seen: its console page (`/runs/<id>`), when the daemon serves HTTP at `baseUrl`. */
export function runUrl(baseUrl: string | undefined, runId: string): string | undefined {
  return baseUrl === undefined ? undefined : consoleUrl(baseUrl, consoleRunPath(runId));
}

/** `run ID queued by schedule nightly: "group:warehouse" http://...` (logged by the `runs` component: `[runs] run ...`). */
export function runQueuedLine(run: RunRecord, baseUrl: string | undefined): string {
  const by = run.instigator ? ` by ${run.instigator.type} ${run.instigator.name}` : "";
  const url = runUrl(baseUrl, run.runId);
  return `run ${run.runId} queued${by}: "${run.selection}"${url ? ` ${url}` : ""}`;
}

/**
 * `run ID SUCCESS in 1.2 s http://...`, or for a failure `FAILURE in 3.4 s: step
 * stg_orders: <error>`, from a worker's result: no storage read, so a busy queue pays nothing for it.
 */
export function runResultLine(runId: string, result: RunResult, durationMs: number, baseUrl: string | undefined): string {
  const failedStep = result.steps.find((step) => step.status === "FAILURE");
  const why =
    result.status === "SUCCESS" ? "" : failedStep ? `: step ${failedStep.key}: ${failedStep.error ?? "failed"}` : result.error ? `: ${result.error}` : "";
  return endLine(runId, result.status, ` in ${formatDuration(durationMs)}`, why, baseUrl);
}

/**
 * The same line for a run ended elsewhere than in a coordinator (the monitor failed it as dead),
 * from its record; reads its events only for a failure, to name its first failed step.
 */
export async function runEndedLine(run: RunRecord, storage: Storage, baseUrl: string | undefined): Promise<string> {
  const started = run.startedAt ?? run.createdAt;
  const duration = run.endedAt ? ` in ${formatDuration(Math.max(0, Date.parse(run.endedAt) - Date.parse(started)))}` : "";
  let why = "";
  if (run.status === "FAILURE") {
    const failedStep = (await storage.getRunEvents(run.runId, { limit: 10_000 })).find((event) => event.type === "STEP_FAILURE");
    if (failedStep) {
      const data = (failedStep.data as { error?: { message?: unknown }; reason?: unknown } | null) ?? {};
      const message = typeof data.error?.message === "string" ? data.error.message : typeof data.reason === "string" ? data.reason : failedStep.message;
      why = `: step ${failedStep.stepKey}: ${message}`;
    } else if (run.error) {
      why = `: ${run.error}`;
    }
  } else if (run.status !== "SUCCESS" && run.error) {
    why = `: ${run.error}`;
  }
  return endLine(run.runId, run.status, duration, why, baseUrl);
}

function endLine(runId: string, status: string, duration: string, why: string, baseUrl: string | undefined): string {
  const url = runUrl(baseUrl, runId);
  return `run ${runId} ${status}${duration}${why}${url ? ` ${url}` : ""}`;
}
