import { isoDate, isoDateTime, type KeyFormat } from "./keyFormat";
import {
  formatOffset,
  isValidWallTime,
  localMsToWall,
  parseOffset,
  wallToLocalMs,
  type TimeZone,
  type WallTime,
} from "./timezone";

/**
 * The calendar arithmetic behind time-window partitions. Every window has an integer index
 * (days since 1970-01-01 for daily, months since year 0 for monthly, ...), unbounded in both
 * directions: the definition's start and end only decide which indexes exist. Working on indexes
 * keeps counting, ranges and offsets O(1) and makes windows before the start (needed to report
 * what a "last 7 days" mapping clipped) as easy to name as any other.
 */

/** How long a time window is. */
export type Cadence = "hourly" | "daily" | "weekly" | "monthly";

/** Why a string is not a key of a calendar, with a way out. */
export interface KeyProblem {
  problem: string;
  hint?: string;
}

/** Index <-> key <-> instant for one cadence, zone and key format. */
export interface WindowCalendar {
  readonly cadence: Cadence;
  readonly zone: TimeZone;
  readonly keyFormat: KeyFormat;
  /** Index of the window that contains the instant (its start <= instant < its end). */
  indexContaining(instant: number): number;
  /** Start instant of a window; the window ends where the next one starts. */
  startOf(index: number): number;
  keyOf(index: number): string;
  /** The index a key names, or why it names none. */
  indexOfKey(key: string): number | KeyProblem;
}

export const HOUR = 3_600_000;
const DAY = 86_400_000;
const MIDNIGHT = { hour: 0, minute: 0, second: 0 };
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Name of a day of the week, 0 = Sunday. */
export function weekdayName(dayOfWeek: number): string {
  return WEEKDAYS[dayOfWeek] ?? String(dayOfWeek);
}

export function isKeyProblem(value: number | KeyProblem): value is KeyProblem {
  return typeof value !== "number";
}

/** Days since 1970-01-01 of a wall time's date. */
function epochDay(wall: WallTime): number {
  return Math.floor(wallToLocalMs({ ...wall, ...MIDNIGHT }) / DAY);
}

function dateOfEpochDay(day: number): WallTime {
  return localMsToWall(day * DAY);
}

/** Checks the parsed fields name a real date: "2023-02-29" is not one. */
function parseDateKey(format: KeyFormat, key: string): WallTime | KeyProblem {
  const parsed = format.parse(key);
  if (!parsed || parsed.rest !== "") {
    return { problem: `it does not have the key format ${format.pattern}` };
  }
  if (!isValidWallTime(parsed.wall)) {
    return { problem: `${isoDate(parsed.wall)} is not a calendar date` };
  }
  return parsed.wall;
}

/** Daily windows: local midnight to local midnight (23 or 25 hours on DST days). */
export function dailyCalendar(zone: TimeZone, keyFormat: KeyFormat): WindowCalendar {
  return {
    cadence: "daily",
    zone,
    keyFormat,
    indexContaining: (instant) => epochDay(zone.wallAt(instant)),
    startOf: (index) => zone.instantOf({ ...dateOfEpochDay(index), ...MIDNIGHT }),
    keyOf: (index) => keyFormat.format(dateOfEpochDay(index)),
    indexOfKey(key) {
      const wall = parseDateKey(keyFormat, key);
      if ("problem" in wall) return wall;
      return canonical(this, epochDay(wall), key);
    },
  };
}

/** Weekly windows starting at local midnight of `dayOfWeek` (0 = Sunday ... 6 = Saturday). */
export function weeklyCalendar(zone: TimeZone, keyFormat: KeyFormat, dayOfWeek: number): WindowCalendar {
  // 1970-01-01 was a Thursday (4): the first `dayOfWeek` on or after it anchors week 0.
  const anchor = (((dayOfWeek - 4) % 7) + 7) % 7;
  return {
    cadence: "weekly",
    zone,
    keyFormat,
    indexContaining: (instant) => Math.floor((epochDay(zone.wallAt(instant)) - anchor) / 7),
    startOf: (index) => zone.instantOf({ ...dateOfEpochDay(anchor + index * 7), ...MIDNIGHT }),
    keyOf: (index) => keyFormat.format(dateOfEpochDay(anchor + index * 7)),
    indexOfKey(key) {
      const wall = parseDateKey(keyFormat, key);
      if ("problem" in wall) return wall;
      const day = epochDay(wall);
      const offset = (((day - anchor) % 7) + 7) % 7;
      if (offset !== 0) {
        const weekStart = this.keyOf(Math.floor((day - anchor) / 7));
        return {
          problem: `${isoDate(wall)} is a ${weekdayName((dayOfWeek + offset) % 7)}, and weeks start on ${weekdayName(dayOfWeek)}`,
          hint: `The week containing it is "${weekStart}".`,
        };
      }
      return canonical(this, (day - anchor) / 7, key);
    },
  };
}

/** Monthly windows: local midnight of the 1st to the next 1st. */
export function monthlyCalendar(zone: TimeZone, keyFormat: KeyFormat): WindowCalendar {
  const monthStart = (index: number): WallTime => ({
    year: Math.floor(index / 12),
    month: (((index % 12) + 12) % 12) + 1,
    day: 1,
    ...MIDNIGHT,
  });
  return {
    cadence: "monthly",
    zone,
    keyFormat,
    indexContaining(instant) {
      const wall = zone.wallAt(instant);
      return wall.year * 12 + wall.month - 1;
    },
    startOf: (index) => zone.instantOf(monthStart(index)),
    keyOf: (index) => keyFormat.format(monthStart(index)),
    indexOfKey(key) {
      const wall = parseDateKey(keyFormat, key);
      if ("problem" in wall) return wall;
      const index = wall.year * 12 + wall.month - 1;
      if (wall.day !== 1) {
        return {
          problem: `monthly keys name the first day of the month`,
          hint: `The month containing ${isoDate(wall)} is "${this.keyOf(index)}".`,
        };
      }
      return canonical(this, index, key);
    },
  };
}

/**
 * Hourly windows: one real hour each, starting where the local clock shows minute 0 (for zones
 * whose offset is a whole number of hours that is every UTC hour; for +05:30 every UTC half past).
 * A skipped local hour has no window; a repeated one has two, whose keys carry the UTC offset.
 *
 * @param alignment an instant on a local top of the hour (fixes the grid for odd offsets).
 */
export function hourlyCalendar(zone: TimeZone, keyFormat: KeyFormat, alignment: number): WindowCalendar {
  const origin = ((alignment % HOUR) + HOUR) % HOUR;
  const calendar: WindowCalendar = {
    cadence: "hourly",
    zone,
    keyFormat,
    indexContaining: (instant) => Math.floor((instant - origin) / HOUR),
    startOf: (index) => origin + index * HOUR,
    keyOf(index) {
      const instant = origin + index * HOUR;
      const wall = zone.wallAt(instant);
      const key = keyFormat.format(wall);
      // The repeated hour of a fall-back night: both occurrences name the offset, as Dagster's
      // keys do when their format includes %z, so neither reads as "the" 01:00.
      return zone.isRepeatedWallTime(instant) ? key + formatOffset(zone.offsetAt(instant)) : key;
    },
    indexOfKey(key) {
      const parsed = keyFormat.parse(key);
      if (!parsed) return { problem: `it does not have the key format ${keyFormat.pattern}` };
      const { wall, rest } = parsed;
      if (!isValidWallTime(wall)) return { problem: `${isoDateTime(wall)} is not a calendar date and time` };
      let instant: number;
      if (rest !== "") {
        const offset = parseOffset(rest);
        if (offset === undefined) {
          return { problem: `it ends with ${JSON.stringify(rest)}, which is not a UTC offset such as -0400` };
        }
        instant = wallToLocalMs(wall) - offset;
        if (zone.offsetAt(instant) !== offset) {
          return { problem: `${zone.name} is not at UTC${rest} at ${isoDateTime(wall)}` };
        }
      } else {
        const instants = zone.instantsOf(wall);
        if (instants.length === 0) {
          return {
            problem: `${isoDateTime(wall)} does not exist in ${zone.name} (clocks skip that hour)`,
            hint: `The next hour is "${calendar.keyOf(calendar.indexContaining(zone.instantOf(wall)))}".`,
          };
        }
        if (instants.length > 1) {
          const keys = instants.map((at) => `"${calendar.keyOf(calendar.indexContaining(at))}"`);
          return {
            problem: `${isoDateTime(wall)} happens twice in ${zone.name} (clocks go back)`,
            hint: `Name one occurrence with its UTC offset: ${keys.join(" or ")}.`,
          };
        }
        instant = instants[0]!;
      }
      if ((instant - origin) % HOUR !== 0) {
        return { problem: `${isoDateTime(wall)} is not the start of an hour in ${zone.name}` };
      }
      return canonical(calendar, (instant - origin) / HOUR, key);
    },
  };
  return calendar;
}

/** Accepts only the one spelling keyOf produces, so a key names one stored partition. */
function canonical(calendar: WindowCalendar, index: number, key: string): number | KeyProblem {
  const expected = calendar.keyOf(index);
  if (expected === key) return index;
  return { problem: `it is not written the way keys are`, hint: `Did you mean "${expected}"?` };
}
