/**
 * Runs: `GET /api/runs`, `POST /api/runs`, `GET /api/runs/:id`, `POST /api/runs/:id/cancel`.
 * (Their events are in ./events.)
 */
import { runToJson } from "../../../wire/runJson";
import { CreateRunBodySchema, NoBodySchema, ReexecuteBodySchema, type ReexecuteBody } from "../../../wire/requests";
import { AssetSelection } from "../../../selection/builders";
import { partitionKeysFromTags } from "../../../partitions/runPartitions";
import { WIRE_ROUTES, type WireAnswer } from "../../../wire/routes";
import type { RunCountFilter, Storage } from "../../../storage/port";
import { TributaryError } from "../../../errors";
import { FINAL_RUN_STATUSES, type RunRecord } from "../../../types";
import { allPartitionKeys } from "../../../execution/plan";
import { loadPartitionContext } from "../../../partitions/runPartitions";
import { HttpError } from "../errors";
import { parseBody, type Query } from "../request";
import { sendJson } from "../respond";
import { bodyOf, queryOf, type ApiRequest, type Router } from "../router";
import { loadedProject } from "./project";

/** Registers the run routes. */
export function runRoutes(router: Router): void {
  router.add("GET", "/api/runs", async (request) => {
    const query = queryOf(request, WIRE_ROUTES["GET /api/runs"].query);
    const statuses = query.statuses("status");
    const limit = query.integer("limit", 1, 1000) ?? 50;
    const before = query.string("before");
    const cursor = query.string("cursor");
    if (before !== undefined && cursor !== undefined) {
      throw new HttpError(400, 'query parameters "before" and "cursor" cannot be used together', { hint: "Page with the nextCursor of the previous page alone." });
    }
    const beforeRunId = cursor !== undefined ? runIdOfCursor(cursor) : before;
    if (before !== undefined) await findRun(request.services.storage, before, "before");
    // One more than asked tells whether there is a next page, without a query for it.
    const runs = await request.services.storage.listRuns({
      ...runFilterOf(query),
      limit: limit + 1,
      ...(statuses ? { statuses } : {}),
      ...(beforeRunId !== undefined ? { beforeRunId } : {}),
    });
    const page = runs.slice(0, limit);
    const nextCursor = runs.length > limit ? cursorOf(page[page.length - 1]!.runId) : null;
    sendJson(request.res, 200, { runs: page.map(runToJson), nextCursor } satisfies WireAnswer<"GET /api/runs">);
  });

  router.add("GET", "/api/runs/counts", async (request) => {
    const query = queryOf(request, WIRE_ROUTES["GET /api/runs/counts"].query);
    const counts = await request.services.storage.countRuns(runFilterOf(query));
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    sendJson(request.res, 200, { counts, total } satisfies WireAnswer<"GET /api/runs/counts">);
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

  router.add("POST", "/api/runs/:id/reexecute", async (request) => {
    queryOf(request, []);
    const body = parseBody(ReexecuteBodySchema, await bodyOf(request), "POST /api/runs/:id/reexecute", {
      from: 'Send {"from": "failure"} to run again what did not succeed, {"from": "all"}, or {"from": "steps", "steps": ["stg_orders"]}.',
      steps: 'Send {"from": "steps", "steps": ["stg_orders"]}: step keys of the run.',
    });
    const parent = await findRun(request.services.storage, request.params["id"]!);
    const selection = await reexecutionSelection(request, parent, body);
    // The lineage as Dagster tags it (dagster/parent_run_id, dagster/root_run_id); the system tags
    // of the parent (partitions, code version, retry) are the new run's own to set.
    const userTags = Object.fromEntries(Object.entries(parent.tags).filter(([key]) => !key.startsWith("tributary/")));
    const partitionKeys = partitionKeysFromTags(parent.tags);
    const run = await request.services.submitRun({
      selection,
      tags: { ...userTags, [PARENT_RUN_TAG]: parent.runId, [ROOT_RUN_TAG]: parent.tags[ROOT_RUN_TAG] ?? parent.runId },
      ...(partitionKeys.length > 0 ? { partitionKeys } : {}),
    });
    sendJson(request.res, 201, { runId: run.runId } satisfies WireAnswer<"POST /api/runs/:id/reexecute">, { Location: `/api/runs/${encodeURIComponent(run.runId)}` });
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

/** The runs list's filters (`asset`, `job`, `instigator`, `tag`, `from`, `to`), shared by its counts. */
function runFilterOf(query: Query): RunCountFilter {
  const filter: RunCountFilter = {};
  const asset = query.string("asset");
  if (asset !== undefined) filter.assetKey = asset;
  const job = query.string("job");
  if (job !== undefined) filter.selection = `job:${job}`;
  const instigator = query.string("instigator");
  if (instigator !== undefined) {
    const match = /^(schedule|sensor|backfill):(.+)$/.exec(instigator);
    if (instigator === "manual") filter.instigator = "manual";
    else if (match) filter.instigator = { type: match[1] as "schedule" | "sensor" | "backfill", name: match[2]! };
    else {
      throw new HttpError(400, `query parameter "instigator" must be schedule:NAME, sensor:NAME, backfill:ID or manual, not "${instigator}"`, {
        hint: "E.g. ?instigator=schedule:nightly, or ?instigator=manual for runs launched by a person.",
      });
    }
  }
  const tag = query.string("tag");
  if (tag !== undefined) {
    const equals = tag.indexOf("=");
    if (equals <= 0) throw new HttpError(400, `query parameter "tag" must be KEY=VALUE, not "${tag}"`, { hint: "E.g. ?tag=team%3Dfinance (the = inside encoded, or not)." });
    filter.tags = { [tag.slice(0, equals)]: tag.slice(equals + 1) };
  }
  const from = instantOf(query, "from");
  if (from !== undefined) filter.createdFrom = from;
  const to = instantOf(query, "to");
  if (to !== undefined) filter.createdTo = to;
  return filter;
}

/** An ISO 8601 instant parameter, as the storage compares it (UTC, milliseconds: `toISOString`). */
function instantOf(query: Query, name: string): string | undefined {
  const text = query.string(name);
  if (text === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new HttpError(400, `query parameter "${name}" must be an ISO 8601 date or instant, not "${text}"`, { hint: "E.g. 2026-12-05 or 2026-12-05T09:00:00Z." });
  }
  return new Date(time).toISOString();
}

/** The opaque cursor of the page after the run `runId`. */
function cursorOf(runId: string): string {
  return Buffer.from(JSON.stringify({ before: runId }), "utf8").toString("base64url");
}

/** The run a cursor pages after; a 400 for a cursor this daemon did not make. */
function runIdOfCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { before?: unknown };
    if (typeof parsed.before === "string") return parsed.before;
  } catch {
    // not one of ours
  }
  throw new HttpError(400, `query parameter "cursor" is not a cursor of this API: "${cursor}"`, { hint: "Pass the nextCursor of the previous page as it is, or leave it out for the first page." });
}

/** The tag naming the run a re-execution re-executes (Dagster: `dagster/parent_run_id`). */
export const PARENT_RUN_TAG = "tributary/parent_run_id";
/** The tag naming the first run of a chain of re-executions (Dagster: `dagster/root_run_id`). */
export const ROOT_RUN_TAG = "tributary/root_run_id";

/**
 * What a re-execution of `parent` selects: its own selection (`all`), the assets of its steps that
 * did not succeed, failed, skipped, canceled or never started (`failure`, as Dagster's "from
 * failure"), or the assets of the steps named (`steps`).
 */
async function reexecutionSelection(request: ApiRequest, parent: RunRecord, body: ReexecuteBody): Promise<string> {
  if (body.from !== "steps" && body.steps !== undefined) {
    throw new HttpError(400, `"steps" goes with "from": "steps", not "from": "${body.from}"`, { hint: 'Send {"from": "steps", "steps": [...]}, or leave "steps" out.' });
  }
  if (body.from === "all") return parent.selection;
  const graph = loadedProject(request.services).graph;
  const outputsOf = (stepKey: string) => graph.steps.get(stepKey)?.outputKeys ?? [stepKey];
  if (body.from === "failure") {
    if (parent.status !== "FAILURE" && parent.status !== "CANCELED") {
      throw new HttpError(409, `run ${parent.runId} is ${parent.status}: only a failed or canceled run is re-executed from its failure`, {
        hint: 'Send {"from": "all"} to run it all again.',
      });
    }
    const succeeded = new Set((await request.steps.stepsOf(parent)).filter((step) => step.status === "SUCCESS").flatMap((step) => outputsOf(step.key)));
    const keys = parent.assetKeys.filter((key) => !succeeded.has(key));
    if (keys.length === 0) throw new HttpError(409, `every step of run ${parent.runId} succeeded: there is no failure to re-execute from`, { hint: 'Send {"from": "all"}.' });
    return AssetSelection.keys(...keys).toString();
  }
  const steps = body.steps ?? [];
  if (steps.length === 0) throw new HttpError(400, '"from": "steps" needs "steps": the step keys to run again', { hint: 'Send {"from": "steps", "steps": ["stg_orders"]}.' });
  const planned = new Set(parent.assetKeys);
  const unknown = steps.filter((step) => !outputsOf(step).some((key) => planned.has(key)));
  if (unknown.length > 0) {
    throw new HttpError(400, `run ${parent.runId} has no step ${unknown.map((step) => `"${step}"`).join(", ")}`, { hint: `Its steps: ${parent.assetKeys.join(", ")}.` });
  }
  return AssetSelection.keys(...steps.flatMap(outputsOf).filter((key) => planned.has(key))).toString();
}
