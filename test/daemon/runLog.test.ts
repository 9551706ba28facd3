/**
 * The daemon logs one line when a run is queued (here by a sensor's tick) and one when it ends:
 * status, duration, the failed step with its error, and the run's URL once the HTTP API serves.
 * A real daemon with its worker pool, on SQLite.
 */
import assert from "node:assert/strict";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { enqueueRun, failRun, runEvent } from "../../runtime/src/daemon/runLifecycle";
import { runEndedLine } from "../../runtime/src/daemon/runLog";
import { openStorage } from "../../runtime/src/storage";
import { findProjectConfig } from "../../runtime/src/loader";
import { waitFor } from "../support/waitFor";
import { writeProject } from "./helpers";

const FAST = { queuePollMs: 20, heartbeatMs: 50, monitorIntervalMs: 100, schedulerPollMs: 50, sensorPollMs: 30, daemonHeartbeatMs: 1000, maxConcurrentRuns: 2 };

describe("daemon log lines about runs", function () {
  this.timeout(60_000);

  it("says which tick queued a run, and how each run ended, with the failed step's error and the run's URL", async () => {
    const dir = writeProject({
      "definitions.ts": `import { asset, definitions, sensor } from "tributary-ts";
export const a = asset({ key: "a" }, () => 1);
export const broken = asset({ key: "broken" }, () => { throw new Error("no export for today"); });
export const once = sensor({ name: "once", selection: "a", minimumIntervalSeconds: 0.05, defaultStatus: "RUNNING" }, () => ({ runKey: "once" }));
export default definitions({ assets: [a, broken], sensors: [once] });
`,
    });
    const logs: string[] = [];
    const daemon = new Daemon({ config: findProjectConfig(dir), settings: FAST, log: (line) => logs.push(line) });
    daemon.servesAt("http://127.0.0.1:3000");
    await daemon.start();
    try {
      const fromSensor = await waitFor("the sensor queued a run", async () => (await daemon.storage.listRuns({ instigatorName: "once" }))[0]);
      const failing = await daemon.submitRun({ selection: "broken" });
      const ended = (runId: string) => logs.find((line) => line.startsWith(`[runs] run ${runId} SUCCESS`) || line.startsWith(`[runs] run ${runId} FAILURE`));
      await waitFor("both runs ended in the log", () => ended(fromSensor.runId) !== undefined && ended(failing.runId) !== undefined);
      assert.ok(logs.includes(`[runs] run ${fromSensor.runId} queued by sensor once: "a" http://127.0.0.1:3000/runs/${fromSensor.runId}`), logs.join("\n"));
      assert.ok(logs.includes(`[runs] run ${failing.runId} queued: "broken" http://127.0.0.1:3000/runs/${failing.runId}`), logs.join("\n"));
      assert.match(ended(fromSensor.runId)!, new RegExp(`^\\[runs\\] run ${fromSensor.runId} SUCCESS in \\d+(\\.\\d)? m?s http://127\\.0\\.0\\.1:3000/runs/${fromSensor.runId}$`));
      assert.match(ended(failing.runId)!, new RegExp(`^\\[runs\\] run ${failing.runId} FAILURE in \\d+(\\.\\d)? m?s: step broken: asset "broken" failed: no export for today http://127\\.0\\.0\\.1:3000/runs/${failing.runId}$`));
    } finally {
      await daemon.stop();
    }
  });

  it("builds the line of a run the monitor ended from storage, naming its first failed step", async () => {
    const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    try {
      const run = await enqueueRun(storage, { selection: "stg_orders", assetKeys: ["stg_orders"], tags: {}, instigator: null, runKey: null });
      await storage.transitionRun(run.runId, ["QUEUED"], "STARTED", { startedAt: "2025-01-01T00:00:00.000Z" });
      await storage.appendEvents([{ ...runEvent(run.runId, "STEP_FAILURE", "stg_orders: failure", { error: { name: "Error", message: "no export for today" } }, "error"), stepKey: "stg_orders" }]);
      await failRun(storage, (await storage.getRun(run.runId))!, "the worker died");
      const line = await runEndedLine((await storage.getRun(run.runId))!, storage, undefined);
      assert.match(line, new RegExp(`^run ${run.runId} FAILURE in .+: step stg_orders: no export for today$`));
    } finally {
      await storage.close();
    }
  });
});
