/**
 * The enumerations of the wire contract as plain constants, apart from the schemas: a client that
 * needs only these (the lineage UI's legend) bundles them without valibot.
 */

/**
 * The statuses of an asset, `GET /api/assets`, in legend order: NEVER (never materialized), FRESH
 * (none of the others), STALE (an upstream asset was materialized after it, or its `codeVersion`
 * changed), FAILED (its latest step failed after its latest materialization), RUNNING (a step
 * computing it is running).
 */
export const ASSET_STATUSES = ["NEVER", "FRESH", "STALE", "FAILED", "RUNNING"] as const;

/**
 * Where an asset stands against its freshness policy (`freshness` of `GET /api/assets` entries):
 * FRESH (materialized less than `warnAfter` ago), WARN (at least `warnAfter` ago), STALE (at least
 * `maxLag` ago), UNKNOWN (never materialized). Not the asset's `status`, whose STALE means an
 * upstream asset is newer: freshness is about the clock.
 */
export const FRESHNESS_STATES = ["FRESH", "WARN", "STALE", "UNKNOWN"] as const;

/** Every kind of event a run records. */
export const RUN_EVENT_TYPES = [
  "RUN_QUEUED", "RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELING", "RUN_CANCELED",
  "STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_RETRY", "STEP_SKIPPED", "STEP_CANCELED",
  "ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION", "LOG",
] as const;

/** A backfill's statuses: REQUESTED, CANCELING, then one of the final ones. */
export const BACKFILL_STATUSES = ["REQUESTED", "CANCELING", "COMPLETED", "FAILED", "CANCELED"] as const;

/** Backfill statuses after which nothing changes. */
export const FINAL_BACKFILL_STATUSES: readonly (typeof BACKFILL_STATUSES)[number][] = ["COMPLETED", "FAILED", "CANCELED"];
