/**
 * Assets: `GET /api/assets`, the asset graph with each asset's latest status; `GET /api/assets/:key`,
 * one asset with its neighbours; its materialization and check history, newest first, a page at a
 * time (`/materializations`, `/checks`). A key is one URL-encoded path segment (`mart%2Ftotal`).
 */
import type { LoadedProject } from "../../../loader";
import { WIRE_ROUTES, type WireAnswer } from "../../../wire/routes";
import { AssetStatusReader } from "../assetStatus";
import { HttpError } from "../errors";
import type { Query } from "../request";
import { sendJson } from "../respond";
import { queryOf, type ApiRequest, type Router } from "../router";
import { loadedProject } from "./project";

/** Registers the asset routes. */
export function assetRoutes(router: Router): void {
  let reader: AssetStatusReader | undefined;
  const readerOf = (request: ApiRequest) => (reader ??= new AssetStatusReader(request.services.storage, request.steps));

  router.add("GET", "/api/assets", async (request) => {
    queryOf(request, []);
    const project = loadedProject(request.services);
    sendJson(request.res, 200, { assets: await readerOf(request).describe(project) } satisfies WireAnswer<"GET /api/assets">);
  });

  router.add("GET", "/api/assets/:key", async (request) => {
    queryOf(request, []);
    const project = loadedProject(request.services);
    const key = knownAsset(project, request.params["key"]!);
    const asset = (await readerOf(request).describe(project)).find((candidate) => candidate.key === key)!;
    const answer = { ...asset, upstream: [...project.graph.parentsOf(key)], downstream: [...project.graph.childrenOf(key)] };
    sendJson(request.res, 200, answer satisfies WireAnswer<"GET /api/assets/:key">);
  });

  router.add("GET", "/api/assets/:key/materializations", async (request) => {
    const query = queryOf(request, WIRE_ROUTES["GET /api/assets/:key/materializations"].query);
    const key = knownAsset(loadedProject(request.services), request.params["key"]!);
    const { limit, beforeEventId } = historyPage(query);
    const records = await request.services.storage.getAssetMaterializations(key, { limit: limit + 1, ...(beforeEventId === undefined ? {} : { beforeEventId }) });
    const page = records.slice(0, limit);
    sendJson(request.res, 200, {
      materializations: page.map(({ runId, partition, timestamp, metadata, eventId }) => ({ runId, partition, timestamp, metadata, eventId })),
      nextCursor: records.length > limit ? eventCursor(page[page.length - 1]!.eventId) : null,
    } satisfies WireAnswer<"GET /api/assets/:key/materializations">);
  });

  router.add("GET", "/api/assets/:key/checks", async (request) => {
    const query = queryOf(request, WIRE_ROUTES["GET /api/assets/:key/checks"].query);
    const key = knownAsset(loadedProject(request.services), request.params["key"]!);
    const { limit, beforeEventId } = historyPage(query);
    const records = await request.services.storage.getAssetCheckEvaluations(key, { limit: limit + 1, ...(beforeEventId === undefined ? {} : { beforeEventId }) });
    const page = records.slice(0, limit);
    sendJson(request.res, 200, {
      evaluations: page.map(({ checkName, passed, severity, timestamp, runId, metadata, eventId }) => ({ checkName, passed, severity, timestamp, runId, metadata, eventId })),
      nextCursor: records.length > limit ? eventCursor(page[page.length - 1]!.eventId) : null,
    } satisfies WireAnswer<"GET /api/assets/:key/checks">);
  });
}

/** The key, when the loaded definitions have such an asset; a 404 otherwise. */
function knownAsset(project: LoadedProject, key: string): string {
  if (project.graph.assets.has(key)) return key;
  throw new HttpError(404, `no asset "${key}"`, { hint: "GET /api/assets lists the keys there are; a key with / goes in one path segment, encoded: /api/assets/mart%2Ftotal." });
}

/** `limit` (1–1000, default 50) and the event id a `cursor` pages before. */
function historyPage(query: Query): { limit: number; beforeEventId?: number } {
  const limit = query.integer("limit", 1, 1000) ?? 50;
  const cursor = query.string("cursor");
  if (cursor === undefined) return { limit };
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { beforeEvent?: unknown };
    if (typeof parsed.beforeEvent === "number" && Number.isSafeInteger(parsed.beforeEvent)) return { limit, beforeEventId: parsed.beforeEvent };
  } catch {
    // not one of ours
  }
  throw new HttpError(400, `query parameter "cursor" is not a cursor of this API: "${cursor}"`, { hint: "Pass the nextCursor of the previous page as it is, or leave it out for the first page." });
}

/** The opaque cursor of the page after the event `eventId`. */
function eventCursor(eventId: number): string {
  return Buffer.from(JSON.stringify({ beforeEvent: eventId }), "utf8").toString("base64url");
}
