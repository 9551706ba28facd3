/**
 * A tiny router: method + path pattern (`/api/runs/:id/events`) to a handler. A path that exists
 * with another method is a 405 with `Allow`; an unknown path is a 404 listing where to look.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DaemonServices } from "../services";
import { HttpError } from "./errors";
import type { EventStreams } from "./eventStreams";
import type { RunStepTracker } from "./runSteps";
import { Query, readJsonBody } from "./request";

/** Everything a handler gets about one request, and the server-wide helpers it may use. */
export interface ApiRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Decoded `:name` parts of the path. */
  readonly params: Record<string, string>;
  readonly services: DaemonServices;
  readonly streams: EventStreams;
  readonly steps: RunStepTracker;
  readonly maxBodyBytes: number;
  /** Interval of heartbeat comments on event streams. */
  readonly heartbeatMs: number;
  /** The bundled static analysis to load (undefined: the package's own; see loader/staticAnalysis.ts). */
  readonly analysisModule?: string | undefined;
}

/** Reads the query parameters, refusing any not in `allowed`. */
export function queryOf(request: ApiRequest, allowed: readonly string[]): Query {
  return new Query(request.url.searchParams, allowed);
}

/** Reads the JSON body (see {@link readJsonBody}). */
export function bodyOf(request: ApiRequest): Promise<unknown> {
  return readJsonBody(request.req, request.maxBodyBytes);
}

/** Handles one request; writes the answer itself. Throwing produces an error answer. */
export type Handler = (request: ApiRequest) => Promise<void> | void;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

/** What {@link Router.match} found for a request. */
export type RouteMatch =
  | { kind: "found"; handler: Handler; params: Record<string, string> }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "not-found" };

/** Routes by method and path pattern; `:name` segments capture one path segment. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route. `GET` routes also answer `HEAD`. */
  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, segments: splitPath(pattern), handler });
    return this;
  }

  /** The routes as `[method, pattern]`, in the order they were added. */
  list(): [method: string, pattern: string][] {
    return this.routes.map((route) => [route.method, route.pattern]);
  }

  /** Finds the handler for a request. */
  match(method: string, pathname: string): RouteMatch {
    const segments = splitPath(pathname);
    const allowed = new Set<string>();
    let best: { route: Route; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        // A literal segment wins over a parameter (`/api/runs/counts` over `/api/runs/:id`), whatever the order of registration.
        if (!best || moreSpecific(route.segments, best.route.segments)) best = { route, params };
        continue;
      }
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
    }
    if (best) return { kind: "found", handler: best.route.handler, params: best.params };
    return allowed.size > 0 ? { kind: "wrong-method", allowed: [...allowed] } : { kind: "not-found" };
  }
}

/** True when `a` has a literal segment where `b` first has a parameter (both match the same path). */
function moreSpecific(a: string[], b: string[]): boolean {
  for (let index = 0; index < a.length; index++) {
    const aParam = a[index]!.startsWith(":");
    const bParam = b[index]!.startsWith(":");
    if (aParam !== bParam) return bParam;
  }
  return false;
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const expected = pattern[index]!;
    const actual = path[index]!;
    if (expected.startsWith(":")) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        throw new HttpError(400, `the path segment "${actual}" is not valid percent-encoding`, { hint: "Encode names with encodeURIComponent." });
      }
    } else if (expected !== actual) {
      return null;
    }
  }
  return params;
}
