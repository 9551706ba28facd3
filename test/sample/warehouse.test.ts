/**
 * Materializes the warehouse sample in-process and checks its marts against values computed here,
 * independently, from the CSVs and the data README's rules. Runs on the embedded warehouse (DuckDB)
 * and on the real PostgreSQL (in a schema of its own, dropped afterwards).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Pool } from "pg";
import type { Definitions } from "../../runtime/src/definitions/definitions";
import { executeInProcess } from "../../runtime/src/execution/executor";
import type { RunResult } from "../../runtime/src/execution/api";
import { openStorage } from "../../runtime/src/storage";
import type { RunEvent } from "../../runtime/src/types";

const SAMPLE_DIR = join(__dirname, "..", "..", "samples", "warehouse");
const TEST_DATABASE_URL = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SAMPLE_ENV = ["WAREHOUSE_DATABASE_URL", "WAREHOUSE_DATABASE_SCHEMA"] as const;

// ---- The expected marts, computed from the CSVs with a deliberately different, naive method. ----

type Cell = string | number | null;
type Table = Record<string, Cell>[];

function readCsv(name: string): string[][] {
  const lines = readFileSync(join(SAMPLE_DIR, "data", name), "utf8").split(/\r?\n/).filter((line) => line !== "");
  return lines.slice(1).map((line) => line.split(","));
}

function expectedMarts(): { customers: Table; orders: Table } {
  const customers = readCsv("raw_customers.csv").map(([id, first, last]) => ({ id: Number(id), first: first!, last: last! }));
  const orders = readCsv("raw_orders.csv").map(([id, user, date, status]) => ({ id: Number(id), user: Number(user), date: date!, status: status! }));
  const payments = readCsv("raw_payments.csv").map(([id, order, method, cents]) => ({ id: Number(id), order: Number(order), method: method!, dollars: Number(cents) / 100 }));

  const orderMart = orders.map((order) => {
    const paid = payments.filter((payment) => payment.order === order.id);
    const byMethod = (method: string) => (paid.length === 0 ? null : paid.filter((p) => p.method === method).reduce((sum, p) => sum + p.dollars, 0));
    return {
      order_id: order.id,
      customer_id: order.user,
      order_date: order.date,
      status: order.status,
      credit_card_amount: byMethod("credit_card"),
      coupon_amount: byMethod("coupon"),
      bank_transfer_amount: byMethod("bank_transfer"),
      gift_card_amount: byMethod("gift_card"),
      amount: paid.length === 0 ? null : paid.reduce((sum, p) => sum + p.dollars, 0),
    };
  });
  const customerMart = customers.map((customer) => {
    const own = orders.filter((order) => order.user === customer.id);
    const dates = own.map((order) => order.date).sort();
    const paid = payments.filter((payment) => own.some((order) => order.id === payment.order));
    return {
      customer_id: customer.id,
      first_name: customer.first,
      last_name: customer.last,
      first_order: dates[0] ?? null,
      most_recent_order: dates.at(-1) ?? null,
      number_of_orders: own.length === 0 ? null : own.length,
      customer_lifetime_value: paid.length === 0 ? null : paid.reduce((sum, p) => sum + p.dollars, 0),
    };
  });
  return { customers: customerMart, orders: orderMart };
}

const CUSTOMER_COLUMNS = ["customer_id", "first_name", "last_name", "first_order", "most_recent_order", "number_of_orders", "customer_lifetime_value"];
const ORDER_COLUMNS = [
  "order_id",
  "customer_id",
  "order_date",
  "status",
  "credit_card_amount",
  "coupon_amount",
  "bank_transfer_amount",
  "gift_card_amount",
  "amount",
];

// ---- Running the sample. ----

/**
 * Runs `*` with every order day, as `npm run sample` does (`materialize --select '*' --all-partitions`):
 * each day of raw_orders and stg_orders, then the marts once, reading all the days.
 */
async function materializeSample(definitions: Definitions, storageDir: string): Promise<{ result: RunResult; events: RunEvent[] }> {
  const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
  const events: RunEvent[] = [];
  const { ORDER_DAYS } = await import("../../samples/warehouse/assets/raw");
  try {
    const partitionKeys = ORDER_DAYS.keys().toArray();
    assert.equal(partitionKeys.length, 99, "one partition per day from 2018-01-01 to 2018-04-09");
    const result = await executeInProcess({ definitions, storage, storageDir, selection: "*", partitionKeys, onEvent: (event) => events.push(event) });
    return { result, events };
  } finally {
    await storage.close();
  }
}

function assertAllSucceeded(result: RunResult, events: RunEvent[]): void {
  assert.equal(result.status, "SUCCESS", JSON.stringify(result, null, 2));
  assert.deepEqual(
    result.steps.map((step) => step.key).sort(),
    ["customers", "orders", "raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders", "stg_payments", "warehouse_report"],
  );
  const checks = events.filter((event) => event.type === "ASSET_CHECK_EVALUATION").map((event) => event.data as Record<string, unknown>);
  assert.deepEqual(checks.filter((check) => check.passed !== true), [], "every data-quality check passes");
  // Every check of the staging and mart assets ran (as SQL in the warehouse), with the grand totals.
  const checked = new Set(checks.map((check) => `${String(check.assetKey)}.${String(check.checkName)}`));
  for (const name of ["stg_payments.amounts_not_negative", "orders.accepted_values_status", "customers.lifetime_value_not_negative", "customers.unique_customer_id"]) {
    assert.ok(checked.has(name), `check ${name} ran`);
  }
  const totals = checks.find((check) => check.checkName === "grand_totals_agree");
  assert.ok(totals, "the stand-alone grand totals check ran");
  assert.deepEqual(totals.metadata, { ...(totals.metadata as object), customers_total: 1672, orders_total: 1672 });
  // The TypeScript report at the end: the figures the README shows, computed in the warehouse.
  const report = events.find((event) => event.type === "ASSET_MATERIALIZATION" && (event.data as { assetKey: string }).assetKey === "warehouse_report");
  const metadata = (report?.data as { metadata: Record<string, unknown> } | undefined)?.metadata ?? {};
  assert.deepEqual(
    { customers: metadata.customers, customers_without_orders: metadata.customers_without_orders, orders: metadata.orders, revenue: metadata.revenue },
    { customers: 100, customers_without_orders: 38, orders: 99, revenue: 1672 },
  );
  const text = String(metadata.report);
  assert.match(text, /^100 customers \(38 without orders\), 99 orders, \$1,672\.00 paid\.$/m);
  // Its tables agree with the marts computed here: the top customer, and orders and dollars per status and month.
  const expected = expectedMarts();
  const money = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const top = [...expected.customers].sort((a, b) => ((b.customer_lifetime_value as number) ?? 0) - ((a.customer_lifetime_value as number) ?? 0))[0]!;
  assert.ok(text.includes(`| ${top.first_name} ${top.last_name} | ${top.number_of_orders} | ${money(top.customer_lifetime_value as number)} |`), text);
  for (const [label, of] of [["status", (o: Record<string, Cell>) => String(o.status)], ["month", (o: Record<string, Cell>) => String(o.order_date).slice(0, 7)]] as const) {
    const groups = new Map<string, { orders: number; amount: number }>();
    for (const order of expected.orders) {
      const group = groups.get(of(order)) ?? { orders: 0, amount: 0 };
      group.orders++;
      group.amount += (order.amount as number | null) ?? 0;
      groups.set(of(order), group);
    }
    for (const [key, group] of groups) assert.ok(text.includes(`| ${key} | ${group.orders} | ${money(group.amount)} |`), `${label} ${key} in\n${text}`);
  }
  const notified = events.find((event) => event.type === "LOG" && /warehouse marts refreshed/.test(event.message));
  assert.ok(notified, "the report announces the refresh on the channel");
}

/** The marts read back with plain SQL, cast so both warehouses hand numbers and date strings over unchanged. */
function martQueries(qualify: (table: string) => string, dateText: (column: string) => string, float: string): { customers: string; orders: string } {
  return {
    customers: `SELECT cast(customer_id as integer) as customer_id, first_name, last_name, ${dateText("first_order")} AS first_order,
                ${dateText("most_recent_order")} AS most_recent_order, cast(number_of_orders as integer) as number_of_orders,
                cast(customer_lifetime_value as ${float}) as customer_lifetime_value FROM ${qualify("customers")} ORDER BY customer_id`,
    orders: `SELECT cast(order_id as integer) as order_id, cast(customer_id as integer) as customer_id, ${dateText("order_date")} AS order_date, status,
                cast(credit_card_amount as ${float}) as credit_card_amount, cast(coupon_amount as ${float}) as coupon_amount,
                cast(bank_transfer_amount as ${float}) as bank_transfer_amount, cast(gift_card_amount as ${float}) as gift_card_amount,
                cast(amount as ${float}) as amount FROM ${qualify("orders")} ORDER BY order_id`,
  };
}

/** The mart checks shared by both backends; `rows` are the tables as read back from the database. */
function assertMarts(customers: Table, orders: Table): void {
  const expected = expectedMarts();
  assert.equal(customers.length, 100);
  assert.equal(orders.length, 99);
  assert.deepEqual(Object.keys(customers[0]!), CUSTOMER_COLUMNS);
  assert.deepEqual(Object.keys(orders[0]!), ORDER_COLUMNS);
  const byId = <T extends Record<string, Cell>>(rows: T[], key: string, id: number) => rows.find((row) => row[key] === id);

  // Customer 1: orders 1 (2018-01-01, $10) and 37 (2018-02-10, $23), checked by hand against the CSVs.
  assert.deepEqual(byId(customers, "customer_id", 1), {
    customer_id: 1,
    first_name: "Michael",
    last_name: "P.",
    first_order: "2018-01-01",
    most_recent_order: "2018-02-10",
    number_of_orders: 2,
    customer_lifetime_value: 33,
  });
  // Customer 54 has the most orders (5).
  assert.deepEqual(byId(customers, "customer_id", 54), byId(expected.customers, "customer_id", 54));
  assert.equal(byId(customers, "customer_id", 54)!.number_of_orders, 5);
  // Customer 4 never ordered: the row is kept and its four figures are NULL, not 0.
  assert.deepEqual(byId(customers, "customer_id", 4), {
    customer_id: 4,
    first_name: "Jimmy",
    last_name: "C.",
    first_order: null,
    most_recent_order: null,
    number_of_orders: null,
    customer_lifetime_value: null,
  });
  assert.equal(customers.filter((row) => row.number_of_orders === null).length, 38);

  // Order 1: one credit-card payment of 1000 cents; unused methods are 0, not NULL.
  assert.deepEqual(byId(orders, "order_id", 1), {
    order_id: 1,
    customer_id: 1,
    order_date: "2018-01-01",
    status: "returned",
    credit_card_amount: 10,
    coupon_amount: 0,
    bank_transfer_amount: 0,
    gift_card_amount: 0,
    amount: 10,
  });
  // Orders paid several times (9, 25, 92) match the independent computation.
  for (const id of [9, 25, 92, 99]) assert.deepEqual(byId(orders, "order_id", id), byId(expected.orders, "order_id", id), `order ${id}`);
  assert.ok(orders.every((row) => typeof row.status === "string" && !row.status.includes("\r")), "no CR left in status");

  // The whole marts, row for row.
  assert.deepEqual(customers, expected.customers);
  assert.deepEqual(orders, expected.orders);
  const total = (rows: Table, column: string) => rows.reduce((sum, row) => sum + ((row[column] as number | null) ?? 0), 0);
  assert.equal(total(customers, "customer_lifetime_value"), 1672);
  assert.equal(total(orders, "amount"), 1672);
}

function withSampleEnv<T>(env: Partial<Record<(typeof SAMPLE_ENV)[number], string>>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(SAMPLE_ENV.map((name) => [name, process.env[name]]));
  for (const name of SAMPLE_ENV) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  return work().finally(() => {
    for (const name of SAMPLE_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
}

describe("the warehouse sample", function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "tributary-sample-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("ships the three jaffle_shop CSVs byte for byte, CRLF line endings of raw_orders.csv included", () => {
    const sha256 = (name: string) => createHash("sha256").update(readFileSync(join(SAMPLE_DIR, "data", name))).digest("hex");
    assert.equal(sha256("raw_customers.csv"), "24579b4b26098d43265376f3c50be8b10faf8e8fd95f5508074f10f76a12671d");
    assert.equal(sha256("raw_orders.csv"), "ee6c68d1639ec2b23a4495ec12475e09b8ed4b61e23ab0411ea7ec76648356f7");
    assert.equal(sha256("raw_payments.csv"), "03fd407f3135f84456431a923f22fc185a2154079e210c20b690e3ab11687d11");
  });

  it("materializes every asset on the embedded default and builds the marts as DuckDB tables with the README's values", async () => {
    const storageDir = join(dir, "storage");
    const { result, events } = await withSampleEnv({}, async () => {
      // The entry file itself, as the CLI loads it (its default export).
      const { default: definitions } = (await import("../../samples/warehouse/definitions")) as { default: Definitions };
      return materializeSample(definitions, storageDir);
    });
    assertAllSucceeded(result, events);
    // The run closed the warehouse when it ended; read the file as another process would.
    const instance = await DuckDBInstance.create(join(storageDir, "warehouse.duckdb"));
    try {
      const connection = await instance.connect();
      const read = async (text: string) => (await connection.runAndReadAll(text)).getRowObjectsJS() as Table;
      const queries = martQueries((table) => table, (column) => `strftime(${column}, '%Y-%m-%d')`, "double");
      assertMarts(await read(queries.customers), await read(queries.orders));
      const tables = await read("select table_name from information_schema.tables where table_schema = 'main' order by table_name");
      assert.deepEqual(
        tables.map((row) => row.table_name),
        ["customers", "orders", "raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders", "stg_payments"],
        "the raw loads and every SQL asset are tables in the warehouse",
      );
      assert.deepEqual(await read("select cast(count(*) as integer) as n, cast(sum(amount) as double) as dollars from stg_payments"), [{ n: 113, dollars: 1672 }]);
      // Orders are staged one day per run: customer 1's first order is the only order of 2018-01-01.
      assert.deepEqual(await read("select cast(order_id as integer) as order_id from stg_orders where partition_key = '2018-01-01'"), [{ order_id: 1 }]);
      // 99 days loaded, 69 of them with orders (a day without orders is a partition with no rows).
      assert.deepEqual(await read("select cast(count(*) as integer) as n, cast(count(distinct partition_key) as integer) as days from raw_orders"), [{ n: 99, days: 69 }]);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
    const materializedDays = events.filter((event) => event.type === "ASSET_MATERIALIZATION" && (event.data as { assetKey: string }).assetKey === "raw_orders");
    assert.equal(materializedDays.length, 99, "one raw_orders materialization per day");
    const stagedDays = events.filter((event) => event.type === "ASSET_MATERIALIZATION" && (event.data as { assetKey: string }).assetKey === "stg_orders");
    assert.equal(stagedDays.length, 99, "one stg_orders build per day");
  });

  describe("with WAREHOUSE_DATABASE_URL pointing at PostgreSQL", () => {
    const schema = `tributary_sample_${randomBytes(4).toString("hex")}`;
    let admin: Pool;

    before(async () => {
      admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 1, connectionTimeoutMillis: 5_000 });
      await admin.query("SELECT 1").catch((error: Error) => {
        throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is unreachable (set TRIBUTARY_TEST_DATABASE_URL): ${error.message}`);
      });
    });
    after(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });

    it("builds the marts inside PostgreSQL as tables customers and orders with exactly the README's columns and values", async () => {
      const env = { WAREHOUSE_DATABASE_URL: TEST_DATABASE_URL, WAREHOUSE_DATABASE_SCHEMA: schema };
      const { result, events } = await withSampleEnv(env, async () => {
        // Resources are chosen from the environment when definitions are built, so build them here.
        const { definitions } = await import("../../runtime/src/definitions/definitions");
        const { rawAssets } = await import("../../samples/warehouse/assets/raw");
        const { stagingAssets } = await import("../../samples/warehouse/assets/staging");
        const { warehouseAssets, warehouseChecks } = await import("../../samples/warehouse/assets/warehouse");
        const { warehouseReport } = await import("../../samples/warehouse/assets/report");
        const { warehouseResources } = await import("../../samples/warehouse/resources/warehouse");
        const built = definitions({
          assets: [...rawAssets, ...stagingAssets, ...warehouseAssets, warehouseReport],
          checks: [...warehouseChecks],
          resources: warehouseResources(process.env),
        });
        return materializeSample(built, join(dir, "storage"));
      });
      assertAllSucceeded(result, events);

      const { rows: columns } = await admin.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
        [schema],
      );
      const columnsOf = (table: string) => columns.filter((c) => c.table_name === table).map((c) => c.column_name);
      assert.deepEqual(
        [...new Set(columns.map((c) => c.table_name))],
        ["customers", "orders", "raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders", "stg_payments"],
        "the raw loads and every SQL asset are tables in the schema",
      );
      assert.deepEqual(columnsOf("customers"), CUSTOMER_COLUMNS);
      assert.deepEqual(columnsOf("orders"), ORDER_COLUMNS);
      const typeOf = (table: string, column: string) => columns.find((c) => c.table_name === table && c.column_name === column)?.data_type;
      assert.equal(typeOf("customers", "first_order"), "date");
      assert.equal(typeOf("orders", "status"), "text");

      // Read back with plain SQL (casts so pg hands numbers and date strings over unchanged).
      const queries = martQueries((table) => `${schema}.${table}`, (column) => `to_char(${column}, 'YYYY-MM-DD')`, "float8");
      const { rows: customers } = await admin.query(queries.customers);
      const { rows: orders } = await admin.query(queries.orders);
      assertMarts(customers as Table, orders as Table);
    });
  });
});
