import assert from "node:assert/strict";
import path from "node:path";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { acceptedValues, notNull, rowCountBetween, rowsSatisfy, unique } from "../../runtime/src/checks/builtins";
import type { WarehouseTable } from "../../runtime/src/checks/warehouseTable";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { staticPartitions } from "../../runtime/src/partitions/static";
import { dailyPartitions } from "../../runtime/src/partitions/timeWindowFactories";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { sql, sqlPartition } from "../../runtime/src/sql/template";
import { openStorage } from "../../runtime/src/storage";
import type { RunEvent } from "../../runtime/src/types";
import { embeddedWarehouse as embedded, type Warehouse } from "../../runtime/src/sql/warehouse";
import { silentLog } from "../io/helpers";
import { embeddedWarehouse, postgresWarehouse, type TestWarehouse } from "./warehouses";

const rawNumbers = sqlAsset({ key: "raw_numbers", query: sql`select n from (values (1), (2), (3)) as t(n)` });
const doubled = sqlAsset({ key: "doubled", group: "staging", query: sql`select n * 2 as d from ${rawNumbers}` });

async function materialize(warehouse: TestWarehouse, assets: unknown[], options: { selection?: string; partitionKeys?: string[] } = {}) {
  // Four steps at once: the warehouses see concurrent builds, as in a wide graph.
  const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
  const events: RunEvent[] = [];
  const result = await executeInProcess({
    definitions: definitions({ assets: assets as never, resources: warehouse.resources() as never }),
    storage,
    storageDir: warehouse.storageDir,
    selection: options.selection ?? "*",
    maxConcurrency: 4,
    ...(options.partitionKeys ? { partitionKeys: options.partitionKeys } : {}),
    onEvent: (event) => events.push(event),
  });
  await storage.close();
  return { result, events, error: (key: string) => result.steps.find((step) => step.key === key)?.error ?? "" };
}

function materializationOf(events: RunEvent[], key: string): Record<string, unknown> {
  const event = events.find((e) => e.type === "ASSET_MATERIALIZATION" && (e.data as { assetKey: string }).assetKey === key);
  assert.ok(event, `no materialization of ${key}`);
  return (event.data as { metadata: Record<string, unknown> }).metadata;
}

function checkResults(events: RunEvent[]): Record<string, boolean> {
  return Object.fromEntries(
    events.filter((e) => e.type === "ASSET_CHECK_EVALUATION").map((e) => [(e.data as { checkName: string }).checkName, (e.data as { passed: boolean }).passed]),
  );
}

describe("sqlAsset in the embedded warehouse: a reader's snapshot", function () {
  this.timeout(60_000);
  it("keeps showing a reader that started before a rebuild the old table, and the new one to readers after it", async () => {
    const warehouse = await embeddedWarehouse();
    try {
      await materialize(warehouse, [rawNumbers, doubled]);
      // The test holds the warehouse open the way a concurrent step of the same process would.
      const resource = embedded({ path: path.join(warehouse.storageDir, "warehouse.duckdb") });
      const store = (await resource.setup({ config: {}, key: "warehouse", runId: "reader", log: silentLog })) as Warehouse;
      try {
        const before = store.transaction(async (reader) => {
          const first = (await reader.query("select d from doubled order by d")).rows.map((row) => Number(row.d));
          const tripled = sqlAsset({ key: "doubled", query: sql`select n * 3 as d from ${rawNumbers}` });
          const { result } = await materialize(warehouse, [rawNumbers, tripled], { selection: "doubled" });
          assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
          const second = (await reader.query("select d from doubled order by d")).rows.map((row) => Number(row.d));
          return { first, second };
        });
        assert.deepEqual(await before, { first: [2, 4, 6], second: [2, 4, 6] });
        assert.deepEqual((await store.query("select d from doubled order by d")).rows.map((row) => Number(row.d)), [3, 6, 9]);
      } finally {
        await resource.teardown!(store);
      }
    } finally {
      await warehouse.close();
    }
  });
});

for (const open of [postgresWarehouse, embeddedWarehouse]) {
  describe(`sqlAsset in the warehouse (${open === postgresWarehouse ? "PostgreSQL" : "embedded DuckDB"})`, function () {
    this.timeout(60_000);
    let warehouse: TestWarehouse;
    beforeEach(async () => {
      warehouse = await open();
    });
    afterEach(() => warehouse.close());

    it("builds a table from its upstream's table and records row count, columns and types", async () => {
      const { result, events } = await materialize(warehouse, [rawNumbers, doubled]);
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual(await warehouse.query("select d from doubled order by d"), [{ d: 2 }, { d: 4 }, { d: 6 }]);
      const metadata = materializationOf(events, "doubled");
      assert.equal(metadata.rows, 3);
      assert.deepEqual(metadata.columns, [{ name: "d", type: "integer" }]);
      assert.equal(metadata.table, `"${warehouse.schema}"."doubled"`);
    });

    it("builds independent SQL assets concurrently, each in its own schema when its key has a prefix", async () => {
      const fanOut = [1, 2, 3, 4].map((i) => sqlAsset({ key: `fan/out_${i}`, query: sql`select n * ${i} as v from ${rawNumbers}` }));
      const { result } = await materialize(warehouse, [rawNumbers, ...fanOut]);
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual(await warehouse.query("select sum(v) as total from fan.out_4"), [{ total: 24 }]);
    });

    it("rebuilds a table in place, and a view that reads the new rows", async () => {
      const asView = sqlAsset({ key: "doubled_view", materialization: "view", query: sql`select d + 1 as e from ${doubled}` });
      await materialize(warehouse, [rawNumbers, doubled, asView]);
      const more = sqlAsset({ key: "raw_numbers", query: sql`select n from (values (10), (20)) as t(n)` });
      const { result } = await materialize(warehouse, [more, doubled, asView], { selection: "raw_numbers or doubled" });
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual(await warehouse.query("select e from doubled_view order by e"), [{ e: 21 }, { e: 41 }]);
      assert.deepEqual(await warehouse.query("select table_type from information_schema.tables where table_name = 'doubled_view'"), [{ table_type: "VIEW" }]);
    });

    it("merges an incremental asset by its unique key: new keys inserted, known keys replaced", async () => {
      const first = sqlAsset({ key: "events", materialization: "incremental", uniqueKey: "id", query: sql`select id, v from (values (1, 'a'), (2, 'b')) as t(id, v)` });
      await materialize(warehouse, [first]);
      const second = sqlAsset({ key: "events", materialization: "incremental", uniqueKey: "id", query: sql`select id, v from (values (2, 'B'), (3, 'c')) as t(id, v)` });
      const { events } = await materialize(warehouse, [second]);
      assert.deepEqual(await warehouse.query("select id, v from events order by id"), [{ id: 1, v: "a" }, { id: 2, v: "B" }, { id: 3, v: "c" }]);
      assert.equal(materializationOf(events, "events").rowsWritten, 2);
      assert.equal(materializationOf(events, "events").rows, 3);
    });

    it("replaces only the run's partition of a partitioned incremental asset", async () => {
      const byRegion = sqlAsset({
        key: "sales",
        materialization: "incremental",
        partitions: staticPartitions(["eu", "us"]),
        query: sql`select cast(${sqlPartition.key} as varchar) as region, n from (values (1), (2)) as t(n)`,
      });
      for (const key of ["eu", "us", "eu"]) {
        const { result } = await materialize(warehouse, [byRegion], { partitionKeys: [key] });
        assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      }
      assert.deepEqual(await warehouse.query("select partition_key, count(*) as n from sales group by partition_key order by partition_key"), [
        { partition_key: "eu", n: 2 },
        { partition_key: "us", n: 2 },
      ]);
    });

    it("filters a daily partition's rows by the run's time window", async () => {
      const orders = sqlAsset({
        key: "orders",
        query: sql`select cast(d as date) as day, amount from (values ('2024-01-01', 5), ('2024-01-02', 7), ('2024-01-02', 1), ('2024-01-03', 100)) as t(d, amount)`,
      });
      const revenue = sqlAsset({
        key: "daily_revenue",
        materialization: "incremental",
        partitions: dailyPartitions({ start: "2024-01-01" }),
        query: sql`select day, sum(amount) as revenue from ${orders}
          where day >= ${sqlPartition.start} and day < ${sqlPartition.end} group by day`,
      });
      await materialize(warehouse, [orders], { selection: "orders" });
      for (const key of ["2024-01-02", "2024-01-01"]) {
        const { result } = await materialize(warehouse, [orders, revenue], { selection: "daily_revenue", partitionKeys: [key] });
        assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      }
      assert.deepEqual(await warehouse.query("select partition_key, revenue from daily_revenue order by partition_key"), [
        { partition_key: "2024-01-01", revenue: 5 },
        { partition_key: "2024-01-02", revenue: 8 },
      ]);
    });

    it("accepts a query ending with a semicolon", async () => {
      const ended = sqlAsset({ key: "ended", query: sql`select n from ${rawNumbers};  ` });
      const { result } = await materialize(warehouse, [rawNumbers, ended]);
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual(await warehouse.query("select count(*) as n from ended"), [{ n: 3 }]);
    });

    it("binds interpolated values as parameters, never as text", async () => {
      const hostile = "x'); drop table raw_numbers; --";
      const filtered = sqlAsset({ key: "filtered", query: sql`select n, cast(${hostile} as varchar) as label from ${rawNumbers} where n >= ${2}` });
      const { result } = await materialize(warehouse, [rawNumbers, filtered]);
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual(await warehouse.query("select n, label from filtered order by n"), [{ n: 2, label: hostile }, { n: 3, label: hostile }]);
      assert.equal((await warehouse.query("select count(*) as n from raw_numbers"))[0]!.n, 3);
    });

    it("runs built-in checks as SQL in the warehouse, passing and failing", async () => {
      const checked = sqlAsset({
        key: "orders",
        query: sql`select id, status, amount from (values (1, 'placed', 5), (2, 'shipped', -1), (2, 'lost', null)) as t(id, status, amount)`,
        checks: [
          notNull("id"),
          notNull("amount"),
          unique("id"),
          acceptedValues("status", ["placed", "shipped"]),
          rowCountBetween({ min: 1, max: 3 }),
          rowCountBetween({ min: 4 }, { name: "at_least_four" }),
          rowsSatisfy("amount_not_negative", "amount >= 0"),
        ],
      });
      const { events } = await materialize(warehouse, [checked]);
      assert.deepEqual(checkResults(events), {
        not_null_id: true,
        not_null_amount: false,
        unique_id: false,
        accepted_values_status: false,
        row_count: true,
        at_least_four: false,
        amount_not_negative: false,
      });
      const accepted = events.find((e) => (e.data as { checkName?: string })?.checkName === "accepted_values_status")!;
      assert.deepEqual((accepted.data as { metadata: unknown }).metadata, { column: "status", unexpectedValues: { lost: 1 } });
    });

    it("gives a TypeScript asset downstream the table, whose rows it reads on request", async () => {
      let seen: unknown;
      const report = asset({ key: "report", deps: [doubled] }, async ({ inputs }) => {
        const table = inputs.doubled as WarehouseTable;
        seen = { name: table.qualifiedName, rows: (await table.rows()).map((row) => Number(row.d)).sort() };
        return null;
      });
      const { result } = await materialize(warehouse, [rawNumbers, doubled, report]);
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual(seen, { name: `"${warehouse.schema}"."doubled"`, rows: [2, 4, 6] });
      // In a later run the table is loaded through the SQL assets' I/O manager, not recomputed.
      seen = undefined;
      const again = await materialize(warehouse, [rawNumbers, doubled, report], { selection: "report" });
      assert.equal(again.result.status, "SUCCESS", JSON.stringify(again.result.steps));
      assert.deepEqual(seen, { name: `"${warehouse.schema}"."doubled"`, rows: [2, 4, 6] });
    });

    it("fails with the asset, the template's file:line and the warehouse's message, and keeps the previous table", async () => {
      await materialize(warehouse, [rawNumbers, doubled]);
      const cases = [
        { name: "invalid SQL", query: sql`select n * 2 as d
            from ${rawNumbers} wher n > 1`, line: 1, message: /syntax error|Parser Error/i },
        { name: "an unknown table", query: sql`select d
            from no_such_table`, line: 1, message: /no_such_table/ },
        { name: "a type error", query: sql`select n + 'abc'::date as d from ${rawNumbers}`, line: 0, message: /operator|Binder Error|Conversion|date/i },
        { name: "a drop statement", query: sql`drop table ${rawNumbers}`, line: 0, message: /must be one SELECT .* starts with "drop"/ },
        { name: "a second statement", query: sql`select 1 as d; drop table ${rawNumbers}`, line: 0, message: /second statement "drop"/ },
        { name: "a data-modifying WITH", query: sql`with gone as (
            delete from ${rawNumbers} returning n) select n as d from gone`, line: 1, message: /modifies data \("delete"\)/ },
      ];
      for (const { name, query, line, message } of cases) {
        const broken = sqlAsset({ key: "doubled", query });
        const { result, error } = await materialize(warehouse, [rawNumbers, broken], { selection: "doubled" });
        assert.equal(result.status, "FAILURE", name);
        assert.match(error("doubled"), /sqlAsset "doubled"/, name);
        assert.match(error("doubled"), message, `${name}: ${error("doubled")}`);
        const templateLine = query.location!.line + line;
        assert.match(error("doubled"), new RegExp(`sqlAssets\\.test\\.ts:${templateLine}: `), `${name}: ${error("doubled")}`);
        assert.deepEqual(await warehouse.query("select d from doubled order by d"), [{ d: 2 }, { d: 4 }, { d: 6 }], name);
      }
    });
  });
}
