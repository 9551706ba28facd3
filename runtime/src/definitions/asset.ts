import { DefinitionError, type LocationLike, type SourceLocation } from "../errors";
import { DEFINITION_KIND, kindOf } from "./brand";
import { normalizeAutomation, type AutomationCondition } from "./automation";
import type { AssetLike, CheckSpec } from "./checks";
import type { AssetContext, ResourcesOf } from "./context";
import { lazyCallerLocation, withLazyLocation } from "../location";
import { isPartitionsDefinition, type PartitionsDefinition } from "../partitions/definition";
import { isPartitionMapping, type PartitionMapping } from "../partitions/mappings";
import { suggest } from "../selection";
import type { InputsOf, PartitionMappingsOf, PartitionsShapeOf } from "./inputs";
import { normalizeFreshness, type FreshnessPolicy, type FreshnessPolicySpec } from "./freshness";

/** How a failed step is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @defaultValue 0 */
  maxRetries: number;
  /** Delay before the first retry, in milliseconds. @defaultValue 1000 */
  delayMs?: number;
  /** How the delay grows: `"exponential"` doubles it each time. @defaultValue "constant" */
  backoff?: "constant" | "linear" | "exponential";
  /** Adds up to this fraction of random jitter to each delay (0..1). @defaultValue 0 */
  jitter?: number;
}

/** An upstream dependency: a key string, or an asset definition (also from another file). */
export type AssetDep = string | AssetLike<string, unknown>;

/** Spec fields shared by `asset()` and each output of `multiAsset()`. */
export interface AssetMetadataSpec {
  /** Group shown in the lineage graph and used by `group:` selections. @defaultValue "default" */
  group?: string;
  description?: string;
  /** Static metadata (owner team, SLA, docs URL). */
  metadata?: Record<string, unknown>;
  /** Tags for selection (`tag:pii`, `tag:tier=gold`); a tag without a value is `""`. */
  tags?: Record<string, string>;
  /** Owners for selection (`owner:team:finance`): team names or e-mail addresses. */
  owners?: string[];
  /** Kinds shown as badges and used by `kind:` selections (`"sql"`, `"csv"`, `"postgres"`). */
  kinds?: string[];
  /** A version of the code; when it changes, the asset shows as stale. */
  codeVersion?: string;
  /**
   * How old its latest materialization may get: WARN from `warnAfter`, STALE from `maxLag`
   * (durations such as `"30m"`, `"24h"`, `"7d"`). Shown by `GET /api/assets`, `tributary assets
   * list`, the lineage view and the CodeLens; a daemon notifies each change (docs/automation.md).
   * No policy when omitted.
   * @example freshness: { maxLag: "24h", warnAfter: "12h" }
   */
  freshness?: FreshnessPolicySpec;
  /**
   * When the daemon materializes the asset by itself: `AutomationCondition.eager()`,
   * `.onCron("0 6 * * *")`, `.onMissing()` or a composition (see docs/automation.md).
   * No automation when omitted.
   */
  automation?: AutomationCondition;
}

/** What `asset()` takes. `key` must be a string literal so the language server can read it. */
export interface AssetSpec<
  K extends string,
  D extends readonly AssetDep[],
  R extends readonly string[],
  P extends PartitionsDefinition | undefined = PartitionsDefinition | undefined,
  M extends PartitionMappingsOf<D> = PartitionMappingsOf<D>,
> extends AssetMetadataSpec {
  /** A name (`"orders"`) or a `/`-separated path (`"warehouse/orders"`). */
  key: K;
  /** Upstream assets; their values arrive in `ctx.inputs[key]`. */
  deps?: D;
  /** Keys of the resources the function uses (provided by `definitions({ resources })`). */
  resources?: R;
  /**
   * Key of the resource that stores and loads this asset's value.
   * @defaultValue "io_manager" (JSON files under .tributary/storage unless you provide another)
   */
  ioManager?: string;
  retry?: RetryPolicy;
  /** Fails the attempt when it runs longer (milliseconds). No timeout when omitted. */
  timeoutMs?: number;
  /** Data-quality checks run after each materialization (`notNull("id")`, `unique("id")`, ...). */
  checks?: CheckSpec<any>[];
  /**
   * How the asset is split: `dailyPartitions({ start: "2024-01-01" })`, `staticPartitions([...])`,
   * `dynamicPartitions({ name })`. Each run then computes one partition (`ctx.partitionKey`).
   */
  partitions?: P;
  /**
   * Which partitions of an upstream asset each partition reads, per upstream key; deps not named
   * here use the default mapping (same key, or all partitions when one side is unpartitioned).
   * A dep read through a mapping that yields several partitions arrives in `ctx.inputs` as a record
   * keyed by partition key.
   * @example partitionMappings: { raw_orders: timeWindowMapping({ startOffset: -6 }) } // the last 7 days
   */
  partitionMappings?: M;
}

/**
 * The function that computes an asset. Its return value is stored by the asset's I/O manager.
 * `ctx.inputs` holds each dep's value, or a record of its values by partition key when the asset
 * reads several of its partitions (see {@link InputsOf}).
 */
export type AssetFunction<D extends readonly AssetDep[], R extends readonly string[], V, S extends string = "none", M = {}> = (
  ctx: AssetContext<InputsOf<D, S, M>, ResourcesOf<R>>,
) => V | Promise<V>;

/** An asset definition: an inert value, nothing runs until a run executes it. */
export interface AssetDefinition<K extends string = string, V = unknown, S extends string = string> extends AssetLike<K, V, S> {
  readonly [DEFINITION_KIND]: "asset";
  readonly key: K;
  readonly group: string;
  readonly description: string | undefined;
  /** Upstream keys, normalized from the spec's deps. */
  readonly deps: readonly string[];
  readonly metadata: Record<string, unknown>;
  readonly tags: Record<string, string>;
  readonly owners: readonly string[];
  readonly kinds: readonly string[];
  readonly codeVersion: string | undefined;
  /** The freshness policy, or undefined. */
  readonly freshness: FreshnessPolicy | undefined;
  /** The automation condition the daemon evaluates, or undefined. */
  readonly automation: AutomationCondition | undefined;
  readonly resources: readonly string[];
  readonly ioManager: string;
  readonly retry: Required<RetryPolicy>;
  readonly timeoutMs: number | undefined;
  readonly checks: readonly CheckSpec<any>[];
  /** The partitions definition, or undefined for an unpartitioned asset. */
  readonly partitions: PartitionsDefinition | undefined;
  /** Partition mappings by upstream key (deps not listed use the default mapping). */
  readonly partitionMappings: Readonly<Record<string, PartitionMapping>>;
  readonly fn: (ctx: AssetContext<any, any>) => unknown;
  readonly location: SourceLocation | undefined;
  /**
   * True for a SQL asset (`sqlAsset()`): its step receives each dep's table name
   * (`{ qualifiedName }`), never the dep's rows.
   */
  readonly inputsAsTables?: boolean;
  /**
   * Explains a failure to set up the step's resources, before the function runs: a SQL asset
   * names itself, the line of its `sql` template and what the warehouse said.
   */
  readonly explainSetupFailure?: (error: unknown) => Error;
}

/** The default group of assets that name none. */
export const DEFAULT_GROUP = "default";
/** The resource key of the default I/O manager. */
export const DEFAULT_IO_MANAGER_KEY = "io_manager";

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_\-.]*(\/[A-Za-z_][A-Za-z0-9_\-.]*)*$/;

/**
 * Defines an asset: a key, its upstream dependencies, and the function that computes it.
 *
 * The function receives the values of the upstream assets in `ctx.inputs`, typed from `deps`
 * when they are asset references. Its return value is stored by the asset's I/O manager.
 *
 * @example
 * ```ts
 * export const stgOrders = asset(
 *   { key: "stg_orders", group: "staging", deps: [rawOrders] },
 *   async ({ inputs }) => inputs.raw_orders.map(cleanOrder),
 * );
 * ```
 */
export function asset<
  const K extends string,
  const D extends readonly AssetDep[] = [],
  const R extends readonly string[] = [],
  V = unknown,
  P extends PartitionsDefinition | undefined = undefined,
  M extends PartitionMappingsOf<D> = {},
>(spec: AssetSpec<K, D, R, P, M>, fn: AssetFunction<D, R, V, PartitionsShapeOf<P>, M>): AssetDefinition<K, Awaited<V>, PartitionsShapeOf<P>> {
  const location = lazyCallerLocation(asset);
  if (spec === null || typeof spec !== "object") {
    throw new DefinitionError("asset() takes a spec object first: asset({ key: \"orders\" }, async (ctx) => ...)", {
      location,
    });
  }
  const key = validateAssetKey(spec.key, location);
  if (typeof fn !== "function") {
    throw new DefinitionError(`asset "${key}": the second argument must be the function that computes it`, {
      location,
      hint: 'asset({ key: "' + key + '" }, async (ctx) => { ... })',
    });
  }
  const common = normalizeMetadataSpec(spec, `asset "${key}"`, location);
  const deps = normalizeDeps(spec.deps, `asset "${key}"`, location);
  return withLazyLocation({
    [DEFINITION_KIND]: "asset" as const,
    key: key as K,
    ...common,
    deps,
    resources: normalizeStringList(spec.resources, "resources", `asset "${key}"`, location),
    ioManager: normalizeIoManager(spec.ioManager, `asset "${key}"`, location),
    retry: normalizeRetry(spec.retry, `asset "${key}"`, location),
    timeoutMs: normalizeTimeout(spec.timeoutMs, `asset "${key}"`, location),
    checks: normalizeChecks(spec.checks, `asset "${key}"`, location),
    ...normalizePartitions(spec, deps, `asset "${key}"`, location),
    fn: fn as (ctx: AssetContext<any, any>) => unknown,
  }, location);
}

export function isAssetDefinition(value: unknown): value is AssetDefinition {
  return kindOf(value) === "asset";
}

export function validateAssetKey(key: unknown, location: LocationLike): string {
  if (typeof key !== "string" || !KEY_PATTERN.test(key)) {
    throw new DefinitionError(`asset key ${JSON.stringify(key)} is invalid`, {
      location,
      hint: 'A key is a name or a path of names joined by "/": letters, digits, _ - . (e.g. "warehouse/orders").',
    });
  }
  return key;
}

export function normalizeMetadataSpec(
  spec: AssetMetadataSpec,
  what: string,
  location: LocationLike,
): {
  group: string;
  description: string | undefined;
  metadata: Record<string, unknown>;
  tags: Record<string, string>;
  owners: readonly string[];
  kinds: readonly string[];
  codeVersion: string | undefined;
  freshness: FreshnessPolicy | undefined;
  automation: AutomationCondition | undefined;
} {
  const group = spec.group ?? DEFAULT_GROUP;
  if (typeof group !== "string" || !/^[A-Za-z_][A-Za-z0-9_\-]*$/.test(group)) {
    throw new DefinitionError(`${what}: group ${JSON.stringify(group)} is invalid`, {
      location,
      hint: "Use letters, digits, _ and - (e.g. staging).",
    });
  }
  const tags: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.tags ?? {})) {
    if (typeof value !== "string") {
      throw new DefinitionError(`${what}: tag "${name}" must have a string value (use "" for a tag without value)`, {
        location,
      });
    }
    tags[name] = value;
  }
  return {
    group,
    description: optionalString(spec.description, "description", what, location),
    metadata: { ...(spec.metadata ?? {}) },
    tags,
    owners: normalizeStringList(spec.owners, "owners", what, location),
    kinds: normalizeStringList(spec.kinds, "kinds", what, location),
    codeVersion: optionalString(spec.codeVersion, "codeVersion", what, location),
    freshness: normalizeFreshness(spec.freshness, what, location),
    automation: normalizeAutomation(spec.automation, what, location),
  };
}

export function normalizeDeps(
  deps: readonly AssetDep[] | undefined,
  what: string,
  location: LocationLike,
): string[] {
  if (deps === undefined) return [];
  if (!Array.isArray(deps)) {
    throw new DefinitionError(`${what}: deps must be an array of asset keys or asset definitions`, { location });
  }
  const keys: string[] = [];
  deps.forEach((dep, index) => {
    const key = typeof dep === "string" ? dep : (dep as AssetLike | undefined)?.key;
    if (typeof key !== "string") {
      throw new DefinitionError(
        `${what}: deps[${index}] is ${dep === undefined ? "undefined" : "not an asset"}`,
        {
          location,
          hint:
            dep === undefined
              ? "An imported asset is undefined when two files import each other; use its key string instead, or break the import cycle."
              : "Use an asset key string or an asset definition.",
        },
      );
    }
    if (!keys.includes(key)) keys.push(key);
  });
  return keys;
}

export function normalizeStringList(
  value: readonly string[] | undefined,
  field: string,
  what: string,
  location: LocationLike,
): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new DefinitionError(`${what}: ${field} must be an array of strings`, { location });
  }
  return [...value];
}

function optionalString(value: unknown, field: string, what: string, location: LocationLike) {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new DefinitionError(`${what}: ${field} must be a string`, { location });
  return value;
}

export function normalizeIoManager(value: unknown, what: string, location: LocationLike): string {
  if (value === undefined) return DEFAULT_IO_MANAGER_KEY;
  if (typeof value !== "string" || value.length === 0) {
    throw new DefinitionError(`${what}: ioManager must be the key of a resource (e.g. "warehouse_io")`, { location });
  }
  return value;
}

export function normalizeRetry(
  retry: RetryPolicy | undefined,
  what: string,
  location: LocationLike,
): Required<RetryPolicy> {
  const policy = { maxRetries: 0, delayMs: 1000, backoff: "constant" as const, jitter: 0, ...(retry ?? {}) };
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) {
    throw new DefinitionError(`${what}: retry.maxRetries must be a whole number >= 0`, { location });
  }
  if (typeof policy.delayMs !== "number" || policy.delayMs < 0) {
    throw new DefinitionError(`${what}: retry.delayMs must be a number of milliseconds >= 0`, { location });
  }
  if (!["constant", "linear", "exponential"].includes(policy.backoff)) {
    throw new DefinitionError(`${what}: retry.backoff must be "constant", "linear" or "exponential"`, { location });
  }
  if (typeof policy.jitter !== "number" || policy.jitter < 0 || policy.jitter > 1) {
    throw new DefinitionError(`${what}: retry.jitter must be between 0 and 1`, { location });
  }
  return policy;
}

function normalizeTimeout(value: unknown, what: string, location: LocationLike) {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !(value > 0)) {
    throw new DefinitionError(`${what}: timeoutMs must be a positive number of milliseconds`, { location });
  }
  return value;
}

export function normalizeChecks(
  checks: readonly CheckSpec<any>[] | undefined,
  what: string,
  location: LocationLike,
): CheckSpec<any>[] {
  if (checks === undefined) return [];
  if (!Array.isArray(checks)) {
    throw new DefinitionError(`${what}: checks must be an array (e.g. [notNull("id"), unique("id")])`, { location });
  }
  const names = new Set<string>();
  for (const check of checks) {
    if (!check || typeof check.evaluate !== "function" || typeof check.name !== "string") {
      throw new DefinitionError(`${what}: every entry of checks must be a check such as notNull("id")`, { location });
    }
    if (names.has(check.name)) {
      throw new DefinitionError(`${what}: two checks are named "${check.name}"`, {
        location,
        hint: "Give one of them another name with the `name` option.",
      });
    }
    names.add(check.name);
  }
  return [...checks];
}

/**
 * Checks `partitions` and `partitionMappings` of a spec. Whether a mapping fits the upstream's
 * partitions is checked when the graph is built (the upstream may be defined in another file).
 */
export function normalizePartitions(
  spec: { partitions?: unknown; partitionMappings?: unknown },
  deps: readonly string[],
  what: string,
  location: LocationLike,
): { partitions: PartitionsDefinition | undefined; partitionMappings: Readonly<Record<string, PartitionMapping>> } {
  if (spec.partitions !== undefined && !isPartitionsDefinition(spec.partitions)) {
    throw new DefinitionError(`${what}: partitions must be a partitions definition`, {
      location,
      hint: 'Use dailyPartitions({ start: "2024-01-01" }), hourlyPartitions(...), staticPartitions([...]) or dynamicPartitions({ name }).',
    });
  }
  const mappings: Record<string, PartitionMapping> = {};
  const given = spec.partitionMappings;
  if (given !== undefined) {
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
      throw new DefinitionError(`${what}: partitionMappings must be an object keyed by upstream asset key`, {
        location,
        hint: "partitionMappings: { raw_orders: timeWindowMapping({ startOffset: -6 }) }",
      });
    }
    for (const [dep, mapping] of Object.entries(given as Record<string, unknown>)) {
      if (!deps.includes(dep)) {
        const guess = suggest(dep, [...deps]);
        throw new DefinitionError(`${what}: partitionMappings names "${dep}", which is not one of its deps`, {
          location,
          hint: guess ? `Did you mean "${guess}"?` : `Add "${dep}" to deps, or remove its mapping.`,
        });
      }
      if (!isPartitionMapping(mapping)) {
        throw new DefinitionError(`${what}: the partition mapping for "${dep}" is not a mapping`, {
          location,
          hint: "Use identityMapping(), timeWindowMapping({ startOffset, endOffset }), allPartitionsMapping(), lastPartitionMapping() or staticMapping({...}).",
        });
      }
      mappings[dep] = mapping;
    }
  }
  return { partitions: spec.partitions as PartitionsDefinition | undefined, partitionMappings: mappings };
}
