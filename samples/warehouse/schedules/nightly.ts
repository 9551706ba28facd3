/**
 * The nightly load (the seed's `0 2 * * *`): the raw loads only, every night at 02:00, as a
 * warehouse team sets it up. Staging, the marts and the report are `eager()`: the daemon rebuilds
 * them once the raw tables have landed (docs/automation.md), so this schedule names no job that
 * must follow the graph. Started from the editor, the web UI or
 * `POST /api/schedules/nightly_refresh/start`; a missed night (the daemon was down) is caught up
 * once, not once per missed night.
 *
 * The selection holds the daily-partitioned orders, so each tick loads the day that has just
 * closed (the last one, 2018-04-09, once the data's range is over). Earlier days are loaded with a
 * backfill (see README.md).
 */
import { defineAssetJob, schedule } from "tributary-ts";

/** Everything from the raw CSVs down to the marts (orders: one day per run), for a rebuild by hand. */
export const rawToWarehouse = defineAssetJob({
  name: "raw_to_warehouse",
  selection: "group:raw+",
  description: "Reload the raw CSVs and rebuild staging and the warehouse marts",
  tags: { database: "warehouse" },
});

/**
 * Customers and payments down to the marts, without the daily orders: the marts read the orders
 * already stored, day by day.
 */
export const customersAndPayments = defineAssetJob({
  name: "customers_and_payments",
  selection: "raw_customers+ or raw_payments+",
  description: "Reload the customers and payments CSVs and rebuild the marts from the stored order days",
  tags: { database: "warehouse" },
});

/** The raw loads, the roots of the graph: what the nightly schedule runs. */
export const RAW_LOADS = "group:raw";

/** 02:00 every night, in the warehouse's time zone (DST-correct: one run per night): the raw loads. */
export const nightlyRefresh = schedule({
  name: "nightly_refresh",
  cron: "0 2 * * *",
  timezone: "Europe/Paris",
  selection: RAW_LOADS,
  tags: { database: "warehouse" },
  description: "Nightly load of the raw CSVs; staging and the marts follow on their own (eager)",
});
