/**
 * Automation explanations: `GET /api/assets/:key/evaluations?limit=&cursor=`, an asset's stored
 * evaluations newest first (when it was evaluated, whether it was requested, the run, the reason
 * in one sentence, the evaluated condition tree), paged by an opaque cursor.
 */
import type { AutomationEvaluationRecord } from "../../../storage/port";
import type { AutomationEvaluationJson, AutomationNodeJson } from "../../../wire/responses";
import type { WireAnswer } from "../../../wire";
import { HttpError } from "../errors";
import { sendJson } from "../respond";
import { queryOf, type Router } from "../router";

/** The JSON of a stored evaluation. */
export function evaluationJson(record: AutomationEvaluationRecord): AutomationEvaluationJson {
  return {
    evaluatedAt: record.evaluatedAt,
    requested: record.requested,
    partitions: record.partitions,
    runId: record.runId,
    reason: record.reason,
    tree: (record.tree ?? null) as AutomationNodeJson | null,
  };
}

/** Registers the automation routes. */
export function automationRoutes(router: Router): void {
  router.add("GET", "/api/assets/:key/evaluations", async (request) => {
    const query = queryOf(request, ["limit", "cursor"]);
    const key = request.params["key"]!;
    const state = request.services.project();
    // A removed asset keeps its history: only a loaded project that lacks the key and has no stored evaluation is a 404.
    const limit = query.integer("limit", 1, 1000) ?? 20;
    const cursorText = query.string("cursor");
    let beforeId: number | undefined;
    if (cursorText !== undefined) {
      beforeId = Number(cursorText);
      if (!Number.isInteger(beforeId) || beforeId <= 0) throw new HttpError(400, `cursor ${JSON.stringify(cursorText)} is not a cursor of this list`, { hint: "Pass the nextCursor of the previous page, or leave cursor out for the newest evaluations." });
    }
    const records = await request.services.storage.listAutomationEvaluations(key, { limit: limit + 1, ...(beforeId !== undefined ? { beforeId } : {}) });
    if (records.length === 0 && beforeId === undefined && state.ok && !state.project.graph.assets.has(key)) {
      throw new HttpError(404, `no asset "${key}"`, { hint: "GET /api/assets lists the keys there are." });
    }
    const page = records.slice(0, limit);
    const nextCursor = records.length > limit ? String(page.at(-1)!.evaluationId) : null;
    sendJson(request.res, 200, { evaluations: page.map(evaluationJson), nextCursor } satisfies WireAnswer<"GET /api/assets/:key/evaluations">);
  });
}
