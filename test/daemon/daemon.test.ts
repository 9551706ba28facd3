/** The daemon in-process on SQLite: sensors that throw or hang, cron changes, cancel, catch-up. */
import assert from "node:assert/strict";
import { Daemon } from "../../runtime/src/daemon/daemon";
import type { RunLauncher } from "../../runtime/src/daemon/runQueue";
import { findProjectConfig } from "../../runtime/src/loader";
import { Scheduler } from "../../runtime/src/daemon/scheduler";
import type { RunResult } from "../../runtime/src/execution/api";
import { writeProject } from "./helpers";
import { waitFor } from "../support/waitFor";
import { silentLogger } from "../../runtime/src/daemon/logger";

const FAST = { queuePollMs: 20, heartbeatMs: 50, monitorIntervalMs: 100, schedulerPollMs: 50, sensorPollMs: 30, daemonHeartbeatMs: 1000 };

/** Runs "execute" by marking them STARTED then SUCCESS, or wait for a cancel when tagged hold=1. */
const fakeLauncher: RunLauncher = async (options) => {
  const storage = options.storage;
  await storage.transitionRun(options.runId!, ["STARTING"], "STARTED", { startedAt: new Date().toISOString() });
  if (options.tags?.["hold"] === "1") {
    await new Promise<void>((resolve) => options.signal!.addEventListener("abort", () => resolve(), { once: true }));
    await storage.updateRun(options.runId!, { status: "CANCELED", endedAt: new Date().toISOString() });
    return { runId: options.runId!, status: "CANCELED", steps: [] } satisfies RunResult;
  }
  await storage.updateRun(options.runId!, { status: "SUCCESS", endedAt: new Date().toISOString() });
  return { runId: options.runId!, status: "SUCCESS", steps: [] };
};

function project(definitions: string): string {
  return writeProject({ "definitions.ts": `import { asset, definitions, schedule, sensor } from "tributary-ts";\nexport const a = asset({ key: "a" }, () => 1);\n${definitions}` });
}

async function startDaemon(dir: string, logs: string[] = [], maxConcurrentRuns = 10): Promise<Daemon> {
  const daemon = new Daemon({ config: findProjectConfig(dir), settings: { ...FAST, maxConcurrentRuns }, launcher: fakeLauncher, log: (line) => logs.push(line) });
  await daemon.start();
  return daemon;
}

describe("daemon (in-process, SQLite)", function () {
  this.timeout(30_000);

  it("records a FAILURE tick for a sensor that throws, and for one that times out, and keeps evaluating", async () => {
    const dir = project(`
      let calls = 0;
      export const flaky = sensor({ name: "flaky", selection: "a", minimumIntervalSeconds: 0.05, defaultStatus: "RUNNING", timeoutMs: 300 }, () => {
        calls++;
        if (calls === 1) throw new Error("boom at call 1");
        if (calls === 2) return new Promise(() => undefined);
        return { runKey: "once" };
      });
      export default definitions({ assets: [a], sensors: [flaky] });
    `);
    const daemon = await startDaemon(dir);
    try {
      await waitFor("the third evaluation launched its run", async () => (await daemon.storage.listRuns({ instigatorName: "flaky" })).length === 1, 10_000);
      const ticks = (await daemon.storage.listTicks("flaky")).reverse();
      const failures = ticks.filter((tick) => tick.status === "FAILURE").map((tick) => tick.error);
      assert.ok(failures.some((error) => /boom at call 1/.test(error ?? "")), `a throwing sensor records its error: ${failures.join(" | ")}`);
      assert.ok(failures.some((error) => /timed out after 300 ms/.test(error ?? "")), "a hanging sensor records a timeout");
      assert.ok(ticks.some((tick) => tick.status === "SUCCESS" && tick.runKeys.includes("once")));
    } finally {
      await daemon.stop();
    }
  });

  it("does not launch a run for past instants when a schedule's cron changes", async () => {
    const dir = project(`export const s = schedule({ name: "s", cron: "0 0 1 1 *", selection: "a", defaultStatus: "RUNNING" });\nexport default definitions({ assets: [a], schedules: [s] });`);
    const daemon = await startDaemon(dir);
    try {
      const storage = daemon.storage;
      // A tick of the old cron a year ago: with the same cron, catch-up would launch the latest missed instant.
      await storage.createTick({ instigatorName: "s", instigatorType: "schedule", tickTime: "2020-01-01T00:00:00.000Z", status: "SUCCESS", cursor: JSON.stringify({ cron: "0 0 * * *", timezone: "UTC" }) });
      daemon.schedulerLoop!.wake();
      await waitFor("the daemon is alive", async () => (await storage.listDaemonHeartbeats()).length === 1);
      await daemon.schedulerLoop!.stop();
      assert.equal((await storage.listRuns({ instigatorName: "s" })).length, 0, "no run launched for the changed cron");
    } finally {
      await daemon.stop();
    }
  });

  it("launches only the latest missed tick after downtime (catch-up latest)", async () => {
    const dir = project(`export const s = schedule({ name: "s", cron: "*/1 * * * * *", selection: "a", defaultStatus: "RUNNING" });\nexport default definitions({ assets: [a], schedules: [s] });`);
    const daemon = await startDaemon(dir);
    try {
      await daemon.schedulerLoop!.stop();
      const storage = daemon.storage;
      await storage.createTick({ instigatorName: "s", instigatorType: "schedule", tickTime: new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000).toISOString(), status: "SUCCESS", cursor: JSON.stringify({ cron: "*/1 * * * * *", timezone: "UTC" }) });
      const before = (await storage.listTicks("s")).length;
      daemon.schedulerLoop!.start();
      await waitFor("a catch-up run", async () => (await storage.listRuns({ instigatorName: "s" })).length >= 1);
      await daemon.schedulerLoop!.stop();
      const ticks = (await storage.listTicks("s")).slice(0, -before);
      const launchedAt = Date.now();
      // 30 instants were missed; only the most recent (and the ones since) launched.
      assert.ok(ticks.length <= 3, `expected the latest missed tick only, got ${ticks.length}`);
      assert.ok(ticks.every((tick) => launchedAt - Date.parse(tick.tickTime) < 5000));
    } finally {
      await daemon.stop();
    }
  });

  it("launches no more runs with catchUp none than with the default after downtime, whatever the schedule's interval", async () => {
    // A 10 s schedule whose last tick was at :00, evaluated by a scheduler whose clock reads :45 (then
    // :75): every instant but the latest is missed, because the next instant after it has passed too.
    const policies = { none: '"none"', latest: '"latest"', two: "{ maxTicks: 2 }" };
    const schedules = Object.entries(policies).map(([name, policy]) => `schedule({ name: "${name}", cron: "*/10 * * * * *", selection: "a", defaultStatus: "RUNNING", catchUp: ${policy} })`);
    const dir = project(`export default definitions({ assets: [a], schedules: [${schedules.join(", ")}] });`);
    const daemon = await startDaemon(dir);
    try {
      await daemon.schedulerLoop!.stop();
      const loaded = daemon.project();
      assert.ok(loaded.ok);
      const lastTick = Date.parse("2030-01-01T00:00:00.000Z");
      for (const name of Object.keys(policies)) {
        await daemon.storage.createTick({ instigatorName: name, instigatorType: "schedule", tickTime: new Date(lastTick).toISOString(), status: "SUCCESS", cursor: JSON.stringify({ cron: "*/10 * * * * *", timezone: "UTC" }) });
      }
      const launched = async (): Promise<Record<string, number>> => {
        const counts: Record<string, number> = {};
        for (const name of Object.keys(policies)) counts[name] = (await daemon.storage.listRuns({ instigatorName: name })).length;
        return counts;
      };
      const evaluateAt = async (clock: number): Promise<void> => {
        const before = Object.values(await launched()).reduce((sum, count) => sum + count, 0);
        const scheduler = new Scheduler({ storage: daemon.storage, project: () => loaded.project, submit: (request) => daemon.submitRun(request), pollMs: 50, logger: silentLogger(), now: () => clock });
        scheduler.start();
        await waitFor("the scheduler launched runs", async () => Object.values(await launched()).reduce((sum, count) => sum + count, 0) > before);
        await scheduler.stop();
      };
      await evaluateAt(lastTick + 45_000); // instants :10 :20 :30 :40 are due
      assert.deepEqual(await launched(), { none: 1, latest: 1, two: 2 });
      await evaluateAt(lastTick + 45_000 + 75_000); // :50 ... 1:50 are due (7 instants)
      assert.deepEqual(await launched(), { none: 2, latest: 2, two: 4 });
    } finally {
      await daemon.stop();
    }
  });

  it("cancels a queued run at once and a running run through its coordinator", async () => {
    const dir = project(`export default definitions({ assets: [a] });`);
    const daemon = await startDaemon(dir, [], 1);
    try {
      const running = await daemon.submitRun({ selection: "a", tags: { hold: "1" } });
      await waitFor("the run started", async () => (await daemon.storage.getRun(running.runId))?.status === "STARTED");
      // With its only slot taken, the coordinator leaves this one QUEUED: canceled at once.
      const queued = await daemon.submitRun({ selection: "a" });
      const canceled = await daemon.cancelRun(queued.runId);
      assert.equal(canceled.status, "CANCELED");
      const canceling = await daemon.cancelRun(running.runId);
      assert.equal(canceling.status, "CANCELING");
      await waitFor("the running run was canceled", async () => (await daemon.storage.getRun(running.runId))?.status === "CANCELED");
      await assert.rejects(daemon.cancelRun("no-such-run"), /no run with id no-such-run/);
    } finally {
      await daemon.stop();
    }
  });

  it("rejects a bad selection and an unknown schedule name with a message", async () => {
    const dir = project(`export default definitions({ assets: [a] });`);
    const daemon = await startDaemon(dir);
    try {
      await assert.rejects(daemon.submitRun({ selection: "group:nope" }), /matches no asset/);
      await assert.rejects(daemon.submitRun({ selection: "a)" }), /position/);
      await assert.rejects(daemon.setInstigatorStatus("nightly", "RUNNING"), /no schedule or sensor named "nightly"/);
    } finally {
      await daemon.stop();
    }
  });
});
