/**
 * `/runs/<id>`: a run's status, timing and origin, its failures with the user's stack frames first
 * (runFailure.tsx), its steps with a Gantt segment per attempt (live while it runs, runSteps.tsx),
 * its event log, and the actions cancel and re-execute (all / from failure / the selected steps),
 * each reporting the API's error in the page.
 */
import { useCallback, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { FINAL_RUN_STATUSES, type ReexecuteBody } from "tributary-ts/wire";
import { ApiError, post, seg } from "../api";
import { ErrorNote, LaunchedBy, Loading, NotFound, PageTitle, Status } from "../components";
import { elapsed, formatDuration, formatTime, shortId } from "../format";
import { useApi, useNow } from "../hooks";
import { EventLog } from "./eventLog";
import { RunFailures } from "./runFailure";
import { StepTable } from "./runSteps";

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
  const reexecute = (body: ReexecuteBody) => act(async () => {
    let answer: { runId?: string };
    try {
      answer = (await post("POST /api/runs/:id/reexecute", `/api/runs/${seg(detail.runId)}/reexecute`, body)) as { runId?: string };
    } catch (error) {
      // A daemon without the re-execute route (the run exists, so a 404 is the route): "all" is a
      // new run of the same selection, when no partition tag would be lost; anything else says why not.
      const partitioned = Object.keys(detail.tags).some((tag) => tag.startsWith("tributary/partition"));
      if (!(error instanceof ApiError && error.status === 404 && body.from === "all" && !partitioned)) throw error;
      answer = await post("POST /api/runs", "/api/runs", { selection: detail.selection });
    }
    if (answer.runId) route(`/runs/${seg(answer.runId)}`);
  });
  const failedSteps = detail.steps.filter((s) => s.status === "FAILURE").length;

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
        {!live && <button type="button" disabled={busy} onClick={() => reexecute({ from: "all" })} data-testid="run-reexecute">Re-execute all</button>}
        {!live && failedSteps > 0 && <button type="button" disabled={busy} onClick={() => reexecute({ from: "failure" })} data-testid="run-reexecute-failure">Re-execute from failure</button>}
      </div>
      <ErrorNote message={actionError} />
      <RunFailures runId={detail.runId} failedSteps={failedSteps} />
      <h2>Steps</h2>
      <StepTable key={detail.runId} run={detail} now={now} busy={busy} live={live} onReexecute={(steps) => reexecute({ from: "steps", steps })} />
      <h2>Event log</h2>
      <EventLog runId={detail.runId} steps={detail.steps.map((s) => s.key)} onEvent={onEvent} onEnd={run.reload} />
    </>
  );
}
