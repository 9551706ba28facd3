/**
 * `/`: the last 24 hours: one timeline row per schedule, sensor, backfill (and one for runs launched
 * by hand), each run a bar coloured by status (hover for details, click to open); failed runs and
 * failing checks counted; the next ticks of the running schedules.
 */
import type { RunJson } from "tributary-ts/wire";
import { seg } from "../api";
import { ErrorNote, PageTitle, RunLink } from "../components";
import { formatTime, shortId } from "../format";
import { useApi, useNow } from "../hooks";

const DAY = 24 * 3600 * 1000;

function rowOf(run: RunJson): { key: string; label: string; href: string | null } {
  const i = run.instigator;
  if (!i) return { key: "manual", label: "Launched by hand", href: "/runs" };
  if (i.type === "backfill") return { key: `backfill:${i.name}`, label: `backfill ${shortId(i.name)}`, href: `/backfills/${seg(i.name)}` };
  return { key: `${i.type}:${i.name}`, label: `${i.type} ${i.name}`, href: `/${i.type}s/${seg(i.name)}` };
}

export function OverviewPage() {
  const runs = useApi("GET /api/runs", "/api/runs?limit=500");
  const assets = useApi("GET /api/assets", "/api/assets");
  const schedules = useApi("GET /api/schedules", "/api/schedules");
  const now = useNow(true, 30_000);
  const from = now - DAY;
  const recent = (runs.data?.runs ?? []).filter((r) => Date.parse(r.createdAt) >= from);
  const rows = new Map<string, { label: string; href: string | null; runs: RunJson[] }>();
  for (const run of recent) {
    const row = rowOf(run);
    const entry = rows.get(row.key) ?? rows.set(row.key, { label: row.label, href: row.href, runs: [] }).get(row.key)!;
    entry.runs.push(run);
  }
  const failed = recent.filter((r) => r.status === "FAILURE").length;
  const failingChecks = (assets.data?.assets ?? []).reduce((n, a) => n + a.latestChecks.filter((c) => !c.passed).length, 0);
  const next = (schedules.data?.schedules ?? []).filter((s) => s.status === "RUNNING" && s.nextTick).sort((a, b) => Date.parse(a.nextTick!) - Date.parse(b.nextTick!));
  const x = (iso: string | null) => `${Math.min(100, Math.max(0, (((iso ? Date.parse(iso) : now) - from) / DAY) * 100))}%`;

  return (
    <>
      <PageTitle>Overview</PageTitle>
      <ErrorNote message={runs.error} />
      <div class="cards">
        <a class="card" href="/runs?status=FAILURE" data-testid="failed-runs"><b>{failed}</b> failed runs in 24 h</a>
        <a class="card" href="/assets" data-testid="failing-checks"><b>{failingChecks}</b> failing checks</a>
        <span class="card"><b>{recent.length}</b> runs in 24 h</span>
      </div>
      <h2>Last 24 hours</h2>
      {rows.size === 0 && <p class="muted">No runs in the last 24 hours.</p>}
      {rows.size > 0 && (
        <div class="timeline" data-testid="timeline">
          {[...rows.values()].map((row) => (
            <div class="timeline-row">
              <div class="timeline-label">{row.href ? <a href={row.href}>{row.label}</a> : row.label}</div>
              <div class="timeline-track">
                {row.runs.map((run) => {
                  const left = x(run.startedAt ?? run.createdAt);
                  const right = x(run.endedAt);
                  return (
                    <a
                      class={`timeline-bar status-${run.status.toLowerCase()}`}
                      href={`/runs/${seg(run.runId)}`}
                      title={`${shortId(run.runId)} ${run.status}\n${run.selection}\n${formatTime(run.startedAt ?? run.createdAt)} → ${formatTime(run.endedAt)}`}
                      style={{ left, width: `max(4px, calc(${right} - ${left}))` }}
                      data-run={run.runId}
                    />
                  );
                })}
              </div>
            </div>
          ))}
          <div class="timeline-axis"><span>{formatTime(new Date(from).toISOString())}</span><span>now</span></div>
        </div>
      )}
      <h2>Next ticks</h2>
      {next.length === 0 ? <p class="muted">No running schedule.</p> : (
        <table class="table" data-testid="next-ticks">
          <thead><tr><th>Schedule</th><th>Cron</th><th>Next tick</th></tr></thead>
          <tbody>{next.map((s) => <tr><td><a href={`/schedules/${seg(s.name)}`}>{s.name}</a></td><td class="mono">{s.cron} ({s.timezone})</td><td>{formatTime(s.nextTick)}</td></tr>)}</tbody>
        </table>
      )}
      {recent.length > 0 && (
        <>
          <h2>Latest runs</h2>
          <p>{recent.slice(0, 10).map((r) => <span class="dep"><RunLink runId={r.runId} /></span>)} <a href="/runs">all runs →</a></p>
        </>
      )}
    </>
  );
}
