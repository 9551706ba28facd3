/**
 * An asset's freshness as people read it: the one place that says which materialization counts
 * and how the verdict is shown, used by `GET /api/assets`, `tributary assets list` and the daemon's
 * freshness loop (daemon/freshnessLoop.ts).
 *
 * Which materialization counts: the asset's latest materialization, of any partition — as Dagster's
 * `TimeWindowFreshnessPolicyEvaluator` (it reads the asset record's `last_materialization`). For a
 * time-partitioned asset that is the partition run last, usually the newest one; a backfill of old
 * partitions also counts as an update (the caveat Dagster's maintainers give in
 * dagster-io/dagster discussion #34023), which docs/automation.md states.
 */
import { evaluateFreshness, type FreshnessPolicy } from "../definitions/freshness";
import type { MaterializationRecord } from "../types";
import type { AssetFreshnessJson } from "../wire/responses";

/** The freshness of one asset with a policy, as the HTTP API and the CLI show it. */
export function assetFreshness(policy: FreshnessPolicy, latest: MaterializationRecord | undefined, now: number): AssetFreshnessJson {
  const evaluation = evaluateFreshness(policy, latest?.timestamp ?? null, now);
  return {
    state: evaluation.state,
    maxLag: policy.maxLag,
    warnAfter: policy.warnAfter ?? null,
    lastMaterializedAt: evaluation.lastMaterializedAt,
    partitionKey: latest?.partition ?? null,
    warnSince: evaluation.warnSince,
    staleSince: evaluation.staleSince,
    staleAt: evaluation.staleAt,
  };
}

/** One line for people: `stale since 2024-05-02 00:00 (max lag 24h)`, `fresh until ...`. */
export function describeFreshness(freshness: AssetFreshnessJson): string {
  const at = (iso: string | null) => (iso === null ? "?" : iso.replace("T", " ").replace(/:\d\d\.\d+Z$/, "Z"));
  switch (freshness.state) {
    case "UNKNOWN":
      return `never materialized (max lag ${freshness.maxLag})`;
    case "STALE":
      return `stale since ${at(freshness.staleSince)} (max lag ${freshness.maxLag})`;
    case "WARN":
      return `late since ${at(freshness.warnSince)}, stale at ${at(freshness.staleAt)} (warn after ${freshness.warnAfter})`;
    case "FRESH":
      return `fresh until ${at(freshness.staleAt)} (max lag ${freshness.maxLag})`;
  }
}
