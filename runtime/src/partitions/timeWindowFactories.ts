import { DefinitionError, type SourceLocation } from "../errors";
import { lazyCallerLocation } from "../location";
import { dailyCalendar, hourlyCalendar, monthlyCalendar, weeklyCalendar, type Cadence } from "./calendar";
import { parseKeyFormat, type KeyField, type KeyFormat } from "./keyFormat";
import {
  DEFAULT_FORMATS,
  TimeWindowPartitionsDefinition,
  type TimeWindowPartitionsOptions,
  type WeeklyPartitionsOptions,
} from "./timeWindow";
import { isValidWallTime, timeZone, type TimeZone, type WallTime } from "./timezone";

/** `<cadence>:<zone>` of a definition made from options O: its zone when written as a literal, "UTC" when left out. */
type CalendarOf<C extends Cadence, O> = `${C}:${O extends { readonly timezone: infer Z extends string } ? Z : "timezone" extends keyof O ? string : "UTC"}`;

/**
 * Hourly partitions: one window per local hour in `timezone`, keys `YYYY-MM-DD-HH:mm`.
 *
 * Around DST the windows stay one real hour long: the skipped local hour of a spring-forward night
 * has no key, and the repeated hour of a fall-back night has two keys that carry the UTC offset
 * (`2024-11-03-01:00-0400`, then `2024-11-03-01:00-0500` in New York), as Dagster's keys do with
 * `%z` in their format. Every other key has no offset.
 *
 * @example
 * ```ts
 * export const events = asset(
 *   { key: "events", partitions: hourlyPartitions({ start: "2024-01-01-00:00", timezone: "Europe/Paris" }) },
 *   async (ctx) => loadEvents(ctx.partitionTimeWindow),
 * );
 * ```
 */
export function hourlyPartitions<const O extends TimeWindowPartitionsOptions>(options: O): TimeWindowPartitionsDefinition<CalendarOf<"hourly", O>> {
  return buildTimeWindowPartitions("hourly", options, lazyCallerLocation(hourlyPartitions)) as TimeWindowPartitionsDefinition<CalendarOf<"hourly", O>>;
}

/**
 * Daily partitions: local midnight to local midnight in `timezone`, keys `YYYY-MM-DD`.
 * A spring-forward day is 23 hours long, a fall-back day 25.
 *
 * @example
 * ```ts
 * export const dailyOrders = asset(
 *   { key: "daily_orders", partitions: dailyPartitions({ start: "2024-01-01" }) },
 *   async (ctx) => loadOrders(ctx.partitionKey),
 * );
 * ```
 */
export function dailyPartitions<const O extends TimeWindowPartitionsOptions>(options: O): TimeWindowPartitionsDefinition<CalendarOf<"daily", O>> {
  return buildTimeWindowPartitions("daily", options, lazyCallerLocation(dailyPartitions)) as TimeWindowPartitionsDefinition<CalendarOf<"daily", O>>;
}

/**
 * Weekly partitions starting at local midnight of `dayOfWeek` (Monday unless told), keys are the
 * week's first day `YYYY-MM-DD`. The first week is the first one that starts at or after `start`.
 *
 * @example
 * ```ts
 * weeklyPartitions({ start: "2024-01-01", dayOfWeek: "sunday" }) // keys 2024-01-07, 2024-01-14, ...
 * ```
 */
export function weeklyPartitions<const O extends WeeklyPartitionsOptions>(options: O): TimeWindowPartitionsDefinition<CalendarOf<"weekly", O>> {
  return buildTimeWindowPartitions("weekly", options, lazyCallerLocation(weeklyPartitions)) as TimeWindowPartitionsDefinition<CalendarOf<"weekly", O>>;
}

/**
 * Monthly partitions: local midnight of the 1st to the next 1st; keys are the first day
 * `YYYY-MM-DD` (as Dagster's).
 *
 * @example
 * ```ts
 * monthlyPartitions({ start: "2024-01-01", timezone: "Australia/Sydney" }) // 2024-01-01, 2024-02-01, ...
 * ```
 */
export function monthlyPartitions<const O extends TimeWindowPartitionsOptions>(options: O): TimeWindowPartitionsDefinition<CalendarOf<"monthly", O>> {
  return buildTimeWindowPartitions("monthly", options, lazyCallerLocation(monthlyPartitions)) as TimeWindowPartitionsDefinition<CalendarOf<"monthly", O>>;
}

const REQUIRED_FIELDS: Record<Cadence, KeyField[]> = {
  hourly: ["YYYY", "MM", "DD", "HH"],
  daily: ["YYYY", "MM", "DD"],
  weekly: ["YYYY", "MM", "DD"],
  monthly: ["YYYY", "MM"],
};
const WEEKDAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** Builds a time-window definition from user options, validating every field where it is written. */
function buildTimeWindowPartitions(
  cadence: Cadence,
  options: WeeklyPartitionsOptions,
  location: () => SourceLocation | undefined,
): TimeWindowPartitionsDefinition {
  const what = `${cadence}Partitions()`;
  const fail = (message: string, hint?: string): never => {
    throw new DefinitionError(`${what}: ${message}`, hint === undefined ? { location } : { location, hint });
  };
  if (options === null || typeof options !== "object") {
    fail(`takes an options object, e.g. ${cadence}Partitions({ start: "2024-01-01" })`);
  }
  const timezoneName = options.timezone ?? "UTC";
  let zone: TimeZone | undefined;
  try {
    if (typeof timezoneName === "string" && timezoneName.trim() !== "") zone = timeZone(timezoneName);
  } catch {
    zone = undefined;
  }
  if (!zone) {
    return fail(
      `timezone ${JSON.stringify(timezoneName)} is not a time zone this Node.js knows`,
      'Use an IANA name such as "Europe/Paris", "America/New_York" or "UTC".',
    );
  }
  const endOffset = options.endOffset ?? 0;
  if (!Number.isInteger(endOffset)) fail(`endOffset must be a whole number of windows, not ${JSON.stringify(endOffset)}`);
  const fmt = options.fmt ?? DEFAULT_FORMATS[cadence];
  const keyFormat = typeof fmt === "string" ? parseKeyFormat(fmt) : `fmt must be a string such as "${DEFAULT_FORMATS[cadence]}"`;
  if (typeof keyFormat === "string") return fail(keyFormat);
  checkFormatFields(cadence, keyFormat, fail);
  const dayOfWeek = cadence === "weekly" ? normalizeDayOfWeek(options.dayOfWeek, fail) : undefined;
  if (cadence !== "weekly" && options.dayOfWeek !== undefined) {
    fail("dayOfWeek applies to weeklyPartitions() only");
  }
  if (options.start === undefined) {
    fail(`start is required, e.g. ${cadence}Partitions({ start: "2024-01-01" })`);
  }
  const start = parseBoundary(options.start, "start", zone, fail);
  const end = options.end === undefined ? undefined : parseBoundary(options.end, "end", zone, fail);

  const calendar = makeCalendar(cadence, zone, keyFormat, dayOfWeek ?? 1, start);
  const containing = calendar.indexContaining(start);
  const firstIndex = calendar.startOf(containing) < start ? containing + 1 : containing;
  const endIndex = end === undefined ? Infinity : calendar.indexContaining(end);
  if (end !== undefined && endIndex <= firstIndex) {
    fail(
      `end (${new Date(end).toISOString()}) leaves no whole ${cadence} window after start (${new Date(start).toISOString()})`,
      "Move end after the end of the first window, or remove it.",
    );
  }
  return new TimeWindowPartitionsDefinition(
    { cadence, timezone: timezoneName, start, end, endOffset, fmt, dayOfWeek, calendar, firstIndex, endIndex },
    location,
  );
}

function makeCalendar(cadence: Cadence, zone: TimeZone, keyFormat: KeyFormat, dayOfWeek: number, start: number) {
  switch (cadence) {
    case "hourly": {
      const wall = zone.wallAt(start);
      // The local top of the hour at the start fixes the grid (UTC half-hours for +05:30).
      return hourlyCalendar(zone, keyFormat, start - (wall.minute * 60 + wall.second) * 1000 - (((start % 1000) + 1000) % 1000));
    }
    case "daily":
      return dailyCalendar(zone, keyFormat);
    case "weekly":
      return weeklyCalendar(zone, keyFormat, dayOfWeek);
    case "monthly":
      return monthlyCalendar(zone, keyFormat);
  }
}

function checkFormatFields(cadence: Cadence, keyFormat: KeyFormat, fail: (message: string, hint?: string) => never) {
  const missing = REQUIRED_FIELDS[cadence].filter((field) => !keyFormat.fields.has(field));
  if (missing.length > 0) {
    fail(`fmt "${keyFormat.pattern}" lacks ${missing.join(", ")}, so two ${cadence} windows would share a key`, `Use "${DEFAULT_FORMATS[cadence]}".`);
  }
  if (cadence !== "hourly" && (keyFormat.fields.has("HH") || keyFormat.fields.has("mm"))) {
    fail(`fmt "${keyFormat.pattern}" has a time of day, but ${cadence} windows start at midnight`, `Use "${DEFAULT_FORMATS[cadence]}".`);
  }
}

function normalizeDayOfWeek(value: unknown, fail: (message: string, hint?: string) => never): number {
  if (value === undefined) return 1;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 6) return value;
  if (typeof value === "string" && WEEKDAY_NAMES.includes(value.toLowerCase())) return WEEKDAY_NAMES.indexOf(value.toLowerCase());
  return fail(`dayOfWeek ${JSON.stringify(value)} is not a day`, 'Use 0 (Sunday) to 6 (Saturday), or a name such as "monday".');
}

const LOCAL_BOUNDARY = /^(\d{4})-(\d{2})-(\d{2})(?:[-T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const INSTANT_BOUNDARY = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Reads `start` / `end`: a local date (time) in the zone, or an instant. */
function parseBoundary(
  value: unknown,
  field: "start" | "end",
  zone: TimeZone,
  fail: (message: string, hint?: string) => never,
): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail(`${field} is an invalid Date`);
    return value.getTime();
  }
  const hint = `Write a date such as "2024-01-01", a local time such as "2024-01-01-06:00", or an instant such as "2024-01-01T06:00:00Z".`;
  if (typeof value !== "string") return fail(`${field} must be a date string or a Date, not ${typeof value}`, hint);
  const text = value.trim();
  if (INSTANT_BOUNDARY.test(text)) {
    const instant = Date.parse(text.replace(" ", "T"));
    if (Number.isNaN(instant)) fail(`${field} ${JSON.stringify(value)} is not a valid instant`, hint);
    return instant;
  }
  const match = LOCAL_BOUNDARY.exec(text);
  if (!match) return fail(`${field} ${JSON.stringify(value)} is not a date`, hint);
  const wall: WallTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4] ?? 0),
    minute: Number(match[5] ?? 0),
    second: Number(match[6] ?? 0),
  };
  if (!isValidWallTime(wall) || wall.year < 1000) {
    fail(`${field} ${JSON.stringify(value)} is not a calendar date`, hint);
  }
  return zone.instantOf(wall);
}
