/**
 * `/`: the last 24 hours from `GET /api/timeline`: one row per schedule, sensor, automation,
 * backfill, job and runs launched by hand, each run a bar coloured by status (hover for details,
 * click to open); failed runs (`GET /api/runs/counts`) and failing checks counted; the next ticks of
 * the running schedules.
 */
import type { TimelineJson } from "tributary-ts/wire";
import { seg } from "../api";
import { ErrorNote, PageTitle } from "../components";
import { formatTime, shortId } from "../format";
import { useApi, useNow } from "../hooks";

const DAY = 24 * 3600 * 1000;
const MINUTE = 60_000;

type Row = TimelineJson["rows"][number];

function rowLabel(row: Row): { label: string; href: string | null } {
  const name = row.name ?? "";
  switch (row.kind) {
    case "manual": return { label: "Launched by hand", href: "/runs" };
    case "backfill": return { label: `backfill ${shortId(name)}`, href: `/backfills/${seg(name)}` };
    case "schedule": return { label: `schedule ${name}`, href: `/schedules/${seg(name)}` };
    case "sensor": return { label: `sensor ${name}`, href: `/sensors/${seg(name)}` };
    case "automation": return { label: "automation", href: null };
    case "job": return { label: `job ${name}`, href: null };
  }
}

export function OverviewPage() {
  // The window moves by the minute: the timeline and the counts are asked again once a minute.
  const now = Math.floor(useNow(true, 30_000) / MINUTE) * MINUTE + MINUTE;
  const from = new Date(now - DAY).toISOString();
  const to = new Date(now).toISOString();
  const timeline = useApi("GET /api/timeline", `/api/timeline?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  const counts = useApi("GET /api/runs/counts", `/api/runs/counts?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  const assets = useApi("GET /api/assets", "/api/assets");
  const schedules = useApi("GET /api/schedules", "/api/schedules");
  const rows = timeline.data?.rows ?? [];
  const start = Date.parse(timeline.data?.from ?? from);
  const span = Date.parse(timeline.data?.to ?? to) - start;
  const failed = counts.data?.counts.FAILURE;
  const failingChecks = (assets.data?.assets ?? []).reduce((n, a) => n + a.latestChecks.filter((c) => !c.passed).length, 0);
  const next = (schedules.data?.schedules ?? []).filter((s) => s.status === "RUNNING" && s.nextTick).sort((a, b) => Date.parse(a.nextTick!) - Date.parse(b.nextTick!));
  const x = (iso: string | null) => `${Math.min(100, Math.max(0, (((iso ? Date.parse(iso) : Date.now()) - start) / span) * 100))}%`;

  return (
    <>
      <PageTitle>Overview</PageTitle>
      <ErrorNote message={timeline.error ?? counts.error} />
      <div class="cards">
        <a class="card" href="/runs?status=FAILURE" data-testid="failed-runs"><b>{failed ?? "…"}</b> failed runs in 24 h</a>
        <a class="card" href="/assets" data-testid="failing-checks"><b>{assets.data ? failingChecks : "…"}</b> failing checks</a>
        <span class="card" data-testid="runs-24h"><b>{counts.data?.total ?? "…"}</b> runs in 24 h</span>
      </div>
      <h2>Last 24 hours</h2>
      {timeline.data && rows.length === 0 && <p class="muted">No runs in the last 24 hours.</p>}
      {timeline.data?.truncated && <p class="muted">More runs than one answer holds: the oldest are left out.</p>}
      {rows.length > 0 && (
        <div class="timeline" data-testid="timeline">
          {rows.map((row) => {
            const { label, href } = rowLabel(row);
            return (
            <div class="timeline-row" data-row={row.key}>
              <div class="timeline-label" title={label}>{href ? <a href={href}>{label}</a> : label}</div>
              <div class="timeline-track">
                {row.runs.map((run) => {
                  const left = x(run.startedAt ?? run.createdAt);
                  const right = x(run.endedAt);
                  return (
                    <a
                      class={`timeline-bar status-${run.status.toLowerCase()}`}
                      href={`/runs/${seg(run.runId)}`}
                      title={`${shortId(run.runId)} ${run.status}\n${label}\n${formatTime(run.startedAt ?? run.createdAt)} → ${run.endedAt ? formatTime(run.endedAt) : "running"}`}
                      style={{ left, width: `max(4px, calc(${right} - ${left}))` }}
                      data-run={run.runId}
                    />
                  );
                })}
              </div>
            </div>
            );
          })}
          <div class="timeline-axis"><span>{formatTime(timeline.data?.from ?? from)}</span><span>now</span></div>
        </div>
      )}
      <h2>Next ticks</h2>
      {next.length === 0 ? <p class="muted">No running schedule.</p> : (
        <table class="table" data-testid="next-ticks">
          <thead><tr><th>Schedule</th><th>Cron</th><th>Next tick</th></tr></thead>
          <tbody>{next.map((s) => <tr><td><a href={`/schedules/${seg(s.name)}`}>{s.name}</a></td><td class="mono">{s.cron} ({s.timezone})</td><td>{formatTime(s.nextTick)}</td></tr>)}</tbody>
        </table>
      )}
    </>
  );
}
