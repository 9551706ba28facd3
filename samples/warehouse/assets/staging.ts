/**
 * Staging assets: the raw tables renamed to the warehouse's vocabulary, with amounts in dollars.
 * No row is filtered or deduplicated; every status and every payment (zero amounts too) goes through.
 */
import { asset } from "tributary-ts";
import { amountsNotNegative, keyChecks, notEmpty, orderStatusAccepted, requiredReference } from "../ops/data_quality";
import { centsToDollars, preview } from "../ops/utilities";
import { ORDER_DAYS, rawCustomers, rawOrders, rawPayments } from "./raw";

/** A staged customer. */
export interface StagedCustomer {
  customer_id: number;
  first_name: string;
  last_name: string;
}

/** A staged order. */
export interface StagedOrder {
  order_id: number;
  customer_id: number;
  /** `YYYY-MM-DD` */
  order_date: string;
  status: string;
}

/** A staged payment; `amount` is in dollars. */
export interface StagedPayment {
  payment_id: number;
  order_id: number;
  payment_method: string;
  amount: number;
}

export const stgCustomers = asset(
  {
    key: "stg_customers",
    group: "staging",
    deps: [rawCustomers],
    description: "Customers with id renamed to customer_id",
    checks: [...keyChecks("customer_id"), notEmpty()],
  },
  (ctx): StagedCustomer[] => {
    const rows = ctx.inputs.raw_customers.map((row) => ({
      customer_id: row.id,
      first_name: row.first_name,
      last_name: row.last_name,
    }));
    ctx.addMetadata({ rows: rows.length, preview: preview(rows) });
    return rows;
  },
);

export const stgOrders = asset(
  {
    key: "stg_orders",
    group: "staging",
    deps: [rawOrders],
    description: "Orders of one day with id renamed to order_id and user_id to customer_id",
    // Same days as raw_orders: each partition reads raw_orders' partition of the same day (identity).
    partitions: ORDER_DAYS,
    checks: [...keyChecks("order_id"), requiredReference("customer_id"), orderStatusAccepted()],
  },
  (ctx): StagedOrder[] => {
    const rows = ctx.inputs.raw_orders.map((row) => ({
      order_id: row.id,
      customer_id: row.user_id,
      order_date: row.order_date,
      status: row.status,
    }));
    ctx.addMetadata({ rows: rows.length, preview: preview(rows) });
    return rows;
  },
);

export const stgPayments = asset(
  {
    key: "stg_payments",
    group: "staging",
    deps: [rawPayments],
    description: "Payments with id renamed to payment_id and amount converted from cents to dollars",
    checks: [...keyChecks("payment_id"), requiredReference("order_id"), amountsNotNegative(["amount"]), notEmpty()],
  },
  (ctx): StagedPayment[] => {
    const rows = ctx.inputs.raw_payments.map((row) => ({
      payment_id: row.id,
      order_id: row.order_id,
      payment_method: row.payment_method,
      amount: centsToDollars(row.amount),
    }));
    ctx.addMetadata({ rows: rows.length, zeroAmountPayments: rows.filter((row) => row.amount === 0).length, preview: preview(rows) });
    return rows;
  },
);

export const stagingAssets = [stgCustomers, stgOrders, stgPayments] as const;
