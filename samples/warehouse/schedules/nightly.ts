/**
 * The nightly refresh (the seed's `0 2 * * *`): raw -> staging -> warehouse, every night at 02:00.
 * Started from the editor, the web UI or `POST /api/schedules/nightly_refresh/start`; a missed night
 * (the daemon was down) is caught up once, not once per missed night.
 */
import { defineAssetJob, schedule } from "tributary";

/** Everything from the raw CSVs down to the marts. */
export const rawToWarehouse = defineAssetJob({
  name: "raw_to_warehouse",
  selection: "group:raw+",
  description: "Reload the raw CSVs and rebuild staging and the warehouse marts",
  tags: { database: "warehouse" },
});

/** 02:00 every night, in the warehouse's time zone (DST-correct: one run per night). */
export const nightlyRefresh = schedule({
  name: "nightly_refresh",
  cron: "0 2 * * *",
  timezone: "Europe/Paris",
  job: rawToWarehouse,
  description: "Nightly refresh of the warehouse",
});
