/** Small pieces every page uses: links to runs and assets, status badges, not-found and error notes. */
import type { ComponentChildren } from "preact";
import { seg } from "./api";
import { shortId, statusClass } from "./format";

/** A run by its 8-character short id, linking to its page. */
export function RunLink({ runId }: { runId: string }) {
  return (
    <a class="mono run-link" href={`/runs/${seg(runId)}`} title={runId}>
      {shortId(runId)}
    </a>
  );
}

/** An asset key linking to its page (the key is one URL-encoded segment). */
export function AssetLink({ assetKey }: { assetKey: string }) {
  return (
    <a class="mono" href={`/assets/${seg(assetKey)}`}>
      {assetKey}
    </a>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={statusClass(status)}>{status}</span>;
}

/** What launched a run: a person, a schedule tick, a sensor, a backfill, or a retry. */
export function LaunchedBy({ run }: { run: { instigator: { type: string; name: string; tickTime?: string | undefined } | null; parentRunId: string | null } }) {
  const { instigator } = run;
  const origin = !instigator ? (
    <span>user</span>
  ) : instigator.type === "schedule" ? (
    <span>schedule <a href={`/schedules/${seg(instigator.name)}`}>{instigator.name}</a></span>
  ) : instigator.type === "sensor" ? (
    <span>sensor <a href={`/sensors/${seg(instigator.name)}`}>{instigator.name}</a></span>
  ) : (
    <span>backfill <a class="mono" href={`/backfills/${seg(instigator.name)}`}>{shortId(instigator.name)}</a></span>
  );
  return (
    <span>
      {origin}
      {run.parentRunId && (
        <span> · retry of <RunLink runId={run.parentRunId} /></span>
      )}
    </span>
  );
}

/** The page for an unknown id, key or name in the URL, with a way back. */
export function NotFound({ what, back, backLabel }: { what: string; back: string; backLabel: string }) {
  return (
    <section class="not-found" data-testid="not-found">
      <h1>Not found</h1>
      <p>{what}</p>
      <p>
        <a href={back}>← {backLabel}</a>
      </p>
    </section>
  );
}

/** An error from the API or the network, in the page. */
export function ErrorNote({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="error-note" role="alert" data-testid="error">
      {message}
    </p>
  );
}

export function PageTitle({ children, sub }: { children: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <header class="page-title">
      <h1>{children}</h1>
      {sub && <div class="sub">{sub}</div>}
    </header>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

/** A freshness state in words: FRESH → fresh, WARN → late, STALE → stale, UNKNOWN → unknown. */
export const FRESHNESS_WORDS: Record<string, string> = { FRESH: "fresh", WARN: "late", STALE: "stale", UNKNOWN: "unknown" };

/** An asset's freshness as a badge (`fresh`, `late`, `stale`, `unknown`), its policy in the title. */
export function Freshness({ freshness }: { freshness: { state: string; maxLag: string; warnAfter: string | null } | undefined }) {
  if (!freshness) return <span class="muted">—</span>;
  const title = `max lag ${freshness.maxLag}${freshness.warnAfter ? `, late after ${freshness.warnAfter}` : ""}`;
  return (
    <span class={`status freshness freshness-${freshness.state.toLowerCase()}`} title={title} data-freshness={freshness.state}>
      {FRESHNESS_WORDS[freshness.state] ?? freshness.state.toLowerCase()}
    </span>
  );
}

/** "Older" under a paged list, while the API says an older page exists. */
export function More({ paged, testid }: { paged: { hasMore: boolean; loading: boolean; more(): void }; testid: string }) {
  if (!paged.hasMore) return null;
  return (
    <p>
      <button type="button" disabled={paged.loading} onClick={() => paged.more()} data-testid={testid}>Older</button>
    </p>
  );
}

/** Up to this many cells, a strip draws a gap between them (each key reads as one); more fill the width edge to edge. */
const SEPARATE_CELLS = 200;

/**
 * A partition strip: one cell per letter of `cells`, in key order, coloured by the class `classes`
 * gives its letter, and `title(index)` as its hover text (its keys and state). The daemon bounds a
 * strip to 2,000 cells (the wire's `squeezeStrip`), so this draws at most that many.
 */
export function Strip({ cells, classes, title, testid, summary }: { cells: string; classes: Record<string, string>; title?: (index: number) => string; testid: string; summary?: string }) {
  return (
    <div class={cells.length <= SEPARATE_CELLS ? "strip separate" : "strip"} data-testid={testid} title={summary}>
      {[...cells].map((letter, index) => <i class={classes[letter]} data-state={letter} title={title?.(index)} />)}
    </div>
  );
}
