/**
 * Staging assets: the raw tables renamed to the warehouse's vocabulary, with amounts in dollars.
 * No row is filtered or deduplicated; every status and every payment (zero amounts too) goes through.
 *
 * Each is a SQL asset: its query runs inside the warehouse and only table names, a row count and the
 * columns pass through Node. `${rawOrders}` names the raw table (and makes it a dep, like dbt's
 * `ref()`); the checks run as SQL there too.
 *
 * Each is `eager()`: the daemon rebuilds it once its raw table is loaded (by the nightly schedule,
 * the new_raw_files sensor or by hand), with no job to keep in step with the graph. For the daily
 * `stg_orders`, eager asks for the latest day only, as Dagster's does; older days come from a
 * backfill (see docs/sample.md).
 */
import { AutomationCondition, sql, sqlAsset, sqlPartition } from "tributary-ts";
import { amountsNotNegative, keyChecks, notEmpty, orderStatusAccepted, requiredReference } from "../ops/data_quality";
import { ORDER_DAYS, rawCustomers, rawOrders, rawPayments } from "./raw";

export const stgCustomers = sqlAsset({
  key: "stg_customers",
  group: "staging",
  automation: AutomationCondition.eager(),
  description: "Customers with id renamed to customer_id",
  checks: [...keyChecks("customer_id"), notEmpty()],
  query: sql`
    select id as customer_id, first_name, last_name
    from ${rawCustomers}`,
});

export const stgOrders = sqlAsset({
  key: "stg_orders",
  group: "staging",
  automation: AutomationCondition.eager(),
  description: "Orders of one day with id renamed to order_id and user_id to customer_id",
  // Same days as raw_orders. Each run replaces its day's rows ("incremental"): the query keeps the
  // raw orders of the run's day, [start, end) of its partition window.
  partitions: ORDER_DAYS,
  materialization: "incremental",
  checks: [...keyChecks("order_id"), requiredReference("customer_id"), orderStatusAccepted()],
  query: sql`
    select id as order_id, user_id as customer_id, order_date, status
    from ${rawOrders}
    where order_date >= ${sqlPartition.start} and order_date < ${sqlPartition.end}`,
});

export const stgPayments = sqlAsset({
  key: "stg_payments",
  group: "staging",
  automation: AutomationCondition.eager(),
  description: "Payments with id renamed to payment_id and amount converted from cents to dollars",
  checks: [...keyChecks("payment_id"), requiredReference("order_id"), amountsNotNegative(["amount"]), notEmpty()],
  // 100.0, not 100: on PostgreSQL an integer divided by an integer drops the cents.
  query: sql`
    select id as payment_id, order_id, payment_method, amount / 100.0 as amount
    from ${rawPayments}`,
});

export const stagingAssets = [stgCustomers, stgOrders, stgPayments] as const;
