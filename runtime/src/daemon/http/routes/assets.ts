/** `GET /api/assets`: the asset graph with each asset's latest status. */
import type { WireAnswer } from "../../../wire/routes";
import { AssetStatusReader } from "../assetStatus";
import { sendJson } from "../respond";
import { queryOf, type Router } from "../router";
import { loadedProject } from "./project";

/** Registers the asset routes. */
export function assetRoutes(router: Router): void {
  let reader: AssetStatusReader | undefined;
  router.add("GET", "/api/assets", async (request) => {
    queryOf(request, []);
    const project = loadedProject(request.services);
    reader ??= new AssetStatusReader(request.services.storage, request.steps);
    sendJson(request.res, 200, { assets: await reader.describe(project) } satisfies WireAnswer<"GET /api/assets">);
  });
}
