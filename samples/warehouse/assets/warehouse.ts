/**
 * Warehouse assets: the `customers` and `orders` marts, built exactly as the jaffle_shop data README
 * describes (data/README.md), and stored as real tables by the `warehouse_io` I/O manager.
 */
import { allPartitionsMapping, asset, assetCheck, notNull } from "tributary-ts";
import {
  amountsNotNegative,
  columnTotal,
  keyChecks,
  notEmpty,
  orderStatusAccepted,
  PAYMENT_METHODS,
  requiredReference,
} from "../ops/data_quality";
import { logNotifier } from "../ops/notifications";
import { preview, rowsOfAllPartitions, sumOrNull } from "../ops/utilities";
import type { WarehouseDatabase } from "../resources/database";
import { WAREHOUSE_DB, WAREHOUSE_IO } from "../resources/io_managers";
import { stgCustomers, stgOrders, stgPayments, type StagedOrder, type StagedPayment } from "./staging";

/** A row of the `orders` mart. The amounts are in dollars; all five are NULL for an order without payments. */
export interface OrderMartRow {
  order_id: number;
  customer_id: number;
  order_date: string;
  status: string;
  credit_card_amount: number | null;
  coupon_amount: number | null;
  bank_transfer_amount: number | null;
  gift_card_amount: number | null;
  amount: number | null;
}

/** A row of the `customers` mart. The four order figures are NULL for a customer without orders. */
export interface CustomerMartRow {
  customer_id: number;
  first_name: string;
  last_name: string;
  first_order: string | null;
  most_recent_order: string | null;
  number_of_orders: number | null;
  customer_lifetime_value: number | null;
}

const ORDER_AMOUNT_COLUMNS = ["credit_card_amount", "coupon_amount", "bank_transfer_amount", "gift_card_amount", "amount"] as const;

/** Payments grouped by order: one entry per order that has payments, 0 for a method it did not use. */
function paymentsByOrder(payments: readonly StagedPayment[]): Map<number, Record<(typeof ORDER_AMOUNT_COLUMNS)[number], number>> {
  const grouped = new Map<number, Record<(typeof ORDER_AMOUNT_COLUMNS)[number], number>>();
  for (const payment of payments) {
    let sums = grouped.get(payment.order_id);
    if (!sums) {
      sums = { credit_card_amount: 0, coupon_amount: 0, bank_transfer_amount: 0, gift_card_amount: 0, amount: 0 };
      grouped.set(payment.order_id, sums);
    }
    const methodColumn = `${payment.payment_method}_amount` as (typeof ORDER_AMOUNT_COLUMNS)[number];
    if ((PAYMENT_METHODS as readonly string[]).includes(payment.payment_method)) sums[methodColumn] += payment.amount;
    sums.amount += payment.amount;
  }
  return grouped;
}

export const orders = asset(
  {
    key: "orders",
    group: "warehouse",
    deps: [stgOrders, stgPayments],
    // The mart is whole: it reads every day of stg_orders (an object keyed by day).
    partitionMappings: { stg_orders: allPartitionsMapping() },
    description: "One row per order, with its payments summed per method and in total (dollars)",
    kinds: ["table"],
    ioManager: WAREHOUSE_IO,
    metadata: { table: "orders" },
    checks: [
      ...keyChecks("order_id"),
      requiredReference("customer_id"),
      orderStatusAccepted(),
      amountsNotNegative(ORDER_AMOUNT_COLUMNS),
      notEmpty(),
    ],
  },
  (ctx): OrderMartRow[] => {
    const payments = paymentsByOrder(ctx.inputs.stg_payments);
    // Outer join of the grouped payments onto every order: no payments, all five amounts NULL.
    const rows = rowsOfAllPartitions<StagedOrder>(ctx.inputs.stg_orders).map((order) => {
      const sums = payments.get(order.order_id);
      return {
        order_id: order.order_id,
        customer_id: order.customer_id,
        order_date: order.order_date,
        status: order.status,
        credit_card_amount: sums?.credit_card_amount ?? null,
        coupon_amount: sums?.coupon_amount ?? null,
        bank_transfer_amount: sums?.bank_transfer_amount ?? null,
        gift_card_amount: sums?.gift_card_amount ?? null,
        amount: sums?.amount ?? null,
      };
    });
    ctx.addMetadata({ rows: rows.length, total_amount: sumOrNull(rows.map((row) => row.amount)), preview: preview(rows) });
    return rows;
  },
);

export const customers = asset(
  {
    key: "customers",
    group: "warehouse",
    // `orders` is not read: depending on it makes the grand-totals check below run once both marts exist.
    deps: [stgCustomers, stgOrders, stgPayments, orders],
    partitionMappings: { stg_orders: allPartitionsMapping() },
    description: "One row per customer, with first and latest order dates, order count and lifetime value (dollars)",
    kinds: ["table"],
    ioManager: WAREHOUSE_IO,
    resources: [WAREHOUSE_DB],
    metadata: { table: "customers" },
    checks: [
      ...keyChecks("customer_id"),
      notNull(["first_name", "last_name"]),
      amountsNotNegative(["customer_lifetime_value"], "lifetime_value_not_negative"),
      notEmpty(),
    ],
  },
  (ctx): CustomerMartRow[] => {
    const { stg_customers: staged, stg_payments: stagedPayments } = ctx.inputs;
    const stagedOrders = rowsOfAllPartitions<StagedOrder>(ctx.inputs.stg_orders);
    // customer_orders: first and latest order date and order count, per customer with orders.
    const ordersOf = new Map<number, { first: string; latest: string; count: number }>();
    for (const order of stagedOrders) {
      const seen = ordersOf.get(order.customer_id);
      if (!seen) ordersOf.set(order.customer_id, { first: order.order_date, latest: order.order_date, count: 1 });
      else {
        if (order.order_date < seen.first) seen.first = order.order_date;
        if (order.order_date > seen.latest) seen.latest = order.order_date;
        seen.count++;
      }
    }
    // customer_payments: every payment of every order of the customer, whatever the order's status.
    const customerOfOrder = new Map(stagedOrders.map((order) => [order.order_id, order.customer_id]));
    const paidBy = new Map<number, number>();
    for (const payment of stagedPayments) {
      const customerId = customerOfOrder.get(payment.order_id);
      if (customerId !== undefined) paidBy.set(customerId, (paidBy.get(customerId) ?? 0) + payment.amount);
    }
    // The customer list drives; the figures are outer-joined and stay NULL (not 0) when missing.
    const rows = staged.map((customer) => {
      const orderFigures = ordersOf.get(customer.customer_id);
      return {
        customer_id: customer.customer_id,
        first_name: customer.first_name,
        last_name: customer.last_name,
        first_order: orderFigures?.first ?? null,
        most_recent_order: orderFigures?.latest ?? null,
        number_of_orders: orderFigures?.count ?? null,
        customer_lifetime_value: paidBy.get(customer.customer_id) ?? null,
      };
    });
    const withoutOrders = rows.filter((row) => row.number_of_orders === null).length;
    ctx.addMetadata({ rows: rows.length, customers_without_orders: withoutOrders, preview: preview(rows) });
    logNotifier(ctx.log).notify("info", "warehouse marts refreshed", { customers: rows.length, customers_without_orders: withoutOrders });
    return rows;
  },
);

/**
 * Every dollar paid is counted once in each mart: the sum of `customers.customer_lifetime_value`
 * equals the sum of `orders.amount` (1672 dollars with the sample data). Reads both tables from the
 * warehouse database, so it checks what actually landed, not only what was computed.
 */
export const grandTotalsAgree = assetCheck(
  {
    name: "grand_totals_agree",
    asset: customers,
    description: "sum(customers.customer_lifetime_value) = sum(orders.amount)",
  },
  async ({ value, resources, log }) => {
    const database = resources[WAREHOUSE_DB] as WarehouseDatabase;
    const [totals] = await database.query<{ customers_total: number | null; orders_total: number | null }>(
      database.dialect === "postgres"
        ? "SELECT (SELECT sum(customer_lifetime_value) FROM customers)::float8 AS customers_total, (SELECT sum(amount) FROM orders)::float8 AS orders_total"
        : "SELECT (SELECT sum(customer_lifetime_value) FROM customers) AS customers_total, (SELECT sum(amount) FROM orders) AS orders_total",
    );
    const computed = columnTotal(value, "customer_lifetime_value");
    const passed = totals !== undefined && totals.customers_total === totals.orders_total && totals.customers_total === computed;
    if (!passed) logNotifier(log).notify("alert", "the marts' grand totals disagree", { ...totals, computed });
    return { passed, metadata: { customers_total: totals?.customers_total ?? null, orders_total: totals?.orders_total ?? null, dialect: database.dialect } };
  },
);

export const warehouseAssets = [orders, customers] as const;
export const warehouseChecks = [grandTotalsAgree] as const;
