/**
 * `GET /api/health`: is the daemon up, which one, does the project load, can it reach its
 * database, and is each of its loops completing passes. A stalled loop (or the database out of
 * reach) makes `status` "degraded" with HTTP 200 still: the process answers and must not be restarted by a probe for what a
 * restart may not cure (a hung query holds a lock); alerting reads `status` and `loops`.
 */
import { runtimeVersion } from "../../../version";
import type { HealthJson } from "../../../wire/responses";
import type { DaemonServices } from "../../services";
import { sendJson } from "../respond";
import type { Router } from "../router";
import { projectJson } from "./project";

/** How long health waits for the database to answer before calling it unreachable. */
const STORAGE_PING_TIMEOUT_MS = 2000;

/** Registers the health route. */
export function healthRoutes(router: Router): void {
  router.add("GET", "/api/health", async ({ res, services, streams }) => {
    const project = projectJson(services.project());
    const storage = await storageHealth(services);
    const loops = services.loops?.() ?? [];
    const status = storage.ok && loops.every((loop) => loop.healthy) ? "ok" : "degraded";
    sendJson(res, 200, { ok: true, daemonId: services.daemonId, mode: services.mode, version: runtimeVersion(), project, storage, streams: streams.stats(), status, loops } satisfies HealthJson);
  });
}

/**
 * Whether the database answers now (a ping, bounded in time), with since when it has not as the
 * daemon saw it. The daemon is up either way (`ok` stays true), as when the project does not load.
 */
async function storageHealth(services: DaemonServices): Promise<HealthJson["storage"]> {
  const dialect = services.storage.dialect;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(`the database did not answer within ${STORAGE_PING_TIMEOUT_MS} ms`)), STORAGE_PING_TIMEOUT_MS);
  });
  const failure = await Promise.race([services.storage.ping().then(() => undefined, (error: unknown) => error), timeout]);
  clearTimeout(timer);
  if (failure === undefined) return { ok: true, dialect };
  const since = services.outages?.outage?.since;
  const { message, hint } = failure as { message?: unknown; hint?: unknown };
  return {
    ok: false,
    dialect,
    ...(since ? { since } : {}),
    error: { message: typeof message === "string" ? message : String(failure), ...(typeof hint === "string" ? { hint } : {}) },
  };
}
