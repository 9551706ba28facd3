/**
 * The type of `ctx.inputs`: what the executor really hands an asset for each dep.
 *
 * At run time (execution/inputs.ts, `InputLoader.load`) a dep arrives as the upstream's value when the
 * asset reads one partition of it (or it is unpartitioned), and as a record keyed by partition key
 * when it reads several (an unpartitioned asset reading a partitioned one, `timeWindowMapping({
 * startOffset: -6 })`, a daily asset reading hourly ones). The rule is
 * `readsSingleUpstreamPartition` (partitions/runPartitions.ts); these types compute the same rule
 * from what the types know: the partitions of both sides (time calendars carry their cadence and
 * zone as a phantom type) and the mapping (each carries how many partitions it reads). Where the
 * types cannot tell (a zone held in a variable of type string), the input is the union of both.
 */
import type { AssetDep } from "./asset";
import type { AssetLike } from "./checks";
import type { PartitionMapping } from "../partitions/mappings";
import type { PartitionsDefinition } from "../partitions/definition";
import type { TimeWindowPartitionsDefinition } from "../partitions/timeWindow";

/** The values of several upstream partitions, keyed by partition key. */
export type PartitionValues<V> = Readonly<Record<string, V>>;

/**
 * What the types know of an asset's partitions: `"none"` (unpartitioned), `"time:<cadence>:<zone>"`
 * (a time-window calendar), `"keys"` (static or dynamic partitions), or `string` when unknown.
 */
export type PartitionsShape = string;

/** The {@link PartitionsShape} of an asset whose `partitions` has type P. */
export type PartitionsShapeOf<P> = [P] extends [undefined]
  ? "none"
  : [P] extends [TimeWindowPartitionsDefinition<infer C>]
    ? `time:${C}`
    : [P] extends [Exclude<PartitionsDefinition, TimeWindowPartitionsDefinition>]
      ? "keys"
      : string;

/** The partition mappings an asset may declare, by upstream key. */
export type PartitionMappingsOf<D extends readonly AssetDep[]> = Partial<Record<KeyOfDep<D[number]>, PartitionMapping>> &
  Record<string, PartitionMapping>;

/** Keys of a deps list, as a union of string literals. */
export type KeyOfDep<D> = D extends string ? D : D extends AssetLike<infer K, unknown, PartitionsShape> ? K : never;

/** The dep with key K of a deps union D. */
type DepWithKey<D, K extends string> = D extends AssetLike<K, unknown, PartitionsShape> ? D : D extends K ? D : never;

type ValueOf<D> = D extends AssetLike<string, infer V, PartitionsShape> ? V : unknown;
type ShapeOf<D> = D extends AssetLike<string, unknown, infer S> ? S : string;

type ReadsOfMapping<M> = M extends { readonly __reads?: infer R } ? Exclude<R, undefined> : "either";

/** The reads of the mapping Dagster picks when a dep names none (partitions/mappings.ts). */
type DefaultReads<Down extends string> = [Down] extends ["none"] ? "many" : "sameCalendar";

type IsTime<S extends string> = S extends `time:${string}` ? true : false;
type KnownZone<S extends string> = S extends `time:${string}:${infer Zone}` ? (string extends Zone ? false : true) : false;

/** "one" when the two shapes read one partition through a same-calendar mapping, "many" or "either" otherwise. */
type SameCalendarReads<Up extends string, Down extends string> = string extends Up | Down
  ? "either"
  : IsTime<Up> extends true
    ? IsTime<Down> extends true
      ? KnownZone<Up> extends true
        ? KnownZone<Down> extends true
          ? [Up] extends [Down]
            ? [Down] extends [Up]
              ? "one"
              : "many"
            : "many"
          : "either"
        : "either"
      : "one"
    : "one";

type Resolve<R, Up extends string, Down extends string> = R extends "sameCalendar" ? SameCalendarReads<Up, Down> : R;

/** What a dep of value V and shape Up arrives as, for a downstream of shape Down through mapping M. */
export type InputValue<V, Up extends string, Down extends string, M> = [Up] extends ["none"]
  ? V
  : string extends Up
    ? V | PartitionValues<V>
    : Resolve<[M] extends [undefined] ? DefaultReads<Down> : ReadsOfMapping<M>, Up, Down> extends infer R
      ? [R] extends ["one"]
        ? V
        : [R] extends ["many"]
          ? PartitionValues<V>
          : V | PartitionValues<V>
      : never;

/**
 * The typed `ctx.inputs` of an asset with deps D, partitions shape Down and partition mappings M:
 * `{ [key]: value of that upstream, or a record of its values by partition key }`.
 */
export type InputsOf<D extends readonly AssetDep[], Down extends string = "none", M = {}> = {
  [K in KeyOfDep<D[number]>]: InputValue<
    ValueOf<DepWithKey<D[number], K>>,
    ShapeOf<DepWithKey<D[number], K>>,
    Down,
    K extends keyof M ? M[K] : undefined
  >;
};
