/**
 * `/backfills` and `/backfills/<id>`: status and partition progress (a bar and counts in the list;
 * on a backfill's page a strip with a cell per partition, from `GET /api/backfills/:id/partitions`),
 * its runs when the daemon can filter runs by instigator, cancel and resume (the API's error shown
 * in the page). An unfinished backfill's page re-reads it (its runs and its strip) when a run
 * starts or ends, and the backfill alone every 2 s (the backfill daemon counts a partition done on
 * its own tick, after the run's last event); the strip is read again whenever the counts move.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { FINAL_BACKFILL_STATUSES, type BackfillJson, type BackfillPartitionsJson } from "tributary-ts/wire";
import { post, seg } from "../api";
import { ErrorNote, Loading, NotFound, PageTitle, RunLink, Status, Strip } from "../components";
import { formatTime, shortId } from "../format";
import { useApi } from "../hooks";
import { subscribeRunEvents } from "../live";

function Progress({ backfill }: { backfill: BackfillJson }) {
  const p = backfill.partitions;
  const pct = (n: number) => `${p.total ? (n / p.total) * 100 : 0}%`;
  return (
    <div class="progress" title={`${p.done} done, ${p.failed} failed, ${p.canceled} canceled, ${p.remaining} remaining of ${p.total}`} data-testid="backfill-progress">
      <i class="status-success" style={{ width: pct(p.done) }} />
      <i class="status-failure" style={{ width: pct(p.failed) }} />
      <i class="status-canceled" style={{ width: pct(p.canceled) }} />
    </div>
  );
}

export function BackfillsPage() {
  const backfills = useApi("GET /api/backfills", "/api/backfills?limit=100");
  const list = backfills.data?.backfills;
  return (
    <>
      <PageTitle>Backfills</PageTitle>
      <ErrorNote message={backfills.error} />
      {!list && !backfills.error && <Loading />}
      {list && list.length === 0 && <p class="muted">No backfills yet. Start one with <code>tributary backfill</code> or <code>POST /api/backfills</code>.</p>}
      {list && list.length > 0 && (
        <table class="table" data-testid="backfills-table">
          <thead><tr><th>Backfill</th><th>Status</th><th>Selection</th><th>Created</th><th>Progress</th></tr></thead>
          <tbody>
            {list.map((b) => (
              <tr data-backfill={b.backfillId}>
                <td><a class="mono" href={`/backfills/${seg(b.backfillId)}`} title={b.backfillId}>{shortId(b.backfillId)}</a></td>
                <td><Status status={b.status} /></td>
                <td class="mono ellipsis">{b.selection}</td>
                <td>{formatTime(b.createdAt)}</td>
                <td><Progress backfill={b} /> {b.partitions.done + b.partitions.failed + b.partitions.canceled}/{b.partitions.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** A backfill strip's letters (`GET /api/backfills/:id/partitions`): their cell class, in the legend's order. */
const STATES: Array<{ letter: string; name: keyof BackfillPartitionsJson["counts"] }> = [
  { letter: "D", name: "done" },
  { letter: "F", name: "failed" },
  { letter: "C", name: "canceled" },
  { letter: "R", name: "running" },
  { letter: "Q", name: "requested" },
  { letter: "P", name: "pending" },
];
const STATE_CLASSES = Object.fromEntries(STATES.map((s) => [s.letter, s.name]));

/** One cell per partition (or per run of consecutive partitions beyond 2,000), hover for its keys and state; a legend with the counts. */
function PartitionStrip({ partitions: p }: { partitions: BackfillPartitionsJson }) {
  const title = (index: number) => {
    const [first, last] = p.cells[index] ?? ["", ""];
    const state = STATE_CLASSES[p.strip[index]!] ?? "";
    return first === last ? `${first}: ${state}` : `${first} … ${last}: ${state} (at least one of these keys)`;
  };
  return (
    <>
      <Strip cells={p.strip} classes={STATE_CLASSES} title={title} testid="backfill-strip" />
      <div class="strip-legend" data-testid="backfill-strip-legend">
        {STATES.map((s) => (
          <span data-state={s.letter}><i class={s.name} />{p.counts[s.name]} {s.name}</span>
        ))}
      </div>
    </>
  );
}

export function BackfillPage({ id }: { id: string }) {
  const backfill = useApi("GET /api/backfills/:id", `/api/backfills/${seg(id)}`);
  const runs = useApi("GET /api/runs", `/api/runs?instigator=${encodeURIComponent(`backfill:${id}`)}&limit=100`);
  const strip = useApi("GET /api/backfills/:id/partitions", `/api/backfills/${seg(id)}/partitions`);
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const ongoing = backfill.data !== undefined && !FINAL_BACKFILL_STATUSES.includes(backfill.data.status);
  const { reload: reloadBackfill } = backfill;
  const { reload: reloadRuns } = runs;
  const { reload: reloadStrip } = strip;
  // The strip is read again when the backfill's status or counts move (the 2 s reads of the backfill
  // cost a row count; a strip is up to 2,000 cells), and on run events (requested -> running).
  const progress = backfill.data ? JSON.stringify([backfill.data.status, backfill.data.partitions]) : null;
  const shown = useRef(progress);
  useEffect(() => {
    if (progress === shown.current) return;
    if (shown.current !== null) reloadStrip();
    shown.current = progress;
  }, [progress, reloadStrip]);
  useEffect(() => {
    if (!ongoing) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribeRunEvents((event) => {
      if (timer || !event.type.startsWith("RUN_")) return;
      timer = setTimeout(() => {
        timer = undefined;
        reloadBackfill();
        reloadRuns();
        reloadStrip();
      }, 250);
    });
    const tick = setInterval(reloadBackfill, 2000);
    return () => {
      unsubscribe();
      clearTimeout(timer);
      clearInterval(tick);
    };
  }, [ongoing, reloadBackfill, reloadRuns, reloadStrip]);
  if (backfill.notFound) return <NotFound what={`No backfill has the id ${id}.`} back="/backfills" backLabel="All backfills" />;
  const b = backfill.data;
  if (!b) return backfill.error ? <ErrorNote message={backfill.error} /> : <Loading />;
  const act = async (action: "cancel" | "resume") => {
    setState({ busy: true });
    try {
      await post(`POST /api/backfills/:id/${action}`, `/api/backfills/${seg(b.backfillId)}/${action}`);
      setState({ busy: false });
      backfill.reload();
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  const final = FINAL_BACKFILL_STATUSES.includes(b.status);
  const p = b.partitions;
  return (
    <>
      <PageTitle sub={<span class="mono">{b.backfillId}</span>}>
        Backfill <span class="mono">{shortId(b.backfillId)}</span> <Status status={b.status} />
      </PageTitle>
      <dl class="facts">
        <dt>Selection</dt><dd class="mono">{b.selection}</dd>
        <dt>Range</dt><dd class="mono">{b.request.keys ? b.request.keys.join(", ") : `${b.request.from ?? "first"} … ${b.request.to ?? "latest"}`}
          {b.request.missingOnly && <span class="muted"> · missing only</span>}{b.request.failedOnly && <span class="muted"> · failed only</span>}</dd>
        <dt>Policy</dt><dd>{b.policy.maxPartitionsPerRun} partition(s) per run, {b.policy.maxConcurrentRuns} run(s) at once</dd>
        <dt>Created</dt><dd>{formatTime(b.createdAt)}</dd>
        {b.error && (<><dt>Error</dt><dd class="error-text">{b.error}</dd></>)}
      </dl>
      <h2>Partitions</h2>
      {strip.data ? <PartitionStrip partitions={strip.data} /> : <Progress backfill={b} />}
      <ErrorNote message={strip.error} />
      <p data-testid="backfill-counts">{p.done} done · {p.failed} failed · {p.canceled} canceled · {p.remaining} remaining ({p.queued} queued) of {p.total}</p>
      <div class="actions">
        {!final && <button type="button" disabled={state.busy} onClick={() => act("cancel")} data-testid="backfill-cancel">Cancel</button>}
        {final && b.status !== "COMPLETED" && <button type="button" disabled={state.busy} onClick={() => act("resume")} data-testid="backfill-resume">Resume</button>}
      </div>
      <ErrorNote message={state.error} />
      {runs.data && (
        <>
          <h2>Runs</h2>
          <table class="table">
            <thead><tr><th>Run</th><th>Status</th><th>Created</th></tr></thead>
            <tbody>{runs.data.runs.map((r) => <tr><td><RunLink runId={r.runId} /></td><td><Status status={r.status} /></td><td>{formatTime(r.createdAt)}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </>
  );
}
