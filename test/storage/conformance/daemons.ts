/**
 * Conformance of DaemonStorage: the last heartbeat of each daemon.
 */
import assert from "node:assert/strict";
import type { DaemonStorage } from "../../../runtime/src/storage/port";
import { useFreshStorage, type ConformanceBackend } from "./fixtures";

/** Registers the daemon heartbeats part of the conformance suite for one backend. */
export function daemonConformance(backend: ConformanceBackend<DaemonStorage>): void {
  describe(`Storage conformance, daemon heartbeats: ${backend.name}`, () => {
    let storage: DaemonStorage;
    useFreshStorage(backend, (made) => (storage = made));

    it("keeps the last heartbeat of each daemon", async () => {
      await storage.recordDaemonHeartbeat("daemon-b", { host: "b", pid: 2 }, "2024-05-01T00:00:00.000Z");
      await storage.recordDaemonHeartbeat("daemon-a", { host: "a" }, "2024-05-01T00:00:00.000Z");
      await storage.recordDaemonHeartbeat("daemon-b", { host: "b", pid: 3 }, "2024-05-01T00:00:30.000Z");
      assert.deepEqual(await storage.listDaemonHeartbeats(), [
        { daemonId: "daemon-a", info: { host: "a" }, at: "2024-05-01T00:00:00.000Z" },
        { daemonId: "daemon-b", info: { host: "b", pid: 3 }, at: "2024-05-01T00:00:30.000Z" },
      ]);
    });
  });
}
