/**
 * The structured event log of a run page: the events in a virtual list that follows the tail live
 * over the run's SSE stream. With a daemon that serves `/events/stats` and `before` paging, it opens
 * on the last page and pages older events in when scrolled to the top; with one that does not, it
 * reads the backlog page by page (`after`) first. Filters (minimum level, step, type, text) ask the
 * daemon for the matching events, paged the same way, when it can page back (else they apply to the
 * loaded events); live events that match join the filtered list. A click on a row shows that event
 * in full below the list (a failure's message and stack, its data).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { RUN_EVENT_TYPES, readEventStream, STREAM_EVENTS, type RunEventJson } from "tributary-ts/wire";
import { ApiError, authHeaders, get, reportDaemonDown, seg } from "../api";
import { ErrorNote } from "../components";
import { VirtualList } from "../virtualList";

const PAGE = 500;
const ROW = 22;

interface Stats {
  total: number;
  lastId: number | null;
  firstErrorId: number | null;
}

export interface EventLogProps {
  runId: string;
  steps: string[];
  /** Each live event (the page re-reads the run's steps). */
  onEvent(event: RunEventJson): void;
  /** The stream's `end`: the run is over. */
  onEnd(): void;
}

const isError = (event: RunEventJson) => event.level === "error" || event.type === "STEP_FAILURE" || event.type === "RUN_FAILURE";

const LEVELS = ["debug", "info", "warn", "error"] as const;

interface Filter {
  /** The minimum level, as the API's `level`. */
  level: string;
  step: string;
  type: string;
  text: string;
}

const isFiltering = (f: Filter) => Boolean(f.level || f.step || f.type || f.text);

/** Whether `event` passes `filter`, with the API's meaning (level: at least; text: contained, any case). */
function matches(event: RunEventJson, filter: Filter): boolean {
  return (
    (!filter.level || LEVELS.indexOf(event.level) >= LEVELS.indexOf(filter.level as (typeof LEVELS)[number])) &&
    (!filter.step || event.stepKey === filter.step) &&
    (!filter.type || event.type === filter.type) &&
    (!filter.text || event.message.toLowerCase().includes(filter.text.toLowerCase()))
  );
}

/** The API's query for `filter`. */
function filterQuery(filter: Filter): string {
  const query = new URLSearchParams();
  if (filter.level) query.set("level", filter.level);
  if (filter.step) query.set("step", filter.step);
  if (filter.type) query.set("type", filter.type);
  if (filter.text) query.set("q", filter.text);
  return query.toString();
}

/** The matching events the daemon paged in for the current filter (server-side filtering). */
interface FilteredView {
  key: string;
  events: RunEventJson[];
  hasOlder: boolean;
}

export function EventLog({ runId, steps, onEvent, onEnd }: EventLogProps) {
  const [events, setEvents] = useState<RunEventJson[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string>();
  const [follow, setFollow] = useState(true);
  const [scrollTo, setScrollTo] = useState<number | null>(null);
  const [filter, setFilter] = useState<Filter>({ level: "", step: "", type: "", text: "" });
  const [filtered, setFiltered] = useState<FilteredView | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const [selected, setSelected] = useState<RunEventJson | null>(null);
  const callbacks = useRef({ onEvent, onEnd });
  callbacks.current = { onEvent, onEnd };
  const loadingOlder = useRef(false);

  useEffect(() => {
    const controller = new AbortController();
    let buffer: RunEventJson[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = buffer;
      buffer = [];
      // The stream may repeat what the tail page already holds: keep ids increasing.
      setEvents((current) => {
        const last = current.length ? current[current.length - 1]!.id : -1;
        const fresh = batch.filter((e) => e.id > last);
        return fresh.length ? current.concat(fresh) : current;
      });
      // Live events that match join the filtered view too.
      setFiltered((view) => {
        if (!view) return view;
        const last = view.events.length ? view.events[view.events.length - 1]!.id : -1;
        const fresh = batch.filter((e) => e.id > last && matches(e, filterRef.current));
        return fresh.length ? { ...view, events: view.events.concat(fresh) } : view;
      });
    };
    const follow = (lastId: number | null) =>
      readEventStream(`/api/runs/${seg(runId)}/events`, {
        headers: lastId === null ? authHeaders : { ...authHeaders, "last-event-id": String(lastId) },
        signal: controller.signal,
        retry: { initialDelayMs: 250, maxDelayMs: 2000 },
        onEvent(message) {
          if (message.type === STREAM_EVENTS.end) {
            callbacks.current.onEnd();
            return;
          }
          if (message.type !== STREAM_EVENTS.runEvent) return;
          const event = JSON.parse(message.data) as RunEventJson;
          buffer.push(event);
          callbacks.current.onEvent(event);
          if (!frame) frame = requestAnimationFrame(flush);
        },
        onStatus(connected) {
          if (!connected) reportDaemonDown();
        },
      }).catch((e: unknown) => !controller.signal.aborted && setError(e instanceof Error ? e.message : String(e)));

    (async () => {
      let tailLastId: number | null = null;
      let lastShown: RunEventJson | undefined;
      try {
        const answer = (await get("GET /api/runs/:id/events/stats", `/api/runs/${seg(runId)}/events/stats`, controller.signal)) as Stats;
        setStats(answer);
        if (answer.lastId !== null) {
          const page = await get("GET /api/runs/:id/events", `/api/runs/${seg(runId)}/events?before=${answer.lastId + 1}&limit=${PAGE}`, controller.signal);
          setEvents(page.events);
          setHasOlder(page.events.length > 0 && page.events.length < answer.total);
          lastShown = page.events[page.events.length - 1];
          tailLastId = lastShown ? lastShown.id : null;
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        if (!(e instanceof ApiError && e.status === 404)) setError(e instanceof Error ? e.message : String(e));
        // A daemon without the stats route pages only forward, and its stream cannot carry a big
        // backlog (issue 15): read the backlog page by page, then follow the stream from its end.
        else {
          tailLastId = await readBacklog(runId, controller.signal, (events) => {
            lastShown = events[events.length - 1];
            setEvents(events);
          }).catch(() => null);
        }
      }
      // Events written between the page's read of the run and this tail read are in the tail, not
      // in the stream that follows it: tell the page once, so its steps are never left behind.
      if (lastShown && !controller.signal.aborted) callbacks.current.onEvent(lastShown);
      void follow(tailLastId);
    })();
    return () => {
      controller.abort();
      cancelAnimationFrame(frame);
    };
  }, [runId]);

  // A daemon that pages events (it has the stats route) filters them too: ask it, 200 ms after the last keystroke.
  const serverPaged = stats !== null;
  const filterKey = JSON.stringify(filter);
  const lastSeen = events.length ? events[events.length - 1]!.id : (stats?.lastId ?? 0);
  const lastSeenRef = useRef(lastSeen);
  lastSeenRef.current = lastSeen;
  useEffect(() => {
    if (!serverPaged || !isFiltering(filter)) {
      setFiltered(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const page = await get("GET /api/runs/:id/events", `/api/runs/${seg(runId)}/events?before=${lastSeenRef.current + 1}&limit=${PAGE}&${filterQuery(filter)}`, controller.signal);
        if (!controller.signal.aborted) setFiltered({ key: filterKey, events: page.events, hasOlder: page.events.length === PAGE });
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      }
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [runId, serverPaged, filterKey]);

  /** Pages older events into the list on screen (the filtered view, or the whole log); returns how many came. */
  const loadOlder = async (): Promise<number> => {
    const view = filtered && filtered.key === filterKey ? filtered : null;
    const first = view ? view.events[0] : events[0];
    if (!(view ? view.hasOlder : hasOlder) || loadingOlder.current || !first) return 0;
    loadingOlder.current = true;
    try {
      const query = view ? `&${filterQuery(filter)}` : "";
      const page = await get("GET /api/runs/:id/events", `/api/runs/${seg(runId)}/events?before=${first.id}&limit=${PAGE}${query}`);
      const older = (current: RunEventJson[]) => page.events.filter((e) => e.id < (current[0]?.id ?? Infinity)).concat(current);
      if (view) setFiltered((v) => v && v.key === view.key ? { ...v, events: older(v.events), hasOlder: page.events.length === PAGE } : v);
      else {
        setEvents(older);
        setHasOlder(page.events.length === PAGE);
      }
      return page.events.length;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return 0;
    } finally {
      loadingOlder.current = false;
    }
  };

  const shown = useMemo(() => {
    if (!isFiltering(filter)) return events;
    if (serverPaged) return filtered?.key === filterKey ? filtered.events : [];
    return events.filter((e) => matches(e, filter));
  }, [events, filter, filtered, serverPaged, filterKey]);

  const jumpToFirstError = async () => {
    setFollow(false);
    const firstErrorId = stats?.firstErrorId ?? null;
    if (firstErrorId !== null && events.length && events[0]!.id > firstErrorId) {
      // Not loaded: the daemon's error-level view holds it, a page or a few back (however long the run).
      setFilter({ level: "error", step: "", type: "", text: "" });
      return;
    }
    setScrollTo(null);
    setTimeout(() => setScrollTo(Math.max(0, shownRef.current.findIndex(isError))), 0);
  };
  // In the error-level view opened by the jump, page back to the first error, then show it.
  useEffect(() => {
    const firstErrorId = stats?.firstErrorId ?? null;
    if (firstErrorId === null || filter.level !== "error" || !filtered || filtered.key !== filterKey || follow) return;
    const index = filtered.events.findIndex((e) => e.id === firstErrorId);
    if (index >= 0) setScrollTo(index);
    else if (filtered.hasOlder) void loadOlder();
  }, [filtered, filterKey, stats, follow]);
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const hasError = stats?.firstErrorId != null || events.some(isError);

  const set = (key: keyof Filter) => (event: Event) => setFilter({ ...filter, [key]: (event.currentTarget as HTMLInputElement).value });
  return (
    <section class="event-log">
      <div class="filters">
        <select aria-label="Minimum level" value={filter.level} onChange={set("level")} data-testid="log-level">
          <option value="">All levels</option>
          {LEVELS.map((l) => <option value={l}>{l === "error" ? "error" : `${l} and above`}</option>)}
        </select>
        <select aria-label="Step" value={filter.step} onChange={set("step")} data-testid="log-step">
          <option value="">All steps</option>
          {steps.map((s) => <option value={s}>{s}</option>)}
        </select>
        <select aria-label="Event type" value={filter.type} onChange={set("type")} data-testid="log-type">
          <option value="">All types</option>
          {RUN_EVENT_TYPES.map((t) => <option value={t}>{t}</option>)}
        </select>
        <input type="search" placeholder="Search messages" value={filter.text} onInput={set("text")} aria-label="Search messages" data-testid="log-text" />
        <button type="button" disabled={!hasError} onClick={jumpToFirstError} data-testid="jump-error">Jump to first error</button>
        <label class="follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.currentTarget as HTMLInputElement).checked)} data-testid="log-follow" /> Follow
        </label>
        <span class="muted" data-testid="log-count">
          {isFiltering(filter) ? `${shown.length} matching` : `${events.length}`} events{stats && stats.total > events.length ? ` (${stats.total} in all)` : ""}
        </span>
      </div>
      <ErrorNote message={error} />
      <VirtualList
        count={shown.length}
        rowHeight={ROW}
        follow={follow}
        onFollowChange={setFollow}
        onTop={() => void loadOlder()}
        scrollTo={scrollTo}
        row={(index) => {
          const e = shown[index]!;
          return (
            <div class={`log-row level-${e.level}${selected?.id === e.id ? " selected" : ""}`} data-event-id={e.id} data-level={e.level} onClick={() => setSelected(selected?.id === e.id ? null : e)}>
              <span class="log-time">{e.timestamp.slice(11, 23)}</span>
              <span class="log-level">{e.level}</span>
              <span class="log-type">{e.type}</span>
              <span class="log-step">{e.stepKey ?? ""}</span>
              <span class="log-message" title={e.message}>{e.message}</span>
            </div>
          );
        }}
      />
      {selected && <EventDetail event={selected} onClose={() => setSelected(null)} />}
    </section>
  );
}

/** One event in full: its message (a failure's stack included) and its data. */
function EventDetail({ event, onClose }: { event: RunEventJson; onClose(): void }) {
  const data = event.data && Object.keys(event.data).length ? JSON.stringify(event.data, null, 2) : null;
  return (
    <div class="event-detail" data-testid="event-detail">
      <header>
        <b>{event.type}</b> <span class="muted">#{event.id} · {event.timestamp}{event.stepKey ? ` · ${event.stepKey}` : ""}</span>
        <button type="button" class="icon" aria-label="Close the event" onClick={onClose}>✕</button>
      </header>
      <pre class={event.level === "error" ? "error-text" : ""}>{event.message}</pre>
      {data && <pre class="muted">{data}</pre>}
    </div>
  );
}

/** Reads a run's events from the first, a page at a time (`after`), showing each page as it comes; returns the last id. */
async function readBacklog(runId: string, signal: AbortSignal, show: (events: RunEventJson[]) => void): Promise<number | null> {
  const all: RunEventJson[] = [];
  for (;;) {
    const after = all.length ? all[all.length - 1]!.id : 0;
    const page = await get("GET /api/runs/:id/events", `/api/runs/${seg(runId)}/events?after=${after}&limit=1000`, signal);
    all.push(...page.events);
    show(all.slice());
    if (page.events.length < 1000) return all.length ? all[all.length - 1]!.id : null;
  }
}
