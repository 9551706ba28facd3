/**
 * Conformance of the storage as a whole: migrations (StorageLifecycle) and timestamps returned
 * exactly as given by every concern.
 */
import assert from "node:assert/strict";
import type { Storage } from "../../../runtime/src/storage/port";
import { StorageVersionError } from "../../../runtime/src/errors";
import { event, materialization, newRun, useFreshStorage, type ConformanceBackend } from "./fixtures";

/** What the suite needs to know about a backend beyond the port. */
export interface ConformanceHooks {
  /** The newest migration version the backend's code knows. */
  supportedVersion: number;
  /** Records a migration version directly in the database (to simulate a newer tributary). */
  recordSchemaVersion(storage: Storage, version: number): Promise<void>;
}

/** Registers the whole-storage part of the conformance suite for one backend. */
export function lifecycleConformance(backend: ConformanceBackend<Storage>, hooks: ConformanceHooks): void {
  describe(`Storage conformance, the whole storage: ${backend.name}`, () => {
    let storage: Storage;
    useFreshStorage(backend, (made) => (storage = made));

    describe("migrations", () => {
      it("migrates to the newest version and does nothing when migrated again", async () => {
        assert.equal(await storage.schemaVersion(), hooks.supportedVersion);
        const run = await storage.createRun(newRun());
        await storage.migrate();
        await storage.migrate();
        assert.equal(await storage.schemaVersion(), hooks.supportedVersion);
        assert.deepEqual(await storage.getRun(run.runId), run);
      });

      it("refuses a database migrated by a newer tributary, naming both versions and what to do", async () => {
        const newer = hooks.supportedVersion + 7;
        await hooks.recordSchemaVersion(storage, newer);
        assert.equal(await storage.schemaVersion(), newer);
        await assert.rejects(storage.migrate(), (error: unknown) => {
          assert.ok(error instanceof StorageVersionError, String(error));
          assert.match(error.message, new RegExp(`schema version ${newer}\\b`));
          assert.match(error.message, new RegExp(`supports up to version ${hooks.supportedVersion}\\b`));
          assert.match(error.hint ?? "", /Upgrade tributary/);
          return true;
        });
      });
    });

    it("returns timestamps exactly as given, including microseconds", async () => {
      const instant = "2024-02-29T23:59:59.123456Z";
      const run = await storage.createRun(newRun({ instigator: { type: "schedule", name: "s", tickTime: instant } }));
      await storage.updateRun(run.runId, { startedAt: instant, endedAt: "2024-03-01T00:00:00Z", heartbeatAt: instant });
      const read = (await storage.getRun(run.runId))!;
      assert.deepEqual([read.startedAt, read.endedAt, read.heartbeatAt, read.instigator?.tickTime], [instant, "2024-03-01T00:00:00Z", instant, instant]);
      await storage.appendEvents([event(run.runId, "LOG", { timestamp: instant }), materialization(run.runId, "x")]);
      assert.equal((await storage.getRunEvents(run.runId))[0]!.timestamp, instant);
      const tick = await storage.createTick({ instigatorName: "s", instigatorType: "schedule", tickTime: instant, status: "STARTED" });
      assert.equal(tick?.tickTime, instant);
      assert.equal((await storage.listTicks("s"))[0]!.tickTime, instant);
      await storage.recordDaemonHeartbeat("d", {}, instant);
      assert.equal((await storage.listDaemonHeartbeats())[0]!.at, instant);
    });
  });
}
