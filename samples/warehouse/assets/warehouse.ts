/**
 * Warehouse assets: the `customers` and `orders` marts, built exactly as the jaffle_shop data README
 * describes (data/README.md), as SQL inside the warehouse, the way dbt's jaffle_shop models write them.
 */
import { assetCheck, AutomationCondition, notNull, sql, sqlAsset, type WarehouseTable } from "tributary-ts";
import { amountsNotNegative, keyChecks, notEmpty, orderStatusAccepted, requiredReference } from "../ops/data_quality";
import { logNotifier } from "../ops/notifications";
import { stgCustomers, stgOrders, stgPayments } from "./staging";

/**
 * The marts are rebuilt by the daemon when staging changes (`eager()`), and should never be more
 * than a day old: the nightly load at 02:00 plus two hours of slack (the catalog shows FRESH,
 * WARN or STALE, and the daemon notifies a change).
 */
const MART_AUTOMATION = AutomationCondition.eager();
const MART_FRESHNESS = { maxLag: "26h", warnAfter: "25h" } as const;

const ORDER_AMOUNT_COLUMNS = ["credit_card_amount", "coupon_amount", "bank_transfer_amount", "gift_card_amount", "amount"] as const;

/**
 * One row per order. Payments are summed per order, one sum per method (0 for a method the order
 * did not use) and the total, then outer-joined onto every order: an order without payments keeps
 * its row with all five amounts NULL. The mart is whole: it reads every day of `stg_orders`.
 */
export const orders = sqlAsset({
  key: "orders",
  group: "warehouse",
  owners: ["analytics@jaffle.shop"],
  automation: MART_AUTOMATION,
  freshness: MART_FRESHNESS,
  // The mart is whole: unpartitioned over the daily stg_orders, it reads every day (the default
  // mapping, as in Dagster), and each day must have been loaded.
  description: "One row per order, with its payments summed per method and in total (dollars)",
  checks: [
    ...keyChecks("order_id"),
    requiredReference("customer_id"),
    orderStatusAccepted(),
    amountsNotNegative(ORDER_AMOUNT_COLUMNS),
    notEmpty(),
  ],
  query: sql`
    with order_payments as (
      select
        order_id,
        sum(case when payment_method = 'credit_card' then amount else 0 end) as credit_card_amount,
        sum(case when payment_method = 'coupon' then amount else 0 end) as coupon_amount,
        sum(case when payment_method = 'bank_transfer' then amount else 0 end) as bank_transfer_amount,
        sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount,
        sum(amount) as total_amount
      from ${stgPayments}
      group by order_id
    )
    select
      o.order_id,
      o.customer_id,
      o.order_date,
      o.status,
      p.credit_card_amount,
      p.coupon_amount,
      p.bank_transfer_amount,
      p.gift_card_amount,
      p.total_amount as amount
    from ${stgOrders} as o
    left join order_payments as p on o.order_id = p.order_id
    order by o.order_id`,
});

/**
 * One row per customer. The customer list drives; first and latest order date and order count come
 * from the customer's orders, lifetime value from every payment of every order of theirs (whatever
 * its status). A customer without orders keeps the row with the four figures NULL, not 0.
 */
export const customers = sqlAsset({
  key: "customers",
  group: "warehouse",
  owners: ["analytics@jaffle.shop"],
  automation: MART_AUTOMATION,
  freshness: MART_FRESHNESS,
  // `orders` is not read: depending on it makes the grand-totals check below run once both marts exist.
  deps: [orders],
  description: "One row per customer, with first and latest order dates, order count and lifetime value (dollars)",
  checks: [
    ...keyChecks("customer_id"),
    notNull(["first_name", "last_name"]),
    amountsNotNegative(["customer_lifetime_value"], "lifetime_value_not_negative"),
    notEmpty(),
  ],
  query: sql`
    with customer_orders as (
      select
        customer_id,
        min(order_date) as first_order,
        max(order_date) as most_recent_order,
        count(order_id) as number_of_orders
      from ${stgOrders}
      group by customer_id
    ),
    customer_payments as (
      select o.customer_id, sum(p.amount) as total_amount
      from ${stgPayments} as p
      left join ${stgOrders} as o on p.order_id = o.order_id
      group by o.customer_id
    )
    select
      c.customer_id,
      c.first_name,
      c.last_name,
      co.first_order,
      co.most_recent_order,
      co.number_of_orders,
      cp.total_amount as customer_lifetime_value
    from ${stgCustomers} as c
    left join customer_orders as co on c.customer_id = co.customer_id
    left join customer_payments as cp on c.customer_id = cp.customer_id
    order by c.customer_id`,
});

/**
 * Every dollar paid is counted once in each mart: the sum of `customers.customer_lifetime_value`
 * equals the sum of `orders.amount` (1672 dollars with the sample data). Both sums are computed in
 * the warehouse, on the tables as they landed; only the two totals come back.
 */
export const grandTotalsAgree = assetCheck(
  {
    name: "grand_totals_agree",
    asset: customers,
    description: "sum(customers.customer_lifetime_value) = sum(orders.amount)",
  },
  async ({ value, log }) => {
    const table = value as WarehouseTable;
    // Both marts live in the same schema: orders' name is customers' with the table part changed.
    const ordersTable = `${table.qualifiedName.slice(0, table.qualifiedName.lastIndexOf("."))}."orders"`;
    const [totals] = await table.query(
      `select cast((select sum(customer_lifetime_value) from ${table.qualifiedName}) as double precision) as customers_total,
              cast((select sum(amount) from ${ordersTable}) as double precision) as orders_total`,
    );
    const customersTotal = (totals?.customers_total ?? null) as number | null;
    const ordersTotal = (totals?.orders_total ?? null) as number | null;
    const passed = customersTotal !== null && customersTotal === ordersTotal;
    if (!passed) logNotifier(log).notify("alert", "the marts' grand totals disagree", { customersTotal, ordersTotal });
    return { passed, metadata: { customers_total: customersTotal, orders_total: ordersTotal, dialect: table.dialect } };
  },
);

export const warehouseAssets = [orders, customers] as const;
export const warehouseChecks = [grandTotalsAgree] as const;
