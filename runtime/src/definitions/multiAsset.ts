import { DefinitionError, type SourceLocation } from "../errors";
import {
  normalizeChecks,
  normalizeDeps,
  normalizeIoManager,
  normalizeMetadataSpec,
  normalizePartitions,
  normalizeRetry,
  normalizeStringList,
  validateAssetKey,
  type AssetDep,
  type AssetMetadataSpec,
  type RetryPolicy,
} from "./asset";
import type { InputsOf, PartitionMappingsOf, PartitionsShapeOf } from "./inputs";
import { DEFINITION_KIND, kindOf } from "./brand";
import type { AssetLike, CheckSpec } from "./checks";
import type { AssetContext, ResourcesOf } from "./context";
import { lazyCallerLocation, withLazyLocation } from "../location";
import type { PartitionsDefinition } from "../partitions/definition";
import type { PartitionMapping } from "../partitions/mappings";
import type { FreshnessPolicy, FreshnessPolicySpec } from "./freshness";
import type { AutomationCondition } from "./automation";

/** One output of a multi-asset. Group defaults to the multi-asset's group. */
export interface MultiAssetOutSpec extends AssetMetadataSpec {
  checks?: CheckSpec<any>[];
  ioManager?: string;
}

/** What `multiAsset()` takes. */
export interface MultiAssetSpec<
  O extends Record<string, MultiAssetOutSpec>,
  D extends readonly AssetDep[],
  R extends readonly string[],
  P extends PartitionsDefinition | undefined = PartitionsDefinition | undefined,
  M extends PartitionMappingsOf<D> = PartitionMappingsOf<D>,
> {
  /** The step's name (shown in runs); each output has its own asset key, the keys of `outs`. */
  name: string;
  outs: O;
  group?: string;
  description?: string;
  /** The freshness policy of every output that names none (see {@link AssetMetadataSpec.freshness}). */
  freshness?: FreshnessPolicySpec;
  deps?: D;
  resources?: R;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** Partitions shared by every output (a run computes one partition of all of them). */
  partitions?: P;
  /** Partition mappings by upstream key, as for `asset()`. */
  partitionMappings?: M;
  /** The automation condition of every output that names none of its own (see `asset({ automation })`). */
  automation?: AutomationCondition;
}

/** One output of a multi-asset: an asset computed by a shared function. */
export interface MultiAssetOut<K extends string = string, V = unknown, S extends string = string> extends AssetLike<K, V, S> {
  readonly key: K;
  readonly group: string;
  readonly description: string | undefined;
  readonly metadata: Record<string, unknown>;
  readonly tags: Record<string, string>;
  readonly owners: readonly string[];
  readonly kinds: readonly string[];
  readonly codeVersion: string | undefined;
  readonly freshness: FreshnessPolicy | undefined;
  /** The automation condition the daemon evaluates, or undefined. */
  readonly automation: AutomationCondition | undefined;
  readonly ioManager: string;
  readonly checks: readonly CheckSpec<any>[];
}

/** A function computing several assets at once: it returns one value per output key. */
export interface MultiAssetDefinition<Outs extends Record<string, unknown> = Record<string, unknown>, S extends string = string> {
  readonly [DEFINITION_KIND]: "multiAsset";
  readonly name: string;
  /** The outputs, usable as deps of other assets: `deps: [split.outs.orders_a]`. */
  readonly outs: { readonly [K in keyof Outs & string]: MultiAssetOut<K, Outs[K], S> };
  readonly deps: readonly string[];
  readonly resources: readonly string[];
  readonly retry: Required<RetryPolicy>;
  readonly timeoutMs: number | undefined;
  /** Partitions of every output, or undefined. */
  readonly partitions: PartitionsDefinition | undefined;
  readonly partitionMappings: Readonly<Record<string, PartitionMapping>>;
  readonly fn: (ctx: AssetContext<any, any>) => unknown;
  readonly location: SourceLocation | undefined;
}

/**
 * Defines one function that produces several assets (e.g. splitting a table in two). The function
 * returns an object with one entry per output key.
 *
 * @example
 * ```ts
 * export const split = multiAsset(
 *   { name: "split_orders", deps: [stgOrders], outs: { open_orders: {}, closed_orders: {} } },
 *   ({ inputs }) => ({
 *     open_orders: inputs.stg_orders.filter((o) => o.status !== "completed"),
 *     closed_orders: inputs.stg_orders.filter((o) => o.status === "completed"),
 *   }),
 * );
 * ```
 */
export function multiAsset<
  const O extends Record<string, MultiAssetOutSpec>,
  const D extends readonly AssetDep[] = [],
  const R extends readonly string[] = [],
  V extends { [K in keyof O]: unknown } = { [K in keyof O]: unknown },
  P extends PartitionsDefinition | undefined = undefined,
  M extends PartitionMappingsOf<D> = {},
>(
  spec: MultiAssetSpec<O, D, R, P, M>,
  fn: (ctx: AssetContext<InputsOf<D, PartitionsShapeOf<P>, M>, ResourcesOf<R>>) => V | Promise<V>,
): MultiAssetDefinition<{ [K in keyof O & string]: V[K] }, PartitionsShapeOf<P>> {
  const location = lazyCallerLocation(multiAsset);
  if (spec === null || typeof spec !== "object") {
    throw new DefinitionError("multiAsset() takes a spec object first: multiAsset({ name, outs }, fn)", { location });
  }
  const name = spec.name;
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_\-.]*$/.test(name)) {
    throw new DefinitionError(`multiAsset name ${JSON.stringify(name)} is invalid`, { location });
  }
  const what = `multiAsset "${name}"`;
  if (!spec.outs || typeof spec.outs !== "object" || Object.keys(spec.outs).length === 0) {
    throw new DefinitionError(`${what}: outs must name at least one output, e.g. outs: { orders_a: {} }`, { location });
  }
  if (typeof fn !== "function") {
    throw new DefinitionError(`${what}: the second argument must be the function that computes the outputs`, {
      location,
    });
  }
  const deps = normalizeDeps(spec.deps, what, location);
  const outs: Record<string, MultiAssetOut> = {};
  for (const [key, outSpec] of Object.entries(spec.outs)) {
    validateAssetKey(key, location);
    const out = outSpec ?? {};
    const common = normalizeMetadataSpec(
      { ...out, group: out.group ?? spec.group, description: out.description, freshness: out.freshness ?? spec.freshness, automation: out.automation ?? spec.automation },
      `${what}, output "${key}"`,
      location,
    );
    outs[key] = {
      key,
      ...common,
      ioManager: normalizeIoManager(out.ioManager, `${what}, output "${key}"`, location),
      checks: normalizeChecks(out.checks, `${what}, output "${key}"`, location),
    };
  }
  return withLazyLocation({
    [DEFINITION_KIND]: "multiAsset" as const,
    name,
    outs: outs as MultiAssetDefinition<{ [K in keyof O & string]: V[K] }, PartitionsShapeOf<P>>["outs"],
    deps,
    resources: normalizeStringList(spec.resources, "resources", what, location),
    retry: normalizeRetry(spec.retry, what, location),
    timeoutMs: spec.timeoutMs,
    ...normalizePartitions(spec, deps, what, location),
    fn: fn as (ctx: AssetContext<any, any>) => unknown,
  }, location);
}

export function isMultiAsset(value: unknown): value is MultiAssetDefinition {
  return kindOf(value) === "multiAsset";
}
