/**
 * The jaffle_shop warehouse: raw -> staging -> warehouse assets, with data-quality checks, the
 * marts stored as real tables (SQLite by default, PostgreSQL with WAREHOUSE_DATABASE_URL).
 *
 *   npx tributary materialize --select '*'
 */
import { definitions } from "tributary";
import { rawCustomers, rawOrders, rawPayments } from "./assets/raw";
import { stgCustomers, stgOrders, stgPayments } from "./assets/staging";
import { customers, grandTotalsAgree, orders } from "./assets/warehouse";
import { warehouseResources } from "./resources/io_managers";
import { nightlyRefresh, rawToWarehouse } from "./schedules/nightly";
import { newRawFiles } from "./sensors/raw_files";
import { notifyOnFailure } from "./sensors/run_failures";

export default definitions({
  assets: [rawCustomers, rawOrders, rawPayments, stgCustomers, stgOrders, stgPayments, orders, customers],
  checks: [grandTotalsAgree],
  jobs: [rawToWarehouse],
  schedules: [nightlyRefresh],
  sensors: [newRawFiles, notifyOnFailure],
  resources: warehouseResources(),
});
