/**
 * Conformance of ScheduleStorage: schedule and sensor state (status, cursor) and ticks, one per
 * instigator and tick time however many daemons create it.
 */
import assert from "node:assert/strict";
import type { ScheduleStorage } from "../../../runtime/src/storage/port";
import { StorageNotFoundError } from "../../../runtime/src/storage/errors";
import { useFreshStorage, type ConformanceBackend } from "./fixtures";

/** Registers the schedules and ticks part of the conformance suite for one backend. */
export function scheduleConformance(backend: ConformanceBackend<ScheduleStorage>): void {
  describe(`Storage conformance, schedules and ticks: ${backend.name}`, () => {
    let storage: ScheduleStorage;
    useFreshStorage(backend, (made) => (storage = made));

    describe("schedule and sensor state", () => {
      it("stores an instigator's status and cursor, keeps the cursor when omitted and clears it with null", async () => {
        assert.equal(await storage.getInstigatorState("new_files"), null);
        const created = await storage.setInstigatorState({ name: "new_files", type: "sensor", status: "RUNNING", cursor: "c1" });
        assert.deepEqual([created.name, created.type, created.status, created.cursor], ["new_files", "sensor", "RUNNING", "c1"]);
        const stopped = await storage.setInstigatorState({ name: "new_files", type: "sensor", status: "STOPPED" });
        assert.equal(stopped.cursor, "c1");
        assert.equal(stopped.status, "STOPPED");
        assert.ok(stopped.updatedAt >= created.updatedAt);
        const cleared = await storage.setInstigatorState({ name: "new_files", type: "sensor", status: "STOPPED", cursor: null });
        assert.equal(cleared.cursor, null);
        assert.deepEqual(await storage.getInstigatorState("new_files"), cleared);
      });

      it("lists every instigator state by name", async () => {
        await storage.setInstigatorState({ name: "nightly", type: "schedule", status: "RUNNING" });
        await storage.setInstigatorState({ name: "files", type: "sensor", status: "STOPPED" });
        assert.deepEqual((await storage.listInstigatorStates()).map((state) => state.name), ["files", "nightly"]);
      });
    });

    describe("ticks", () => {
      it("creates one tick per (instigator, tick time) and returns null for a duplicate", async () => {
        const tick = await storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED" });
        assert.ok(tick);
        assert.deepEqual([tick.instigatorName, tick.instigatorType, tick.tickTime, tick.status], ["nightly", "schedule", "2024-05-01T00:00:00.000Z", "STARTED"]);
        assert.deepEqual([tick.runIds, tick.runKeys, tick.skipReason, tick.error, tick.cursor], [[], [], null, null, null]);
        assert.equal(await storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED" }), null);
        assert.ok(await storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2024-05-02T00:00:00.000Z", status: "STARTED" }));
        assert.ok(await storage.createTick({ instigatorName: "hourly", instigatorType: "schedule", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED" }));
      });

      it("lets exactly one of several daemons creating the same tick at once win", async () => {
        const attempts = await Promise.all(
          Array.from({ length: 5 }, () =>
            storage.createTick({ instigatorName: "sensor_a", instigatorType: "sensor", tickTime: "2024-05-01T00:00:30.000Z", status: "STARTED" }),
          ),
        );
        assert.equal(attempts.filter((tick) => tick !== null).length, 1);
      });

      it("updates a tick's outcome and refuses an unknown tick id", async () => {
        const tick = (await storage.createTick({ instigatorName: "files", instigatorType: "sensor", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED", cursor: "c0" }))!;
        assert.equal(tick.cursor, "c0");
        const done = await storage.updateTick(tick.tickId, { status: "SUCCESS", runIds: ["r1", "r2"], runKeys: ["k1", "k2"], cursor: "c1" });
        assert.deepEqual([done.status, done.runIds, done.runKeys, done.cursor, done.skipReason], ["SUCCESS", ["r1", "r2"], ["k1", "k2"], "c1", null]);
        assert.ok(done.updatedAt >= tick.updatedAt);
        const skipped = await storage.updateTick(tick.tickId, { status: "SKIPPED", skipReason: "no new files" });
        assert.deepEqual([skipped.status, skipped.skipReason, skipped.runIds], ["SKIPPED", "no new files", ["r1", "r2"]]);
        await assert.rejects(storage.updateTick(tick.tickId + 1000, { status: "FAILURE" }), StorageNotFoundError);
      });

      it("lists an instigator's ticks newest tick time first, up to the limit", async () => {
        for (const time of ["2024-05-02", "2024-05-03", "2024-05-01"]) {
          await storage.createTick({ instigatorName: "daily", instigatorType: "schedule", tickTime: `${time}T00:00:00.000Z`, status: "SUCCESS" });
        }
        await storage.createTick({ instigatorName: "other", instigatorType: "schedule", tickTime: "2024-05-09T00:00:00.000Z", status: "SUCCESS" });
        assert.deepEqual((await storage.listTicks("daily")).map((tick) => tick.tickTime.slice(0, 10)), ["2024-05-03", "2024-05-02", "2024-05-01"]);
        assert.deepEqual((await storage.listTicks("daily", { limit: 1 })).map((tick) => tick.tickTime.slice(0, 10)), ["2024-05-03"]);
      });

      it("pages an instigator's ticks after the last tick of the previous page", async () => {
        for (const time of ["2024-05-02", "2024-05-03", "2024-05-01"]) {
          await storage.createTick({ instigatorName: "daily", instigatorType: "schedule", tickTime: `${time}T00:00:00.000Z`, status: "SUCCESS" });
        }
        const seen: string[] = [];
        let before: { tickTime: string; tickId: number } | undefined;
        for (;;) {
          const page = await storage.listTicks("daily", { limit: 2, ...(before ? { before } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((tick) => tick.tickTime.slice(0, 10)));
          const last = page[page.length - 1]!;
          before = { tickTime: last.tickTime, tickId: last.tickId };
        }
        assert.deepEqual(seen, ["2024-05-03", "2024-05-02", "2024-05-01"]);
      });
    });
  });
}
