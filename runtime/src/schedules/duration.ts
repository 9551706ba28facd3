/**
 * Durations written as a whole number and a unit (`"90s"`, `"30m"`, `"24h"`, `"7d"`, `"2w"`), as
 * freshness policies take them. Pure, and on this pure subpath (`tributary-ts/schedules`) so that
 * the language server checks `freshness: { maxLag, warnAfter }` with the runtime's own parser.
 */

/** Units of a {@link Duration}: seconds, minutes, hours, days, weeks. */
export type DurationUnit = "s" | "m" | "h" | "d" | "w";

/** A duration written as a whole number and a unit: `"90s"`, `"30m"`, `"24h"`, `"7d"`, `"2w"`. */
export type Duration = `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_PATTERN = /^([1-9][0-9]*)([smhdw])$/;

/** Milliseconds of a duration (`"24h"` → 86,400,000), or undefined when it is not one. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
}
