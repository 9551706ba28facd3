/**
 * An asset's freshness (`freshness` of `GET /api/assets`: its state against its freshness policy)
 * in the lineage view's words: the badge on its card and the chip in the details pane. Pure, so a
 * test reads it without a browser.
 */
import type { AssetFreshnessJson } from "tributary-ts/wire";

/** How a badge looks: its short label, its tone (the theme colour it takes) and its sentence (tooltip, details). */
export interface FreshnessBadge {
  label: string;
  tone: "pass" | "warn" | "fail" | "muted";
  sentence: string;
}

const LABELS: Record<AssetFreshnessJson["state"], { label: string; tone: FreshnessBadge["tone"] }> = {
  FRESH: { label: "fresh", tone: "pass" },
  WARN: { label: "late", tone: "warn" },
  STALE: { label: "stale", tone: "fail" },
  UNKNOWN: { label: "no data", tone: "muted" },
};

/** The badge of an asset with a freshness policy; null without one. */
export function freshnessBadge(freshness: AssetFreshnessJson | undefined): FreshnessBadge | null {
  if (!freshness) return null;
  const { label, tone } = LABELS[freshness.state];
  const when = (iso: string | null) => (iso === null ? "?" : iso.slice(0, 16).replace("T", " ") + " UTC");
  const policy = `max lag ${freshness.maxLag}${freshness.warnAfter ? `, warn after ${freshness.warnAfter}` : ""}`;
  const sentence =
    freshness.state === "UNKNOWN"
      ? `Never materialized (${policy})`
      : freshness.state === "STALE"
        ? `Stale since ${when(freshness.staleSince)} (${policy})`
        : freshness.state === "WARN"
          ? `Late since ${when(freshness.warnSince)}, stale at ${when(freshness.staleAt)} (${policy})`
          : `Fresh until ${when(freshness.staleAt)} (${policy})`;
  return { label, tone, sentence };
}
