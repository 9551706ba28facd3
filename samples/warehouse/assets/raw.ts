/**
 * Raw assets: the jaffle_shop tables as extracted from the source system (here, the CSV files in
 * data/). Columns are typed, nothing else changes. Orders are loaded one day at a time (daily
 * partitions by `order_date`), as a warehouse loads a daily export.
 *
 * Reading files is TypeScript's job; the rows land as tables in the warehouse
 * (`ioManager: "warehouse_tables"`), where the SQL assets downstream read them.
 */
import { join } from "node:path";
import { asset, dailyPartitions } from "tributary-ts";
import { keyChecks, notEmpty } from "../ops/data_quality";
import { dataDir, preview, readCsvTable } from "../ops/utilities";

export const RAW_CUSTOMERS_SCHEMA = { id: "integer", first_name: "text", last_name: "text" } as const;
export const RAW_ORDERS_SCHEMA = { id: "integer", user_id: "integer", order_date: "date", status: "text" } as const;
/** Raw assets are stored as tables in the warehouse (embedded DuckDB, or PostgreSQL), for the SQL downstream. */
const IN_THE_WAREHOUSE = "warehouse_tables";

export const RAW_PAYMENTS_SCHEMA = { id: "integer", order_id: "integer", payment_method: "text", amount: "integer" } as const;

/**
 * One partition per order day: 2018-01-01 .. 2018-04-09, the range of the data (the end is
 * exclusive). Keys are `YYYY-MM-DD`; a day without orders is a partition with no rows.
 */
export const ORDER_DAYS = dailyPartitions({ start: "2018-01-01", end: "2018-04-10" });

/** Customers of the shop, one row per customer. */
export const rawCustomers = asset(
  {
    key: "raw_customers",
    group: "raw",
    description: "Customers, loaded from data/raw_customers.csv",
    kinds: ["csv"],
    ioManager: IN_THE_WAREHOUSE,
    checks: [...keyChecks("id"), notEmpty()],
  },
  (ctx) => {
    const rows = readCsvTable(join(dataDir(), "raw_customers.csv"), RAW_CUSTOMERS_SCHEMA);
    ctx.addMetadata({ rows: rows.length, preview: preview(rows) });
    return rows;
  },
);

/**
 * Orders of one day (the partition key is the `order_date`), one row per order; `user_id` is the
 * customer. Every day lands in the one table `raw_orders`, told apart by its `partition_key` column.
 */
export const rawOrders = asset(
  {
    key: "raw_orders",
    group: "raw",
    description: "Orders of one day, loaded from data/raw_orders.csv (CRLF line endings)",
    kinds: ["csv"],
    ioManager: IN_THE_WAREHOUSE,
    partitions: ORDER_DAYS,
    // No not-empty check: a day without orders is a valid, empty partition.
    checks: [...keyChecks("id")],
  },
  (ctx) => {
    const rows = readCsvTable(join(dataDir(), "raw_orders.csv"), RAW_ORDERS_SCHEMA).filter((row) => row.order_date === ctx.partitionKey);
    ctx.addMetadata({ rows: rows.length, order_date: ctx.partitionKey, preview: preview(rows) });
    return rows;
  },
);

/** Payments, one row per payment; `amount` is in cents. */
export const rawPayments = asset(
  {
    key: "raw_payments",
    group: "raw",
    description: "Payments, loaded from data/raw_payments.csv (amounts in cents)",
    kinds: ["csv"],
    ioManager: IN_THE_WAREHOUSE,
    checks: [...keyChecks("id"), notEmpty()],
  },
  (ctx) => {
    const rows = readCsvTable(join(dataDir(), "raw_payments.csv"), RAW_PAYMENTS_SCHEMA);
    ctx.addMetadata({ rows: rows.length, preview: preview(rows) });
    return rows;
  },
);

export const rawAssets = [rawCustomers, rawOrders, rawPayments] as const;
