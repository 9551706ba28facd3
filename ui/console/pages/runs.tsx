/**
 * `/runs`: every run, newest first, filtered by status (`?status=FAILURE,CANCELED`), paged on the
 * server (the API's `nextCursor` when it has one, else `before=<last run id>`), counts by status
 * when the daemon serves them; runs in progress update live from `/api/events/stream` (only the run
 * an event names is re-read, never the whole list).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { RUN_STATUSES, type RunJson } from "tributary-ts/wire";
import { get, seg } from "../api";
import { ErrorNote, LaunchedBy, PageTitle, RunLink, Status } from "../components";
import { elapsed, formatDuration, formatTime } from "../format";
import { useApi, useNow } from "../hooks";
import { subscribeRunEvents } from "../live";

/** Runs per page; `/runs?limit=N` (1 to 1000) changes it. */
const PAGE = 50;

function pageSize(limit: string | undefined): number {
  const n = Number(limit);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : PAGE;
}

/** The query of the first page for `statuses`. */
function firstPagePath(statuses: string[], size: number): string {
  const query = new URLSearchParams({ limit: String(size) });
  if (statuses.length) query.set("status", statuses.join(","));
  return `/api/runs?${query}`;
}

export function RunsPage() {
  const { query, route } = useLocation();
  const statuses = (query.status ?? "").split(",").filter(Boolean);
  const size = pageSize(query.limit);
  const first = useApi("GET /api/runs", firstPagePath(statuses, size));
  const counts = useApi("GET /api/runs/counts", "/api/runs/counts");
  const [more, setMore] = useState<{ runs: RunJson[]; cursor: string | null; error?: string }>({ runs: [], cursor: null });
  const [live, setLive] = useState<Map<string, RunJson>>(new Map());
  const [added, setAdded] = useState<RunJson[]>([]);

  // A new first page (filter change, reload) starts the list over.
  useEffect(() => {
    const answer = first.data as (typeof first.data & { nextCursor?: string | null }) | undefined;
    if (!answer) return;
    setMore({ runs: [], cursor: nextCursorOf(answer, answer.runs, size) });
    setLive(new Map());
    setAdded([]);
  }, [first.data]);

  const runs = [...added, ...(first.data?.runs ?? []), ...more.runs].map((run) => live.get(run.runId) ?? run);
  const known = useRef(new Set<string>());
  known.current = new Set(runs.map((r) => r.runId));
  const wanted = useRef(statuses);
  wanted.current = statuses;

  // Live: re-read the run an event names; a run not listed yet joins the top when it matches the filter.
  useEffect(() => {
    const pending = new Map<string, ReturnType<typeof setTimeout>>();
    const unsubscribe = subscribeRunEvents((event) => {
      if (!event.type.startsWith("RUN_") || pending.has(event.runId)) return;
      pending.set(event.runId, setTimeout(async () => {
        pending.delete(event.runId);
        try {
          const run = await get("GET /api/runs/:id", `/api/runs/${seg(event.runId)}`);
          const { steps: _steps, ...entry } = run;
          if (known.current.has(run.runId)) setLive((m) => new Map(m).set(run.runId, entry));
          else if (!wanted.current.length || wanted.current.includes(run.status)) setAdded((a) => [entry, ...a.filter((r) => r.runId !== run.runId)]);
        } catch {
          // the banner tells when the daemon is away
        }
      }, 100));
    });
    return () => {
      unsubscribe();
      for (const timer of pending.values()) clearTimeout(timer);
    };
  }, []);

  const loadMore = async () => {
    if (!more.cursor) return;
    const path = `${firstPagePath(statuses, size)}&${more.cursor}`;
    try {
      const answer = (await get("GET /api/runs", path)) as Awaited<ReturnType<typeof get<"GET /api/runs">>> & { nextCursor?: string | null };
      setMore((m) => ({ runs: [...m.runs, ...answer.runs.filter((r) => !m.runs.some((seen) => seen.runId === r.runId))], cursor: nextCursorOf(answer, answer.runs, size) }));
    } catch (error) {
      setMore((m) => ({ ...m, error: String(error instanceof Error ? error.message : error) }));
    }
  };

  const toggle = (status: string) => {
    const next = statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status];
    const search = new URLSearchParams(query);
    if (next.length) search.set("status", next.join(","));
    else search.delete("status");
    route(search.size ? `/runs?${search.toString().replace(/%2C/g, ",")}` : "/runs");
  };
  const byStatus = (counts.data as { counts?: Record<string, number>; total?: number } | undefined)?.counts;
  const now = useNow(runs.some((r) => !r.endedAt && r.startedAt));

  return (
    <>
      <PageTitle sub={byStatus ? `${(counts.data as { total?: number }).total ?? 0} runs` : undefined}>Runs</PageTitle>
      <div class="filters" role="group" aria-label="Filter by status">
        {RUN_STATUSES.map((status) => (
          <button type="button" class={`chip ${statuses.includes(status) ? "on" : ""}`} aria-pressed={statuses.includes(status)} onClick={() => toggle(status)} data-testid={`filter-${status}`}>
            {status}
            {byStatus && <b> {byStatus[status] ?? 0}</b>}
          </button>
        ))}
      </div>
      <ErrorNote message={first.error} />
      <table class="table" data-testid="runs-table">
        <thead>
          <tr><th>Run</th><th>Status</th><th>Selection</th><th>Launched by</th><th>Created</th><th>Duration</th></tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.runId} data-run={run.runId}>
              <td><RunLink runId={run.runId} /></td>
              <td><Status status={run.status} /></td>
              <td class="mono ellipsis" title={run.selection}>{run.selection}</td>
              <td><LaunchedBy run={run} /></td>
              <td>{formatTime(run.createdAt)}</td>
              <td>{formatDuration(elapsed(run.startedAt, run.endedAt, now))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!first.loading && runs.length === 0 && <p class="muted">No runs{statuses.length ? " with this status" : ""} yet.</p>}
      <ErrorNote message={more.error} />
      {more.cursor && (
        <button type="button" onClick={loadMore} data-testid="runs-more">Older runs</button>
      )}
    </>
  );
}

/** The query that asks for the page after `runs`: the API's cursor, or (older daemons) `before` the last run. */
function nextCursorOf(answer: { nextCursor?: string | null }, runs: RunJson[], size: number): string | null {
  if ("nextCursor" in answer) return answer.nextCursor ? `cursor=${encodeURIComponent(answer.nextCursor)}` : null;
  return runs.length === size ? `before=${encodeURIComponent(runs[runs.length - 1]!.runId)}` : null;
}
