/**
 * New or changed customers or payments exports in data/ rebuild the marts (one run per change).
 * Orders are loaded by day: a changed raw_orders.csv is picked up by the nightly schedule (the day
 * that closed) or a backfill of the days that changed, not by this sensor.
 */
import { fileSensor } from "tributary-ts";
import { customersAndPayments } from "../schedules/nightly";

export const newRawFiles = fileSensor({
  name: "new_raw_files",
  folder: "data",
  pattern: /^raw_(customers|payments)\.csv$/,
  job: customersAndPayments,
  minimumIntervalSeconds: 30,
  description: "A new or changed customers or payments CSV in data/ rebuilds the marts",
});
