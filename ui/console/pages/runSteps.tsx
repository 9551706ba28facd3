/**
 * A run page's steps: a table whose last column is a Gantt of the run, one bar segment per attempt
 * of a step (a retried step shows its failed attempts, then its retry), coloured by outcome and
 * growing with the clock while they run; a checkbox per step and "Re-execute selected".
 */
import { useState } from "preact/hooks";
import type { RunDetailJson, StepAttemptJson } from "tributary-ts/wire";
import { AssetLink, Status } from "../components";
import { elapsed, formatDuration, formatTime } from "../format";

type Step = RunDetailJson["steps"][number];

/** The run's time axis: where its first step started and how long it has lasted, in ms. */
function axisOf(run: RunDetailJson, now: number): { start: number; span: number } | null {
  const starts = run.steps.flatMap((step) => step.attemptList.map((attempt) => Date.parse(attempt.startedAt)));
  const runStart = run.startedAt ? Date.parse(run.startedAt) : null;
  const start = runStart ?? (starts.length ? Math.min(...starts) : null);
  if (start === null) return null;
  // An attempt still waiting out its retry delay starts after "now": the axis reaches it too.
  const ends = run.steps.flatMap((step) => step.attemptList.map((attempt) => (attempt.endedAt ? Date.parse(attempt.endedAt) : Math.max(now, Date.parse(attempt.startedAt)))));
  const end = Math.max(run.endedAt ? Date.parse(run.endedAt) : now, ...ends);
  return { start, span: Math.max(1, end - start) };
}

/** One attempt in words, for its segment's tooltip. */
function describeAttempt(attempt: StepAttemptJson, now: number): string {
  const duration = formatDuration(elapsed(attempt.startedAt, attempt.endedAt, now));
  return `attempt ${attempt.attempt}: ${attempt.status.toLowerCase()}, ${duration} from ${formatTime(attempt.startedAt)}${attempt.error ? `\n${attempt.error}` : ""}`;
}

/** A step's attempts as segments on the run's axis (percentages of its width). */
function AttemptBars({ step, axis, now }: { step: Step; axis: { start: number; span: number }; now: number }) {
  return (
    <div class="gantt-track">
      {step.attemptList.map((attempt) => {
        const from = Date.parse(attempt.startedAt);
        if (from > now && !attempt.endedAt) return null; // waiting out the retry delay: nothing ran yet
        const to = attempt.endedAt ? Date.parse(attempt.endedAt) : now;
        const left = Math.min(99.5, ((from - axis.start) / axis.span) * 100);
        const width = Math.min(100 - left, Math.max(0.5, ((to - from) / axis.span) * 100));
        return (
          <div
            class={`bar attempt status-${attempt.status.toLowerCase()}`}
            style={{ left: `${Math.max(0, left)}%`, width: `${width}%` }}
            title={describeAttempt(attempt, now)}
            data-attempt={attempt.attempt}
            data-status={attempt.status}
          />
        );
      })}
    </div>
  );
}

export interface StepTableProps {
  run: RunDetailJson;
  now: number;
  /** Whether an action is under way (the button waits). */
  busy: boolean;
  /** Whether the run still runs: nothing to re-execute yet. */
  live: boolean;
  /** Re-executes the steps chosen (their keys, in the table's order). */
  onReexecute(steps: string[]): void;
}

/** The steps of a run with their attempts on the run's time axis, and re-execute of those selected. */
export function StepTable({ run, now, busy, live, onReexecute }: StepTableProps) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  if (run.steps.length === 0) return <p class="muted">No step has started yet.</p>;
  const axis = axisOf(run, now);
  const chosen = run.steps.map((step) => step.key).filter((key) => selected.has(key));
  const toggle = (key: string) => {
    const next = new Set(selected);
    if (!next.delete(key)) next.add(key);
    setSelected(next);
  };
  const all = chosen.length === run.steps.length;
  return (
    <>
      <div class="actions">
        <button type="button" disabled={busy || live || chosen.length === 0} onClick={() => onReexecute(chosen)} data-testid="run-reexecute-selected">
          Re-execute selected{chosen.length ? ` (${chosen.length})` : ""}
        </button>
        <span class="muted small">{live ? "The run is still running." : "Tick steps to run them again as a new run."}</span>
      </div>
      <table class="table steps" data-testid="steps-table">
        <thead>
          <tr>
            <th class="select">
              <input type="checkbox" aria-label="Select every step" checked={all} onChange={() => setSelected(all ? new Set() : new Set(run.steps.map((s) => s.key)))} data-testid="step-select-all" />
            </th>
            <th>Step</th><th>Status</th><th>Attempts</th><th>Duration</th>
            <th class="gantt-head">Timeline{axis && <span class="muted"> · 0 – {formatDuration(axis.span)}</span>}</th>
          </tr>
        </thead>
        <tbody>
          {run.steps.map((step) => (
            <tr data-step={step.key} class={selected.has(step.key) ? "selected" : ""}>
              <td class="select">
                <input type="checkbox" aria-label={`Select ${step.key}`} checked={selected.has(step.key)} onChange={() => toggle(step.key)} data-testid="step-select" />
              </td>
              <td><AssetLink assetKey={step.key} /></td>
              <td><Status status={step.status} />{step.error && <div class="error-text small">{step.error}</div>}</td>
              <td>{step.attempts}</td>
              <td>{formatDuration(step.durationMs ?? elapsed(step.startedAt, step.endedAt, now))}</td>
              <td class="gantt">{axis && <AttemptBars step={step} axis={axis} now={now} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
