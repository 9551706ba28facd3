import { lazyCallerLocation } from "../definitions/location";
import {
  buildTimeWindowPartitions,
  type TimeWindowPartitionsDefinition,
  type TimeWindowPartitionsOptions,
  type WeeklyPartitionsOptions,
} from "./timeWindow";

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
export function hourlyPartitions(options: TimeWindowPartitionsOptions): TimeWindowPartitionsDefinition {
  return buildTimeWindowPartitions("hourly", options, lazyCallerLocation(hourlyPartitions));
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
export function dailyPartitions(options: TimeWindowPartitionsOptions): TimeWindowPartitionsDefinition {
  return buildTimeWindowPartitions("daily", options, lazyCallerLocation(dailyPartitions));
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
export function weeklyPartitions(options: WeeklyPartitionsOptions): TimeWindowPartitionsDefinition {
  return buildTimeWindowPartitions("weekly", options, lazyCallerLocation(weeklyPartitions));
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
export function monthlyPartitions(options: TimeWindowPartitionsOptions): TimeWindowPartitionsDefinition {
  return buildTimeWindowPartitions("monthly", options, lazyCallerLocation(monthlyPartitions));
}
