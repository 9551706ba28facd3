/**
 * Bad partitions are bad usage whichever way the run goes: through a worker process (the default)
 * as well as in-process, `materialize` exits 2 with the error and its hint, not 1 as for a failed run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openStorage } from "../../runtime/src/storage";
import { tempProject } from "../loader/fixtures";
import { runMain } from "./helpers";

const DAILY_PROJECT = `import { asset, dailyPartitions, definitions } from "tributary-ts";

const daily = dailyPartitions({ start: "2024-01-01", end: "2024-02-01" });
export const dailyOrders = asset({ key: "daily_orders", partitions: daily }, async (ctx) => [{ day: ctx.partitionKey }]);

export default definitions({ assets: [dailyOrders] });
`;

describe("tributary materialize with bad partitions", function () {
  this.timeout(60_000);
  let project: { dir: string; cleanup: () => void };
  before(() => (project = tempProject({ "definitions.ts": DAILY_PROJECT })));
  after(() => project.cleanup());

  it("exits 2 through a worker for a partition key that is not a key, naming it with a hint", async () => {
    const outcome = await runMain(["materialize", "--select", "daily_orders", "--partition", "BADKEY"], project.dir);
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.match(outcome.stderr, /^error: .*"BADKEY"/m);
    assert.match(outcome.stderr, /^hint: /m);
  });

  it("exits 2 through a worker for a partitioned selection without --partition", async () => {
    const outcome = await runMain(["materialize", "--select", "daily_orders"], project.dir);
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.match(outcome.stderr, /needs a partition/);
    assert.match(outcome.stderr, /^hint: .*--partition/m);
  });

  it("exits 2 in-process for the same bad key, and 0 for a good one", async () => {
    assert.equal((await runMain(["materialize", "--select", "daily_orders", "--partition", "2024-13-01", "--in-process"], project.dir)).code, 2);
    const good = await runMain(["materialize", "--select", "daily_orders", "--partition", "2024-01-15"], project.dir);
    assert.equal(good.code, 0, good.stderr + good.stdout);
  });

  it("materializes every partition in one run with --all-partitions, and refuses it together with --partition", async () => {
    const all = await runMain(["materialize", "--select", "daily_orders", "--all-partitions", "--json"], project.dir);
    assert.equal(all.code, 0, all.stderr);
    assert.equal((JSON.parse(all.stdout) as { status: string }).status, "SUCCESS");
    const status = await runMain(["partitions", "status", "daily_orders", "--json"], project.dir);
    const parsed = JSON.parse(status.stdout) as { total: number; firstKey: string; lastKey: string; materialized: { count: number }; missing: { count: number } };
    assert.deepEqual([parsed.total, parsed.materialized.count, parsed.missing.count], [31, 31, 0]);
    assert.deepEqual([parsed.firstKey, parsed.lastKey], ["2024-01-01", "2024-01-31"], "the first and the latest key, for the editor's partition pick");
    const both = await runMain(["materialize", "--select", "daily_orders", "--all-partitions", "--partition", "2024-01-02"], project.dir);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /cannot be used together/);
  });

  it("exits 2 for a backfill policy number the storage cannot hold, naming the flag, before storing anything", async () => {
    for (const value of ["2147483648", "100000000000000000000", "0", "four"]) {
      const outcome = await runMain(["backfill", "--select", "daily_orders", "--max-concurrent-runs", value], project.dir);
      assert.equal(outcome.code, 2, outcome.stderr + outcome.stdout);
      assert.match(outcome.stderr, new RegExp(`^error: backfill: --max-concurrent-runs must be a whole number from 1 to 2147483647, not "?${value}"?$`, "m"));
    }
    const storage = await openStorage({ kind: "sqlite", path: join(project.dir, ".tributary", "tributary.db") });
    try {
      assert.deepEqual(await storage.listBackfills({ limit: 10 }), []);
    } finally {
      await storage.close();
    }
  });
});
