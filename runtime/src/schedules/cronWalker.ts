/**
 * The instants a cron pattern fires at in a time zone, with Dagster's daylight-saving rule (as its
 * cron string iterator tests define it):
 * - a wall time skipped by a spring-forward fires at the first instant after the gap (02:30 on the
 *   night Berlin jumps from 02:00 to 03:00 fires at 03:00), once however many skipped times match;
 * - a wall time repeated by a fall-back fires at its second occurrence;
 * - a schedule whose hour field allows every hour fires at every real instant that matches: none in
 *   a skipped hour, both occurrences of a repeated one.
 *
 * Why segments: between two offset changes, wall time and instant differ by a constant, so the
 * next match is a plain calendar search on wall time. The walker asks the zone (the hand-written
 * tables of partitions/timezone) for its next change, searches the wall times of that stretch, and
 * only at a change decides about gaps and repetitions. That works for changes of any size and at
 * any minute (Lord Howe's 30 minutes, Chatham's 02:45).
 */
import { daysInMonth, type TimeZone } from "../partitions/timezone";
import type { CronPattern } from "./cronSyntax";

const SECOND = 1000;
const YEAR = 366 * 86_400_000;
/** Give up after this many years without a match (validation already rejects patterns that never fire). */
const SEARCH_YEARS = 400;

/** Precomputed "smallest allowed value >= i" tables make the calendar search a few lookups per field. */
export interface CronMatcher {
  readonly pattern: CronPattern;
  readonly nextSecond: Int8Array;
  readonly nextMinute: Int8Array;
  readonly nextHour: Int8Array;
}

export function matcherOf(pattern: CronPattern): CronMatcher {
  return {
    pattern,
    nextSecond: nextTable(pattern.seconds),
    nextMinute: nextTable(pattern.minutes),
    nextHour: nextTable(pattern.hours),
  };
}

function nextTable(allowed: readonly boolean[]): Int8Array {
  const table = new Int8Array(allowed.length + 1).fill(-1);
  for (let value = allowed.length - 1; value >= 0; value--) table[value] = allowed[value] ? value : table[value + 1]!;
  return table;
}

/** The first instant strictly after `afterMs` at which the pattern fires in `zone`, or null. */
export function nextFire(matcher: CronMatcher, zone: TimeZone, afterMs: number): number | null {
  const everyHour = matcher.pattern.everyHour;
  const giveUp = afterMs + SEARCH_YEARS * YEAR;
  let after = afterMs;
  let segmentStart = afterMs;
  let offset = zone.offsetAt(afterMs);
  while (segmentStart < giveUp) {
    const change = zone.nextTransition(segmentStart, YEAR);
    // Without a change within a year, cut the stretch there anyway: the search stays bounded.
    const segmentEnd = change?.at ?? segmentStart + YEAR;
    const offsetAfter = change?.offsetAfter ?? offset;
    const wall = nextWallMatch(matcher, Math.floor((after + offset) / SECOND) * SECOND + SECOND);
    if (wall === null) return null;
    // Wall times from here to the end of the stretch happen again after a fall-back.
    const repeatedFrom = offsetAfter < offset ? segmentEnd + offsetAfter : Infinity;
    if (wall < segmentEnd + offset && (everyHour || wall < repeatedFrom)) return wall - offset;
    // A spring-forward skips the wall times [end + offset, end + offsetAfter): they fire as the gap ends.
    if (offsetAfter > offset && !everyHour && wall < segmentEnd + offsetAfter) return segmentEnd;
    after = segmentEnd - 1;
    segmentStart = segmentEnd;
    offset = offsetAfter;
  }
  return null;
}

/** The smallest wall time (as a UTC-based epoch of the naive local time) >= `fromWall` that matches. */
export function nextWallMatch(matcher: CronMatcher, fromWall: number): number | null {
  const { pattern, nextHour, nextMinute, nextSecond } = matcher;
  const start = new Date(fromWall);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  let second = start.getUTCSeconds();
  const lastYear = year + SEARCH_YEARS;
  while (year <= lastYear) {
    if (month > 12) {
      year++;
      month = 1;
    }
    if (!pattern.months[month] || day > daysInMonth(year, month)) {
      month++;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    if (hour > 23 || !dayMatches(pattern, year, month, day)) {
      day++;
      hour = minute = second = 0;
      continue;
    }
    const allowedHour = nextHour[hour]!;
    if (allowedHour < 0) {
      hour = 24;
      continue;
    }
    if (allowedHour !== hour) {
      hour = allowedHour;
      minute = second = 0;
    }
    const allowedMinute = minute > 59 ? -1 : nextMinute[minute]!;
    if (allowedMinute < 0) {
      hour++;
      minute = second = 0;
      continue;
    }
    if (allowedMinute !== minute) {
      minute = allowedMinute;
      second = 0;
    }
    const allowedSecond = nextSecond[second]!;
    if (allowedSecond < 0) {
      minute++;
      second = 0;
      if (minute > 59) {
        hour++;
        minute = 0;
      }
      continue;
    }
    return utcOf(year, month, day, hour, minute, allowedSecond);
  }
  return null;
}

function utcOf(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999
  return date.getTime();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(utcOf(year, month, day, 0, 0, 0)).getUTCDay();
}

/** Whether a calendar day matches the two day fields (either one when both are restricted). */
export function dayMatches(pattern: CronPattern, year: number, month: number, day: number): boolean {
  switch (pattern.days) {
    case "every":
      return true;
    case "dayOfMonth":
      return dayOfMonthMatches(pattern, year, month, day);
    case "dayOfWeek":
      return dayOfWeekMatches(pattern, year, month, day);
    case "either":
      return dayOfMonthMatches(pattern, year, month, day) || dayOfWeekMatches(pattern, year, month, day);
  }
}

function dayOfMonthMatches(pattern: CronPattern, year: number, month: number, day: number): boolean {
  const rule = pattern.dayOfMonth;
  if (rule.days[day]) return true;
  const last = daysInMonth(year, month);
  if (rule.last && day === last) return true;
  if (rule.nearestWeekday !== null) return day === nearestWeekday(year, month, rule.nearestWeekday === "L" ? last : Math.min(rule.nearestWeekday, last));
  return false;
}

/** croniter's `W`: Saturday moves to Friday and Sunday to Monday, never into another month. */
function nearestWeekday(year: number, month: number, target: number): number {
  const weekday = weekdayOf(year, month, target);
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === daysInMonth(year, month) ? target - 2 : target + 1;
  return target;
}

function dayOfWeekMatches(pattern: CronPattern, year: number, month: number, day: number): boolean {
  const rule = pattern.dayOfWeek;
  const weekday = weekdayOf(year, month, day);
  if (rule.days[weekday]) return true;
  for (const { weekday: wanted, occurrence } of rule.nth) if (wanted === weekday && Math.ceil(day / 7) === occurrence) return true;
  for (const wanted of rule.last) if (wanted === weekday && day + 7 > daysInMonth(year, month)) return true;
  return false;
}
