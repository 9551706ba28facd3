/** The project the API answers from: the loaded one, else the last good one, else a 503. */
import type { LoadedProject } from "../../../loader";
import type { DaemonServices } from "../../services";
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
  const where = state.error.file ? `${state.error.file}${state.error.line ? `:${state.error.line}` : ""}: ` : "";
  const message = state.error.file && state.error.message.includes(state.error.file) ? state.error.message : `${where}${state.error.message}`;
  throw new HttpError(503, `the project does not load: ${message}`, {
    hint: state.error.hint ?? "Fix the error; the daemon reloads the definitions when files change (GET /api/health shows the state).",
  });
}
