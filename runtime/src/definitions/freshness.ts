/**
 * Freshness policies: how old an asset's latest materialization may get before it is WARN, then
 * STALE. The spec users write on `asset()`, `sqlAsset()` and `multiAsset()` outputs, its checks at
 * definition time, and the evaluator: a pure function of the policy, the latest materialization's
 * time and the current time, shared by the HTTP API, the CLI and the daemon's freshness loop.
 *
 * Follows Dagster's time-window freshness policy (`FreshnessPolicy.time_window(fail_window,
 * warn_window)`, dagster/_core/definitions/freshness.py, evaluated by
 * `TimeWindowFreshnessPolicyEvaluator`): `maxLag` is the fail window, `warnAfter` the warn window;
 * an age at or past a window is past it (`>=`); never materialized is UNKNOWN; `warnAfter` must be
 * shorter than `maxLag`. Dagster's PASS and FAIL are called FRESH and STALE here.
 */
import { DefinitionError, type LocationLike } from "../errors";
import { parseDuration, type Duration } from "../schedules";
import { FRESHNESS_STATES as WIRE_FRESHNESS_STATES } from "../wire/statuses";

export { parseDuration, type Duration, type DurationUnit } from "../schedules";

/** What `freshness` takes on an asset spec. */
export interface FreshnessPolicySpec {
  /** How old the latest materialization may get: at this age the asset is STALE. (Dagster's fail window.) */
  maxLag: Duration;
  /** At this age the asset is WARN; shorter than `maxLag`. (Dagster's warn window.) No warning when omitted. */
  warnAfter?: Duration;
}

/** A checked freshness policy, as definitions and the asset graph carry it. */
export interface FreshnessPolicy {
  /** As written, e.g. `"24h"`. */
  readonly maxLag: string;
  readonly maxLagMs: number;
  /** As written, or undefined. */
  readonly warnAfter: string | undefined;
  readonly warnAfterMs: number | undefined;
}

/**
 * Where an asset stands against its freshness policy:
 * - FRESH: materialized less than `warnAfter` ago (or `maxLag` without `warnAfter`);
 * - WARN: materialized at least `warnAfter` ago, less than `maxLag` ago;
 * - STALE: materialized at least `maxLag` ago;
 * - UNKNOWN: never materialized (Dagster: "freshness cannot be evaluated").
 */
export type FreshnessState = (typeof WIRE_FRESHNESS_STATES)[number];

/** Every freshness state: FRESH, WARN, STALE, UNKNOWN (the wire contract's list). */
export const FRESHNESS_STATES: readonly FreshnessState[] = WIRE_FRESHNESS_STATES;

/** The verdict of {@link evaluateFreshness}. Instants are ISO 8601 strings in UTC. */
export interface FreshnessEvaluation {
  state: FreshnessState;
  /** The latest materialization's time, or null when never materialized. */
  lastMaterializedAt: string | null;
  /** When the asset turned WARN (last materialization + warnAfter), while it is WARN or STALE and has a warnAfter. */
  warnSince: string | null;
  /** When the asset turned STALE (last materialization + maxLag), while it is STALE. */
  staleSince: string | null;
  /** When it turns STALE unless materialized again, while it is FRESH or WARN. */
  staleAt: string | null;
}


/**
 * Checks the `freshness` of a spec (`what` names the asset in errors); undefined when there is none.
 * @throws DefinitionError naming the asset, its file:line and the fix.
 */
export function normalizeFreshness(spec: unknown, what: string, location: LocationLike): FreshnessPolicy | undefined {
  if (spec === undefined) return undefined;
  const example = 'freshness: { maxLag: "24h", warnAfter: "12h" }';
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new DefinitionError(`${what}: freshness must be an object with maxLag`, { location, hint: example });
  }
  const { maxLag, warnAfter, ...rest } = spec as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new DefinitionError(`${what}: freshness takes maxLag and warnAfter, not ${unknown.map((name) => `"${name}"`).join(", ")}`, { location, hint: example });
  }
  const durationHint = 'Write a whole number and a unit: "90s", "30m", "24h", "7d" or "2w".';
  const maxLagMs = parseDuration(maxLag);
  if (maxLagMs === undefined) {
    throw new DefinitionError(
      maxLag === undefined ? `${what}: freshness needs maxLag, the age at which the asset is stale` : `${what}: freshness.maxLag ${JSON.stringify(maxLag)} is not a duration`,
      { location, hint: maxLag === undefined ? example : durationHint },
    );
  }
  let warnAfterMs: number | undefined;
  if (warnAfter !== undefined) {
    warnAfterMs = parseDuration(warnAfter);
    if (warnAfterMs === undefined) {
      throw new DefinitionError(`${what}: freshness.warnAfter ${JSON.stringify(warnAfter)} is not a duration`, { location, hint: durationHint });
    }
    if (warnAfterMs >= maxLagMs) {
      throw new DefinitionError(`${what}: freshness.warnAfter (${String(warnAfter)}) must be shorter than maxLag (${String(maxLag)})`, {
        location,
        hint: "The asset warns first, then turns stale: shorten warnAfter, or leave it out.",
      });
    }
  }
  return {
    maxLag: (maxLag as string).trim(),
    maxLagMs,
    warnAfter: warnAfter === undefined ? undefined : (warnAfter as string).trim(),
    warnAfterMs,
  };
}

/**
 * Where an asset stands against `policy` at `now` (milliseconds since the epoch), given its latest
 * materialization's time (ISO 8601 or milliseconds; null when never materialized). Pure: the clock
 * is the caller's. An age exactly `maxLag` is STALE, exactly `warnAfter` is WARN (as Dagster).
 *
 * @example
 * ```ts
 * evaluateFreshness(policy, "2024-05-01T00:00:00Z", Date.parse("2024-05-01T13:00:00Z")).state // "WARN" for 24h/12h
 * ```
 */
export function evaluateFreshness(policy: FreshnessPolicy, lastMaterializedAt: string | number | null, now: number): FreshnessEvaluation {
  const last = lastMaterializedAt === null ? NaN : typeof lastMaterializedAt === "number" ? lastMaterializedAt : Date.parse(lastMaterializedAt);
  // An instant that is no instant (a hand-edited row) tells nothing: judged as never materialized.
  if (!Number.isFinite(last)) {
    return { state: "UNKNOWN", lastMaterializedAt: null, warnSince: null, staleSince: null, staleAt: null };
  }
  const age = now - last;
  const staleAt = last + policy.maxLagMs;
  const warnAt = policy.warnAfterMs === undefined ? null : last + policy.warnAfterMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (age >= policy.maxLagMs) {
    return { state: "STALE", lastMaterializedAt: iso(last), warnSince: warnAt === null ? null : iso(warnAt), staleSince: iso(staleAt), staleAt: null };
  }
  if (policy.warnAfterMs !== undefined && age >= policy.warnAfterMs) {
    return { state: "WARN", lastMaterializedAt: iso(last), warnSince: iso(warnAt!), staleSince: null, staleAt: iso(staleAt) };
  }
  return { state: "FRESH", lastMaterializedAt: iso(last), warnSince: null, staleSince: null, staleAt: iso(staleAt) };
}
