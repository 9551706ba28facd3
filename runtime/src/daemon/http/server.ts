/**
 * The daemon's HTTP API (docs/http-api.md, DESIGN.md §4) on node:http: JSON endpoints, server-sent
 * event streams, and the web page at `/`. Depends on the daemon only through {@link DaemonServices}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../../errors";
import type { DaemonServices } from "../services";
import { onAnyOf, STATE_CHANGE_EVENTS } from "../events";
import type { Logger } from "../logger";
import { checkBearerToken, checkHostHeader, checkTokenStrength, isLoopbackHost } from "./auth";
import { HttpError, errorAnswer } from "./errors";
import { EventStreams } from "./eventStreams";
import { DEFAULT_MAX_BODY_BYTES } from "./request";
import { sendJson } from "./respond";
import { Router, type ApiRequest } from "./router";
import { assetRoutes } from "./routes/assets";
import { columnRoutes } from "./routes/columns";
import { eventRoutes } from "./routes/events";
import { healthRoutes } from "./routes/health";
import { instigatorRoutes } from "./routes/instigators";
import { partitionRoutes } from "./routes/partitions";
import { automationRoutes } from "./routes/automation";
import { reloadRoutes } from "./routes/reload";
import { timelineRoutes } from "./routes/timeline";
import { loadedProject } from "./routes/project";
import { defaultUiDir, servePage } from "./routes/page";
import { runRoutes } from "./routes/runs";
import { RunStepTracker } from "./runSteps";
import { HEARTBEAT_MS } from "./sse";
import { boundedLog } from "../logLine";

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** TCP port; 0 picks a free one (see the returned `url`). */
  port: number;
  /** Address to bind. Anything but loopback requires `token` (at least 16 characters). @defaultValue "127.0.0.1" */
  host?: string;
  /** Bearer token required on every `/api/` request when set (empty means none). */
  token?: string | undefined;
  /** Largest accepted request body. @defaultValue 1 MiB */
  maxBodyBytes?: number;
  /** Folder of the lineage UI bundle. @defaultValue the package's dist/ui */
  uiDir?: string;
  /** Where internal errors and stream problems are logged, as lines. @defaultValue console.error */
  log?: (line: string) => void;
  /** The daemon's logger instead of `log` (entries scoped `component: "http"`). */
  logger?: Logger;
  /** Heartbeat comment interval on event streams. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Poll interval of event streams when nothing wakes them. @defaultValue 250 for a run's stream, 500 for all runs' */
  pollMs?: number;
  /**
   * The bundled static analysis `GET /api/lineage/columns` loads (the language server's, as
   * `tributary validate` uses). @defaultValue the package's dist/bundled/validate.js
   */
  analysisModule?: string;
}

/** A running HTTP server. */
export interface HttpServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, ends open streams, resolves when closed. */
  close(): Promise<void>;
}

/** Every `/api/` route of the daemon (docs/http-api.md's table lists each; a test holds them together). */
export function apiRouter(): Router {
  const router = new Router();
  healthRoutes(router);
  assetRoutes(router);
  columnRoutes(router);
  runRoutes(router);
  eventRoutes(router);
  instigatorRoutes(router);
  partitionRoutes(router);
  automationRoutes(router);
  reloadRoutes(router);
  timelineRoutes(router);
  return router;
}

/**
 * Starts the HTTP API for a daemon.
 *
 * @throws ConfigError when asked to bind beyond loopback without a token, or with one shorter
 * than 16 characters, blank or with spaces around it.
 * @example
 * ```ts
 * const server = await startHttpServer(daemon, { port: 3000 });
 * console.log(`Tributary at ${server.url}`);
 * // later
 * await server.close();
 * ```
 */
export async function startHttpServer(services: DaemonServices, options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token === undefined || options.token === "" ? undefined : options.token;
  if (!isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(`refusing to serve the HTTP API on ${host} without a token: anyone who can reach that address could launch and cancel runs`, {
      hint: "Set a token (--token or TRIBUTARY_DAEMON_TOKEN), e.g. made by `openssl rand -hex 32`; or bind to 127.0.0.1.",
    });
  }
  if (!isLoopbackHost(host) && token !== undefined) checkTokenStrength(token, host);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new ConfigError(`the HTTP port must be a whole number from 0 to 65535, not ${String(options.port)}`);
  }
  const httpLog = options.logger?.scope({ component: "http" });
  const log = httpLog ? (line: string) => httpLog.error(line) : boundedLog(options.log ?? ((line: string) => console.error(line)));
  const uiDir = options.uiDir ?? defaultUiDir();
  const streams = new EventStreams(services.storage, {
    log,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(services.outages ? { outages: services.outages } : {}),
  });
  const steps = new RunStepTracker(services.storage);
  const router = apiRouter();
  const unsubscribe = onAnyOf(services.events, STATE_CHANGE_EVENTS, () => {
    streams.wake();
    if (services.project().ok) loadedProject(services); // remember the last good project
  });
  if (services.project().ok) loadedProject(services);

  const shared = { services, streams, steps, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS,
    analysisModule: options.analysisModule };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (token === undefined) checkHostHeader(req, host);
      if (!url.pathname.startsWith("/api/")) {
        if ((method === "GET" || method === "HEAD") && servePage(res, url.pathname, uiDir, method === "HEAD")) return;
        if (url.pathname === "/" || url.pathname === "/index.html") {
          throw new HttpError(405, `${method} is not allowed on ${url.pathname}`, { headers: { Allow: "GET, HEAD" } });
        }
        throw new HttpError(404, `nothing at ${url.pathname}`, { hint: "The web page is at /, the API under /api/ (see docs/http-api.md)." });
      }
      if (token !== undefined) checkBearerToken(req, token);
      const match = router.match(method, url.pathname);
      if (match.kind === "not-found") {
        throw new HttpError(404, `no endpoint ${url.pathname}`, { hint: "See docs/http-api.md; GET /api/health checks the daemon." });
      }
      if (match.kind === "wrong-method") {
        throw new HttpError(405, `${method} is not allowed on ${url.pathname}; use ${match.allowed.join(" or ")}`, { headers: { Allow: match.allowed.join(", ") } });
      }
      const request: ApiRequest = { req, res, url, params: match.params, ...shared };
      await match.handler(request);
    } catch (thrown) {
      const answer = errorAnswer(thrown);
      if (answer.errorId) log(`internal error ${answer.errorId} on ${method} ${url.pathname}: ${(thrown as Error)?.stack ?? String(thrown)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume(); // discard an unread body so the client can read this answer
      sendJson(res, answer.status, answer.body, answer.headers);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolvePromise();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    unsubscribe();
    streams.close();
    if (error.code === "EADDRINUSE") {
      throw new ConfigError(`port ${options.port} on ${host} is already in use`, { hint: "Stop the other process, or choose another port with --port." });
    }
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolvePromise) => {
        unsubscribe();
        streams.close();
        server.close(() => resolvePromise());
        server.closeAllConnections(); // event streams never end on their own
      });
      return closing;
    },
  };
}
