/** Data hooks of the console: a typed GET that reloads when the daemon comes back, and the daemon's state. */
import { useEffect, useState, useCallback } from "preact/hooks";
import { ApiError, get, isDaemonUp, onDaemonState, type Answer } from "./api";

/** Where a GET stands. `notFound`: the daemon answered 404 (an unknown id, or a route it lacks). */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  notFound: boolean;
  loading: boolean;
  reload(): void;
}

/**
 * GETs `path` (of route `route`) and again whenever `path` changes, `reload()` is called, or the
 * daemon comes back after being down. A null path loads nothing.
 */
export function useApi<N extends string>(route: N, path: string | null): Loaded<Answer<N>> {
  // The answer is kept with the path it answers: a page reused for another path (one run's page,
  // then the next run's) must not show the previous path's data as this one's while it loads.
  const [state, setState] = useState<{ path: string | null; data?: Answer<N>; error?: string; notFound: boolean; loading: boolean }>({ path, notFound: false, loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => onDaemonState((up) => up && reload()), [reload]);
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    // A reload of the same path keeps showing what it has until the answer comes.
    setState((s) => (s.path === path ? { ...s, loading: true } : { path, notFound: false, loading: true }));
    get(route, path, controller.signal).then(
      (data) => !controller.signal.aborted && setState({ path, data, notFound: false, loading: false }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const notFound = error instanceof ApiError && error.status === 404;
        setState((s) => ({ ...s, path, error: error instanceof Error ? error.message : String(error), notFound, loading: false }));
      },
    );
    return () => controller.abort();
  }, [route, path, tick]);
  const current = state.path === path ? state : { notFound: false, loading: true, data: undefined, error: undefined };
  return { data: current.data, error: current.error, notFound: current.notFound, loading: current.loading, reload };
}

/** Whether the daemon answers, kept current. */
export function useDaemonUp(): boolean {
  const [up, setUp] = useState(isDaemonUp());
  useEffect(() => onDaemonState(setUp), []);
  return up;
}

/** Re-renders every `ms` (for durations of what still runs); off when `active` is false. */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return now;
}

/** A cursor-paged list where it stands: the items loaded so far, and whether older ones remain. */
export interface Paged<T> {
  items: T[] | undefined;
  error: string | undefined;
  notFound: boolean;
  /** An older page exists (the API answered a `nextCursor`). */
  hasMore: boolean;
  loading: boolean;
  /** Loads the next (older) page after those loaded. */
  more(): void;
  /** Starts again from the first page. */
  reload(): void;
}

/**
 * GETs the first page of a cursor-paged route (`path` carries its `limit`), whose answer has the
 * list under `field` and a `nextCursor`; `more()` appends the next page (`&cursor=`). Reloads from
 * the first page when `path` changes, on `reload()`, or when the daemon comes back.
 */
export function usePaged<N extends string, T>(route: N, path: string | null, field: string): Paged<T> {
  // As in useApi, the items are kept with the path they page: another path starts empty.
  const [state, setState] = useState<{ path: string | null; items?: T[]; cursor: string | null; error?: string; notFound: boolean; loading: boolean }>({ path, cursor: null, notFound: false, loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => onDaemonState((up) => up && reload()), [reload]);
  const load = useCallback(
    (cursor: string | null, signal?: AbortSignal) => {
      if (path === null) return;
      setState((s) => (s.path === path ? { ...s, loading: true } : { path, cursor: null, notFound: false, loading: true }));
      const url = cursor === null ? path : `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
      get(route, url, signal).then(
        (data) => {
          if (signal?.aborted) return;
          const page = data as Record<string, unknown>;
          const items = (page[field] ?? []) as T[];
          const next = (page["nextCursor"] ?? null) as string | null;
          setState((s) => ({ path, items: cursor === null || s.path !== path ? items : [...(s.items ?? []), ...items], cursor: next, notFound: false, loading: false }));
        },
        (error: unknown) => {
          if (signal?.aborted) return;
          const notFound = error instanceof ApiError && error.status === 404;
          setState((s) => ({ ...(s.path === path ? s : { cursor: null }), path, error: error instanceof Error ? error.message : String(error), notFound, loading: false }));
        },
      );
    },
    [route, path, field],
  );
  useEffect(() => {
    const controller = new AbortController();
    load(null, controller.signal);
    return () => controller.abort();
  }, [load, tick]);
  const more = useCallback(() => {
    if (state.path === path && state.cursor !== null && !state.loading) load(state.cursor);
  }, [load, path, state.path, state.cursor, state.loading]);
  const current = state.path === path ? state : { items: undefined, error: undefined, notFound: false, cursor: null, loading: true };
  return { items: current.items, error: current.error, notFound: current.notFound, hasMore: current.cursor !== null, loading: current.loading, more, reload };
}
