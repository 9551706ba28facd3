/**
 * The shape of the peers' cron cases translated for Tributary's conformance suite. Each case names
 * the peer's test file (and the test in it) it comes from; a case on which Tributary deliberately
 * answers otherwise carries the reason's id, listed with its reason in docs/schedules.md.
 */

/** Why Tributary answers a peer's case differently; each id has a line in docs/schedules.md. */
export type DifferenceId =
  | "nth-weekday-or-day-of-month"
  | "equal-range-is-one-value"
  | "dst-gap-shifted"
  | "dst-repeat-first-occurrence"
  | "duplicate-values"
  | "four-fields"
  | "wrapping-range"
  | "weekday-range-with-nth"
  | "hashed-values"
  | "mixed-weekday-forms";

/** Where a case comes from: the peer, its test file, and the test's name. */
export interface CaseSource {
  peer: "dagster" | "croniter" | "cron-parser";
  file: string;
  test: string;
}

/**
 * `cron` in `timezone` fires at `fires`, in order, first strictly after `from` (ISO instants; an
 * offset in the text is the peer's local time). `differs` gives Tributary's own answer and why.
 */
export interface FireCase {
  source: CaseSource;
  cron: string;
  timezone?: string;
  from: string;
  fires: string[];
  differs?: { id: DifferenceId; fires: string[] };
}

/** Dagster's DST tables: the instants a cron fires at, checked from before, at and between each. */
export interface SequenceCase {
  source: CaseSource;
  cron: string;
  timezone: string;
  times: string[];
}

/** Whether the peer accepts a cron text; `differs` when Tributary decides the other way. */
export interface ValidityCase {
  source: CaseSource;
  cron: string;
  valid: boolean;
  differs?: { id: DifferenceId };
}
