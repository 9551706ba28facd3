import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { postgresTableIOManager } from "../../runtime/src/io/postgresTable";
import { postgresResource } from "../../runtime/src/resources/postgres";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { sql } from "../../runtime/src/sql/template";
import { openStorage } from "../../runtime/src/storage";
import { TEST_DATABASE_URL } from "../io/helpers";
import { waitFor } from "../support/waitFor";
import { postgresWarehouse, type TestWarehouse } from "./warehouses";

/** What only PostgreSQL shows: readers in other sessions, tables written by TypeScript assets, a server that is down. */
describe("sqlAsset on PostgreSQL: readers, mixed graphs, outages", function () {
  this.timeout(60_000);
  let warehouse: TestWarehouse & { admin: import("pg").Pool };
  beforeEach(async () => {
    warehouse = (await postgresWarehouse()) as typeof warehouse;
  });
  afterEach(() => warehouse.close());

  async function run(assets: unknown[], resources: Record<string, unknown> = warehouse.resources(), selection = "*") {
    const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    try {
      return await executeInProcess({ definitions: definitions({ assets: assets as never, resources: resources as never }), storage, storageDir: warehouse.storageDir, selection });
    } finally {
      await storage.close();
    }
  }

  it("lets a reader see the old table while the new one is built, and the new one after the swap", async () => {
    const raw = sqlAsset({ key: "raw_numbers", query: sql`select n from (values (1), (2), (3)) as t(n)` });
    await run([raw, sqlAsset({ key: "doubled", query: sql`select n * 2 as d from ${raw}` })]);
    // Hold the rebuild inside its CREATE TABLE AS: it waits for a lock on its upstream.
    const blocker = await warehouse.admin.connect();
    await blocker.query("begin");
    await blocker.query(`lock table ${warehouse.schema}.raw_numbers in access exclusive mode`);
    const rebuild = run([raw, sqlAsset({ key: "doubled", query: sql`select n * 3 as d from ${raw}` })], warehouse.resources(), "doubled");
    try {
      await waitFor("the rebuild to wait on its upstream's lock", async () => {
        const { rows } = await warehouse.admin.query("select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'create table%doubled__new_%'");
        return rows.length > 0;
      });
      assert.deepEqual(await warehouse.query("select d from doubled order by d"), [{ d: 2 }, { d: 4 }, { d: 6 }]);
    } finally {
      await blocker.query("rollback");
      blocker.release();
    }
    assert.equal((await rebuild).status, "SUCCESS");
    assert.deepEqual(await warehouse.query("select d from doubled order by d"), [{ d: 3 }, { d: 6 }, { d: 9 }]);
    assert.deepEqual(await warehouse.query("select count(*) as n from information_schema.tables where table_name like 'doubled__new_%'"), [{ n: 0 }]);
  });

  it("cancels the build inside PostgreSQL when the step times out, leaving no query running", async () => {
    const slow = sqlAsset({ key: "slow", timeoutMs: 300, query: sql`select 1 as n from pg_sleep(${30})` });
    const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    let failed = false;
    const running = executeInProcess({
      definitions: definitions({ assets: [slow], resources: warehouse.resources() as never }),
      storage,
      storageDir: warehouse.storageDir,
      selection: "*",
      onEvent: (event) => (failed ||= event.type === "STEP_FAILURE"),
    });
    try {
      await waitFor("the step to time out", () => failed);
      // Without the cancel the backend would go on sleeping for 30 s after the step failed.
      await waitFor("the build to be canceled in PostgreSQL", async () => {
        const { rows } = await warehouse.admin.query("select 1 from pg_stat_activity where state = 'active' and query ilike 'create table%slow__new_%'");
        return rows.length === 0;
      }, 5_000);
      const result = await running;
      assert.match(result.steps[0]!.error ?? "", /timed out|timeout/i);
    } finally {
      await running.catch(() => undefined);
      await storage.close();
    }
  });

  it("reads a TypeScript asset stored as a table in the warehouse's database", async () => {
    const customers = asset({ key: "customers", ioManager: "warehouse_io" }, () => [
      { id: 1, name: "Ada" },
      { id: 2, name: "Grace" },
    ]);
    const named = sqlAsset({ key: "named", query: sql`select upper(name) as name from ${customers} where id > ${1}` });
    const result = await run([customers, named], {
      ...warehouse.resources(),
      warehouse_io: postgresTableIOManager({ connectionString: TEST_DATABASE_URL, schema: warehouse.schema }),
    });
    assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
    assert.deepEqual(await warehouse.query("select name from named"), [{ name: "GRACE" }]);
  });

  it("creates the schema postgresResource({ schema }) names when it does not exist yet, and builds there", async () => {
    const fresh = `${warehouse.schema}_new`;
    const answer = sqlAsset({ key: "answer", query: sql`select 42 as n` });
    try {
      const result = await run([answer], { warehouse: postgresResource({ connectionString: TEST_DATABASE_URL, schema: fresh }) });
      assert.equal(result.status, "SUCCESS", JSON.stringify(result.steps));
      assert.deepEqual((await warehouse.admin.query(`select n from ${fresh}.answer`)).rows, [{ n: 42 }]);
    } finally {
      await warehouse.admin.query(`drop schema if exists ${fresh} cascade`);
    }
  });

  it("refuses a TypeScript upstream whose values are not a table in the warehouse, naming both assets", async () => {
    const inFiles = asset({ key: "in_files" }, () => [{ id: 1 }]);
    const reader = sqlAsset({ key: "reader", query: sql`select id from ${inFiles}` });
    const result = await run([inFiles, reader]);
    const error = result.steps.find((step) => step.key === "reader")?.error ?? "";
    assert.match(error, /sqlAsset "reader" reads "in_files", whose I\/O manager "io_manager" does not store it as a table/);
  });

  it("fails a step whose warehouse is down with the asset, its template's line and PostgreSQL's reason, keeps the table, and leaves the other branch running", async () => {
    const query = sql`select 1 as one`;
    const lonely = sqlAsset({ key: "lonely", query });
    const other = asset({ key: "other" }, () => 1);
    assert.equal((await run([lonely])).status, "SUCCESS");
    const result = await run([lonely, other], {
      warehouse: postgresResource({ connectionString: "postgres://postgres:s3cret@127.0.0.1:1/test", connectionTimeoutMs: 2_000 }),
    });
    const step = result.steps.find((s) => s.key === "lonely")!;
    assert.equal(step.status, "FAILURE");
    const error = step.error ?? "";
    assert.match(error, new RegExp(`postgresWarehouse\\.test\\.ts:${query.location!.line}: sqlAsset "lonely": the warehouse "warehouse" is unavailable: `), error);
    assert.match(error, /Cannot connect to PostgreSQL at postgres:\/\/postgres:\*+@127\.0\.0\.1:1\/test: .*ECONNREFUSED/, error);
    assert.doesNotMatch(error, /s3cret/);
    assert.equal(result.steps.find((s) => s.key === "other")!.status, "SUCCESS");
    assert.deepEqual(await warehouse.query("select one from lonely"), [{ one: 1 }], "the previous table is intact");
  });
});
