/**
 * Backfills through the daemon's backfill loop, in-process, on SQLite and PostgreSQL: every
 * partition once, missing-only and failed-only, batches, cancel, and a resume after a crash
 * between creating a run and recording it (found by its run key, not launched again).
 */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { backfillSummary, cancelBackfill } from "../../runtime/src/daemon/backfills";
import { BackfillRequestError, createBackfill } from "../../runtime/src/services/backfillRequest";
import { PartitionKeyError } from "../../runtime/src/partitions/common";
import { timeWindowMapping } from "../../runtime/src/partitions/mappings";
import { dailyPartitions } from "../../runtime/src/partitions/timeWindowFactories";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage } from "../storage/postgresTestDatabase";
import { BackfillHarness } from "./harness";
import type { PostgresStorage } from "../../runtime/src/storage/postgres/storage";

const daily = dailyPartitions({ start: "2024-01-01" });

function project(calls: string[], failOn: Set<string> = new Set()) {
  const orders = asset({ key: "orders", partitions: daily }, (ctx) => {
    calls.push(`orders ${ctx.partitionKey}`);
    if (failOn.has(ctx.partitionKey!)) throw new Error(`no export for ${ctx.partitionKey}`);
    return [{ day: ctx.partitionKey, amount: 1 }];
  });
  const dailyRevenue = asset({ key: "daily_revenue", deps: [orders], partitions: daily }, ({ inputs }) => inputs.orders.length);
  const weekly = asset(
    { key: "weekly_revenue", deps: [dailyRevenue], partitions: daily, partitionMappings: { daily_revenue: timeWindowMapping({ startOffset: -6 }) } },
    ({ inputs }) => Object.values(inputs.daily_revenue).reduce((a, b) => a + b, 0),
  );
  return definitions({ assets: [orders, dailyRevenue, weekly] });
}

function suite(name: string, make: () => Promise<Storage>, dispose: (storage: Storage) => Promise<void>) {
  describe(`Backfills (${name})`, function () {
    this.timeout(60_000);
    let storage: Storage;
    beforeEach(async () => (storage = await make()));
    afterEach(() => dispose(storage));

    it("materializes every partition of the range exactly once, one run per partition", async () => {
      const calls: string[] = [];
      const harness = new BackfillHarness(storage, project(calls));
      const backfill = await createBackfill({ storage, graph: harness.graph }, { selection: "orders or daily_revenue", from: "2024-01-01", to: "2024-01-10", policy: { maxConcurrentRuns: 3 } });
      await harness.runToEnd(backfill.backfillId);
      const summary = (await backfillSummary(storage, backfill.backfillId))!;
      assert.equal(summary.status, "COMPLETED");
      assert.deepEqual([summary.partitions.done, summary.partitions.failed, summary.partitions.remaining], [10, 0, 0]);
      assert.equal(calls.length, 10);
      assert.equal(new Set(calls).size, 10);
      assert.equal(harness.submitted, 10);
      const runs = await storage.listRuns({ instigatorName: backfill.backfillId, limit: 100 });
      assert.equal(runs.length, 10);
      assert.ok(runs.every((run) => run.instigator?.type === "backfill" && run.tags["tributary/backfill"] === backfill.backfillId));
      assert.equal((await storage.getAssetPartitions("daily_revenue")).filter((p) => p.status === "MATERIALIZED").length, 10);
    });

    it("skips partitions already materialized with missing-only, and retries only failed ones with failed-only", async () => {
      const calls: string[] = [];
      const failOn = new Set(["2024-01-03"]);
      const harness = new BackfillHarness(storage, project(calls, failOn));
      const first = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-04" });
      await harness.runToEnd(first.backfillId);
      const firstSummary = (await backfillSummary(storage, first.backfillId))!;
      assert.deepEqual([firstSummary.status, firstSummary.partitions.done, firstSummary.partitions.failed], ["FAILED", 3, 1]);
      calls.length = 0;
      failOn.clear();
      const missing = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-06", missingOnly: true });
      assert.deepEqual((await storage.getBackfillPartitions(missing.backfillId)).map((p) => p.partitionKey), ["2024-01-03", "2024-01-05", "2024-01-06"]);
      await harness.runToEnd(missing.backfillId);
      assert.deepEqual(calls.sort(), ["orders 2024-01-03", "orders 2024-01-05", "orders 2024-01-06"]);
      const failedOnly = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", failedOnly: true });
      assert.equal((await storage.getBackfillPartitions(failedOnly.backfillId)).length, 0);
    });

    it("batches contiguous partitions per run under maxPartitionsPerRun", async () => {
      const calls: string[] = [];
      const harness = new BackfillHarness(storage, project(calls));
      const backfill = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-10", policy: { maxPartitionsPerRun: 4 } });
      await harness.runToEnd(backfill.backfillId);
      assert.equal((await backfillSummary(storage, backfill.backfillId))!.partitions.done, 10);
      const runs = await storage.listRuns({ instigatorName: backfill.backfillId, limit: 100 });
      assert.deepEqual(runs.map((run) => run.tags["tributary/partitions"] ?? run.tags["tributary/partition"]).sort(), [
        "2024-01-01,2024-01-02,2024-01-03,2024-01-04",
        "2024-01-05,2024-01-06,2024-01-07,2024-01-08",
        "2024-01-09,2024-01-10",
      ]);
    });

    it("starts no new partition run once canceled, and ends CANCELED when its runs have ended", async () => {
      const calls: string[] = [];
      const harness = new BackfillHarness(storage, project(calls));
      const backfill = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-20", policy: { maxConcurrentRuns: 2 } });
      await harness.loop.tickAll(); // 2 runs queued
      await harness.executeQueued();
      await harness.loop.tickAll(); // 2 done, 2 more queued
      await cancelBackfill(storage, backfill.backfillId);
      await harness.executeQueued(); // the runs in flight finish
      await harness.loop.tickAll();
      await harness.loop.tickAll();
      const summary = (await backfillSummary(storage, backfill.backfillId))!;
      assert.equal(summary.status, "CANCELED");
      assert.deepEqual([summary.partitions.done, summary.partitions.canceled, summary.partitions.remaining], [4, 16, 0]);
      assert.equal(await harness.executeQueued(), 0);
      assert.equal(calls.length, 4);
    });

    it("resumes after a crash between creating a run and recording it, without launching the partition again", async () => {
      const calls: string[] = [];
      const harness = new BackfillHarness(storage, project(calls));
      const backfill = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-03", policy: { maxConcurrentRuns: 1 } });
      // A first daemon created the run of 2024-01-01 and died before marking the partition QUEUED.
      const [first] = await storage.getBackfillPartitions(backfill.backfillId);
      await harness.loop.tickAll();
      await storage.setBackfillPartitions(backfill.backfillId, [first!.partitionKey], "PENDING", { runId: null });
      await harness.runToEnd(backfill.backfillId);
      assert.equal(harness.submitted, 3);
      assert.equal((await storage.listRuns({ instigatorName: backfill.backfillId })).length, 3);
      assert.deepEqual(calls, ["orders 2024-01-01", "orders 2024-01-02", "orders 2024-01-03"]);
    });

    it("reads the last 7 days of an upstream through a time-window mapping, end to end", async () => {
      const harness = new BackfillHarness(storage, project([]));
      const backfill = await createBackfill({ storage, graph: harness.graph }, { selection: "*", from: "2024-01-01", to: "2024-01-14" });
      await harness.runToEnd(backfill.backfillId);
      assert.equal((await backfillSummary(storage, backfill.backfillId))!.status, "COMPLETED");
      const { readFileSync } = await import("node:fs");
      const read = (key: string) => JSON.parse(readFileSync(`${harness.storageDir}/weekly_revenue/${key}.json`, "utf8"));
      assert.deepEqual([read("2024-01-01"), read("2024-01-03"), read("2024-01-07"), read("2024-01-14")], [1, 3, 7, 7]);
    });

    it("refuses a policy number the storage cannot hold, and runs one at the largest it can", async () => {
      // 1e20 once got stored, then failed the loop's LIMIT every second ("datatype mismatch"), REQUESTED forever.
      const harness = new BackfillHarness(storage, project([]));
      for (const policy of [{ maxConcurrentRuns: 1e20 }, { maxPartitionsPerRun: 2_147_483_648 }, { maxConcurrentRuns: 0 }, { maxConcurrentRuns: 1.5 }]) {
        await assert.rejects(createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-03", policy }), (error: unknown) => {
          assert.ok(error instanceof BackfillRequestError, String(error));
          assert.match(error.message, /^policy\.max\w+ must be a whole number from 1 to 2147483647, not /);
          return true;
        });
      }
      assert.deepEqual(await storage.listBackfills({ limit: 10 }), []);
      const largest = { maxConcurrentRuns: 2_147_483_647, maxPartitionsPerRun: 2_147_483_647 };
      const backfill = await createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-01-01", to: "2024-01-03", policy: largest });
      await harness.runToEnd(backfill.backfillId);
      assert.equal((await backfillSummary(storage, backfill.backfillId))!.status, "COMPLETED");
    });

    it("refuses a range with a key that is not a partition, naming it", async () => {
      const harness = new BackfillHarness(storage, project([]));
      await assert.rejects(createBackfill({ storage, graph: harness.graph }, { selection: "orders", from: "2024-13-01", to: "2024-01-05" }), (error: unknown) => {
        assert.ok(error instanceof PartitionKeyError);
        assert.match(error.message, /2024-13-01/);
        return true;
      });
    });
  });
}

suite("SQLite", () => openStorage({ kind: "sqlite", path: ":memory:" }), (storage) => storage.close());
suite(
  "PostgreSQL",
  async () => {
    await assertTestDatabaseReachable();
    return makeTestStorage();
  },
  (storage) => disposeTestStorage(storage as PostgresStorage),
);
