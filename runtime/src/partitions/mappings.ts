import { DefinitionError, TributaryError } from "../errors";
import { lazyCallerLocation } from "../location";
import { PartitionKeyError, partitionKeyProblem } from "./common";
import { hasPartitionKey, partitionKeysOf, sameCalendar, type PartitionContext, type PartitionsDefinition } from "./definition";
import type { TimeWindowPartitionsDefinition } from "./timeWindow";

/**
 * Partition mappings: which partitions of an upstream asset a partition of a downstream asset
 * reads, and the reverse (which downstream partitions a new upstream partition makes stale).
 * Mappings are inert values checked at load (mappingValidation.ts); the math is synchronous
 * and pure (time and dynamic keys come in a {@link PartitionContext}).
 */

const MAPPING_BRAND = Symbol.for("tributary.partitionMapping");

/**
 * How many upstream partitions one downstream partition reads through a mapping, as far as types
 * can tell: `"one"`, `"many"`, `"sameCalendar"` (one when both sides are time windows of the same
 * cadence and zone, many otherwise), or `"either"` (not known from the types). It types
 * `ctx.inputs` (definitions/inputs.ts).
 */
export type MappingReads = "one" | "many" | "sameCalendar" | "either";

interface MappingBase<Reads extends MappingReads = MappingReads> {
  readonly [MAPPING_BRAND]: true;
  /** Phantom field: how many upstream partitions it reads, as far as types tell (the type of `ctx.inputs`); never set. */
  readonly __reads?: Reads;
  /** One line for docs, hovers and messages. */
  describe(): string;
}

/** Each downstream partition reads the upstream partition with the same key. */
export interface IdentityPartitionMapping extends MappingBase<"one"> {
  readonly kind: "identity";
}

/**
 * Each downstream partition reads the upstream partitions whose windows overlap its own window,
 * widened by offsets counted in downstream windows (startOffset -6 on daily = the last 7 days).
 */
export interface TimeWindowPartitionMapping<Reads extends MappingReads = MappingReads> extends MappingBase<Reads> {
  readonly kind: "timeWindow";
  readonly startOffset: number;
  readonly endOffset: number;
}

/** Each downstream partition (or the unpartitioned downstream) reads every upstream partition. */
export interface AllPartitionsMapping extends MappingBase<"many"> {
  readonly kind: "allPartitions";
}

/** Each downstream partition (or the unpartitioned downstream) reads the latest upstream partition. */
export interface LastPartitionMapping extends MappingBase<"one"> {
  readonly kind: "lastPartition";
}

/** An explicit table: each downstream key reads the listed upstream keys. */
export interface StaticPartitionMapping<Reads extends MappingReads = MappingReads> extends MappingBase<Reads> {
  readonly kind: "static";
  readonly upstreamKeysByDownstreamKey: Readonly<Record<string, readonly string[]>>;
}

/** How the partitions of a downstream asset map to those of one upstream asset. */
export type PartitionMapping =
  | IdentityPartitionMapping
  | TimeWindowPartitionMapping
  | AllPartitionsMapping
  | LastPartitionMapping
  | StaticPartitionMapping;

/**
 * What a mapping yields: the whole (unpartitioned) asset on the other side, or keys.
 * `nonexistent` lists keys the mapping asks for that do not exist (before the start, past the end,
 * or not closed yet at `now`); they are left out of `keys` (a "last 7 days" window on the third
 * day reads the 3 days that exist).
 */
export type MappedPartitions =
  | { partitioned: false }
  | { partitioned: true; keys: string[]; nonexistent: string[] };

/** Largest number of keys one mapping call produces (a guard against a mapping gone wrong). */
const MAX_MAPPED_KEYS = 1_000_000;

/** Offsets both 0 (or left out) read one window of the same calendar; literal other offsets read several. */
type TimeWindowReads<O> = [ZeroOrAbsent<O, "startOffset"> | ZeroOrAbsent<O, "endOffset">] extends [true]
  ? "sameCalendar"
  : false extends ZeroOrAbsent<O, "startOffset"> | ZeroOrAbsent<O, "endOffset">
    ? "many"
    : "either";
type ZeroOrAbsent<O, F extends string> = O extends { readonly [P in F]: infer N }
  ? [N] extends [0 | undefined]
    ? true
    : number extends N
      ? "unknown"
      : false
  : true;
/** A table whose every entry lists at most one key reads one partition. */
type StaticReads<T extends Record<string, readonly string[]>> = [T[keyof T]] extends [readonly [] | readonly [string]]
  ? "one"
  : string[] extends T[keyof T]
    ? "either"
    : readonly string[] extends T[keyof T]
      ? "either"
      : "many";

/** The identity mapping: partition `k` downstream reads partition `k` upstream. Default between equal definitions. */
export function identityMapping(): IdentityPartitionMapping {
  return { [MAPPING_BRAND]: true, kind: "identity", describe: () => "identity (same key)" };
}

/**
 * A time-window mapping. Offsets count downstream windows: `{ startOffset: -6 }` on a daily asset
 * reads the 7 days ending with its own; `{ startOffset: -1, endOffset: -1 }` reads the previous day.
 * Between different cadences the upstream windows overlapping the (widened) downstream window are
 * read: a daily partition reads 24 hourly ones, and the monthly one containing its day.
 *
 * @defaultValue startOffset 0, endOffset 0
 * @example
 * ```ts
 * timeWindowMapping({ startOffset: -6 }) // the last 7 days
 * ```
 */
export function timeWindowMapping<const O extends { startOffset?: number; endOffset?: number } = {}>(
  offsets: O = {} as O,
): TimeWindowPartitionMapping<TimeWindowReads<O>> {
  const location = lazyCallerLocation(timeWindowMapping);
  const startOffset = offsets?.startOffset ?? 0;
  const endOffset = offsets?.endOffset ?? 0;
  for (const [name, value] of [["startOffset", startOffset], ["endOffset", endOffset]] as const) {
    if (!Number.isInteger(value)) {
      throw new DefinitionError(`timeWindowMapping(): ${name} must be a whole number of windows, not ${JSON.stringify(value)}`, { location });
    }
  }
  if (startOffset > endOffset) {
    throw new DefinitionError(`timeWindowMapping(): startOffset (${startOffset}) is after endOffset (${endOffset})`, {
      location,
      hint: "The window runs from startOffset to endOffset, e.g. { startOffset: -6, endOffset: 0 } for the last 7 days.",
    });
  }
  return {
    [MAPPING_BRAND]: true,
    kind: "timeWindow",
    startOffset,
    endOffset,
    describe: () =>
      startOffset === 0 && endOffset === 0 ? "time window (overlapping windows)" : `time window (offsets ${startOffset}..${endOffset})`,
  };
}

/** Every downstream partition reads all upstream partitions. Default for an unpartitioned downstream. */
export function allPartitionsMapping(): AllPartitionsMapping {
  return { [MAPPING_BRAND]: true, kind: "allPartitions", describe: () => "all partitions" };
}

/** Every downstream partition reads the latest upstream partition that exists. */
export function lastPartitionMapping(): LastPartitionMapping {
  return { [MAPPING_BRAND]: true, kind: "lastPartition", describe: () => "last partition" };
}

/**
 * An explicit mapping: each downstream key reads the upstream keys listed for it; a downstream key
 * not listed reads none.
 *
 * @example
 * ```ts
 * staticMapping({ europe: ["fr", "de"], americas: ["us", "ca"] })
 * ```
 */
export function staticMapping<const T extends Record<string, readonly string[]>>(upstreamKeysByDownstreamKey: T): StaticPartitionMapping<StaticReads<T>> {
  const location = lazyCallerLocation(staticMapping);
  if (upstreamKeysByDownstreamKey === null || typeof upstreamKeysByDownstreamKey !== "object" || Array.isArray(upstreamKeysByDownstreamKey)) {
    throw new DefinitionError('staticMapping() takes an object { downstreamKey: ["upstreamKey", ...] }', { location });
  }
  const table: Record<string, readonly string[]> = {};
  for (const [downstreamKey, upstreamKeys] of Object.entries(upstreamKeysByDownstreamKey)) {
    const problem = partitionKeyProblem(downstreamKey) ?? (Array.isArray(upstreamKeys) ? upstreamKeys.map(partitionKeyProblem).find(Boolean) : `"${downstreamKey}" must map to an array of upstream keys`);
    if (problem) throw new DefinitionError(`staticMapping(): ${problem}`, { location });
    table[downstreamKey] = Object.freeze([...new Set(upstreamKeys)]);
  }
  return {
    [MAPPING_BRAND]: true,
    kind: "static",
    upstreamKeysByDownstreamKey: Object.freeze(table),
    describe: () => `static (${Object.keys(table).length} keys mapped)`,
  };
}

/** True for any partition mapping (from any copy of the package). */
export function isPartitionMapping(value: unknown): value is PartitionMapping {
  return typeof value === "object" && value !== null && (value as { [MAPPING_BRAND]?: boolean })[MAPPING_BRAND] === true;
}

/**
 * The mapping used when a dependency names none, following Dagster: all partitions when either
 * side is unpartitioned, the identity between equal calendars or non-time definitions, and a
 * time-window mapping between time definitions of different cadences or zones.
 */
export function defaultPartitionMapping(
  downstream: PartitionsDefinition | undefined,
  upstream: PartitionsDefinition | undefined,
): PartitionMapping {
  if (!downstream || !upstream) return allPartitionsMapping();
  if (downstream.kind === "time" && upstream.kind === "time" && !sameCalendar(downstream, upstream)) {
    return timeWindowMapping();
  }
  return identityMapping();
}

/**
 * The upstream partitions that partition `downstreamKey` of the downstream asset reads.
 * Pass `undefined` definitions (and key) for unpartitioned assets.
 *
 * @throws PartitionKeyError when `downstreamKey` is not a key of the downstream definition.
 * @example
 * ```ts
 * upstreamKeysFor(timeWindowMapping({ startOffset: -6 }), daily, "2024-03-10", daily)
 * // { partitioned: true, keys: ["2024-03-04", ..., "2024-03-10"], nonexistent: [] }
 * ```
 */
export function upstreamKeysFor(
  mapping: PartitionMapping | undefined,
  downstream: PartitionsDefinition | undefined,
  downstreamKey: string | undefined,
  upstream: PartitionsDefinition | undefined,
  context: PartitionContext = {},
): MappedPartitions {
  if (!upstream) return { partitioned: false };
  const resolved = mapping ?? defaultPartitionMapping(downstream, upstream);
  if (resolved.kind === "allPartitions") return mapped(partitionKeysOf(upstream, context).toArray(), []);
  if (resolved.kind === "lastPartition") {
    const last = partitionKeysOf(upstream, context).at(-1);
    return mapped(last === undefined ? [] : [last], []);
  }
  if (!downstream || downstreamKey === undefined) {
    throw new TributaryError(`a ${resolved.kind} mapping needs a partitioned downstream asset and a partition key`, {
      hint: "validateMapping() reports this at load; use allPartitionsMapping() for an unpartitioned downstream.",
    });
  }
  checkKey(downstream, downstreamKey, context);
  switch (resolved.kind) {
    case "identity":
      return hasPartitionKey(upstream, downstreamKey, context) ? mapped([downstreamKey], []) : mapped([], [downstreamKey]);
    case "static": {
      const wanted = resolved.upstreamKeysByDownstreamKey[downstreamKey] ?? [];
      return split(wanted, (key) => hasPartitionKey(upstream, key, context));
    }
    case "timeWindow": {
      const { down, up } = bothTime(downstream, upstream);
      const index = down.indexOrThrow(downstreamKey);
      const start = down.calendar.startOf(index + resolved.startOffset);
      const end = down.calendar.startOf(index + resolved.endOffset + 1);
      const [first, last] = overlappingIndexes(up, start, end);
      return keysInIndexRange(up, first, last, context);
    }
  }
}

/**
 * The downstream partitions that read partition `upstreamKey` of the upstream asset: the ones a new
 * materialization of it makes stale, or that a backfill of it must follow with.
 * Pass `undefined` definitions (and key) for unpartitioned assets.
 *
 * @throws PartitionKeyError when `upstreamKey` is not a key of the upstream definition.
 */
export function downstreamKeysFor(
  mapping: PartitionMapping | undefined,
  upstream: PartitionsDefinition | undefined,
  upstreamKey: string | undefined,
  downstream: PartitionsDefinition | undefined,
  context: PartitionContext = {},
): MappedPartitions {
  if (!downstream) return { partitioned: false };
  if (!upstream) return mapped(partitionKeysOf(downstream, context).toArray(), []);
  const resolved = mapping ?? defaultPartitionMapping(downstream, upstream);
  if (upstreamKey === undefined) {
    throw new TributaryError("downstreamKeysFor() needs the upstream partition key of a partitioned upstream asset");
  }
  checkKey(upstream, upstreamKey, context);
  switch (resolved.kind) {
    case "allPartitions":
      return mapped(partitionKeysOf(downstream, context).toArray(), []);
    case "lastPartition": {
      const isLast = partitionKeysOf(upstream, context).at(-1) === upstreamKey;
      return mapped(isLast ? partitionKeysOf(downstream, context).toArray() : [], []);
    }
    case "identity":
      return hasPartitionKey(downstream, upstreamKey, context) ? mapped([upstreamKey], []) : mapped([], [upstreamKey]);
    case "static": {
      const readers = Object.entries(resolved.upstreamKeysByDownstreamKey)
        .filter(([, upstreamKeys]) => upstreamKeys.includes(upstreamKey))
        .map(([downstreamKey]) => downstreamKey);
      return split(readers, (key) => hasPartitionKey(downstream, key, context));
    }
    case "timeWindow": {
      const { down, up } = bothTime(downstream, upstream);
      const index = up.indexOrThrow(upstreamKey);
      const [first, last] = overlappingIndexes(down, up.calendar.startOf(index), up.calendar.startOf(index + 1));
      // Downstream d reads its windows d+startOffset..d+endOffset; it reads this upstream window
      // when that span meets [first, last].
      return keysInIndexRange(down, first - resolved.endOffset, last - resolved.startOffset, context);
    }
  }
}

function mapped(keys: string[], nonexistent: string[]): MappedPartitions {
  return { partitioned: true, keys, nonexistent };
}

function split(keys: readonly string[], exists: (key: string) => boolean): MappedPartitions {
  const found: string[] = [];
  const missing: string[] = [];
  for (const key of keys) (exists(key) ? found : missing).push(key);
  return mapped(found, missing);
}

/** Refuses a key the side does not have, so a typo is not read as "maps to nothing". */
function checkKey(definition: PartitionsDefinition, key: string, context: PartitionContext): void {
  if (definition.kind === "time") {
    definition.indexOrThrow(key);
    return;
  }
  if (!hasPartitionKey(definition, key, context)) {
    throw new PartitionKeyError(`"${key}" is not a key of ${definition.describe()}`, key, "Pick one of its keys.");
  }
}

function bothTime(downstream: PartitionsDefinition, upstream: PartitionsDefinition) {
  if (downstream.kind !== "time" || upstream.kind !== "time") {
    throw new TributaryError(`a time-window mapping connects two time-partitioned assets, not ${downstream.describe()} and ${upstream.describe()}`, {
      hint: "validateMapping() reports this at load.",
    });
  }
  return { down: downstream, up: upstream };
}

/** Indexes of the windows of `definition` that overlap the instants [start, end). */
function overlappingIndexes(definition: TimeWindowPartitionsDefinition, start: number, end: number): [number, number] {
  const first = definition.calendar.indexContaining(start);
  const containingEnd = definition.calendar.indexContaining(end);
  const last = definition.calendar.startOf(containingEnd) >= end ? containingEnd - 1 : containingEnd;
  return [first, last];
}

/** Keys of indexes first..last (inclusive), split into those that exist at `now` and those that do not. */
function keysInIndexRange(definition: TimeWindowPartitionsDefinition, first: number, last: number, context: PartitionContext): MappedPartitions {
  if (last - first + 1 > MAX_MAPPED_KEYS) {
    throw new TributaryError(`a partition mapping asked for ${last - first + 1} keys of ${definition.describe()}; the limit is ${MAX_MAPPED_KEYS}`, {
      hint: "Check the mapping's offsets, or use allPartitionsMapping().",
    });
  }
  const existingEnd = definition.existingEndIndex(context.now ?? new Date());
  const keys: string[] = [];
  const nonexistent: string[] = [];
  for (let index = first; index <= last; index++) {
    const key = definition.calendar.keyOf(index);
    (index >= definition.firstIndex && index < existingEnd ? keys : nonexistent).push(key);
  }
  return mapped(keys, nonexistent);
}
