/**
 * What runs need from partitions: the run tags that carry a run's partition keys, the shape of a
 * partitioned input, and loading the partition context (dynamic keys) from storage.
 */
import type { PartitionsDefinition, PartitionContext } from "./definition";
import { loadDynamicPartitionKeys } from "./definition";
import { defaultPartitionMapping, type PartitionMapping } from "./mappings";

/** Run tag holding the partition key of a one-partition run. */
export const PARTITION_TAG = "tributary/partition";
/** Run tags holding the first and last key of a run of several partitions. */
export const PARTITION_RANGE_START_TAG = "tributary/partition_range_start";
export const PARTITION_RANGE_END_TAG = "tributary/partition_range_end";
/** Run tag holding every key of a run of several partitions, comma-separated (keys never hold commas). */
export const PARTITIONS_TAG = "tributary/partitions";
/** Run tag naming the backfill that launched the run. */
export const BACKFILL_TAG = "tributary/backfill";

/** The tags that record which partitions a run materializes (none for an unpartitioned run). */
export function partitionTags(keys: readonly string[]): Record<string, string> {
  if (keys.length === 0) return {};
  if (keys.length === 1) return { [PARTITION_TAG]: keys[0]! };
  return { [PARTITION_RANGE_START_TAG]: keys[0]!, [PARTITION_RANGE_END_TAG]: keys.at(-1)!, [PARTITIONS_TAG]: keys.join(",") };
}

/** The partition keys a run materializes, read back from its tags. */
export function partitionKeysFromTags(tags: Readonly<Record<string, string>>): string[] {
  if (tags[PARTITION_TAG] !== undefined) return [tags[PARTITION_TAG]];
  const list = tags[PARTITIONS_TAG];
  return list ? list.split(",") : [];
}

/**
 * True when a dependency reads at most one upstream partition per downstream partition, whatever
 * the key: then `ctx.inputs[dep]` is that partition's value. Otherwise (several days, all
 * partitions, a static list) it is an object keyed by upstream partition key. The shape follows the
 * mapping, not how many keys happen to exist, so a "last 7 days" input is an object even on the
 * first day.
 */
export function readsSingleUpstreamPartition(
  mapping: PartitionMapping | undefined,
  downstream: PartitionsDefinition | undefined,
  upstream: PartitionsDefinition | undefined,
): boolean {
  if (!upstream) return true;
  const resolved = mapping ?? defaultPartitionMapping(downstream, upstream);
  switch (resolved.kind) {
    case "identity":
    case "lastPartition":
      return true;
    case "allPartitions":
      return false;
    case "static":
      return Object.values(resolved.upstreamKeysByDownstreamKey).every((keys) => keys.length <= 1);
    case "timeWindow":
      return (
        resolved.startOffset === 0 &&
        resolved.endOffset === 0 &&
        downstream?.kind === "time" &&
        upstream.kind === "time" &&
        downstream.cadence === upstream.cadence &&
        downstream.timezone === upstream.timezone
      );
  }
}

/** Loads the stored keys of every dynamic partitions definition among `definitions` into a context. */
export async function loadPartitionContext(
  storage: { dynamicPartitionKeys(name: string): Promise<string[]> },
  definitions: Iterable<PartitionsDefinition | undefined>,
  now: Date = new Date(),
): Promise<PartitionContext> {
  const dynamicKeys = await loadDynamicPartitionKeys({ keys: (name) => storage.dynamicPartitionKeys(name) }, definitions);
  return { now, dynamicKeys };
}
