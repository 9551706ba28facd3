/**
 * `/runs`: every run, newest first, filtered by status (`?status=FAILURE,CANCELED`) and by asset,
 * job, instigator, tag and time range (`?asset=orders&from=2026-12-01`, the API's filters), paged on the
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

/** The list's filters besides the status, as the URL and the API name them (docs/http-api.md). */
const FILTERS = [
  { name: "asset", label: "Asset", placeholder: "asset key" },
  { name: "job", label: "Job", placeholder: "job name" },
  { name: "instigator", label: "Launched by", placeholder: "schedule:NAME, sensor:NAME, backfill:ID, manual" },
  { name: "tag", label: "Tag", placeholder: "key=value" },
  { name: "from", label: "From", placeholder: "2026-12-05 or an instant" },
  { name: "to", label: "To", placeholder: "2026-12-06 or an instant" },
] as const;
type FilterName = (typeof FILTERS)[number]["name"];
type Filters = Partial<Record<FilterName, string>>;

function filtersOf(query: Record<string, string>): Filters {
  const filters: Filters = {};
  for (const { name } of FILTERS) if (query[name]) filters[name] = query[name];
  return filters;
}

/** The filters as query parameters of the API (the runs and their counts take the same ones). */
function filterQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  for (const { name } of FILTERS) if (filters[name]) query.set(name, filters[name]!);
  return query;
}

/** The query of the first page for `statuses` and `filters`. */
function firstPagePath(statuses: string[], filters: Filters, size: number): string {
  const query = filterQuery(filters);
  query.set("limit", String(size));
  if (statuses.length) query.set("status", statuses.join(","));
  return `/api/runs?${query}`;
}

/** Whether a run the stream names belongs in the list as filtered (the API's rules, on one run). */
function matches(run: RunJson, statuses: string[], filters: Filters): boolean {
  if (statuses.length && !statuses.includes(run.status)) return false;
  if (filters.asset && !run.assetKeys.includes(filters.asset)) return false;
  if (filters.job && run.selection !== `job:${filters.job}`) return false;
  if (filters.instigator) {
    const by = run.instigator;
    if (filters.instigator === "manual" ? by !== null : !by || `${by.type}:${by.name}` !== filters.instigator) return false;
  }
  if (filters.tag) {
    const equals = filters.tag.indexOf("=");
    if (run.tags[filters.tag.slice(0, equals)] !== filters.tag.slice(equals + 1)) return false;
  }
  const created = Date.parse(run.createdAt);
  if (filters.from && created < Date.parse(filters.from)) return false;
  if (filters.to && created > Date.parse(filters.to)) return false;
  return true;
}

export function RunsPage() {
  const { query, route } = useLocation();
  const statuses = (query.status ?? "").split(",").filter(Boolean);
  const filters = filtersOf(query);
  const size = pageSize(query.limit);
  const first = useApi("GET /api/runs", firstPagePath(statuses, filters, size));
  const countQuery = filterQuery(filters).toString();
  const counts = useApi("GET /api/runs/counts", `/api/runs/counts${countQuery ? `?${countQuery}` : ""}`);
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
  const wanted = useRef({ statuses, filters });
  wanted.current = { statuses, filters };

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
          else if (matches(entry, wanted.current.statuses, wanted.current.filters)) setAdded((a) => [entry, ...a.filter((r) => r.runId !== run.runId)]);
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
    const path = `${firstPagePath(statuses, filters, size)}&${more.cursor}`;
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
  // A filter applies when its field is left (Enter or Tab); an empty field removes it.
  const setFilter = (name: FilterName, value: string) => {
    const search = new URLSearchParams(query);
    if (value.trim()) search.set(name, value.trim());
    else search.delete(name);
    if ((search.get(name) ?? "") === (query[name] ?? "")) return;
    route(search.size ? `/runs?${search.toString().replace(/%2C/g, ",")}` : "/runs");
  };
  const filtered = statuses.length > 0 || Object.keys(filters).length > 0;
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
      <form class="filters" aria-label="Filter runs" data-testid="runs-filters" onSubmit={(e) => e.preventDefault()}>
        {FILTERS.map(({ name, label, placeholder }) => (
          <label key={`${name}:${query[name] ?? ""}`}>
            {label}{" "}
            <input
              name={name}
              value={query[name] ?? ""}
              placeholder={placeholder}
              onChange={(e) => setFilter(name, (e.currentTarget as HTMLInputElement).value)}
              onKeyDown={(e) => e.key === "Enter" && setFilter(name, (e.currentTarget as HTMLInputElement).value)}
              data-testid={`runs-filter-${name}`}
            />
          </label>
        ))}
        {Object.keys(filters).length > 0 && (
          <button type="button" onClick={() => route(statuses.length ? `/runs?status=${statuses.join(",")}` : "/runs")} data-testid="runs-filter-clear">Clear filters</button>
        )}
      </form>
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
      {!first.loading && !first.error && runs.length === 0 && <p class="muted">{filtered ? "No run matches these filters." : "No runs yet."}</p>}
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
