/**
 * Conformance of PartitionStorage: dynamic partition keys, and backfills with their partitions
 * and progress.
 */
import assert from "node:assert/strict";
import type { PartitionStorage } from "../../../runtime/src/storage/port";
import { useFreshStorage, type ConformanceBackend } from "./fixtures";

/** Registers the partitions and backfills part of the conformance suite for one backend. */
export function partitionConformance(backend: ConformanceBackend<PartitionStorage>): void {
  describe(`Storage conformance, partitions and backfills: ${backend.name}`, () => {
    let storage: PartitionStorage;
    useFreshStorage(backend, (made) => (storage = made));

    it("stores dynamic partition keys in the order they were added, ignoring repeats", async () => {
      await storage.addDynamicPartitions("customers", ["acme", "globex"]);
      await storage.addDynamicPartitions("customers", ["globex", "initech"]);
      await storage.addDynamicPartitions("regions", ["eu"]);
      assert.deepEqual(await storage.dynamicPartitionKeys("customers"), ["acme", "globex", "initech"]);
      await storage.removeDynamicPartitions("customers", ["globex", "nobody"]);
      assert.deepEqual(await storage.dynamicPartitionKeys("customers"), ["acme", "initech"]);
      assert.deepEqual(await storage.dynamicPartitionKeys("regions"), ["eu"]);
    });

    it("creates a backfill with its partitions pending and tracks their progress", async () => {
      const keys = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"];
      const created = await storage.createBackfill({
        backfillId: "bf1",
        selection: "daily_orders",
        request: { from: keys[0], to: keys[3], missingOnly: true },
        policy: { maxPartitionsPerRun: 1, maxConcurrentRuns: 2 },
        partitionKeys: keys,
      });
      assert.equal(created.status, "REQUESTED");
      assert.deepEqual(created.request, { from: keys[0], to: keys[3], missingOnly: true });
      assert.deepEqual((await storage.getBackfill("bf1"))?.policy, { maxPartitionsPerRun: 1, maxConcurrentRuns: 2 });
      assert.equal(await storage.getBackfill("nope"), null);
      const pending = await storage.getBackfillPartitions("bf1", { statuses: ["PENDING"], limit: 2 });
      assert.deepEqual(pending.map((p) => [p.partitionKey, p.position, p.status, p.runId, p.attempt]), [
        [keys[0], 0, "PENDING", null, 1],
        [keys[1], 1, "PENDING", null, 1],
      ]);
      await storage.setBackfillPartitions("bf1", [keys[0]!, keys[1]!], "QUEUED", { runId: "r1" });
      await storage.setBackfillPartitions("bf1", [keys[0]!], "DONE");
      await storage.setBackfillPartitions("bf1", [keys[1]!], "PENDING", { runId: null, bumpAttempt: true });
      const all = await storage.getBackfillPartitions("bf1");
      assert.deepEqual(all.map((p) => [p.status, p.runId, p.attempt]), [
        ["DONE", "r1", 1],
        ["PENDING", null, 2],
        ["PENDING", null, 1],
        ["PENDING", null, 1],
      ]);
      assert.deepEqual(await storage.getBackfillProgress("bf1"), { PENDING: 3, QUEUED: 0, DONE: 1, FAILED: 0, CANCELED: 0 });
    });

    it("moves a backfill between statuses only from the expected ones, and lists newest first", async () => {
      const make = (id: string) =>
        storage.createBackfill({ backfillId: id, selection: "*", request: {}, policy: { maxPartitionsPerRun: 1, maxConcurrentRuns: 1 }, partitionKeys: ["a"] });
      await make("old");
      await make("new");
      assert.equal(await storage.transitionBackfill("old", ["REQUESTED"], "CANCELING"), true);
      assert.equal(await storage.transitionBackfill("old", ["REQUESTED"], "COMPLETED"), false);
      assert.equal(await storage.transitionBackfill("old", ["CANCELING"], "CANCELED", "canceled by a person"), true);
      const old = await storage.getBackfill("old");
      assert.deepEqual([old?.status, old?.error], ["CANCELED", "canceled by a person"]);
      assert.deepEqual((await storage.listBackfills()).map((b) => b.backfillId), ["new", "old"]);
      assert.deepEqual((await storage.listBackfills({ statuses: ["REQUESTED"] })).map((b) => b.backfillId), ["new"]);
      assert.deepEqual(await storage.listBackfills({ statuses: [] }), []);
    });
  });
}
