/**
 * A run as the CLI's JSON (`runs list --json`, `runs show --json`) and the HTTP API (`GET /api/runs`,
 * `GET /api/runs/:id`) show it: DESIGN.md §3-4. It lives below both so that the HTTP layer and the
 * CLI share one shape without one importing the other.
 */
import type { RunRecord } from "../types";
import type { RunJson } from "./responses";

/** The JSON of one run. */
export function runToJson(run: RunRecord): RunJson {
  return {
    runId: run.runId,
    status: run.status,
    selection: run.selection,
    instigator: run.instigator,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    assetKeys: run.assetKeys,
    tags: run.tags,
    runKey: run.runKey,
    attempt: run.attempt,
    parentRunId: run.parentRunId,
    workerId: run.workerId,
    error: run.error,
  };
}
