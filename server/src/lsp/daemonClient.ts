/** The language server's view of the daemon: statuses polled from `GET /api/assets`, runs started with `POST /api/runs`. */
import type { AssetFreshnessJson, AssetJson, AssetPartitionsJson, PartitionGroupJson, WireAnswer, WireBody } from "tributary-ts/wire";
import type { TributarySettings } from "../protocol";

/** What `GET /api/assets` says about one asset: the wire contract's shape. */
export type DaemonAsset = AssetJson;

const MAX_RANGES = 3;

/**
 * One line of partition status for hovers, e.g.
 * "40/99 materialized (2024-01-01…2024-02-09) · 2 failed (2024-02-10) · 57 missing (2024-02-11…2024-04-08)".
 */
export function partitionStatusLine(status: Pick<AssetPartitionsJson, "total" | "materialized" | "failed" | "missing">): string {
  const count = (value: PartitionGroupJson | undefined): number => (typeof value?.count === "number" ? value.count : 0);
  const parts = [`${count(status.materialized)}/${status.total} materialized${rangesText(status.materialized)}`];
  if (count(status.failed) > 0) parts.push(`${count(status.failed)} failed${rangesText(status.failed)}`);
  if (count(status.missing) > 0) parts.push(`${count(status.missing)} missing${rangesText(status.missing)}`);
  return parts.join(" · ");
}

/** " (`a`…`b`, `c`)" for a group's first ranges; "" when it has none. */
function rangesText(value: PartitionGroupJson | undefined): string {
  const ranges = (Array.isArray(value?.ranges) ? value.ranges : []).filter((r) => Array.isArray(r) && r.length === 2);
  if (ranges.length === 0) return "";
  const shown = ranges.slice(0, MAX_RANGES).map(([first, last]) => `\`${first}\`${first === last ? "" : `…\`${last}\``}`);
  const more = ranges.length > MAX_RANGES ? ` and ${ranges.length - MAX_RANGES} more ranges` : "";
  return ` (${shown.join(", ")}${more})`;
}

/**
 * Polls the daemon quietly: when it is down the language server simply lacks statuses (no error
 * spam), and when it comes back the next poll fills them in. `onChange` fires only when the
 * answer changed, so an idle daemon costs no CodeLens refresh.
 */
export class DaemonClient {
  private timer: NodeJS.Timeout | undefined;
  private lastBody = "";
  private assets = new Map<string, DaemonAsset>();
  private reachable: boolean | undefined;
  private settings: TributarySettings;

  constructor(settings: TributarySettings, private readonly onChange: () => void) {
    this.settings = settings;
  }

  /** Statuses by key (empty when the daemon is unreachable). */
  statuses(): ReadonlyMap<string, DaemonAsset> {
    return this.assets;
  }

  state(): "connected" | "unreachable" | "disabled" {
    if (this.settings.daemonPollIntervalMs <= 0 || !this.settings.daemonUrl) return "disabled";
    return this.reachable ? "connected" : "unreachable";
  }

  /** Applies new settings and restarts polling. */
  configure(settings: TributarySettings): void {
    this.settings = settings;
    this.stop();
    if (settings.daemonPollIntervalMs > 0 && settings.daemonUrl) {
      void this.poll();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** `POST /api/runs`: starts a run of `selection`; throws a message naming the URL on failure. */
  async materialize(selection: string): Promise<{ runId: string }> {
    const url = new URL("/api/runs", this.settings.daemonUrl).toString();
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.authorization() },
        body: JSON.stringify({ selection } satisfies WireBody<"POST /api/runs">),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new Error(`The Tributary daemon is not reachable at ${this.settings.daemonUrl}: start it with \`tributary dev\` or set tributary.daemonUrl`);
    }
    const text = await response.text();
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`The daemon refused the run (${response.status}): ${text.slice(0, 500)}`);
    }
    const body = JSON.parse(text) as Partial<WireAnswer<"POST /api/runs">>;
    if (typeof body.runId !== "string") throw new Error(`The daemon answered without a runId: ${text.slice(0, 200)}`);
    void this.poll();
    return { runId: body.runId };
  }

  private authorization(): Record<string, string> {
    return this.settings.daemonToken ? { authorization: `Bearer ${this.settings.daemonToken}` } : {};
  }

  private async poll(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let changed = false;
    try {
      const response = await fetch(new URL("/api/assets", this.settings.daemonUrl), {
        headers: this.authorization(),
        signal: AbortSignal.timeout(3000),
      });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.text();
      if (body !== this.lastBody) {
        this.lastBody = body;
        const parsed = JSON.parse(body) as Partial<WireAnswer<"GET /api/assets">>;
        this.assets = new Map((parsed.assets ?? []).filter((a) => typeof a?.key === "string").map((a) => [a.key, { ...a, latestChecks: a.latestChecks ?? [] }]));
        changed = true;
      }
      if (this.reachable !== true) changed = true;
      this.reachable = true;
    } catch {
      if (this.reachable !== false && this.assets.size > 0) changed = true;
      if (this.reachable !== false) changed = changed || this.reachable === true;
      this.reachable = false;
      this.assets = new Map();
      this.lastBody = "";
    }
    if (changed) this.onChange();
    if (this.settings.daemonPollIntervalMs > 0) {
      this.timer = setTimeout(() => void this.poll(), this.settings.daemonPollIntervalMs);
      this.timer.unref();
    }
  }
}

/** "3 min ago" for a timestamp (ISO string or epoch ms). */
export function timeAgo(timestamp: string | number, now = Date.now()): string {
  const time = typeof timestamp === "number" ? timestamp : Date.parse(timestamp);
  if (Number.isNaN(time)) return "at an unknown time";
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** The one-line status shown in the CodeLens, e.g. "materialized 3 min ago · 2/2 checks passed". */
export function statusLine(asset: DaemonAsset): string {
  const parts: string[] = [];
  switch (asset.status) {
    case "NEVER": parts.push("never materialized"); break;
    case "RUNNING": parts.push("running…"); break;
    case "FAILED": parts.push(asset.latestMaterialization ? `failed (last success ${timeAgo(asset.latestMaterialization.timestamp)})` : "failed"); break;
    case "STALE": parts.push(asset.latestMaterialization ? `stale · materialized ${timeAgo(asset.latestMaterialization.timestamp)}` : "stale"); break;
    default: parts.push(asset.latestMaterialization ? `materialized ${timeAgo(asset.latestMaterialization.timestamp)}` : "fresh");
  }
  if (asset.latestChecks.length > 0) {
    const passed = asset.latestChecks.filter((c) => c.passed).length;
    parts.push(`${passed}/${asset.latestChecks.length} checks passed`);
  }
  if (asset.freshness) parts.push(freshnessLine(asset.freshness));
  return parts.join(" · ");
}

/**
 * An asset's freshness against its policy, short, for the CodeLens: "freshness OK (max lag 24h)",
 * "freshness: late (over 12h)", "freshness: stale (over 24h)", "freshness: no data (max lag 24h)".
 */
export function freshnessLine(freshness: AssetFreshnessJson): string {
  switch (freshness.state) {
    case "FRESH": return `freshness OK (max lag ${freshness.maxLag})`;
    case "WARN": return `freshness: late (over ${freshness.warnAfter ?? freshness.maxLag})`;
    case "STALE": return `freshness: stale (over ${freshness.maxLag})`;
    default: return `freshness: no data (max lag ${freshness.maxLag})`;
  }
}
