/**
 * The jaffle_shop warehouse: raw -> staging -> warehouse assets, with data-quality checks, the
 * marts stored as real tables (SQLite by default, PostgreSQL with WAREHOUSE_DATABASE_URL). Orders
 * are loaded by day (daily partitions); the marts read every day.
 *
 *   npx tributary materialize --select '*' --all-partitions
 */
import { definitions } from "tributary-ts";
import { rawCustomers, rawOrders, rawPayments } from "./assets/raw";
import { stgCustomers, stgOrders, stgPayments } from "./assets/staging";
import { customers, grandTotalsAgree, orders } from "./assets/warehouse";
import { warehouseResources } from "./resources/io_managers";
import { customersAndPayments, nightlyRefresh, rawToWarehouse } from "./schedules/nightly";
import { newRawFiles } from "./sensors/raw_files";
import { notifyOnFailure } from "./sensors/run_failures";

export default definitions({
  assets: [rawCustomers, rawOrders, rawPayments, stgCustomers, stgOrders, stgPayments, orders, customers],
  checks: [grandTotalsAgree],
  jobs: [rawToWarehouse, customersAndPayments],
  schedules: [nightlyRefresh],
  sensors: [newRawFiles, notifyOnFailure],
  resources: warehouseResources(),
});
