/** The loaded project, or a 503 saying why there is none. */
import type { LoadedProject } from "../../../loader";
import type { DaemonServices } from "../../services";
import { HttpError } from "../errors";

/** The current project; throws a 503 with the load error (file:line) when it does not load. */
export function loadedProject(services: DaemonServices): LoadedProject {
  const state = services.project();
  if (state.ok) return state.project;
  const where = state.error.file ? `${state.error.file}${state.error.line ? `:${state.error.line}` : ""}: ` : "";
  throw new HttpError(503, `the project does not load: ${where}${state.error.message}`, {
    hint: state.error.hint ?? "Fix the error; the daemon reloads the definitions when files change (GET /api/health shows the state).",
  });
}
