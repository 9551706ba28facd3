/**
 * Partition status of one asset for people: counts and ranges of materialized, failed and missing
 * keys, in the definition's key order. Used by `tributary partitions status`, the HTTP API and the
 * lineage UI's status strip.
 */
import { TributaryError } from "../errors";
import type { AssetGraph } from "../graph/assetGraph";
import type { Storage } from "../storage/port";
import { partitionKeysOf } from "../partitions/definition";
import { loadPartitionContext } from "../partitions/runPartitions";
import { MAX_STRIP_CELLS } from "../wire/strips";

/** Keys of one status: how many, and the runs of consecutive keys as `[first, last]` pairs. */
export interface PartitionStatusGroup {
  count: number;
  ranges: [string, string][];
}

/** The partition status of an asset, as `tributary partitions status KEY --json` prints it. */
export interface AssetPartitionsStatus {
  asset: string;
  /** `describe()` of its partitions definition. */
  definition: string;
  /** Number of partitions that exist now. */
  total: number;
  /** The first and the last (latest) key that exist now, in key order; null when there are none. */
  firstKey: string | null;
  lastKey: string | null;
  materialized: PartitionStatusGroup;
  failed: PartitionStatusGroup;
  missing: PartitionStatusGroup;
  /**
   * One letter per key in order (`M` materialized, `F` failed, `-` missing), for compact displays;
   * only when there are at most 2,000 keys, else null.
   */
  strip: string | null;
}

/** The largest number of keys for which {@link AssetPartitionsStatus.strip} is given (the wire's largest strip). */
export const MAX_STRIP_KEYS = MAX_STRIP_CELLS;

/**
 * Reads the partition status of `assetKey`. Walks the keys once (O(keys)), so ten years of hourly
 * keys cost a few milliseconds.
 * @throws TributaryError for an unknown or unpartitioned asset.
 */
export async function assetPartitionsStatus(storage: Storage, graph: AssetGraph, assetKey: string, now: Date = new Date()): Promise<AssetPartitionsStatus> {
  const node = graph.assets.get(assetKey);
  if (!node) throw new TributaryError(`no asset "${assetKey}"`, { hint: "`tributary assets list` shows the keys there are." });
  if (!node.partitions) {
    throw new TributaryError(`asset "${assetKey}" is not partitioned`, { hint: "Partition status exists for assets declared with partitions: ..." });
  }
  const context = await loadPartitionContext(storage, [node.partitions], now);
  const keys = partitionKeysOf(node.partitions, context);
  const stored = new Map((await storage.getAssetPartitions(assetKey)).map((record) => [record.partitionKey, record.status]));
  const groups = { materialized: emptyGroup(), failed: emptyGroup(), missing: emptyGroup() };
  let strip = keys.length <= MAX_STRIP_KEYS ? "" : null;
  let previous: keyof typeof groups | undefined;
  for (const key of keys) {
    const status = stored.get(key);
    const name = status === "MATERIALIZED" ? "materialized" : status === "FAILED" ? "failed" : "missing";
    const group = groups[name];
    group.count++;
    if (previous === name) group.ranges[group.ranges.length - 1]![1] = key;
    else group.ranges.push([key, key]);
    previous = name;
    if (strip !== null) strip += name === "materialized" ? "M" : name === "failed" ? "F" : "-";
  }
  return {
    asset: assetKey, definition: node.partitions.describe(), total: keys.length,
    firstKey: keys.at(0) ?? null, lastKey: keys.at(-1) ?? null, ...groups, strip,
  };
}

function emptyGroup(): PartitionStatusGroup {
  return { count: 0, ranges: [] };
}
