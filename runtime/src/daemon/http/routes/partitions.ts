/**
 * Partitions and backfills: `GET /api/assets/:key/partitions` (status counts, ranges and a strip),
 * `GET /api/backfills`, `POST /api/backfills`, `GET /api/backfills/:id`, `GET /api/backfills/:id/partitions`
 * (each partition's state, as a strip), `POST /api/backfills/:id/cancel` and `/resume`.
 * Bad keys and selections answer 400 with the message and hint of the error.
 */
import { backfillSummary, cancelBackfill, resumeBackfill } from "../../backfills";
import { backfillPartitions } from "../../../services/backfillPartitions";
import { createBackfill } from "../../../services/backfillRequest";
import { assetPartitionsStatus } from "../../../services/partitionStatus";
import { HttpError } from "../errors";
import { CreateBackfillBodySchema, NoBodySchema } from "../../../wire/requests";
import type { AssetPartitionsJson, BackfillJson, BackfillPartitionsJson } from "../../../wire/responses";
import { parseBody } from "../request";
import { sendJson } from "../respond";
import { bodyOf, queryOf, type Router } from "../router";
import { loadedProject } from "./project";

/** Registers the partition and backfill routes. */
export function partitionRoutes(router: Router): void {
  router.add("GET", "/api/assets/:key/partitions", async (request) => {
    queryOf(request, []);
    const key = request.params["key"]!;
    const project = loadedProject(request.services);
    if (!project.graph.assets.has(key)) throw new HttpError(404, `no asset "${key}"`, { hint: "GET /api/assets lists the keys there are." });
    if (!project.graph.assets.get(key)!.partitions) throw new HttpError(400, `asset "${key}" is not partitioned`);
    sendJson(request.res, 200, (await assetPartitionsStatus(request.services.storage, project.graph, key)) satisfies AssetPartitionsJson);
  });

  router.add("GET", "/api/backfills", async (request) => {
    const query = queryOf(request, ["limit"]);
    const backfills = await request.services.storage.listBackfills({ limit: query.integer("limit", 1, 1000) ?? 50 });
    const summaries = await Promise.all(backfills.map((backfill) => backfillSummary(request.services.storage, backfill.backfillId)));
    sendJson(request.res, 200, { backfills: summaries.filter((summary) => summary !== null) });
  });

  router.add("POST", "/api/backfills", async (request) => {
    queryOf(request, []);
    const backfillRequest = parseBody(CreateBackfillBodySchema, await bodyOf(request), "POST /api/backfills", {
      selection: 'Send {"selection": "daily_orders", "from": "2024-01-01", "to": "2024-01-31"}.',
      policy: 'Send e.g. "policy": {"maxPartitionsPerRun": 1, "maxConcurrentRuns": 4}.',
    });
    const project = loadedProject(request.services);
    const backfill = await createBackfill({ storage: request.services.storage, graph: project.graph }, backfillRequest);
    request.services.wakeBackfills?.();
    const summary = await backfillSummary(request.services.storage, backfill.backfillId);
    sendJson(request.res, 201, toJson(summary!), { Location: `/api/backfills/${encodeURIComponent(backfill.backfillId)}` });
  });

  router.add("GET", "/api/backfills/:id", async (request) => {
    queryOf(request, []);
    const summary = await backfillSummary(request.services.storage, request.params["id"]!);
    if (!summary) throw new HttpError(404, `no backfill with id ${request.params["id"]}`, { hint: "GET /api/backfills lists them." });
    sendJson(request.res, 200, toJson(summary));
  });

  router.add("GET", "/api/backfills/:id/partitions", async (request) => {
    queryOf(request, []);
    const partitions = await backfillPartitions(request.services.storage, request.params["id"]!);
    if (!partitions) throw new HttpError(404, `no backfill with id ${request.params["id"]}`, { hint: "GET /api/backfills lists them." });
    sendJson(request.res, 200, partitions satisfies BackfillPartitionsJson);
  });

  router.add("POST", "/api/backfills/:id/resume", async (request) => {
    queryOf(request, []);
    parseBody(NoBodySchema, await bodyOf(request), "POST /api/backfills/:id/resume");
    const outcome = await resumeBackfill(request.services.storage, request.params["id"]!);
    if (!outcome) throw new HttpError(404, `no backfill with id ${request.params["id"]}`, { hint: "GET /api/backfills lists them." });
    if ("refused" in outcome) {
      throw new HttpError(409, `backfill ${outcome.refused.backfillId} is ${outcome.refused.status}: only a CANCELED or FAILED backfill is resumed`, {
        hint: outcome.refused.status === "COMPLETED" ? "Every partition is done; start a new backfill to run them again." : "It is still running; cancel it first to stop it.",
      });
    }
    request.services.wakeBackfills?.();
    sendJson(request.res, 200, toJson((await backfillSummary(request.services.storage, outcome.resumed.backfillId))!));
  });

  router.add("POST", "/api/backfills/:id/cancel", async (request) => {
    queryOf(request, []);
    const backfill = await cancelBackfill(request.services.storage, request.params["id"]!);
    if (!backfill) throw new HttpError(404, `no backfill with id ${request.params["id"]}`, { hint: "GET /api/backfills lists them." });
    request.services.wakeBackfills?.();
    sendJson(request.res, 200, toJson((await backfillSummary(request.services.storage, backfill.backfillId))!));
  });
}

/** The JSON of a backfill: the CLI's `{ backfillId, status, partitions: { done, failed, remaining } }` and more. */
function toJson(summary: NonNullable<Awaited<ReturnType<typeof backfillSummary>>>): BackfillJson {
  return { ...summary };
}
