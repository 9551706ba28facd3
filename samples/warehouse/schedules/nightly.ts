/**
 * The nightly refresh (the seed's `0 2 * * *`): raw -> staging -> warehouse, every night at 02:00.
 * Started from the editor, the web UI or `POST /api/schedules/nightly_refresh/start`; a missed night
 * (the daemon was down) is caught up once, not once per missed night.
 *
 * The job's selection holds the daily-partitioned orders, so each tick loads the day that has just
 * closed (the last one, 2018-04-09, once the data's range is over) and rebuilds the marts from
 * every stored day. Earlier days are loaded with a backfill (see README.md).
 */
import { defineAssetJob, schedule } from "tributary-ts";

/** Everything from the raw CSVs down to the marts (orders: one day per run). */
export const rawToWarehouse = defineAssetJob({
  name: "raw_to_warehouse",
  selection: "group:raw+",
  description: "Reload the raw CSVs and rebuild staging and the warehouse marts",
  tags: { database: "warehouse" },
});

/** 02:00 every night, in the warehouse's time zone (DST-correct: one run per night). */
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

export const nightlyRefresh = schedule({
  name: "nightly_refresh",
  cron: "0 2 * * *",
  timezone: "Europe/Paris",
  job: rawToWarehouse,
  description: "Nightly refresh of the warehouse",
});
