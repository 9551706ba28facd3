/**
 * `GET /api/lineage/columns`: every asset's columns and their column-level lineage, as the static
 * analysis reads them. The daemon runs no parser of its own: it loads the language server's
 * analysis that the runtime ships (loader/staticAnalysis.ts, the one `tributary validate` uses),
 * in a worker thread, once per loaded code version, and answers from that until the next reload.
 */
import type { LoadedProject } from "../../../loader";
import { columnLineageInWorker } from "../../../loader/staticAnalysis";
import type { WireAnswer } from "../../../wire/routes";
import { HttpError } from "../errors";
import { sendJson } from "../respond";
import { queryOf, type Router } from "../router";
import { loadedProject } from "./project";

type Answer = WireAnswer<"GET /api/lineage/columns">;

/** Registers the column lineage route. */
export function columnRoutes(router: Router): void {
  // One analysis per loaded code version: a reload makes a new LoadedProject, the old entry is collected with it.
  const cache = new WeakMap<LoadedProject, Promise<Answer>>();
  router.add("GET", "/api/lineage/columns", async (request) => {
    queryOf(request, []);
    const project = loadedProject(request.services);
    let answer = cache.get(project);
    if (!answer) {
      answer = analyse(project, request.analysisModule);
      cache.set(project, answer);
      // A failure is not cached: the next request tries again (after `npm run build`, say).
      answer.catch(() => cache.delete(project));
    }
    sendJson(request.res, 200, (await answer) satisfies Answer);
  });
}

/** The analysis, in a worker thread (seconds on a large project must not stall the daemon's loops). */
async function analyse(project: LoadedProject, analysisModule: string | undefined): Promise<Answer> {
  try {
    return await columnLineageInWorker(project.config.projectDir, analysisModule);
  } catch (error) {
    throw new HttpError(503, `column lineage is not available: ${(error as Error).message}`, {
      hint: (error as { hint?: string }).hint ?? "Rebuild the runtime with `npm run build`.",
    });
  }
}
