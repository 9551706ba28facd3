/**
 * Cron next-fire computation in an IANA time zone, DST-correct.
 *
 * node-cron 4 parses and validates the expression (so the runtime, the language server and the docs
 * agree on what is valid), and its day matching (`L`, `nW`, `n#k`, `nL`, day-of-month AND day-of-week)
 * is followed here. Its own next-run walker only looks forward from "now" and drops a time that
 * falls into a spring-forward gap, so the instants are computed here from wall-clock times with
 * Intl.DateTimeFormat.
 *
 * DST rule (documented in docs/schedules.md):
 * - A wall time that does not exist (spring forward, 02:30 in Europe/Paris on the last Sunday of
 *   March) fires once, as if the clock had not jumped yet: at 03:30 summer time. A schedule whose
 *   hour field is `*` simply has no ticks in the skipped hour (that hour did not happen).
 * - A wall time that happens twice (fall back) fires once, at its first occurrence. A schedule whose
 *   hour field is `*` fires in both hours (both really happened).
 */
// `require` on purpose: node-cron's ESM build reads import.meta.url, which breaks in CommonJS bundles.
import cron = require("node-cron");
import { DefinitionError } from "../errors";

/** A parsed, validated cron expression bound to a time zone. */
export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first fire instant strictly after `afterMs` (epoch ms), or null when none within 100 years. */
  nextAfter(afterMs: number): number | null;
}

interface Fields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  daysOfMonth: (number | string)[];
  months: Set<number>;
  daysOfWeek: (number | string)[];
  everyHour: boolean;
}

const MAX_DAYS = 366 * 100;
const DAY_MS = 86_400_000;

/**
 * Parses and validates `expression` (5 fields, or 6 with seconds first) for `timezone`.
 *
 * @throws DefinitionError naming the field at fault, or the unknown time zone.
 * @example
 * ```ts
 * const nightly = parseCron("0 2 * * *", "Europe/Paris");
 * new Date(nightly.nextAfter(Date.now())!).toISOString();
 * ```
 */
export function parseCron(expression: string, timezone = "UTC"): CronSchedule {
  const detailed = cron.validateDetailed(expression);
  if (!detailed.valid) {
    const first = detailed.errors[0];
    throw new DefinitionError(`invalid cron "${expression}": ${first ? `${first.field}: ${first.message}` : "not accepted by node-cron"}`, {
      hint: 'Use 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, e.g. "0 2 * * *".',
    });
  }
  assertTimeZone(timezone);
  const parsed = cron.parse(expression);
  const fieldTexts = expression.trim().split(/\s+/);
  const hourText = fieldTexts[fieldTexts.length === 6 ? 2 : 1];
  const fields: Fields = {
    seconds: [...parsed.second].sort((a, b) => a - b),
    minutes: [...parsed.minute].sort((a, b) => a - b),
    hours: [...parsed.hour].sort((a, b) => a - b),
    daysOfMonth: parsed.dayOfMonth,
    months: new Set(parsed.month),
    daysOfWeek: parsed.dayOfWeek,
    everyHour: parsed.hour.length === 24 && (hourText === "*" || hourText?.startsWith("*/1") === true),
  };
  const zone = zoneOf(timezone);
  return {
    expression,
    timezone,
    nextAfter: (afterMs) => nextAfter(fields, zone, afterMs),
  };
}

/** Throws a DefinitionError for a time zone Intl does not know. */
export function assertTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new DefinitionError(`unknown time zone "${timezone}"`, { hint: 'Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York".' });
  }
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

interface Zone {
  /** Wall-clock reading of an instant, as if it were UTC (epoch ms of the naive local time). */
  wallOf(ms: number): number;
  /** Offset (wall - UTC) in ms at an instant. */
  offsetAt(ms: number): number;
}

const zones = new Map<string, Zone>();

function zoneOf(timezone: string): Zone {
  let zone = zones.get(timezone);
  if (zone) return zone;
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const wallOf = (ms: number): number => {
    const seconds = Math.floor(ms / 1000) * 1000;
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(seconds)) if (part.type !== "literal") parts[part.type] = Number(part.value);
    return Date.UTC(parts["year"]!, parts["month"]! - 1, parts["day"]!, parts["hour"]!, parts["minute"]!, parts["second"]!) + (ms - seconds);
  };
  zone = { wallOf, offsetAt: (ms) => wallOf(ms) - ms };
  zones.set(timezone, zone);
  return zone;
}

/**
 * The instant a wall time fires at, per the DST rule above; `second` is the other occurrence of a
 * repeated wall time (only for every-hour schedules), null otherwise.
 */
function instantsOf(wall: number, zone: Zone, everyHour: boolean): number[] {
  const before = zone.offsetAt(wall - DAY_MS / 2);
  const after = zone.offsetAt(wall + DAY_MS / 2);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => zone.wallOf(instant) === wall)
    .sort((a, b) => a - b);
  if (valid.length === 0) return everyHour ? [] : [wall - before]; // a spring-forward gap
  if (valid.length === 1 || !everyHour) return [valid[0]!];
  return valid;
}

function nextAfter(fields: Fields, zone: Zone, afterMs: number): number | null {
  const after = afterMs;
  // Start a day early: DST shifts map some wall times of the previous local day past `after`.
  const startWall = zone.wallOf(after) - DAY_MS;
  const start = new Date(Math.floor(startWall / DAY_MS) * DAY_MS);
  for (let day = 0; day < MAX_DAYS; day++) {
    const date = new Date(start.getTime() + day * DAY_MS);
    const [year, month, dayOfMonth, weekday] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCDay()];
    if (!fields.months.has(month) || !matchesDayOfMonth(fields.daysOfMonth, year, month, dayOfMonth)) continue;
    if (!matchesDayOfWeek(fields.daysOfWeek, year, month, dayOfMonth, weekday)) continue;
    const found = firstOnDay(fields, zone, date.getTime(), after);
    if (found !== null) return found;
  }
  return null;
}

/** The earliest fire instant > after among the wall times of one local day. */
function firstOnDay(fields: Fields, zone: Zone, dayWall: number, after: number): number | null {
  // Every instant of this day lies within [wall - maxOffset, wall - minOffset]: prune with that.
  const offsets = [zone.offsetAt(dayWall - DAY_MS), zone.offsetAt(dayWall + DAY_MS / 2), zone.offsetAt(dayWall + 2 * DAY_MS)];
  const minOffset = Math.min(...offsets);
  const maxOffset = Math.max(...offsets);
  let best: number | null = null;
  for (const hour of fields.hours) {
    const hourWall = dayWall + hour * 3_600_000;
    if (hourWall + 3_599_999 - minOffset <= after) continue;
    if (best !== null && hourWall - maxOffset > best) break;
    for (const minute of fields.minutes) {
      const minuteWall = hourWall + minute * 60_000;
      if (minuteWall + 59_999 - minOffset <= after) continue;
      if (best !== null && minuteWall - maxOffset > best) break;
      for (const second of fields.seconds) {
        const wall = minuteWall + second * 1000;
        if (wall - minOffset <= after) continue;
        if (best !== null && wall - maxOffset > best) break;
        for (const instant of instantsOf(wall, zone, fields.everyHour)) {
          if (instant > after && (best === null || instant < best)) best = instant;
        }
      }
    }
  }
  return best;
}

// Day matching, following node-cron 4's tokens: L (last day), L-n, nW / LW (nearest weekday),
// nL (last weekday n of the month), n#k (k-th weekday n). Day-of-month AND day-of-week, as node-cron.

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  const day = Math.min(target, last);
  const weekday = weekdayOf(year, month, day);
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === last ? day - 2 : day + 1;
  return day;
}

function matchesDayOfMonth(values: (number | string)[], year: number, month: number, day: number): boolean {
  for (const value of values) {
    if (value === day) return true;
    if (typeof value !== "string") continue;
    const token = value.toUpperCase();
    if (token === "L" && day === lastDayOfMonth(year, month)) return true;
    const weekdayToken = /^(\d+|L)W$/.exec(token);
    if (weekdayToken) {
      const target = weekdayToken[1] === "L" ? lastDayOfMonth(year, month) : Number(weekdayToken[1]);
      if (nearestWeekday(year, month, target) === day) return true;
    }
    const offsetToken = /^L-(\d+)$/.exec(token);
    if (offsetToken) {
      const target = lastDayOfMonth(year, month) - Number(offsetToken[1]);
      if (target >= 1 && target === day) return true;
    }
  }
  return false;
}

function matchesDayOfWeek(values: (number | string)[], year: number, month: number, day: number, weekday: number): boolean {
  for (const value of values) {
    if (value === weekday || value === 7 && weekday === 0) return true;
    if (typeof value !== "string") continue;
    const nth = /^([0-7])#([1-5])$/.exec(value);
    if (nth) {
      if (Number(nth[1]) % 7 === weekday && Math.ceil(day / 7) === Number(nth[2])) return true;
      continue;
    }
    const last = /^([0-7])L$/i.exec(value);
    if (last && Number(last[1]) % 7 === weekday && day + 7 > lastDayOfMonth(year, month)) return true;
  }
  return false;
}
