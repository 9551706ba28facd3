/**
 * The jaffle_shop warehouse: raw CSVs loaded by TypeScript into warehouse tables, staging and marts
 * built by SQL assets inside the warehouse (embedded DuckDB by default, PostgreSQL with
 * WAREHOUSE_DATABASE_URL), data-quality checks run there as SQL, and one TypeScript report at the
 * end. Orders are loaded by day (daily partitions); the marts read every day.
 *
 *   npx tributary materialize --select '*' --all-partitions
 */
import { definitions } from "tributary-ts";
import { rawCustomers, rawOrders, rawPayments } from "./assets/raw";
import { stgCustomers, stgOrders, stgPayments } from "./assets/staging";
import { warehouseReport } from "./assets/report";
import { customers, grandTotalsAgree, orders } from "./assets/warehouse";
import { warehouseResources } from "./resources/warehouse";
import { customersAndPayments, nightlyRefresh, rawToWarehouse } from "./schedules/nightly";
import { newRawFiles } from "./sensors/raw_files";
import { notifyOnFailure } from "./sensors/run_failures";

export default definitions({
  assets: [rawCustomers, rawOrders, rawPayments, stgCustomers, stgOrders, stgPayments, orders, customers, warehouseReport],
  checks: [grandTotalsAgree],
  jobs: [rawToWarehouse, customersAndPayments],
  schedules: [nightlyRefresh],
  sensors: [newRawFiles, notifyOnFailure],
  resources: warehouseResources(),
});
