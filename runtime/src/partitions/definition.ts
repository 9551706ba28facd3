import { TributaryError } from "../errors";
import { PARTITIONS_BRAND } from "./common";
import type { DynamicPartitionsDefinition } from "./dynamic";
import { arrayKeySequence, type PartitionKeySequence } from "./sequence";
import type { StaticPartitionsDefinition } from "./static";
import type { TimeWindowPartitionsDefinition } from "./timeWindow";

/**
 * How an asset is split into partitions. Discriminated by `kind`:
 * `"time"` (hourly/daily/weekly/monthly windows), `"static"` (a fixed list), `"dynamic"` (keys
 * stored at run time). Every kind has `describe()` for docs, hovers and the CLI.
 */
export type PartitionsDefinition =
  | TimeWindowPartitionsDefinition
  | StaticPartitionsDefinition
  | DynamicPartitionsDefinition;

/** True for any partitions definition (from any copy of the package). */
export function isPartitionsDefinition(value: unknown): value is PartitionsDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [PARTITIONS_BRAND]?: boolean })[PARTITIONS_BRAND] === true &&
    ["time", "static", "dynamic"].includes((value as { kind?: string }).kind ?? "")
  );
}

/**
 * What key look-ups need beyond the definitions: the current time (which time windows exist) and
 * the stored keys of dynamic partitions, read from storage beforehand (see
 * {@link loadDynamicPartitionKeys}) so that the key math itself stays synchronous.
 */
export interface PartitionContext {
  /** @defaultValue the current time */
  now?: Date;
  /** Stored keys by dynamic partitions name. */
  dynamicKeys?: ReadonlyMap<string, readonly string[]>;
}

/**
 * The keys of any partitions definition that exist in `context`.
 * @throws TributaryError for dynamic partitions whose keys were not loaded into the context.
 */
export function partitionKeysOf(definition: PartitionsDefinition, context: PartitionContext = {}): PartitionKeySequence {
  switch (definition.kind) {
    case "time":
      return definition.keys(context.now ?? new Date());
    case "static":
      return definition.keys();
    case "dynamic": {
      const keys = context.dynamicKeys?.get(definition.name);
      if (!keys) {
        throw new TributaryError(`the keys of dynamic partitions "${definition.name}" were not loaded`, {
          hint: "Load them with loadDynamicPartitionKeys(store, definitions) before mapping partitions.",
        });
      }
      return arrayKeySequence(keys);
    }
  }
}

/** True when `key` is a key of the definition in `context`. */
export function hasPartitionKey(definition: PartitionsDefinition, key: string, context: PartitionContext = {}): boolean {
  if (definition.kind === "time") return definition.contains(key, context.now ?? new Date());
  return partitionKeysOf(definition, context).indexOf(key) >= 0;
}

/** Reads the stored keys of every dynamic definition among `definitions`, for a {@link PartitionContext}. */
export async function loadDynamicPartitionKeys(
  store: { keys(name: string): Promise<string[]> },
  definitions: Iterable<PartitionsDefinition | undefined>,
): Promise<Map<string, readonly string[]>> {
  const names = new Set<string>();
  for (const definition of definitions) if (definition?.kind === "dynamic") names.add(definition.name);
  const loaded = new Map<string, readonly string[]>();
  for (const name of names) loaded.set(name, await store.keys(name));
  return loaded;
}

/**
 * True when two definitions describe the same partitions (the same keys and windows), even if they
 * are two separate objects: `dailyPartitions({ start: "2024-01-01" })` written in two files.
 */
export function samePartitions(a: PartitionsDefinition | undefined, b: PartitionsDefinition | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.kind !== b.kind) return false;
  if (a.kind === "static" && b.kind === "static") {
    return a.keyList.length === b.keyList.length && a.keyList.every((key, index) => key === b.keyList[index]);
  }
  if (a.kind === "dynamic" && b.kind === "dynamic") return a.name === b.name;
  if (a.kind === "time" && b.kind === "time") {
    return (
      sameCalendar(a, b) &&
      a.start.getTime() === b.start.getTime() &&
      a.end?.getTime() === b.end?.getTime() &&
      a.endOffset === b.endOffset
    );
  }
  return false;
}

/** True when two time-window definitions share cadence, zone, week start and key format (their keys coincide). */
export function sameCalendar(a: TimeWindowPartitionsDefinition, b: TimeWindowPartitionsDefinition): boolean {
  return (
    a.cadence === b.cadence &&
    a.timezone === b.timezone &&
    a.fmt === b.fmt &&
    a.dayOfWeek === b.dayOfWeek &&
    (a.cadence !== "hourly" || a.calendar.startOf(0) === b.calendar.startOf(0))
  );
}
