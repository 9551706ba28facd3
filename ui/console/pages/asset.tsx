/**
 * `/assets/<key>` (one URL-encoded segment): description, definition file:line, deps up and down as
 * links, checks, partitions, latest materialization; the materialization history with a chart of a
 * numeric metadata value when the daemon serves `/api/assets/:key/materializations`; and
 * "Materialize", with a partition picker for partitioned assets.
 */
import { useMemo, useState } from "preact/hooks";
import type { AssetJson, MaterializationJson } from "tributary-ts/wire";
import { post, seg } from "../api";
import { TimeChart } from "../chart";
import { AssetLink, ErrorNote, Loading, NotFound, PageTitle, RunLink, Status } from "../components";
import { formatTime } from "../format";
import { useApi } from "../hooks";
import { CheckSummary } from "./assets";

type HistoryEntry = MaterializationJson & { partition?: string | null };

export function AssetPage({ assetKey: routeKey }: { assetKey: string }) {
  const assets = useApi("GET /api/assets", "/api/assets");
  const history = useApi("GET /api/assets/:key/materializations", `/api/assets/${seg(routeKey)}/materializations?limit=100`);
  const list = assets.data?.assets;
  const asset = list?.find((a) => a.key === routeKey);
  if (assets.error && !list) return <ErrorNote message={assets.error} />;
  if (!list) return <Loading />;
  if (!asset) return <NotFound what={`No asset has the key ${routeKey}.`} back="/assets" backLabel="All assets" />;
  const downstream = list.filter((a) => a.deps.includes(asset.key)).map((a) => a.key);
  const entries = (history.data as { materializations?: HistoryEntry[] } | undefined)?.materializations;
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
        <dt>Upstream</dt><dd data-testid="asset-upstream">{asset.deps.length ? asset.deps.map((d) => <span class="dep"><AssetLink assetKey={d} /></span>) : <span class="muted">none</span>}</dd>
        <dt>Downstream</dt><dd data-testid="asset-downstream">{downstream.length ? downstream.map((d) => <span class="dep"><AssetLink assetKey={d} /></span>) : <span class="muted">none</span>}</dd>
        <dt>Lineage</dt><dd><a href={`/lineage?focus=${encodeURIComponent(asset.key)}`} data-testid="asset-lineage">Show in the lineage</a></dd>
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
      {entries && <History entries={entries} />}
      <h2>Checks <CheckSummary asset={asset} /></h2>
      {asset.checks.length === 0 ? <p class="muted">No checks.</p> : (
        <table class="table" data-testid="asset-checks">
          <thead><tr><th>Check</th><th>Latest result</th><th>When</th><th>Run</th></tr></thead>
          <tbody>
            {asset.checks.map((name) => {
              const result = asset.latestChecks.find((c) => c.checkName === name);
              return (
                <tr>
                  <td class="mono">{name}</td>
                  <td>{result ? <Status status={result.passed ? "PASSED" : result.severity === "WARN" ? "WARN" : "FAILED"} /> : <span class="muted">not run yet</span>}</td>
                  <td>{formatTime(result?.timestamp)}</td>
                  <td>{result && <RunLink runId={result.runId} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {asset.partitions && (
        <>
          <h2>Partitions</h2>
          <p>{asset.partitions.definition}: {asset.partitions.materialized.count} materialized, {asset.partitions.failed.count} failed, {asset.partitions.missing.count} missing of {asset.partitions.total}</p>
          {asset.partitions.strip && (
            <div class="strip" data-testid="partition-strip">
              {[...asset.partitions.strip].map((c) => <i class={c === "M" ? "m" : c === "F" ? "f" : "n"} />)}
            </div>
          )}
        </>
      )}
    </>
  );
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
function History({ entries }: { entries: HistoryEntry[] }) {
  const numeric = useMemo(() => {
    const key = entries.flatMap((e) => Object.entries(e.metadata)).find(([, v]) => typeof v === "number")?.[0];
    if (!key) return null;
    const points = entries.flatMap((e): Array<[number, number]> => (typeof e.metadata[key] === "number" ? [[Date.parse(e.timestamp), e.metadata[key] as number]] : []));
    return points.length >= 2 ? { key, points } : null;
  }, [entries]);
  return (
    <>
      <h2>Materializations ({entries.length})</h2>
      {numeric && <TimeChart label={numeric.key} points={numeric.points} />}
      <table class="table" data-testid="asset-history">
        <thead><tr><th>When</th><th>Run</th><th>Partition</th><th>Metadata</th></tr></thead>
        <tbody>
          {entries.map((e) => (
            <tr>
              <td>{formatTime(e.timestamp)}</td>
              <td><RunLink runId={e.runId} /></td>
              <td class="mono">{e.partition ?? ""}</td>
              <td class="mono ellipsis">{Object.entries(e.metadata).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")}</td>
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
