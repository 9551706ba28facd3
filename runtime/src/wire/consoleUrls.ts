/**
 * Addresses of the operations console's pages (docs/console.md), for everything that links to them:
 * the daemon's run log lines, the CLI, the VS Code extension's console panel. One place spells the
 * paths, so a run printed by the CLI, a CodeLens in the editor and the console's own links agree.
 * An asset key is ONE URL-encoded path segment: `mart/total` is `/assets/mart%2Ftotal`.
 */

/** The path of a run's page: `/runs/<id>`. */
export function consoleRunPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

/** The path of an asset's page: `/assets/<key as one URL-encoded segment>`. */
export function consoleAssetPath(key: string): string {
  return `/assets/${encodeURIComponent(key)}`;
}

/** `path` (a console path, from the functions above) on the daemon served at `baseUrl`. */
export function consoleUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}

/**
 * A short human title for the console page at `path` (its pathname, with or without a query):
 * `Runs`, `Run 0b6f12ab`, `Asset mart/total`, `Schedule nightly`... The extension titles its panel
 * with it; a path the console does not route is `Console`.
 */
export function consolePageTitle(path: string): string {
  const pathname = path.split(/[?#]/)[0] ?? "/";
  const [section = "", id, ...rest] = pathname.split("/").filter((part) => part !== "");
  if (rest.length > 0) return "Console";
  let name: string | undefined;
  try {
    name = id === undefined ? undefined : decodeURIComponent(id);
  } catch {
    name = id;
  }
  switch (section) {
    case "": return "Overview";
    case "runs": return name === undefined ? "Runs" : `Run ${name.slice(0, 8)}`;
    case "assets": return name === undefined ? "Assets" : `Asset ${name}`;
    case "schedules": return name === undefined ? "Schedules" : `Schedule ${name}`;
    case "sensors": return name === undefined ? "Sensors" : `Sensor ${name}`;
    case "backfills": return name === undefined ? "Backfills" : `Backfill ${name.slice(0, 8)}`;
    case "lineage": return "Lineage";
    default: return "Console";
  }
}
