/**
 * The console's one door to the daemon: typed GET/POST over the routes of `tributary-ts/wire`, the
 * bearer token of the page's fragment, and the connection state behind the "daemon down" banner.
 *
 * Routes that the daemon of this version may not serve yet (the console API grows in parallel:
 * paged events, run counts, asset detail...) are named by their route string too: {@link Answer}
 * is the wire type when `WIRE_ROUTES` has the route and `unknown` until then, so the console never
 * declares a copy of an answer's shape, and a page feature-detects such a route by its 404.
 */
import { errorAnswerText, type WireAnswer, type WireRouteName } from "tributary-ts/wire";

/** The answer of a route: its wire type once the route is in `WIRE_ROUTES`, else unknown. */
export type Answer<N extends string> = N extends WireRouteName ? WireAnswer<N> : unknown;

/** An API error answer, with the daemon's message (and hint) ready for the page. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** The daemon did not answer at all (it is down, or the network is). */
export class DaemonDownError extends Error {
  constructor(cause: unknown) {
    super(`The daemon does not answer (${cause instanceof Error ? cause.message : String(cause)}).`);
    this.name = "DaemonDownError";
  }
}

const TOKEN_KEY = "tributary.token";

/**
 * The bearer token: `#token=...` in the URL the user opened (the fragment never reaches a server
 * log), kept for this tab in sessionStorage so client-side navigation and reloads keep it.
 */
function readToken(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token");
  if (fromHash) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      // storage disabled: the token lives as long as the page
    }
    return fromHash;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

const token = readToken();
/** Headers every request carries. */
export const authHeaders: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

type Listener = (up: boolean) => void;
const listeners = new Set<Listener>();
let daemonUp = true;
let probe: ReturnType<typeof setTimeout> | undefined;

/** Whether the daemon answered the latest request. */
export function isDaemonUp(): boolean {
  return daemonUp;
}

/** Calls `listener` whenever the daemon goes down or comes back; returns the unsubscribe. */
export function onDaemonState(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setDaemonUp(up: boolean): void {
  if (up === daemonUp) return;
  daemonUp = up;
  for (const listener of listeners) listener(up);
  if (!up) scheduleProbe(250);
}

/** While the daemon is down, asks `/api/health` until it answers (backing off to 2 s). */
function scheduleProbe(delay: number): void {
  clearTimeout(probe);
  probe = setTimeout(async () => {
    try {
      const response = await fetch("/api/health", { headers: authHeaders, cache: "no-store" });
      if (response.ok) return setDaemonUp(true);
    } catch {
      // still down
    }
    scheduleProbe(Math.min(delay * 2, 2000));
  }, delay);
}

/** Tells the connection state that a stream or request failed to reach the daemon. */
export function reportDaemonDown(): void {
  setDaemonUp(false);
}

async function request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? authHeaders : { ...authHeaders, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
      cache: "no-store",
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    setDaemonUp(false);
    throw new DaemonDownError(error);
  }
  setDaemonUp(true);
  if (!response.ok) throw new ApiError(response.status, await errorAnswerText(response));
  return response;
}

/** GETs `path` (built by the caller from route `route`) and returns its JSON, typed by the route. */
export async function get<N extends string>(_route: N, path: string, signal?: AbortSignal): Promise<Answer<N>> {
  return (await (await request("GET", path, undefined, signal)).json()) as Answer<N>;
}

/** POSTs `body` to `path` (built from `route`); the API's error message is thrown as an {@link ApiError}. */
export async function post<N extends string>(_route: N, path: string, body: unknown = {}): Promise<Answer<N>> {
  return (await (await request("POST", path, body)).json()) as Answer<N>;
}

/** `encodeURIComponent` for one path segment (asset keys contain `/`). */
export const seg = encodeURIComponent;

