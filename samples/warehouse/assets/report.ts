/**
 * The one TypeScript asset downstream of the marts: the warehouse report. The figures are computed
 * in the warehouse (a few aggregate queries; no mart row comes into Node); TypeScript does what SQL
 * is not for: lays them out as a Markdown report, formats the money, and tells the team's channel.
 */
import { asset, AutomationCondition } from "tributary-ts";
import { logNotifier } from "../ops/notifications";
import { customers, orders } from "./warehouse";

const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** A Markdown table: a header row, an alignment row, then the rows. Counts and amounts are right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === "number" || String(row[column]).startsWith("$")));
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(numeric.map((right) => (right ? "---:" : "---"))), ...rows.map(line)].join("\n");
}

/** The report's figures, as the warehouse returns them. */
export interface ReportFigures {
  customers: number;
  customersWithoutOrders: number;
  orders: number;
  revenue: number;
  topCustomers: { name: string; orders: number; value: number }[];
  byStatus: { status: string; orders: number; amount: number }[];
  byMonth: { month: string; orders: number; amount: number }[];
}

/** The Markdown report of `figures`. */
export function formatReport(figures: ReportFigures): string {
  return [
    "# jaffle_shop warehouse",
    "",
    `${figures.customers} customers (${figures.customersWithoutOrders} without orders), ${figures.orders} orders, ${dollars.format(figures.revenue)} paid.`,
    "",
    "## Top customers by lifetime value",
    "",
    markdownTable(["customer", "orders", "lifetime value"], figures.topCustomers.map((c) => [c.name, c.orders, dollars.format(c.value)])),
    "",
    "## Orders by status",
    "",
    markdownTable(["status", "orders", "amount"], figures.byStatus.map((s) => [s.status, s.orders, dollars.format(s.amount)])),
    "",
    "## Orders by month",
    "",
    markdownTable(["month", "orders", "amount"], figures.byMonth.map((m) => [m.month, m.orders, dollars.format(m.amount)])),
    "",
  ].join("\n");
}

export const warehouseReport = asset(
  {
    key: "warehouse_report",
    group: "warehouse",
    deps: [customers, orders],
    // Announced whenever the marts are rebuilt.
    automation: AutomationCondition.eager(),
    description: "A Markdown report of the marts (totals, top customers, orders by status and month), announced on #data-warehouse",
    kinds: ["markdown"],
  },
  async (ctx) => {
    // The inputs are the marts' tables, not their rows: each query below runs in the warehouse.
    const { customers: customersTable, orders: ordersTable } = ctx.inputs;
    const c = customersTable.qualifiedName;
    const o = ordersTable.qualifiedName;
    const [totals] = await customersTable.query(
      `select (select count(*) from ${c}) as customers,
              (select count(*) from ${c} where number_of_orders is null) as without_orders,
              (select count(*) from ${o}) as orders,
              cast((select sum(amount) from ${o}) as double precision) as revenue`,
    );
    const top = await customersTable.query(
      `select first_name || ' ' || last_name as name, number_of_orders as orders, cast(customer_lifetime_value as double precision) as value
       from ${c} where customer_lifetime_value is not null
       order by customer_lifetime_value desc, customer_id limit 5`,
    );
    const byStatus = await ordersTable.query(
      `select status, count(*) as orders, cast(coalesce(sum(amount), 0) as double precision) as amount
       from ${o} group by status order by count(*) desc, status`,
    );
    const byMonth = await ordersTable.query(
      `select substr(cast(order_date as varchar), 1, 7) as month, count(*) as orders, cast(coalesce(sum(amount), 0) as double precision) as amount
       from ${o} group by 1 order by 1`,
    );
    const figures: ReportFigures = {
      customers: Number(totals!.customers),
      customersWithoutOrders: Number(totals!.without_orders),
      orders: Number(totals!.orders),
      revenue: Number(totals!.revenue),
      topCustomers: top.map((row) => ({ name: String(row.name), orders: Number(row.orders), value: Number(row.value) })),
      byStatus: byStatus.map((row) => ({ status: String(row.status), orders: Number(row.orders), amount: Number(row.amount) })),
      byMonth: byMonth.map((row) => ({ month: String(row.month), orders: Number(row.orders), amount: Number(row.amount) })),
    };
    const report = formatReport(figures);
    ctx.addMetadata({
      customers: figures.customers,
      customers_without_orders: figures.customersWithoutOrders,
      orders: figures.orders,
      revenue: figures.revenue,
      report,
    });
    logNotifier(ctx.log).notify("info", "warehouse marts refreshed", {
      customers: figures.customers,
      customers_without_orders: figures.customersWithoutOrders,
      orders: figures.orders,
      revenue: figures.revenue,
    });
    return report;
  },
);
