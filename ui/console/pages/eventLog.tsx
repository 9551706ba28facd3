/**
 * The structured event log of a run page: the events in a virtual list that follows the tail live
 * over the run's SSE stream. With a daemon that serves `/events/stats` and `before` paging, it opens
 * on the last page and pages older events in when scrolled to the top; with one that does not, the
 * stream sends the backlog first. Filters by level, step, type and text work on the loaded events.
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

export function EventLog({ runId, steps, onEvent, onEnd }: EventLogProps) {
  const [events, setEvents] = useState<RunEventJson[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string>();
  const [follow, setFollow] = useState(true);
  const [scrollTo, setScrollTo] = useState<number | null>(null);
  const [filter, setFilter] = useState({ level: "", step: "", type: "", text: "" });
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
      try {
        const answer = (await get("GET /api/runs/:id/events/stats", `/api/runs/${seg(runId)}/events/stats`, controller.signal)) as Stats;
        setStats(answer);
        if (answer.lastId !== null) {
          const page = await get("GET /api/runs/:id/events", `/api/runs/${seg(runId)}/events?before=${answer.lastId + 1}&limit=${PAGE}`, controller.signal);
          setEvents(page.events);
          setHasOlder(page.events.length > 0 && page.events.length < answer.total);
          tailLastId = page.events.length ? page.events[page.events.length - 1]!.id : null;
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        // An older daemon: no stats route; its stream sends the whole backlog first.
        if (!(e instanceof ApiError && e.status === 404)) setError(e instanceof Error ? e.message : String(e));
      }
      void follow(tailLastId);
    })();
    return () => {
      controller.abort();
      cancelAnimationFrame(frame);
    };
  }, [runId]);

  const loadOlder = async (): Promise<number> => {
    if (!hasOlder || loadingOlder.current || events.length === 0) return 0;
    loadingOlder.current = true;
    try {
      const page = await get("GET /api/runs/:id/events", `/api/runs/${seg(runId)}/events?before=${events[0]!.id}&limit=${PAGE}`);
      setEvents((current) => page.events.filter((e) => e.id < (current[0]?.id ?? Infinity)).concat(current));
      setHasOlder(page.events.length === PAGE);
      return page.events.length;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return 0;
    } finally {
      loadingOlder.current = false;
    }
  };

  const shown = useMemo(() => {
    const text = filter.text.toLowerCase();
    if (!filter.level && !filter.step && !filter.type && !text) return events;
    return events.filter(
      (e) =>
        (!filter.level || e.level === filter.level) &&
        (!filter.step || e.stepKey === filter.step) &&
        (!filter.type || e.type === filter.type) &&
        (!text || e.message.toLowerCase().includes(text)),
    );
  }, [events, filter]);

  const jumpToFirstError = async () => {
    setFollow(false);
    // Page older events in until the first error is loaded (the stats say where it is).
    for (let pages = 0; stats?.firstErrorId != null && events.length && events[0]!.id > stats.firstErrorId && pages < 20; pages++) {
      if ((await loadOlder()) === 0) break;
    }
    setScrollTo(null);
    setTimeout(() => setScrollTo(Math.max(0, shownRef.current.findIndex(isError))), 0);
  };
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const hasError = stats?.firstErrorId != null || events.some(isError);

  const set = (key: keyof typeof filter) => (event: Event) => setFilter({ ...filter, [key]: (event.currentTarget as HTMLInputElement).value });
  return (
    <section class="event-log">
      <div class="filters">
        <select aria-label="Level" value={filter.level} onChange={set("level")} data-testid="log-level">
          <option value="">All levels</option>
          {["debug", "info", "warn", "error"].map((l) => <option value={l}>{l}</option>)}
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
          {shown.length === events.length ? `${events.length}` : `${shown.length} of ${events.length}`} events{stats && stats.total > events.length ? ` (${stats.total} in all)` : ""}
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
