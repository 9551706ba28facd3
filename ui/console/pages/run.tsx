/**
 * `/runs/<id>`: a run's status, timing and origin, its steps as a table with a Gantt bar each (live
 * while it runs), its event log, and the actions cancel and re-execute (all / from failure), each
 * reporting the API's error in the page.
 */
import { useCallback, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { FINAL_RUN_STATUSES, type RunDetailJson } from "tributary-ts/wire";
import { ApiError, post, seg } from "../api";
import { AssetLink, ErrorNote, LaunchedBy, Loading, NotFound, PageTitle, Status } from "../components";
import { elapsed, formatDuration, formatTime, shortId } from "../format";
import { useApi, useNow } from "../hooks";
import { EventLog } from "./eventLog";

export function RunPage({ id }: { id: string }) {
  const run = useApi("GET /api/runs/:id", `/api/runs/${seg(id)}`);
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const { route } = useLocation();
  const refresh = useRef<ReturnType<typeof setTimeout>>();
  // Step events re-read the run (its steps' statuses), at most every 200 ms.
  const onEvent = useCallback(() => {
    if (refresh.current) return;
    refresh.current = setTimeout(() => {
      refresh.current = undefined;
      run.reload();
    }, 200);
  }, [run.reload]);
  const detail = run.data;
  const live = detail ? !FINAL_RUN_STATUSES.includes(detail.status) : false;
  const now = useNow(live);

  if (run.notFound) return <NotFound what={`No run has the id ${id}.`} back="/runs" backLabel="All runs" />;
  if (!detail) return run.error ? <ErrorNote message={run.error} /> : <Loading />;

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await action();
    } catch (error) {
      setActionError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  const cancel = () => act(async () => {
    await post("POST /api/runs/:id/cancel", `/api/runs/${seg(detail.runId)}/cancel`);
    run.reload();
  });
  const reexecute = (from: "all" | "failure") => act(async () => {
    let answer: { runId?: string };
    try {
      answer = (await post("POST /api/runs/:id/reexecute", `/api/runs/${seg(detail.runId)}/reexecute`, { from })) as { runId?: string };
    } catch (error) {
      // A daemon without the re-execute route (the run exists, so a 404 is the route): "all" is a
      // new run of the same selection, when no partition tag would be lost; anything else says why not.
      const partitioned = Object.keys(detail.tags).some((tag) => tag.startsWith("tributary/partition"));
      if (!(error instanceof ApiError && error.status === 404 && from === "all" && !partitioned)) throw error;
      answer = await post("POST /api/runs", "/api/runs", { selection: detail.selection });
    }
    if (answer.runId) route(`/runs/${seg(answer.runId)}`);
  });
  const hasFailure = detail.steps.some((s) => s.status === "FAILURE");

  return (
    <>
      <PageTitle sub={<span class="mono" title="Run id">{detail.runId}</span>}>
        Run <span class="mono">{shortId(detail.runId)}</span> <Status status={detail.status} />
      </PageTitle>
      <dl class="facts" data-testid="run-facts">
        <dt>Selection</dt><dd class="mono">{detail.selection}</dd>
        <dt>Launched by</dt><dd><LaunchedBy run={detail} /></dd>
        <dt>Created</dt><dd>{formatTime(detail.createdAt)}</dd>
        <dt>Started</dt><dd>{formatTime(detail.startedAt)}</dd>
        <dt>Ended</dt><dd>{formatTime(detail.endedAt)}</dd>
        <dt>Duration</dt><dd>{formatDuration(elapsed(detail.startedAt, detail.endedAt, now))}</dd>
        {Object.keys(detail.tags).length > 0 && (<><dt>Tags</dt><dd>{Object.entries(detail.tags).map(([k, v]) => <span class="chip" title={`${k}=${v}`}>{k}={v}</span>)}</dd></>)}
        {detail.error && (<><dt>Error</dt><dd class="error-text" data-testid="run-error">{detail.error}</dd></>)}
      </dl>
      <div class="actions">
        {live && <button type="button" disabled={busy} onClick={cancel} data-testid="run-cancel">Cancel</button>}
        {!live && <button type="button" disabled={busy} onClick={() => reexecute("all")} data-testid="run-reexecute">Re-execute all</button>}
        {!live && hasFailure && <button type="button" disabled={busy} onClick={() => reexecute("failure")} data-testid="run-reexecute-failure">Re-execute from failure</button>}
      </div>
      <ErrorNote message={actionError} />
      <h2>Steps</h2>
      <StepTable run={detail} now={now} />
      <h2>Event log</h2>
      <EventLog runId={detail.runId} steps={detail.steps.map((s) => s.key)} onEvent={onEvent} onEnd={run.reload} />
    </>
  );
}

/** The steps with a Gantt bar each, on the run's own time axis. */
function StepTable({ run, now }: { run: RunDetailJson; now: number }) {
  const start = run.startedAt ? Date.parse(run.startedAt) : null;
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  const span = start === null ? 1 : Math.max(1, end - start);
  if (run.steps.length === 0) return <p class="muted">No step has started yet.</p>;
  return (
    <table class="table steps" data-testid="steps-table">
      <thead>
        <tr><th>Step</th><th>Status</th><th>Attempts</th><th>Duration</th><th class="gantt-head">Timeline</th></tr>
      </thead>
      <tbody>
        {run.steps.map((step) => {
          const s = step.startedAt ? Date.parse(step.startedAt) : null;
          const e = step.endedAt ? Date.parse(step.endedAt) : now;
          const left = start === null || s === null ? 0 : ((s - start) / span) * 100;
          const width = s === null ? 0 : Math.max(0.5, ((e - s) / span) * 100);
          return (
            <tr data-step={step.key}>
              <td><AssetLink assetKey={step.key} /></td>
              <td><Status status={step.status} />{step.error && <div class="error-text small">{step.error}</div>}</td>
              <td>{step.attempts}</td>
              <td>{formatDuration(step.durationMs ?? elapsed(step.startedAt, step.endedAt, now))}</td>
              <td class="gantt">
                <div class={`bar status-${step.status.toLowerCase()}`} style={{ marginLeft: `${Math.min(left, 99.5)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.5))}%` }} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
