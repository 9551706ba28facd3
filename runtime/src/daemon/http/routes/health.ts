/** `GET /api/health`: is the daemon up, which one, and does the project load. */
import { runtimeVersion } from "../../../version";
import { sendJson } from "../respond";
import type { Router } from "../router";

/** Registers the health route. */
export function healthRoutes(router: Router): void {
  router.add("GET", "/api/health", ({ res, services, streams }) => {
    const state = services.project();
    const project = state.ok
      ? { ok: true, loadedAt: state.loadedAt, dir: state.project.config.projectDir, assets: state.project.graph.assets.size }
      : { ok: false, failedAt: state.failedAt, error: state.error };
    sendJson(res, 200, { ok: true, daemonId: services.daemonId, mode: services.mode, version: runtimeVersion(), project, streams: streams.stats() });
  });
}
