/**
 * `/assets/<key>` (one URL-encoded segment), from `GET /api/assets/:key`: description, definition
 * file:line, deps up and down as links, freshness in words, latest materialization; the
 * materialization history (paged by cursor) with a uPlot chart of a numeric metadata value; checks,
 * latest and history (paged); the automation condition's evaluations, newest first, each with its
 * reason, the run it launched and its condition tree; partitions (the strip, the ranges of
 * materialized, failed and missing keys, and backfills of the missing or failed ones); and
 * "Materialize", with a partition picker for partitioned assets.
 */
import { useLocation } from "preact-iso";
import { useMemo, useState } from "preact/hooks";
import type { AssetCheckEvaluationJson, AssetDetailJson, AssetJson, AssetMaterializationJson, AssetPartitionsJson, AutomationEvaluationJson, AutomationNodeJson, CreateBackfillBody } from "tributary-ts/wire";
import { partitionCells, partitionStatusLines, partitionSummary } from "../../src/partitions";
import { post, seg } from "../api";
import { TimeChart } from "../chart";
import { AssetLink, ErrorNote, Freshness, FRESHNESS_WORDS, Loading, More, NotFound, PageTitle, RunLink, Status, Strip } from "../components";
import { formatTime } from "../format";
import { useApi, usePaged } from "../hooks";
import { CheckSummary } from "./assets";

const PAGE = 25;

export function AssetPage({ assetKey: routeKey }: { assetKey: string }) {
  // `?limit=` sets the page size of the histories (a link to a short page; tests page with it).
  const limit = Number(useLocation().query["limit"]) || PAGE;
  const base = `/api/assets/${seg(routeKey)}`;
  const detail = useApi("GET /api/assets/:key", base);
  const history = usePaged<"GET /api/assets/:key/materializations", AssetMaterializationJson>("GET /api/assets/:key/materializations", `${base}/materializations?limit=${limit}`, "materializations");
  const checks = usePaged<"GET /api/assets/:key/checks", AssetCheckEvaluationJson>("GET /api/assets/:key/checks", `${base}/checks?limit=${limit}`, "evaluations");
  const evaluations = usePaged<"GET /api/assets/:key/evaluations", AutomationEvaluationJson>("GET /api/assets/:key/evaluations", `${base}/evaluations?limit=${Math.min(limit, 10)}`, "evaluations");
  const asset = detail.data;
  if (detail.notFound) return <NotFound what={`No asset has the key ${routeKey}.`} back="/assets" backLabel="All assets" />;
  if (detail.error && !asset) return <ErrorNote message={detail.error} />;
  if (!asset) return <Loading />;
  const links = (keys: string[]) => (keys.length ? keys.map((d) => <span class="dep"><AssetLink assetKey={d} /></span>) : <span class="muted">none</span>);
  return (
    <>
      <PageTitle sub={asset.description ?? undefined}>
        <span class="mono">{asset.key}</span> <Status status={asset.status} />
      </PageTitle>
      <dl class="facts" data-testid="asset-facts">
        <dt>Group</dt><dd><a href={`/assets?group=${encodeURIComponent(asset.group)}`}>{asset.group}</a></dd>
        {asset.kinds.length > 0 && (<><dt>Kinds</dt><dd>{asset.kinds.join(", ")}</dd></>)}
        {asset.file && (<><dt>Defined in</dt><dd class="mono" data-testid="asset-definition">{asset.file}{asset.line ? `:${asset.line}` : ""}</dd></>)}
        {asset.owners.length > 0 && (<><dt>Owners</dt><dd>{asset.owners.join(", ")}</dd></>)}
        {Object.keys(asset.tags).length > 0 && (<><dt>Tags</dt><dd>{Object.entries(asset.tags).map(([k, v]) => <span class="chip">{k}={v}</span>)}</dd></>)}
        <dt>Upstream</dt><dd data-testid="asset-upstream">{links(asset.upstream)}</dd>
        <dt>Downstream</dt><dd data-testid="asset-downstream">{links(asset.downstream)}</dd>
        <dt>Lineage</dt><dd><a href={`/lineage?focus=${encodeURIComponent(asset.key)}`} data-testid="asset-lineage">Show in the lineage</a></dd>
        {asset.freshness && (<><dt>Freshness</dt><dd data-testid="asset-freshness"><FreshnessFacts freshness={asset.freshness} /></dd></>)}
      </dl>
      <Materialize asset={asset} />
      <h2>Latest materialization</h2>
      {asset.latestMaterialization ? (
        <div data-testid="asset-latest">
          {formatTime(asset.latestMaterialization.timestamp)} · run <RunLink runId={asset.latestMaterialization.runId} />
          <Metadata metadata={asset.latestMaterialization.metadata} />
        </div>
      ) : (
        <p class="muted">Never materialized.</p>
      )}
      <ErrorNote message={history.error} />
      {history.items && history.items.length > 0 && <History entries={history.items} />}
      <More paged={history} testid="asset-history-more" />
      <Checks asset={asset} history={checks.items ?? []} />
      <ErrorNote message={checks.error} />
      <More paged={checks} testid="asset-checks-more" />
      <h2>Automation</h2>
      <ErrorNote message={evaluations.error} />
      {evaluations.items && evaluations.items.length === 0 && <p class="muted">No evaluation of an automation condition recorded for this asset.</p>}
      {evaluations.items && evaluations.items.length > 0 && (
        <ol class="table-list" data-testid="asset-evaluations">
          {evaluations.items.map((e) => <Evaluation evaluation={e} />)}
        </ol>
      )}
      <More paged={evaluations} testid="asset-evaluations-more" />
      {asset.partitions && <Partitions asset={asset} partitions={asset.partitions} />}
    </>
  );
}

/** "stale since 09:12 (max lag 24h, late after 12h)": the state in words, since when, the policy. */
function FreshnessFacts({ freshness: f }: { freshness: NonNullable<AssetJson["freshness"]> }) {
  const words = FRESHNESS_WORDS[f.state] ?? f.state.toLowerCase();
  const since = f.state === "STALE" ? f.staleSince : f.state === "WARN" ? f.warnSince : f.state === "FRESH" ? f.lastMaterializedAt : null;
  return (
    <span>
      <Freshness freshness={f} /> {f.state === "UNKNOWN" ? "never materialized" : `${words} since ${formatTime(since)}`}
      {f.staleAt && <span> · stale at {formatTime(f.staleAt)} unless materialized again</span>}
      <span class="muted"> · max lag {f.maxLag}{f.warnAfter ? `, late after ${f.warnAfter}` : ""}</span>
    </span>
  );
}

/** The latest result of each check, then every evaluation, newest first. */
function Checks({ asset, history }: { asset: AssetDetailJson; history: AssetCheckEvaluationJson[] }) {
  const verdict = (c: { passed: boolean; severity: string }) => <Status status={c.passed ? "PASSED" : c.severity === "WARN" ? "WARN" : "FAILED"} />;
  return (
    <>
      <h2>Checks <CheckSummary asset={asset} /></h2>
      {asset.checks.length === 0 ? <p class="muted">No checks.</p> : (
        <table class="table" data-testid="asset-checks">
          <thead><tr><th>Check</th><th>Latest result</th><th>When</th><th>Run</th></tr></thead>
          <tbody>
            {asset.checks.map((name) => {
              const result = asset.latestChecks.find((c) => c.checkName === name);
              return (
                <tr data-check={name}>
                  <td class="mono">{name}</td>
                  <td>{result ? verdict(result) : <span class="muted">not run yet</span>}</td>
                  <td>{formatTime(result?.timestamp)}</td>
                  <td>{result && <RunLink runId={result.runId} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {history.length > 0 && (
        <>
          <h2>Check history</h2>
          <table class="table" data-testid="asset-check-history">
            <thead><tr><th>When</th><th>Check</th><th>Result</th><th>Run</th><th>Metadata</th></tr></thead>
            <tbody>
              {history.map((c) => (
                <tr>
                  <td>{formatTime(c.timestamp)}</td>
                  <td class="mono">{c.checkName}</td>
                  <td>{verdict(c)}</td>
                  <td><RunLink runId={c.runId} /></td>
                  <td class="mono ellipsis">{metadataText(c.metadata)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** One evaluation: when, requested or not (and the run), its reason; the condition tree on demand. */
function Evaluation({ evaluation: e }: { evaluation: AutomationEvaluationJson }) {
  return (
    <li class="evaluation" data-requested={String(e.requested)}>
      <details>
        <summary>
          {formatTime(e.evaluatedAt)} {e.requested ? <Status status="REQUESTED" /> : <span class="status status-skipped">not requested</span>}{" "}
          {e.runId && <span>run <RunLink runId={e.runId} /> </span>}
          {e.partitions.length > 0 && <span class="mono">{e.partitions.join(", ")} </span>}
          <span class="reason" data-testid="evaluation-reason">{e.reason}</span>
        </summary>
        {e.tree ? <ul class="tree" data-testid="evaluation-tree"><Node node={e.tree} /></ul> : <p class="muted">The condition could not be evaluated.</p>}
      </details>
    </li>
  );
}

function Node({ node }: { node: AutomationNodeJson }) {
  return (
    <li data-node={node.kind}>
      <span class={node.result ? "node-true" : "node-false"}>{node.result ? "true" : "false"}</span> {node.name}
      {node.partitions && node.partitions.length > 0 && <span class="mono muted"> [{node.partitions.join(", ")}]</span>}
      {node.matched && node.matched.length > 0 && <span class="muted"> · true for {node.matched.join(", ")}</span>}
      {node.unmatched && node.unmatched.length > 0 && <span class="muted"> · false for {node.unmatched.join(", ")}</span>}
      {node.detail && <span class="muted"> · {node.detail}</span>}
      {node.children && node.children.length > 0 && <ul class="tree">{node.children.map((c) => <Node node={c} />)}</ul>}
    </li>
  );
}

function metadataText(metadata: Record<string, unknown>): string {
  return Object.entries(metadata).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
}

function Metadata({ metadata }: { metadata: Record<string, unknown> }) {
  const entries = Object.entries(metadata);
  if (!entries.length) return null;
  return (
    <dl class="facts small">
      {entries.map(([k, v]) => (<><dt>{k}</dt><dd class="mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd></>))}
    </dl>
  );
}

/** The history table, and a chart of the first numeric metadata value (row counts, typically). */
function History({ entries }: { entries: AssetMaterializationJson[] }) {
  const numeric = useMemo(() => {
    const key = entries.flatMap((e) => Object.entries(e.metadata)).find(([, v]) => typeof v === "number")?.[0];
    if (!key) return null;
    const points = entries.flatMap((e): Array<[number, number]> => (typeof e.metadata[key] === "number" ? [[Date.parse(e.timestamp), e.metadata[key] as number]] : []));
    return points.length >= 2 ? { key, points } : null;
  }, [entries]);
  return (
    <>
      <h2>Materializations</h2>
      {numeric && <TimeChart label={numeric.key} points={numeric.points} />}
      <table class="table" data-testid="asset-history">
        <thead><tr><th>When</th><th>Run</th><th>Partition</th><th>Metadata</th></tr></thead>
        <tbody>
          {entries.map((e) => (
            <tr data-event={e.eventId}>
              <td>{formatTime(e.timestamp)}</td>
              <td><RunLink runId={e.runId} /></td>
              <td class="mono">{e.partition ?? ""}</td>
              <td class="mono ellipsis">{metadataText(e.metadata)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** "Materialize", with a partition picker (one key, or all) for a partitioned asset. */
function Materialize({ asset }: { asset: AssetJson }) {
  const [partition, setPartition] = useState(asset.partitions?.lastKey ?? "");
  const [all, setAll] = useState(false);
  const [state, setState] = useState<{ busy: boolean; error?: string; runId?: string }>({ busy: false });
  const launch = async () => {
    setState({ busy: true });
    try {
      // An empty key is sent as none: the daemon then says which partition it needs.
      const body = all ? { selection: asset.key, allPartitions: true } : partition.trim() ? { selection: asset.key, partition: partition.trim() } : { selection: asset.key };
      const answer = await post("POST /api/runs", "/api/runs", body);
      setState({ busy: false, runId: answer.runId });
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <div class="actions" data-testid="materialize">
      {asset.partitions && (
        <>
          <label>
            Partition{" "}
            <input list="partition-keys" value={partition} disabled={all} onInput={(e) => setPartition((e.currentTarget as HTMLInputElement).value)} data-testid="partition-key" />
          </label>
          <datalist id="partition-keys">
            {[asset.partitions.firstKey, asset.partitions.lastKey].filter((k): k is string => Boolean(k)).map((k) => <option value={k} />)}
          </datalist>
          <label><input type="checkbox" checked={all} onChange={(e) => setAll((e.currentTarget as HTMLInputElement).checked)} /> all partitions</label>
        </>
      )}
      <button type="button" class="primary" disabled={state.busy} onClick={launch} data-testid="materialize-button">Materialize</button>
      {state.runId && <span data-testid="materialize-launched">Launched run <RunLink runId={state.runId} /></span>}
      <ErrorNote message={state.error} />
    </div>
  );
}

/** The most cells of an asset's strip (one per key up to this many keys; the strip is 800 px wide). */
const STRIP_CELLS = 800;
/** Ranges shown per status before "+N more". */
const RANGES_SHOWN = 12;
const CELL_CLASSES: Record<string, string> = { M: "materialized", F: "failed", "-": "missing" };

/**
 * The partitions of an asset: its strip, the ranges of materialized / failed / missing keys, and
 * buttons that start a backfill of the missing or the failed keys and open its page.
 */
function Partitions({ asset, partitions: p }: { asset: AssetJson; partitions: AssetPartitionsJson }) {
  const { route } = useLocation();
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const cells = partitionCells(p, STRIP_CELLS).join("");
  const ranges = useMemo(() => keyRanges(p), [p]);
  const launch = async (which: "missingOnly" | "failedOnly") => {
    setState({ busy: true });
    try {
      // The whole range (no from/to): the daemon resolves the keys that exist now and keeps those not
      // materialized (missingOnly) or failed (failedOnly), so the backfill is what the page showed.
      const body: CreateBackfillBody = { selection: asset.key, [which]: true };
      const backfill = await post("POST /api/backfills", "/api/backfills", body);
      route(`/backfills/${seg(backfill.backfillId)}`);
    } catch (error) {
      setState({ busy: false, error: error instanceof Error ? error.message : String(error) });
    }
  };
  const cellTitle = (index: number) => {
    const range = ranges && cells.length === p.strip?.length ? ranges[index] : undefined;
    const word = CELL_CLASSES[cells[index]!] ?? "";
    return range ? `${range[0] === range[1] ? range[0] : `${range[0]} … ${range[1]}`}: ${word}` : word;
  };
  // missingOnly keeps every key not materialized: the failed ones too, which the label then says.
  const notMaterialized = p.missing.count + p.failed.count;
  return (
    <>
      <h2>Partitions</h2>
      <p class="muted" data-testid="partition-definition">{p.definition} · {partitionSummary(p)}</p>
      <Strip cells={cells} classes={CELL_CLASSES} title={cellTitle} testid="partition-strip" summary={partitionSummary(p)} />
      <dl class="facts partition-ranges" data-testid="partition-ranges">
        {partitionStatusLines(p, RANGES_SHOWN).map((line) => (
          <>
            <dt><span class="strip-legend"><span><i class={line.status} />{line.status}</span></span></dt>
            <dd data-status={line.status}>
              <b>{line.count}</b>
              {line.ranges.length > 0 && <span class="mono"> · {line.ranges.join(", ")}</span>}
              {line.moreRanges > 0 && <span class="muted"> (+{line.moreRanges} more)</span>}
            </dd>
          </>
        ))}
      </dl>
      {(p.missing.count > 0 || p.failed.count > 0) && (
        <div class="actions">
          {p.missing.count > 0 && (
            <button type="button" disabled={state.busy} onClick={() => launch("missingOnly")} data-testid="launch-missing">
              {p.failed.count > 0 ? `Launch missing and failed partitions (${notMaterialized})` : `Launch missing partitions (${p.missing.count})`}
            </button>
          )}
          {p.failed.count > 0 && (
            <button type="button" disabled={state.busy} onClick={() => launch("failedOnly")} data-testid="launch-failed">
              Launch failed partitions ({p.failed.count})
            </button>
          )}
        </div>
      )}
      <ErrorNote message={state.error} />
    </>
  );
}

/**
 * The `[first, last]` run of equal status each key of the strip belongs to, by key index, or null
 * without a strip. The strip's runs of one letter are, in order, the ranges of that status: the
 * keys of a cell are known without the partition definition's key arithmetic.
 */
function keyRanges(p: AssetPartitionsJson): Array<[string, string] | undefined> | null {
  if (p.strip === null) return null;
  const groups: Record<string, Array<[string, string]>> = { M: p.materialized.ranges, F: p.failed.ranges, "-": p.missing.ranges };
  const next: Record<string, number> = { M: 0, F: 0, "-": 0 };
  const out: Array<[string, string] | undefined> = [];
  let previous = "";
  let current: [string, string] | undefined;
  for (const letter of p.strip) {
    if (letter !== previous) {
      current = groups[letter]?.[next[letter]!++];
      previous = letter;
    }
    out.push(current);
  }
  return out;
}
