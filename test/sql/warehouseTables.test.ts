/**
 * The built-in `warehouse_tables` I/O manager: a TypeScript asset's rows land as a table in the
 * warehouse SQL assets run in (the embedded DuckDB file, or PostgreSQL through the
 * postgresTableIOManager on the warehouse's pool), where a sqlAsset reads them with `${asset}`.
 */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { allPartitionsMapping } from "../../runtime/src/partitions/mappings";
import { staticPartitions } from "../../runtime/src/partitions/static";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { sql } from "../../runtime/src/sql/template";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { typedRows, typedRowsReadBack } from "../io/helpers";
import { embeddedWarehouse, postgresWarehouse, type TestWarehouse } from "./warehouses";

/** One run storage per test, as a project has: what earlier runs materialized is on record. */
let storage: Storage;

async function materialize(warehouse: TestWarehouse, assets: unknown[], selection = "*", partitionKeys?: string[]) {
  return executeInProcess({
    definitions: definitions({ assets: assets as never, resources: warehouse.resources() as never }),
    storage,
    storageDir: warehouse.storageDir,
    selection,
    ...(partitionKeys ? { partitionKeys } : {}),
  });
}

for (const open of [embeddedWarehouse, postgresWarehouse]) {
  describe(`ioManager "warehouse_tables" (${open === postgresWarehouse ? "PostgreSQL" : "embedded DuckDB"})`, function () {
    this.timeout(60_000);
    let warehouse: TestWarehouse;
    beforeEach(async () => {
      warehouse = await open();
      storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    });
    afterEach(async () => {
      await storage.close();
      await warehouse.close();
    });

    it("stores a TypeScript asset as a table a sqlAsset reads, and loads it back with the JS types written", async () => {
      const customers = asset({ key: "customers", ioManager: "warehouse_tables" }, () => typedRows());
      const named = sqlAsset({ key: "named", query: sql`select id, upper(name) as name from ${customers} where amount > ${5}` });
      let loaded: unknown;
      const reader = asset({ key: "reader", deps: [customers] }, ({ inputs }) => {
        loaded = inputs.customers;
        return 1;
      });
      const first = await materialize(warehouse, [customers, named, reader], "customers or named");
      assert.equal(first.status, "SUCCESS", JSON.stringify(first.steps));
      assert.deepEqual(await warehouse.query("select id, name from named"), [{ id: 1, name: "MICHAEL" }]);
      // A later run loads the rows from the table (not from memory).
      const second = await materialize(warehouse, [customers, named, reader], "reader");
      assert.equal(second.status, "SUCCESS", JSON.stringify(second.steps));
      assert.deepEqual(loaded, typedRowsReadBack());
    });

    it("replaces the whole table on each materialization", async () => {
      let rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
      const numbers = asset({ key: "numbers", ioManager: "warehouse_tables" }, () => rows);
      assert.equal((await materialize(warehouse, [numbers])).status, "SUCCESS");
      rows = [{ id: 7 }];
      assert.equal((await materialize(warehouse, [numbers])).status, "SUCCESS");
      assert.deepEqual(await warehouse.query("select id from numbers"), [{ id: 7 }]);
      assert.deepEqual(await warehouse.query("select count(*) as n from information_schema.tables where table_name like 'numbers__new_%'"), [{ n: 0 }]);
    });

    it("keeps a partitioned asset's partitions in one table and replaces one partition per run", async () => {
      let version = 1;
      const sales = asset({ key: "sales", ioManager: "warehouse_tables", partitions: staticPartitions(["eu", "us"]) }, (ctx) => [
        { region: ctx.partitionKey, amount: version },
        { region: ctx.partitionKey, amount: version * 10 },
      ]);
      const totals = sqlAsset({ key: "totals", query: sql`select partition_key, sum(amount) as amount from ${sales} group by partition_key order by partition_key` });
      for (const key of ["eu", "us"]) assert.equal((await materialize(warehouse, [sales], "sales", [key])).status, "SUCCESS");
      version = 2;
      assert.equal((await materialize(warehouse, [sales], "sales", ["eu"])).status, "SUCCESS");
      const built = await materialize(warehouse, [sales, totals], "totals");
      assert.equal(built.status, "SUCCESS", JSON.stringify(built.steps));
      assert.deepEqual(await warehouse.query("select partition_key, amount from totals order by partition_key"), [
        { partition_key: "eu", amount: 22 },
        { partition_key: "us", amount: 11 },
      ]);
      let usRows: unknown;
      const reader = asset({ key: "reader", deps: [sales], partitions: staticPartitions(["eu", "us"]) }, ({ inputs }) => {
        usRows = inputs.sales;
        return 1;
      });
      assert.equal((await materialize(warehouse, [sales, reader], "reader", ["us"])).status, "SUCCESS");
      assert.deepEqual(usRows, [{ region: "us", amount: 1 }, { region: "us", amount: 10 }], "a partition loads without its partition column");
    });

    it("refuses to build a SQL asset from a partitioned table missing a partition it reads, naming that partition", async () => {
      const days = staticPartitions(["d1", "d2", "d3"]);
      const events = asset({ key: "events", ioManager: "warehouse_tables", partitions: days }, (ctx) => [{ day: ctx.partitionKey, n: 1 }]);
      const total = sqlAsset({ key: "total", partitionMappings: { events: allPartitionsMapping() }, query: sql`select sum(n) as n from ${events}` });
      for (const key of ["d1", "d3"]) assert.equal((await materialize(warehouse, [events], "events", [key])).status, "SUCCESS");
      const short = await materialize(warehouse, [events, total], "total");
      assert.equal(short.status, "FAILURE");
      assert.match(short.steps[0]!.error ?? "", /asset "events" \(partition "d2"\) has never been materialized.*"total" needs its value/);
      assert.deepEqual(await warehouse.query("select count(*) as n from information_schema.tables where table_name = 'total'"), [{ n: 0 }], "nothing was built from two days of three");
      // The missing day loaded in the same run as the build: the run's own materializations count.
      const whole = await materialize(warehouse, [events, total], "*", ["d2"]);
      assert.equal(whole.status, "SUCCESS", JSON.stringify(whole.steps));
      assert.deepEqual(await warehouse.query("select n from total"), [{ n: 3 }]);
    });
  });
}
