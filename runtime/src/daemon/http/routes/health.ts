/** `GET /api/health`: is the daemon up, which one, and does the project load. */
import { runtimeVersion } from "../../../version";
import { sendJson } from "../respond";
import type { Router } from "../router";
import { projectJson } from "./project";

/** Registers the health route. */
export function healthRoutes(router: Router): void {
  router.add("GET", "/api/health", ({ res, services, streams }) => {
    const project = projectJson(services.project());
    sendJson(res, 200, { ok: true, daemonId: services.daemonId, mode: services.mode, version: runtimeVersion(), project, streams: streams.stats() });
  });
}
