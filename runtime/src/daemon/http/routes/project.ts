/** The project the API answers from: the loaded one, else the last good one, else a 503. */
import type { LoadedProject } from "../../../loader";
import type { DaemonServices, ProjectState } from "../../services";
import type { ProjectJson } from "../../../wire/responses";
import { HttpError } from "../errors";

/**
 * The last project each daemon loaded successfully. While a reload fails (a file being edited), the
 * API keeps answering from it, as the daemon keeps running it; `/api/health` shows the error.
 */
const lastGood = new WeakMap<DaemonServices, LoadedProject>();

/** The current project, or the last good one; throws a 503 with the load error (file:line) when none loaded yet. */
export function loadedProject(services: DaemonServices): LoadedProject {
  const state = services.project();
  if (state.ok) {
    lastGood.set(services, state.project);
    return state.project;
  }
  const previous = lastGood.get(services);
  if (previous) return previous;
  throw new HttpError(503, `the project does not load: ${describeLoadError(state.error)}`, {
    hint: state.error.hint ?? "Fix the error; tributary dev reloads on save, a daemon on POST /api/reload (GET /api/health shows the state).",
  });
}

/** The load error with its file:line in front, unless the message has it already. */
export function describeLoadError(error: Extract<ProjectState, { ok: false }>["error"]): string {
  const where = error.file ? `${error.file}${error.line ? `:${error.line}` : ""}: ` : "";
  return error.file && error.message.includes(error.file) ? error.message : `${where}${error.message}`;
}

/** The `project` object of `GET /api/health` and `POST /api/reload`. */
export function projectJson(state: ProjectState): ProjectJson {
  return state.ok
    ? { ok: true, loadedAt: state.loadedAt, codeVersion: state.codeVersion, dir: state.project.config.projectDir, assets: state.project.graph.assets.size }
    : { ok: false, failedAt: state.failedAt, codeVersion: state.codeVersion, error: state.error };
}
