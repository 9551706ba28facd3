/**
 * Creating a backfill: resolve the selection's partitions, the keys asked for (a range, a list, or
 * all), drop the done ones (`missingOnly`) or keep the failed ones (`failedOnly`), and store it
 * with its keys. Keys are resolved once here, so a resumed backfill never recomputes them.
 */
import { randomUUID } from "node:crypto";
import { TributaryError } from "../errors";
import { planSelection, PartitionSelectionError } from "../execution/plan";
import type { AssetGraph } from "../graph/assetGraph";
import type { BackfillPolicy, BackfillRecord, Storage } from "../storage/port";
import { PartitionKeyError } from "../partitions/common";
import { hasPartitionKey, partitionKeysOf, type PartitionContext } from "../partitions/definition";
import { loadPartitionContext } from "../partitions/runPartitions";

/** What a person (CLI, HTTP) asks for. */
export interface BackfillRequest {
  /** Selection string (DESIGN.md §2); its partitioned assets must share one partitions definition. */
  selection: string;
  /** First and last key (both included). Default: the first / last key that exists now. */
  from?: string;
  to?: string;
  /** An explicit list of keys instead of a range. */
  keys?: string[];
  /** Skip keys every selected partitioned asset has materialized. */
  missingOnly?: boolean;
  /** Only keys some selected partitioned asset failed. */
  failedOnly?: boolean;
  /** Checked by {@link validateBackfillPolicy}. */
  policy?: Partial<BackfillPolicy>;
}

/** A bad backfill request (no partitioned asset, bad policy): a usage error, exit 2 / HTTP 400. */
export class BackfillRequestError extends TributaryError {
  /** Bad input: the HTTP API answers 400. */
  readonly httpStatus = 400;
}

/** The defaults of {@link BackfillPolicy}. */
export const DEFAULT_BACKFILL_POLICY: BackfillPolicy = { maxPartitionsPerRun: 1, maxConcurrentRuns: 4 };

/**
 * Validates a request against the graph and stores the backfill (status REQUESTED). A daemon's
 * backfill loop then launches its runs.
 *
 * @throws PartitionSelectionError, PartitionKeyError, BackfillRequestError for bad input.
 */
export async function createBackfill(
  ctx: { storage: Storage; graph: AssetGraph; now?: Date },
  request: BackfillRequest,
): Promise<BackfillRecord> {
  const policy = validateBackfillPolicy(request.policy);
  const plan = planSelection(ctx.graph, request.selection);
  const partitions = plan.partitions;
  if (!partitions) {
    throw new PartitionSelectionError(`the selection "${request.selection}" has no partitioned asset to backfill`, {
      hint: "Select partitioned assets, or use `tributary materialize` for unpartitioned ones.",
    });
  }
  const context = await loadPartitionContext(ctx.storage, [partitions], ctx.now ?? new Date());
  let keys = resolveKeys(partitions, request, context);
  const partitioned = plan.assetKeys.filter((key) => ctx.graph.assets.get(key)?.partitions);
  if (request.missingOnly || request.failedOnly) {
    const statuses = await Promise.all(
      partitioned.map(async (key) => new Map((await ctx.storage.getAssetPartitions(key)).map((p) => [p.partitionKey, p.status]))),
    );
    if (request.missingOnly) keys = keys.filter((key) => !statuses.every((byKey) => byKey.get(key) === "MATERIALIZED"));
    if (request.failedOnly) keys = keys.filter((key) => statuses.some((byKey) => byKey.get(key) === "FAILED"));
  }
  const stored: BackfillRecord["request"] = {};
  if (request.from !== undefined) stored.from = request.from;
  if (request.to !== undefined) stored.to = request.to;
  if (request.keys !== undefined) stored.keys = [...request.keys];
  if (request.missingOnly) stored.missingOnly = true;
  if (request.failedOnly) stored.failedOnly = true;
  return ctx.storage.createBackfill({ backfillId: newBackfillId(), selection: request.selection, request: stored, policy, partitionKeys: keys });
}

function resolveKeys(partitions: NonNullable<ReturnType<typeof planSelection>["partitions"]>, request: BackfillRequest, context: PartitionContext): string[] {
  if (request.keys !== undefined) {
    if (request.from !== undefined || request.to !== undefined) {
      throw new BackfillRequestError("give either keys or a range (from/to), not both");
    }
    for (const key of request.keys) {
      if (!hasPartitionKey(partitions, key, context)) {
        throw new PartitionKeyError(`"${key}" is not a key of ${partitions.describe()}`, key, "Pick keys that exist (`tributary partitions status ASSET`).");
      }
    }
    return [...new Set(request.keys)];
  }
  const all = partitionKeysOf(partitions, context);
  if (all.length === 0) return [];
  const from = request.from ?? all.at(0)!;
  const to = request.to ?? all.at(-1)!;
  if (partitions.kind === "dynamic") {
    const start = all.indexOf(from);
    const end = all.indexOf(to);
    if (start < 0) throw new PartitionKeyError(`"${from}" is not a key of ${partitions.describe()}`, from);
    if (end < 0) throw new PartitionKeyError(`"${to}" is not a key of ${partitions.describe()}`, to);
    return all.slice(start, end + 1).toArray();
  }
  return (partitions.kind === "time" ? partitions.keysBetween(from, to, context.now) : partitions.keysBetween(from, to)).toArray();
}

/**
 * The largest number a backfill policy takes: a positive 32-bit integer, which every storage holds
 * and whose products (runs x partitions per run, a query's LIMIT) stay within SQL's 64-bit integers.
 */
export const MAX_BACKFILL_POLICY_NUMBER = 2_147_483_647;

/** The numbers of a {@link BackfillPolicy}, as given (unchecked: from a CLI flag or a JSON body). */
export type BackfillPolicyInput = Partial<Record<keyof BackfillPolicy, unknown>>;

/**
 * Checks the numbers of a backfill policy and fills in the defaults: the one check for the CLI and
 * the HTTP API, bounded to what storage can hold, so that no backfill is stored that its loop
 * cannot launch. `nameOf` names a field as the caller's user wrote it (a CLI flag); by default
 * `policy.<field>`, as in an HTTP body.
 *
 * @throws BackfillRequestError naming the field, the bounds and the value.
 * @example
 * ```ts
 * validateBackfillPolicy({ maxConcurrentRuns: 8 }); // { maxPartitionsPerRun: 1, maxConcurrentRuns: 8 }
 * validateBackfillPolicy({ maxConcurrentRuns: 1e20 }); // throws: policy.maxConcurrentRuns must be a whole number from 1 to 2147483647, not 100000000000000000000
 * ```
 */
export function validateBackfillPolicy(policy: BackfillPolicyInput | undefined, nameOf: (field: keyof BackfillPolicy) => string = (field) => `policy.${field}`): BackfillPolicy {
  const result = { ...DEFAULT_BACKFILL_POLICY };
  for (const field of ["maxPartitionsPerRun", "maxConcurrentRuns"] as const) {
    const value = policy?.[field];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_BACKFILL_POLICY_NUMBER) {
      throw new BackfillRequestError(`${nameOf(field)} must be a whole number from 1 to ${MAX_BACKFILL_POLICY_NUMBER}, not ${typeof value === "number" ? shownNumber(value) : JSON.stringify(value)}`, {
        hint: `Leave it out for the default (${DEFAULT_BACKFILL_POLICY[field]}).`,
      });
    }
    result[field] = value;
  }
  return result;
}

/** A number as written: 1e20 as 100000000000000000000, not 1e+20. */
function shownNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : String(value);
}

/** Short ids people can type: `bf-` and 8 hex digits. */
function newBackfillId(): string {
  return `bf-${randomUUID().slice(0, 8)}`;
}
