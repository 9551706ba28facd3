/**
 * `POST /api/reload`: loads the project's code again now, as a new code version. A daemon in
 * production mode runs the version it loaded at start until asked (a deploy calls this); in dev mode
 * saves reload by themselves, and this forces one.
 */
import { HttpError } from "../errors";
import { NoBodySchema } from "../../../wire/requests";
import type { WireAnswer } from "../../../wire/routes";
import { parseBody } from "../request";
import { sendJson } from "../respond";
import { bodyOf, queryOf, type Router } from "../router";
import { describeLoadError, projectJson } from "./project";

/** Registers the reload route. */
export function reloadRoutes(router: Router): void {
  router.add("POST", "/api/reload", async (request) => {
    queryOf(request, []);
    parseBody(NoBodySchema, await bodyOf(request), "POST /api/reload");
    const state = await request.services.reloadCode();
    if (!state.ok) {
      const { file, line } = state.error;
      throw new HttpError(422, `the project does not load: ${describeLoadError(state.error)}`, {
        hint: `${state.error.hint ?? "Fix the error and reload again."} ${
          state.codeVersion ? `Runs keep executing code ${state.codeVersion}.` : "No version of the code has loaded: runs cannot start."
        }`,
        details: { ...(file ? { file } : {}), ...(line ? { line } : {}), codeVersion: state.codeVersion },
      });
    }
    sendJson(request.res, 200, { codeVersion: state.codeVersion, project: projectJson(state) } satisfies WireAnswer<"POST /api/reload">);
  });
}
