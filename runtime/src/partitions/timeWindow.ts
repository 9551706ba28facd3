import { type LocationLike, type SourceLocation } from "../errors";
import { withLazyLocation } from "../location";
import { isKeyProblem, weekdayName, type Cadence, type WindowCalendar } from "./calendar";
import { PARTITIONS_BRAND, PartitionKeyError } from "./common";
import { indexedKeySequence, type PartitionKeySequence } from "./sequence";

/** A time window `[start, end)`: real instants, the end excluded. */
export interface TimeWindow {
  start: Date;
  end: Date;
}

/** Options shared by `hourlyPartitions`, `dailyPartitions`, `weeklyPartitions`, `monthlyPartitions`. */
export interface TimeWindowPartitionsOptions {
  /**
   * The first partition starts at the first window boundary at or after this local date/time:
   * `"2024-01-01"`, `"2024-01-01-06:00"`, `"2024-01-01T06:00"` (read in `timezone`), or an
   * instant (`Date`, or an ISO string ending in `Z` or an offset).
   */
  start: string | Date;
  /** Partitions end before this local date/time (exclusive): only windows that end by then exist. */
  end?: string | Date;
  /** IANA time zone the windows follow (midnights, DST). @defaultValue "UTC" */
  timezone?: string;
  /**
   * Extra windows beyond the last closed one: 1 includes the window in progress. Negative values
   * hold back closed windows.
   * @defaultValue 0 (only windows that have ended)
   */
  endOffset?: number;
  /**
   * Key format from the fields `YYYY MM DD HH mm` and the separators `- _ : . T` or space.
   * @defaultValue "YYYY-MM-DD-HH:mm" for hourly, "YYYY-MM-DD" otherwise
   */
  fmt?: string;
}

/** A day of the week: 0 = Sunday ... 6 = Saturday, or its English name. */
export type DayOfWeek = 0 | 1 | 2 | 3 | 4 | 5 | 6 | Lowercase<
  "Sunday" | "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday"
>;

/** Options of `weeklyPartitions`. */
export interface WeeklyPartitionsOptions extends TimeWindowPartitionsOptions {
  /** The day weeks start on. @defaultValue 1 (Monday; Dagster's default is Sunday) */
  dayOfWeek?: DayOfWeek;
}

/** @internal Default key format per cadence. */
export const DEFAULT_FORMATS: Record<Cadence, string> = {
  hourly: "YYYY-MM-DD-HH:mm",
  daily: "YYYY-MM-DD",
  weekly: "YYYY-MM-DD",
  monthly: "YYYY-MM-DD",
};
/**
 * Partitions that are time windows (hourly, daily, weekly, monthly) in a time zone.
 * Windows are computed in the zone, so a daily window on a spring-forward day lasts 23 hours.
 *
 * Which methods depend on the current time: `keys`, `keysBetween`, `contains`, `count` and
 * `lastClosedKey` answer for the windows that exist at `now` (closed ones, plus `endOffset`);
 * `windowOf`, `keyFor`, `next` and `previous` are calendar arithmetic bounded by start and end.
 */
export class TimeWindowPartitionsDefinition<Calendar extends string = string> {
  /** Phantom field: `<cadence>:<zone>` as far as types know it (the type of `ctx.inputs`); never set. */
  declare readonly __calendar?: Calendar;
  readonly [PARTITIONS_BRAND] = true as const;
  /** Discriminant of `PartitionsDefinition`. */
  readonly kind = "time" as const;
  /** How long each window is. */
  readonly cadence: Cadence;
  /** IANA zone of the windows. */
  readonly timezone: string;
  /** Start instant of the first window. */
  readonly start: Date;
  /** The end bound as given (exclusive), if any. */
  readonly end: Date | undefined;
  /** Windows beyond the last closed one. */
  readonly endOffset: number;
  /** The key format. */
  readonly fmt: string;
  /** For weekly partitions: the day weeks start on (0 = Sunday). */
  readonly dayOfWeek: number | undefined;
  declare readonly location: SourceLocation | undefined;
  /** @internal Index arithmetic shared with partition mappings. */
  readonly calendar: WindowCalendar;
  /** @internal Index of the first window. */
  readonly firstIndex: number;
  /** @internal Index after the last window allowed by `end` (Infinity without end). */
  readonly endIndex: number;

  /** @internal Use `dailyPartitions()` and its siblings. */
  constructor(
    fields: {
      cadence: Cadence;
      timezone: string;
      start: number;
      end: number | undefined;
      endOffset: number;
      fmt: string;
      dayOfWeek: number | undefined;
      calendar: WindowCalendar;
      firstIndex: number;
      endIndex: number;
    },
    location: LocationLike,
  ) {
    this.cadence = fields.cadence;
    this.timezone = fields.timezone;
    this.start = new Date(fields.calendar.startOf(fields.firstIndex));
    this.end = fields.end === undefined ? undefined : new Date(fields.end);
    this.endOffset = fields.endOffset;
    this.fmt = fields.fmt;
    this.dayOfWeek = fields.dayOfWeek;
    this.calendar = fields.calendar;
    this.firstIndex = fields.firstIndex;
    this.endIndex = fields.endIndex;
    withLazyLocation(this, typeof location === "function" ? location : () => location);
  }

  /**
   * The keys of every window that exists at `now`: closed windows from the start (plus
   * `endOffset` more), up to `end`. Lazy: keys are made when read.
   * @defaultValue now = the current time
   */
  keys(now: Date = new Date()): PartitionKeySequence {
    const first = this.firstIndex;
    return indexedKeySequence(
      this.existingEndIndex(now) - first,
      (position) => this.calendar.keyOf(first + position),
      (key) => {
        const index = this.calendar.indexOfKey(key);
        return isKeyProblem(index) ? -1 : index - first;
      },
    );
  }

  /**
   * The keys from `from` to `to`, both included. Both must be keys that exist at `now`.
   * @throws PartitionKeyError naming the bad key and the nearest valid one.
   */
  keysBetween(from: string, to: string, now: Date = new Date()): PartitionKeySequence {
    const fromIndex = this.existingIndexOrThrow(from, now);
    const toIndex = this.existingIndexOrThrow(to, now);
    if (fromIndex > toIndex) {
      throw new PartitionKeyError(`partition range ${from}..${to} is empty: "${from}" comes after "${to}"`, from, `Swap them: --from ${to} --to ${from}.`);
    }
    return this.keys(now).slice(fromIndex - this.firstIndex, toIndex - this.firstIndex + 1);
  }

  /** The time window `[start, end)` of a key. @throws PartitionKeyError for a key outside start..end. */
  windowOf(key: string): TimeWindow {
    const index = this.indexOrThrow(key);
    return { start: new Date(this.calendar.startOf(index)), end: new Date(this.calendar.startOf(index + 1)) };
  }

  /** The key of the window containing `date`, or undefined before the first window or after `end`. */
  keyFor(date: Date): string | undefined {
    const index = this.calendar.indexContaining(date.getTime());
    return this.inRange(index) ? this.calendar.keyOf(index) : undefined;
  }

  /** True when `key` is a key written as this definition writes keys, and its window exists at `now`. */
  contains(key: string, now: Date = new Date()): boolean {
    if (typeof key !== "string") return false;
    const index = this.calendar.indexOfKey(key);
    return !isKeyProblem(index) && index >= this.firstIndex && index < this.existingEndIndex(now);
  }

  /** The key after `key`, or undefined past `end` (it may not have closed yet). */
  next(key: string): string | undefined {
    const index = this.indexOrThrow(key) + 1;
    return this.inRange(index) ? this.calendar.keyOf(index) : undefined;
  }

  /** The key before `key`, or undefined for the first key. */
  previous(key: string): string | undefined {
    const index = this.indexOrThrow(key) - 1;
    return this.inRange(index) ? this.calendar.keyOf(index) : undefined;
  }

  /**
   * The key of the last window that has ended by `now`, ignoring `endOffset`: what a schedule built
   * from these partitions materializes on each tick. Undefined when no window has ended yet.
   */
  lastClosedKey(now: Date = new Date()): string | undefined {
    const index = Math.min(this.calendar.indexContaining(now.getTime()), this.endIndex) - 1;
    return index >= this.firstIndex ? this.calendar.keyOf(index) : undefined;
  }

  /** Number of windows that exist at `now` (`keys(now).length`, without making keys). */
  count(now: Date = new Date()): number {
    return Math.max(0, this.existingEndIndex(now) - this.firstIndex);
  }

  /** One line for docs, hovers and the CLI: `daily partitions from 2024-01-01 (UTC), keys like 2024-01-01`. */
  describe(): string {
    const first = this.calendar.keyOf(this.firstIndex);
    const parts = [`${this.cadence} partitions from ${first} (${this.timezone})`];
    if (this.dayOfWeek !== undefined) parts.push(`weeks start on ${weekdayName(this.dayOfWeek)}`);
    if (this.end !== undefined) parts.push(`ending before ${this.end.toISOString()}`);
    if (this.endOffset !== 0) parts.push(`end offset ${this.endOffset}`);
    if (this.fmt !== DEFAULT_FORMATS[this.cadence]) parts.push(`keys formatted ${this.fmt}`);
    return parts.join(", ");
  }

  /** @internal Index after the last window that exists at `now`. */
  existingEndIndex(now: Date): number {
    const closedEnd = this.calendar.indexContaining(now.getTime()) + this.endOffset;
    return Math.max(this.firstIndex, Math.min(closedEnd, this.endIndex));
  }

  /** @internal True when the index lies between start and end (regardless of now). */
  inRange(index: number): boolean {
    return index >= this.firstIndex && index < this.endIndex;
  }

  /** @internal The index of a key between start and end. */
  indexOrThrow(key: string): number {
    if (typeof key !== "string") {
      throw new PartitionKeyError(`a partition key must be a string, not ${typeof key}`, String(key));
    }
    const index = this.calendar.indexOfKey(key);
    if (isKeyProblem(index)) {
      const hint = index.hint ?? `Keys look like "${this.calendar.keyOf(this.firstIndex)}".`;
      throw new PartitionKeyError(`"${key}" is not a key of ${this.describe()}: ${index.problem}`, key, hint);
    }
    if (index < this.firstIndex) {
      throw new PartitionKeyError(
        `"${key}" is before the first partition "${this.calendar.keyOf(this.firstIndex)}" of ${this.describe()}`,
        key,
        `Start at "${this.calendar.keyOf(this.firstIndex)}", or move the partitions' start earlier.`,
      );
    }
    if (index >= this.endIndex) {
      throw new PartitionKeyError(
        `"${key}" is after the last partition "${this.calendar.keyOf(this.endIndex - 1)}" of ${this.describe()}`,
        key,
        "Move the partitions' end later, or pick an earlier key.",
      );
    }
    return index;
  }

  private existingIndexOrThrow(key: string, now: Date): number {
    const index = this.indexOrThrow(key);
    const endIndex = this.existingEndIndex(now);
    if (index >= endIndex) {
      const last = endIndex > this.firstIndex ? `"${this.calendar.keyOf(endIndex - 1)}"` : "none yet";
      throw new PartitionKeyError(
        `partition "${key}" does not exist yet: its window has not ended (the last partition is ${last})`,
        key,
        "Wait for the window to end, or set endOffset: 1 to include the window in progress.",
      );
    }
    return index;
  }
}

/** True for time-window partitions definitions (from any copy of the package). */
export function isTimeWindowPartitions(value: unknown): value is TimeWindowPartitionsDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [PARTITIONS_BRAND]?: boolean })[PARTITIONS_BRAND] === true &&
    (value as { kind?: unknown }).kind === "time"
  );
}
