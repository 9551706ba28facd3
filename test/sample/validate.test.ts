/**
 * The language server's analysis (the core of `tributary validate`) reads the warehouse sample
 * without running it: no diagnostics, and every SQL asset with its output columns and their
 * column-level lineage back to the raw tables.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { runValidate, type ValidateReport } from "../../server/src/validateCli";

const SAMPLE_DIR = path.join(__dirname, "..", "..", "samples", "warehouse");

describe("tributary validate on the warehouse sample", function () {
  this.timeout(60_000);
  let report: ValidateReport;
  let code: number;
  before(async () => {
    let stdout = "";
    code = await runValidate([SAMPLE_DIR, "--json"], { stdout: (s) => (stdout += s), stderr: () => undefined });
    report = JSON.parse(stdout) as ValidateReport;
  });

  it("finds the nine assets and no diagnostics", () => {
    assert.equal(code, 0);
    assert.deepEqual(report.diagnostics, []);
    assert.deepEqual(report.assets.map((a) => a.key).sort(), [
      "customers", "orders", "raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders", "stg_payments", "warehouse_report",
    ]);
  });

  it("lists every SQL asset's columns with their lineage, and none for the TypeScript assets", () => {
    const columns = Object.fromEntries(report.assets.map((a) => [a.key, a.columns]));
    for (const key of ["raw_customers", "raw_orders", "raw_payments", "warehouse_report"]) assert.equal(columns[key], undefined, `${key} is TypeScript`);
    assert.deepEqual(columns.stg_payments, [
      { name: "payment_id", from: ["raw_payments.id"] },
      { name: "order_id", from: ["raw_payments.order_id"] },
      { name: "payment_method", from: ["raw_payments.payment_method"] },
      { name: "amount", from: ["raw_payments.amount"] },
    ]);
    assert.deepEqual(columns.stg_orders?.map((c) => c.name), ["order_id", "customer_id", "order_date", "status"]);
    assert.deepEqual(columns.stg_customers?.map((c) => c.name), ["customer_id", "first_name", "last_name"]);
    const orders = Object.fromEntries((columns.orders ?? []).map((c) => [c.name, c.from]));
    assert.deepEqual(Object.keys(orders), ["order_id", "customer_id", "order_date", "status", "credit_card_amount", "coupon_amount", "bank_transfer_amount", "gift_card_amount", "amount"]);
    assert.deepEqual(orders.credit_card_amount, ["stg_payments.amount", "stg_payments.payment_method"]);
    assert.deepEqual(orders.amount, ["stg_payments.amount"]);
    const customers = Object.fromEntries((columns.customers ?? []).map((c) => [c.name, c.from]));
    assert.deepEqual(Object.keys(customers), ["customer_id", "first_name", "last_name", "first_order", "most_recent_order", "number_of_orders", "customer_lifetime_value"]);
    assert.deepEqual(customers.first_order, ["stg_orders.order_date"]);
    assert.deepEqual(customers.customer_lifetime_value, ["stg_payments.amount"]);
  });
});
