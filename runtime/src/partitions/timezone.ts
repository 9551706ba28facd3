/**
 * Time-zone arithmetic on top of `Intl` alone (no tz database package): UTC offsets, local wall
 * times, and local wall time -> instant with an explicit rule for DST gaps and overlaps.
 *
 * Why a per-year transition table: one `Intl.DateTimeFormat#formatToParts` call costs ~10 µs, so
 * asking Intl for every hourly key of a few years (tens of thousands of keys, several look-ups
 * each) would take seconds. Probing a year weekly and bisecting each change to the second costs
 * ~100 calls once; every later offset look-up is a short array scan.
 */

/** A local calendar date and clock time (month 1-12), without a zone. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const SECOND = 1000;
const DAY = 86_400_000;
/** Probing step of the transition table: real zones never change offset twice within a week. */
const PROBE_STEP = 7 * DAY;

/** The wall time as if it were UTC, in epoch milliseconds: the "local epoch" of a wall time. */
export function wallToLocalMs(wall: WallTime): number {
  const ms = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // Date.UTC maps years 0-99 to 1900-1999; keys are four-digit years, but stay exact anyway.
  if (wall.year >= 0 && wall.year < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(wall.year);
    return date.getTime();
  }
  return ms;
}

/** The wall time of a local epoch (inverse of {@link wallToLocalMs}). */
export function localMsToWall(localMs: number): WallTime {
  const date = new Date(localMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

/** Number of days in a month (1-12) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when the fields name a real calendar date and clock time. */
export function isValidWallTime(wall: WallTime): boolean {
  return (
    Number.isInteger(wall.year) &&
    wall.month >= 1 &&
    wall.month <= 12 &&
    wall.day >= 1 &&
    wall.day <= daysInMonth(wall.year, wall.month) &&
    wall.hour >= 0 &&
    wall.hour <= 23 &&
    wall.minute >= 0 &&
    wall.minute <= 59 &&
    wall.second >= 0 &&
    wall.second <= 59
  );
}

interface YearTable {
  /** The UTC year's bounds, [start, end). */
  start: number;
  end: number;
  /** Offset (ms, local minus UTC) in force at the start of the UTC year. */
  initial: number;
  /** Offset changes within the year, in order: from `at` (inclusive) the offset is `offset`. */
  transitions: { at: number; offset: number }[];
}

/**
 * One IANA time zone: offsets, wall times and wall time -> instant conversion.
 * Obtain it with {@link timeZone}; instances are cached per zone name.
 */
export class TimeZone {
  /** The zone name as the caller wrote it (validated by Intl). */
  readonly name: string;
  private readonly formatter: Intl.DateTimeFormat | undefined;
  private readonly years = new Map<number, YearTable>();
  /** The table used last: consecutive look-ups (key after key) nearly always hit it. */
  private lastTable: YearTable | undefined;

  constructor(name: string) {
    this.name = name;
    // Throws RangeError for unknown zones: validation happens where the zone is given.
    const formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      era: "short",
    });
    const resolved = formatter.resolvedOptions().timeZone;
    this.formatter = resolved === "UTC" || resolved === "Etc/UTC" ? undefined : formatter;
  }

  /** Offset of local time from UTC at an instant, in milliseconds (Paris in summer: +7,200,000). */
  offsetAt(instant: number): number {
    if (this.formatter === undefined) return 0;
    let table = this.lastTable;
    if (!table || instant < table.start || instant >= table.end) {
      table = this.yearTable(new Date(instant).getUTCFullYear());
      this.lastTable = table;
    }
    let offset = table.initial;
    for (const transition of table.transitions) {
      if (instant < transition.at) break;
      offset = transition.offset;
    }
    return offset;
  }

  /** The local wall time at an instant. */
  wallAt(instant: number): WallTime {
    return localMsToWall(instant + this.offsetAt(instant));
  }

  /**
   * Every instant whose local wall time is `wall`, earliest first: one normally, two in the
   * repeated hour when clocks go back, none in the skipped hour when clocks go forward.
   */
  instantsOf(wall: WallTime): number[] {
    return this.instantsOfLocal(wallToLocalMs(wall));
  }

  /** True when the wall time at `instant` happens twice (the repeated hour of a fall-back night). */
  isRepeatedWallTime(instant: number): boolean {
    const offset = this.offsetAt(instant);
    // Fast path: no offset change within a day either side, so no other instant shares the wall time.
    if (this.offsetAt(instant - DAY) === offset && this.offsetAt(instant + DAY) === offset) return false;
    return this.instantsOfLocal(Math.floor((instant + offset) / SECOND) * SECOND).length > 1;
  }

  private instantsOfLocal(local: number): number[] {
    const found: number[] = [];
    for (const offset of this.candidateOffsets(local)) {
      const instant = local - offset;
      if (instant + this.offsetAt(instant) === local && !found.includes(instant)) found.push(instant);
    }
    return found.sort((a, b) => a - b);
  }

  /**
   * The instant of a wall time, resolved the way RFC 5545 and Temporal's "compatible" option do:
   * a repeated time takes its first (earlier) occurrence; a skipped time is moved forward by the
   * length of the gap (02:30 on a spring-forward night in New York becomes 03:30 EDT).
   */
  instantOf(wall: WallTime): number {
    const instants = this.instantsOf(wall);
    if (instants.length > 0) return instants[0]!;
    const local = wallToLocalMs(wall);
    return local - this.offsetAt(local - DAY);
  }

  /**
   * The first offset change strictly after `instant` and no later than `instant + horizon` ms, or
   * null when the offset stays the same that long. The cron walker steps from one change to the
   * next, so it sees every spring-forward gap and fall-back repetition exactly.
   */
  nextTransition(instant: number, horizon: number): { at: number; offsetBefore: number; offsetAfter: number } | null {
    if (this.formatter === undefined) return null;
    const until = instant + horizon;
    for (let year = new Date(instant).getUTCFullYear(); year <= new Date(until).getUTCFullYear(); year++) {
      const table = this.yearTable(year);
      let before = table.initial;
      for (const transition of table.transitions) {
        if (transition.at > until) return null;
        if (transition.at > instant) return { at: transition.at, offsetBefore: before, offsetAfter: transition.offset };
        before = transition.offset;
      }
    }
    return null;
  }

  /** Offsets that may be in force around a local epoch: those a day before and a day after. */
  private candidateOffsets(local: number): number[] {
    const before = this.offsetAt(local - DAY);
    const after = this.offsetAt(local + DAY);
    return before === after ? [before] : [before, after];
  }

  private yearTable(year: number): YearTable {
    let table = this.years.get(year);
    if (table) return table;
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    const initial = this.intlOffset(start);
    const transitions: { at: number; offset: number }[] = [];
    let previousAt = start;
    let previousOffset = initial;
    for (let probe = Math.min(start + PROBE_STEP, end); ; probe = Math.min(probe + PROBE_STEP, end)) {
      const offset = this.intlOffset(probe);
      if (offset !== previousOffset) {
        transitions.push({ at: this.bisectTransition(previousAt, previousOffset, probe), offset });
        previousOffset = offset;
      }
      previousAt = probe;
      if (probe === end) break;
    }
    // The probe at `end` belongs to the next year; keep only changes inside this one.
    table = { start, end, initial, transitions: transitions.filter((transition) => transition.at < end) };
    if (this.years.size > 512) this.years.clear();
    this.years.set(year, table);
    return table;
  }

  /** First second at which the offset differs from `offsetBefore`, between `low` and `high`. */
  private bisectTransition(low: number, offsetBefore: number, high: number): number {
    while (high - low > SECOND) {
      const middle = Math.floor((low + high) / 2 / SECOND) * SECOND;
      if (middle <= low) break;
      if (this.intlOffset(middle) === offsetBefore) low = middle;
      else high = middle;
    }
    return high;
  }

  /** The offset Intl reports at an instant (whole seconds). */
  private intlOffset(instant: number): number {
    const whole = Math.floor(instant / SECOND) * SECOND;
    const fields: Record<string, string> = {};
    for (const part of this.formatter!.formatToParts(new Date(whole))) fields[part.type] = part.value;
    let year = Number(fields.year);
    if (fields.era === "BC" || fields.era === "B") year = 1 - year;
    const local = wallToLocalMs({
      year,
      month: Number(fields.month),
      day: Number(fields.day),
      hour: Number(fields.hour),
      minute: Number(fields.minute),
      second: Number(fields.second),
    });
    return local - whole;
  }
}

const zones = new Map<string, TimeZone>();

/**
 * The {@link TimeZone} named `name` (an IANA name such as `"Europe/Paris"`, or `"UTC"`).
 * @throws RangeError when Intl does not know the zone.
 */
export function timeZone(name: string): TimeZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = new TimeZone(name);
    zones.set(name, zone);
  }
  return zone;
}

/** True when Intl knows the zone name. */
export function isKnownTimeZone(name: unknown): name is string {
  if (typeof name !== "string" || name.trim() === "") return false;
  try {
    timeZone(name);
    return true;
  } catch {
    return false;
  }
}

/** An offset as `+HHMM` / `-HHMM` (the `%z` form Dagster's keys use), e.g. `-0400`. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}`;
}

/** Parses `+HHMM` / `-HHMM` (also `+HH:MM`) into milliseconds; undefined when malformed. */
export function parseOffset(text: string): number | undefined {
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === "-" ? -1 : 1) * minutes * 60_000;
}
