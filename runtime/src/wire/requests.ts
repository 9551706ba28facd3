/**
 * The bodies the daemon accepts, as valibot schemas: the daemon validates every request body with
 * them (daemon/http/request.ts turns the first issue into a 400 naming the field), and clients
 * build their requests from the types inferred here, so a field added on one side is seen on the
 * other by the compiler.
 *
 * Each schema's messages say what a field must be ("a non-empty selection string"); the daemon adds
 * the field's name and what was received.
 */
import * as v from "valibot";

/** A selection string (DESIGN.md §2) that is not blank. */
export const SelectionSchema = v.pipe(
  v.string("a non-empty selection string"),
  v.check((selection) => selection.trim() !== "", "a non-empty selection string"),
);

/** Free-form run tags: strings to strings. */
export const TagsSchema = v.record(v.string(), v.string("a string"), 'an object of strings, e.g. {"team": "finance"}');

/** `POST /api/runs`: what to materialize. */
export const CreateRunBodySchema = v.strictObject({
  /** Selection string, e.g. `"*"`, `"+stg_orders"`, `"group:staging"`, `"job:nightly"`. */
  selection: SelectionSchema,
  /** Tags of the run (the run queue limits concurrency per tag). */
  tags: v.optional(TagsSchema),
  /** One partition key of the partitioned assets in the selection. */
  partition: v.optional(v.string("a partition key string")),
  /** Every partition that exists now (not with `partition`). */
  allPartitions: v.optional(v.boolean("true or false")),
});

/** The body of `POST /api/runs`. */
export type CreateRunBody = v.InferOutput<typeof CreateRunBodySchema>;

/** `policy` of a backfill. */
export const BackfillPolicySchema = v.strictObject({
  // The numbers are checked by the backfill service, which the CLI shares, so that both say
  // "policy.maxConcurrentRuns must be a whole number from 1 to 2147483647" in the same words.
  /** Partitions per run. @defaultValue 1 */
  maxPartitionsPerRun: v.optional(v.custom<number>(() => true)),
  /** Runs of the backfill in flight at once. */
  maxConcurrentRuns: v.optional(v.custom<number>(() => true)),
}, "an object");

/** `POST /api/backfills`: a range or a list of partitions of a selection. */
export const CreateBackfillBodySchema = v.strictObject({
  selection: SelectionSchema,
  /** First key (included); default: the first key that exists now. */
  from: v.optional(v.string("a partition key string")),
  /** Last key (included); default: the latest key that exists now. */
  to: v.optional(v.string("a partition key string")),
  /** An explicit list of keys instead of a range. */
  keys: v.optional(v.array(v.string("a partition key string"), "an array of partition key strings")),
  /** Skip keys every selected partitioned asset has materialized. */
  missingOnly: v.optional(v.boolean("true or false")),
  /** Only keys some selected partitioned asset failed. */
  failedOnly: v.optional(v.boolean("true or false")),
  policy: v.optional(BackfillPolicySchema),
});

/** The body of `POST /api/backfills`. */
export type CreateBackfillBody = v.InferOutput<typeof CreateBackfillBodySchema>;

/** `POST /api/runs/:id/reexecute`: which of the run's steps to run again, in a new run. */
export const ReexecuteBodySchema = v.strictObject({
  /** `all`: the run's whole selection; `failure`: the steps that did not succeed; `steps`: those in `steps`. */
  from: v.picklist(["all", "failure", "steps"], '"all", "failure" or "steps"'),
  /** With `from: "steps"`: step keys of the run (asset keys, or a multi-asset's name). */
  steps: v.optional(v.array(v.string("a step key string"), "an array of step keys")),
});

/** The body of `POST /api/runs/:id/reexecute`. */
export type ReexecuteBody = v.InferOutput<typeof ReexecuteBodySchema>;

/** Actions that take no body (`/cancel`, `/start`, `/stop`, `/api/reload`): none, or `{}`. */
export const NoBodySchema = v.strictObject({});
