/**
 * Cron schedules: parse, validate and walk a cron expression in an IANA time zone, with Dagster's
 * meaning (croniter underneath) and its daylight-saving rule. A pure subpath (`tributary-ts/schedules`):
 * the daemon's scheduler, `schedule()`, `tributary schedules preview` and the language server's
 * diagnostics and hovers all use this one engine.
 */
import { DefinitionError } from "../errors";
import { formatOffset, isKnownTimeZone, timeZone } from "../partitions/timezone";
import { CronSyntaxError, parseCronPattern, type CronPattern } from "./cronSyntax";
import { matcherOf, nextFire } from "./cronWalker";

export { CronSyntaxError, type CronPattern } from "./cronSyntax";
export { parseDuration, type Duration, type DurationUnit } from "./duration";

/** A parsed, validated cron expression bound to a time zone. */
export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  readonly pattern: CronPattern;
  /** The first fire instant strictly after `afterMs` (epoch ms), or null when there is none. */
  nextAfter(afterMs: number): number | null;
}

const CRON_HINT = 'Use 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, e.g. "0 2 * * *".';
const ZONE_HINT = 'Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York".';

/**
 * Parses and validates `expression` for `timezone`.
 *
 * @throws DefinitionError naming the field at fault, or the unknown time zone.
 * @example
 * ```ts
 * const nightly = parseCron("0 2 * * *", "Europe/Paris");
 * new Date(nightly.nextAfter(Date.now())!).toISOString();
 * ```
 */
export function parseCron(expression: string, timezone = "UTC"): CronSchedule {
  let pattern: CronPattern;
  try {
    pattern = parseCronPattern(expression);
  } catch (error) {
    if (error instanceof CronSyntaxError) throw new DefinitionError(`invalid cron "${expression}": ${error.message}`, { hint: CRON_HINT });
    throw error;
  }
  assertTimeZone(timezone);
  const zone = timeZone(timezone);
  const matcher = matcherOf(pattern);
  return { expression, timezone, pattern, nextAfter: (afterMs) => nextFire(matcher, zone, afterMs) };
}

/**
 * Why a cron expression is invalid, or undefined when it is valid: the message the language
 * server shows for `invalid-cron`, the same one `schedule()` throws.
 *
 * @example
 * cronProblem("0 2 * * *") // undefined
 * cronProblem("61 * * * *") // 'minute value 61 is out of range 0-59'
 */
export function cronProblem(expression: string): string | undefined {
  try {
    parseCronPattern(expression);
    return undefined;
  } catch (error) {
    if (error instanceof CronSyntaxError) return error.message;
    throw error;
  }
}

/** True when Intl knows the IANA time zone name. */
export function isTimeZone(timezone: unknown): timezone is string {
  return isKnownTimeZone(timezone);
}

/** Throws a DefinitionError for a time zone Intl does not know. */
export function assertTimeZone(timezone: string): void {
  if (!isKnownTimeZone(timezone)) throw new DefinitionError(`unknown time zone "${timezone}"`, { hint: ZONE_HINT });
}

/** The fire instants in (afterMs, untilMs], oldest first, at most `limit`. */
export function fireTimesBetween(schedule: CronSchedule, afterMs: number, untilMs: number, limit: number): number[] {
  const times: number[] = [];
  let cursor = afterMs;
  while (times.length < limit) {
    const next = schedule.nextAfter(cursor);
    if (next === null || next > untilMs) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

/** The next `count` fire instants strictly after `afterMs` (fewer when the schedule ends). */
export function nextFireTimes(schedule: CronSchedule, afterMs: number, count: number): number[] {
  return fireTimesBetween(schedule, afterMs, Infinity, count);
}

/**
 * An instant as the wall clock of `timezone` reads it, with the offset in force:
 * `2023-03-26 03:00:00 +02:00`. The form the CLI's preview and the editor's hover show.
 */
export function formatWallTime(instantMs: number, timezone: string): string {
  const zone = timeZone(timezone);
  const wall = zone.wallAt(instantMs);
  const two = (value: number): string => String(value).padStart(2, "0");
  const offset = formatOffset(zone.offsetAt(instantMs));
  return `${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)} ${offset.slice(0, 3)}:${offset.slice(3)}`;
}
