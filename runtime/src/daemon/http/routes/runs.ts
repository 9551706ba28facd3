/**
 * Runs: `GET /api/runs`, `POST /api/runs`, `GET /api/runs/:id`, `POST /api/runs/:id/cancel`.
 * (Their events are in ./events.)
 */
import { runToJson } from "../../../wire/runJson";
import { CreateRunBodySchema, NoBodySchema } from "../../../wire/requests";
import type { WireAnswer } from "../../../wire/routes";
import type { Storage } from "../../../storage/port";
import { TributaryError } from "../../../errors";
import { FINAL_RUN_STATUSES, type RunRecord } from "../../../types";
import { allPartitionKeys } from "../../../execution/plan";
import { loadPartitionContext } from "../../../partitions/runPartitions";
import { HttpError } from "../errors";
import { parseBody } from "../request";
import { sendJson } from "../respond";
import { bodyOf, queryOf, type Router } from "../router";
import { loadedProject } from "./project";

/** Registers the run routes. */
export function runRoutes(router: Router): void {
  router.add("GET", "/api/runs", async (request) => {
    const query = queryOf(request, ["status", "limit", "before"]);
    const statuses = query.statuses("status");
    const limit = query.integer("limit", 1, 1000) ?? 50;
    const before = query.string("before");
    if (before !== undefined) await findRun(request.services.storage, before, "before");
    const runs = await request.services.storage.listRuns({
      limit,
      ...(statuses ? { statuses } : {}),
      ...(before !== undefined ? { beforeRunId: before } : {}),
    });
    sendJson(request.res, 200, { runs: runs.map(runToJson) } satisfies WireAnswer<"GET /api/runs">);
  });

  router.add("POST", "/api/runs", async (request) => {
    queryOf(request, []);
    const { selection, tags, partition, allPartitions } = parseBody(CreateRunBodySchema, await bodyOf(request), "POST /api/runs", {
      selection: 'Send {"selection": "*"} for everything, or e.g. "+stg_orders", "group:staging".',
      tags: 'Tags are strings, e.g. {"team": "finance", "priority": "1"}.',
      partition: 'Send {"selection": "daily_orders", "partition": "2024-03-01"}.',
    });
    if (allPartitions === true && partition !== undefined) {
      throw new HttpError(400, '"partition" and "allPartitions" cannot be used together', { hint: "Send one of them." });
    }
    let run: RunRecord;
    try {
      // Every partition that exists now (none for an unpartitioned selection), as `materialize --all-partitions`.
      const partitionKeys =
        allPartitions === true
          ? allPartitionKeys(loadedProject(request.services).graph, selection, await loadPartitionContext(request.services.storage, [...loadedProject(request.services).graph.assets.values()].map((node) => node.partitions)))
          : partition === undefined
            ? undefined
            : [partition];
      run = await request.services.submitRun({ selection, ...(tags ? { tags } : {}), ...(partitionKeys === undefined || partitionKeys.length === 0 ? {} : { partitionKeys }) });
    } catch (error) {
      // No project to plan against (the first load failed): the service is unavailable, not broken.
      const state = request.services.project();
      if (!state.ok && error instanceof TributaryError && error.name === "TributaryError") {
        throw new HttpError(503, error.message, { hint: state.error.hint ?? error.hint ?? "Fix the definitions; the daemon reloads them on save." });
      }
      throw error;
    }
    sendJson(request.res, 201, { runId: run.runId }, { Location: `/api/runs/${encodeURIComponent(run.runId)}` });
  });

  router.add("GET", "/api/runs/:id", async (request) => {
    queryOf(request, []);
    const run = await findRun(request.services.storage, request.params["id"]!);
    const steps = await request.steps.stepsOf(run);
    sendJson(request.res, 200, { ...runToJson(run), steps: steps.map(({ eventId: _eventId, ...step }) => step) } satisfies WireAnswer<"GET /api/runs/:id">);
  });

  router.add("POST", "/api/runs/:id/cancel", async (request) => {
    queryOf(request, []);
    parseBody(NoBodySchema, await bodyOf(request), "POST /api/runs/:id/cancel");
    const run = await findRun(request.services.storage, request.params["id"]!);
    if (FINAL_RUN_STATUSES.includes(run.status)) {
      throw new HttpError(409, `run ${run.runId} has already ended (${run.status}); there is nothing to cancel`, {
        hint: "Only QUEUED, STARTING and STARTED runs can be canceled.",
      });
    }
    const canceled = await request.services.cancelRun(run.runId);
    sendJson(request.res, 202, { runId: canceled.runId, status: canceled.status } satisfies WireAnswer<"POST /api/runs/:id/cancel">);
  });
}

/** The run with this id, or a 404 that says where to find run ids. */
export async function findRun(storage: Storage, runId: string, parameter?: string): Promise<RunRecord> {
  const run = await storage.getRun(runId);
  if (run) return run;
  const where = parameter ? ` (query parameter "${parameter}")` : "";
  throw new HttpError(parameter ? 400 : 404, `no run with id "${runId}"${where}`, { hint: "GET /api/runs lists the recent runs and their ids." });
}
