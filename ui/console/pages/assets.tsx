/**
 * `/assets`: the catalog: search by key, filters by group, kind, tag, status and freshness (kept in
 * the URL's query so a filtered catalog is a link), each asset with its status, freshness (assets
 * with a freshness policy), checks and latest materialization linking to its run.
 */
import { useLocation } from "preact-iso";
import { ASSET_STATUSES, FRESHNESS_STATES, type AssetJson } from "tributary-ts/wire";
import { AssetLink, ErrorNote, Freshness, FRESHNESS_WORDS, Loading, PageTitle, RunLink, Status } from "../components";
import { formatTime } from "../format";
import { useApi } from "../hooks";

export function AssetsPage() {
  const assets = useApi("GET /api/assets", "/api/assets");
  const { query, path, route } = useLocation();
  const list = assets.data?.assets ?? [];
  const groups = [...new Set(list.map((a) => a.group))].sort();
  const kinds = [...new Set(list.flatMap((a) => a.kinds))].sort();
  const tags = [...new Set(list.flatMap((a) => Object.entries(a.tags).map(([k, v]) => `${k}=${v}`)))].sort();
  const owners = [...new Set(list.flatMap((a) => a.owners))].sort();
  const q = (query.q ?? "").toLowerCase();
  const shown = list.filter(
    (a) =>
      (!q || a.key.toLowerCase().includes(q)) &&
      (!query.group || a.group === query.group) &&
      (!query.kind || a.kinds.includes(query.kind)) &&
      (!query.owner || a.owners.includes(query.owner)) &&
      (!query.status || a.status === query.status) &&
      // "none": assets without a freshness policy.
      (!query.freshness || (query.freshness === "none" ? !a.freshness : a.freshness?.state === query.freshness)) &&
      (!query.tag || Object.entries(a.tags).some(([k, v]) => `${k}=${v}` === query.tag)),
  );
  const set = (key: string) => (event: Event) => {
    const next = new URLSearchParams(query);
    const value = (event.currentTarget as HTMLInputElement).value;
    if (value) next.set(key, value);
    else next.delete(key);
    const search = next.toString();
    route(search ? `${path}?${search}` : path, true);
  };
  const select = (key: string, label: string, values: readonly string[], words: Record<string, string> = {}) => (
    <select aria-label={label} value={query[key] ?? ""} onChange={set(key)} data-testid={`assets-${key}`}>
      <option value="">{`Any ${label.toLowerCase()}`}</option>
      {values.map((v) => <option value={v}>{words[v] ?? v}</option>)}
    </select>
  );

  return (
    <>
      <PageTitle sub={assets.data ? `${shown.length} of ${list.length} assets` : undefined}>Assets</PageTitle>
      <div class="filters">
        <input type="search" placeholder="Search assets" value={query.q ?? ""} onInput={set("q")} aria-label="Search assets" data-testid="assets-search" />
        {select("group", "Group", groups)}
        {select("kind", "Kind", kinds)}
        {select("tag", "Tag", tags)}
        {select("owner", "Owner", owners)}
        {select("status", "Status", ASSET_STATUSES)}
        {select("freshness", "Freshness", [...FRESHNESS_STATES, "none"], { ...FRESHNESS_WORDS, none: "no policy" })}
        <a href="/lineage">View lineage</a>
      </div>
      <ErrorNote message={assets.error} />
      {!assets.data && !assets.error && <Loading />}
      {assets.data && (
        <table class="table" data-testid="assets-table">
          <thead>
            <tr><th>Asset</th><th>Group</th><th>Kinds</th><th>Status</th><th>Freshness</th><th>Checks</th><th>Latest materialization</th></tr>
          </thead>
          <tbody>
            {shown.map((asset) => (
              <tr data-asset={asset.key}>
                <td><AssetLink assetKey={asset.key} /></td>
                <td>{asset.group}</td>
                <td>{asset.kinds.join(", ")}</td>
                <td><Status status={asset.status} /></td>
                <td data-testid="asset-freshness-cell"><Freshness freshness={asset.freshness} /></td>
                <td><CheckSummary asset={asset} /></td>
                <td>
                  {asset.latestMaterialization ? (
                    <span>{formatTime(asset.latestMaterialization.timestamp)} · <RunLink runId={asset.latestMaterialization.runId} /></span>
                  ) : (
                    <span class="muted">never</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** `✓3 ✕1`: checks passed (or not run yet) and failed. */
export function CheckSummary({ asset }: { asset: AssetJson }) {
  if (asset.checks.length === 0 && asset.latestChecks.length === 0) return <span class="muted">—</span>;
  const failed = asset.latestChecks.filter((c) => !c.passed).length;
  const total = new Set([...asset.checks, ...asset.latestChecks.map((c) => c.checkName)]).size;
  return (
    <span>
      <span class="check-ok">✓{total - failed}</span>
      {failed > 0 && <span class="check-failed"> ✕{failed}</span>}
    </span>
  );
}
