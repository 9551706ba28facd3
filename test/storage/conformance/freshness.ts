/**
 * Conformance of FreshnessStorage: the last known freshness state of each asset, changed only by a
 * compare-and-set that exactly one of several racing callers wins.
 */
import assert from "node:assert/strict";
import type { FreshnessStorage } from "../../../runtime/src/storage/port";
import { useFreshStorage, type ConformanceBackend } from "./fixtures";

/** Registers the asset freshness part of the conformance suite for one backend. */
export function freshnessConformance(backend: ConformanceBackend<FreshnessStorage>): void {
  describe(`Storage conformance, asset freshness: ${backend.name}`, () => {
    let storage: FreshnessStorage;
    useFreshStorage(backend, (made) => (storage = made));

    it("records a first state only where none is recorded", async () => {
      assert.equal(await storage.transitionAssetFreshness("orders", null, "FRESH", "2024-05-01T00:00:00.000Z"), true);
      assert.equal(await storage.transitionAssetFreshness("orders", null, "STALE", "2024-05-01T00:00:01.000Z"), false);
      assert.deepEqual(await storage.listAssetFreshness(), [{ assetKey: "orders", state: "FRESH", since: "2024-05-01T00:00:00.000Z" }]);
    });

    it("changes a state only from the state the caller expected", async () => {
      await storage.transitionAssetFreshness("orders", null, "FRESH", "2024-05-01T00:00:00.000Z");
      assert.equal(await storage.transitionAssetFreshness("orders", "WARN", "STALE", "2024-05-01T01:00:00.000Z"), false);
      assert.equal(await storage.transitionAssetFreshness("orders", "FRESH", "STALE", "2024-05-01T02:00:00.000Z"), true);
      assert.equal(await storage.transitionAssetFreshness("orders", "FRESH", "STALE", "2024-05-01T03:00:00.000Z"), false);
      assert.deepEqual(await storage.listAssetFreshness(), [{ assetKey: "orders", state: "STALE", since: "2024-05-01T02:00:00.000Z" }]);
    });

    it("lets exactly one of eight racing callers record the same change", async () => {
      await storage.transitionAssetFreshness("warehouse/orders", null, "FRESH", "2024-05-01T00:00:00.000Z");
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, index) => storage.transitionAssetFreshness("warehouse/orders", "FRESH", "STALE", `2024-05-01T00:00:0${index}.000Z`)),
      );
      assert.equal(wins.filter(Boolean).length, 1);
      const firsts = await Promise.all(Array.from({ length: 8 }, () => storage.transitionAssetFreshness("customers", null, "UNKNOWN", "2024-05-01T00:00:00.000Z")));
      assert.equal(firsts.filter(Boolean).length, 1);
    });

    it("lists every asset's state ordered by key", async () => {
      for (const key of ["b", "a/z", "A", "a"]) await storage.transitionAssetFreshness(key, null, "FRESH", "2024-05-01T00:00:00.000Z");
      assert.deepEqual((await storage.listAssetFreshness()).map((record) => record.assetKey), ["A", "a", "a/z", "b"]);
    });
  });
}
