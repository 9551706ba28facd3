/**
 * Several daemons and a worker on one PostgreSQL, as separate processes: exactly one run per tick,
 * sensor run keys launched once, a killed worker's run failed and retried within the monitor
 * interval, a restart that resumes where the schedules and sensors were, and a daemon frozen
 * mid-run (SIGSTOP) whose run is retried once, whoever notices.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { enqueueRun } from "../../runtime/src/daemon/runLifecycle";
import type { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "../storage/postgresTestDatabase";
import { isAlive, postgresProjectYaml, runCommand, startProcess, writeProject, type TributaryProcess } from "./helpers";
import { waitFor } from "../support/waitFor";

const HEARTBEAT_TIMEOUT_S = 1.5;

/** The run worker processes (workerMain) whose working directory is `dir`, with their parent pid. */
function workerProcessesIn(dir: string): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("workerMain")) continue;
      if (realpathSync(`/proc/${entry}/cwd`) !== realpathSync(dir)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      found.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const MONITOR_INTERVAL_S = 0.3;

const DEFINITIONS = `
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { asset, definitions, schedule, sensor } from "tributary-ts";

export const quick = asset({ key: "quick" }, () => 1);

// Holds while the file "hold" exists, so a test can kill its worker mid-run.
export const blocker = asset({ key: "blocker" }, async (ctx) => {
  writeFileSync("started-" + ctx.runId, String(process.pid));
  while (existsSync("hold")) await new Promise((resolve) => setTimeout(resolve, 20));
  return 2;
});

// Longer than the monitor's heartbeat timeout below.
export const slow = asset({ key: "slow" }, async () => {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return 3;
});

export const everySecond = schedule({ name: "every_second", cron: "*/1 * * * * *", selection: "quick" });

// One run request per file in keys/, keyed by the file name.
export const keys = sensor({ name: "keys", selection: "quick", minimumIntervalSeconds: 0.2 }, () => {
  const names = existsSync("keys") ? readdirSync("keys") : [];
  return names.length > 0 ? names.map((name) => ({ runKey: name })) : { skip: "no key files" };
});

export default definitions({ assets: [quick, blocker, slow], schedules: [everySecond], sensors: [keys] });
`;

describe("daemons and workers sharing PostgreSQL (separate processes)", function () {
  this.timeout(120_000);
  let storage: PostgresStorage;
  let dir: string;
  let daemons: TributaryProcess[] = [];
  let worker: TributaryProcess | undefined;

  const startDaemons = async (count: number) => {
    // Daemons do not execute runs here (--max-concurrent-runs 0): the worker does, so killing it
    // is killing the process that runs them.
    daemons = await Promise.all(Array.from({ length: count }, () => startProcess(dir, ["daemon", "--max-concurrent-runs", "0"])));
  };
  const scheduleRuns = () => storage.listRuns({ instigatorName: "every_second", limit: 1000 });

  /**
   * A run whose worker was killed ends FAILURE by the monitor once its heartbeat is older than the
   * timeout (judged on the run's own recorded times, not on this test's clock, which a loaded machine
   * skews); the retry (queued by the monitor right after, in a statement of its own) succeeds on a
   * new worker once the blocker is released.
   */
  const expectFailedThenRetried = async (runId: string) => {
    const failed = await waitFor("the run failed", async () => {
      const run = await storage.getRun(runId);
      return run?.status === "FAILURE" ? run : undefined;
    }, 10_000);
    assert.match(failed.error ?? "", /stopped sending heartbeats/);
    const silentMs = Date.parse(failed.endedAt!) - Date.parse(failed.heartbeatAt!);
    assert.ok(silentMs >= HEARTBEAT_TIMEOUT_S * 1000, `failed after ${silentMs} ms without a heartbeat, under the ${HEARTBEAT_TIMEOUT_S} s timeout`);
    const retryOf = async () => (await storage.listRuns({ limit: 10 })).find((candidate) => candidate.parentRunId === runId);
    await waitFor("a retry run was queued", async () => (await retryOf()) !== undefined);
    const retry = (await retryOf())!;
    assert.equal(retry.attempt, 2);
    rmSync(path.join(dir, "hold"));
    worker = await startProcess(dir, ["worker"]);
    await waitFor("the retry succeeded", async () => (await storage.getRun(retry.runId))?.status === "SUCCESS", 40_000);
  };

  before(async () => {
    await assertTestDatabaseReachable();
    storage = await makeTestStorage();
    dir = writeProject({
      "tributary.yaml": postgresProjectYaml({ url: TEST_DATABASE_URL, schema: storage.schema }, {
        queuePollMs: 50,
        heartbeatSeconds: 0.2,
        monitorIntervalSeconds: MONITOR_INTERVAL_S,
        heartbeatTimeoutSeconds: HEARTBEAT_TIMEOUT_S,
        schedulerPollMs: 200,
        sensorPollMs: 100,
        maxConcurrentRuns: 4,
        runRetries: "{ maxRetries: 1 }",
      }),
      "definitions.ts": DEFINITIONS,
    });
    await startDaemons(3);
    worker = await startProcess(dir, ["worker"]);
  });

  after(async () => {
    rmSync(path.join(dir, "hold"), { force: true });
    await Promise.all([...daemons, ...(worker ? [worker] : [])].map((process) => process.killGroup()));
    await disposeTestStorage(storage);
  });

  it("launches exactly one run per tick when three daemons share a database", async () => {
    await storage.setInstigatorState({ name: "every_second", type: "schedule", status: "RUNNING" });
    await waitFor("4 ticks launched", async () => (await storage.listTicks("every_second")).filter((tick) => tick.status === "SUCCESS").length >= 4, 15_000);
    await storage.setInstigatorState({ name: "every_second", type: "schedule", status: "STOPPED" });
    await waitFor("no tick in progress", async () => (await storage.listTicks("every_second")).every((tick) => tick.status !== "STARTED"));
    const ticks = (await storage.listTicks("every_second")).reverse();
    const runs = await scheduleRuns();
    assert.equal(runs.length, ticks.length, "one run per tick");
    for (const tick of ticks) {
      assert.equal(tick.status, "SUCCESS");
      assert.equal(runs.filter((run) => run.instigator?.tickTime === tick.tickTime).length, 1, `exactly one run for tick ${tick.tickTime}`);
    }
    // No second was skipped between the first tick and the last.
    const times = ticks.map((tick) => Date.parse(tick.tickTime));
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 1000, `ticks ${ticks[i - 1]!.tickTime} and ${ticks[i]!.tickTime} are one second apart`);
    await waitFor("the worker executed every scheduled run", async () => (await scheduleRuns()).every((run) => run.status === "SUCCESS"), 60_000);
  });

  it("launches each of a sensor's run keys once across daemons", async () => {
    const keysDir = path.join(dir, "keys");
    mkdirSync(keysDir, { recursive: true });
    for (const name of ["k1", "k2", "k3"]) writeFileSync(path.join(keysDir, name), "");
    await storage.setInstigatorState({ name: "keys", type: "sensor", status: "RUNNING" });
    const keyRuns = () => storage.listRuns({ instigatorName: "keys", limit: 1000 });
    await waitFor("the 3 keys launched", async () => (await keyRuns()).length >= 3, 10_000);
    // Several more evaluations (by any daemon) see the same keys again.
    const seen = (await storage.listTicks("keys")).length;
    await waitFor("5 more sensor ticks", async () => (await storage.listTicks("keys")).length >= seen + 5, 10_000);
    writeFileSync(path.join(keysDir, "k4"), "");
    await waitFor("the 4th key launched", async () => (await keyRuns()).length >= 4, 10_000);
    const more = (await storage.listTicks("keys")).length;
    await waitFor("3 more sensor ticks", async () => (await storage.listTicks("keys")).length >= more + 3, 10_000);
    const runs = await keyRuns();
    assert.deepEqual(runs.map((run) => run.runKey).sort(), ["k1", "k2", "k3", "k4"]);
    const skipped = (await storage.listTicks("keys")).filter((tick) => tick.status === "SKIPPED");
    assert.ok(skipped.some((tick) => /launched before/.test(tick.skipReason ?? "")), "ticks record the duplicate keys they skipped");
  });

  it("fails and retries a run within the monitor interval when its worker is killed with SIGKILL", async () => {
    writeFileSync(path.join(dir, "hold"), "");
    const run = await enqueueRun(storage, { selection: "blocker", assetKeys: ["blocker"] });
    await waitFor("the blocker step started", () => existsSync(path.join(dir, `started-${run.runId}`)), 40_000).catch(async (error: Error) => {
      throw new Error(`${error.message}; run: ${JSON.stringify(await storage.getRun(run.runId))}\nworker output:\n${worker!.output()}`);
    });
    await worker!.killGroup();
    await expectFailedThenRetried(run.runId);
    const events = await storage.getRunEvents(run.runId);
    assert.ok(events.some((event) => event.type === "RUN_FAILURE"), "the failed run has its RUN_FAILURE event");
  });

  it("fails and retries a run when only its coordinator (tributary worker) is killed, and the orphaned run worker stops", async () => {
    writeFileSync(path.join(dir, "hold"), "");
    const run = await enqueueRun(storage, { selection: "blocker", assetKeys: ["blocker"] });
    const startedFile = path.join(dir, `started-${run.runId}`);
    await waitFor("the blocker step started", () => existsSync(startedFile), 40_000);
    const runWorkerPid = Number(readFileSync(startedFile, "utf8"));
    await worker!.killAlone();
    await waitFor("the orphaned run worker exited", () => !isAlive(runWorkerPid), 5_000);
    // Its idle warm workers too, including one forked just before the kill that never heard from it.
    const parents = new Set(daemons.map((daemon) => daemon.child.pid));
    await waitFor("no orphaned worker process is left", () => workerProcessesIn(dir).every((process) => parents.has(process.ppid)), 5_000);
    await expectFailedThenRetried(run.runId);
  });

  it("leaves a run of tributary materialize alone while it runs longer than the heartbeat timeout (the command heartbeats it)", async () => {
    const { code, output } = await runCommand(dir, ["materialize", "--select", "slow", "--json"]);
    assert.equal(code, 0, output);
    const runId = (JSON.parse(output.slice(output.indexOf("{"), output.lastIndexOf("}") + 1)) as { runId: string }).runId;
    const run = await storage.getRun(runId);
    assert.equal(run?.status, "SUCCESS", run?.error ?? "");
    assert.ok(run?.heartbeatAt, "the command recorded heartbeats");
  });

  it("resumes schedules and sensors where they were after every daemon restarts", async () => {
    await storage.setInstigatorState({ name: "every_second", type: "schedule", status: "RUNNING" });
    await waitFor("the schedule ticks again", async () => (await storage.listTicks("every_second", { limit: 1 }))[0]!.tickTime > new Date(Date.now() - 1500).toISOString(), 10_000);
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    const stoppedAt = Date.now();
    const [lastBefore] = await storage.listTicks("every_second", { limit: 1 });
    writeFileSync(path.join(dir, "keys", "k5"), "");
    // Downtime: several ticks are missed.
    await waitFor("3 s of downtime", () => Date.now() - stoppedAt > 3000, 5000);
    await startDaemons(2);
    const restartedAt = Date.now();
    await waitFor("the key written during the downtime launched", async () => (await storage.listRuns({ instigatorName: "keys", limit: 100 })).some((run) => run.runKey === "k5"), 10_000);
    await waitFor("ticking again after the restart", async () => (await storage.listTicks("every_second", { limit: 1 }))[0]!.tickTime > new Date(restartedAt + 1000).toISOString(), 10_000);
    await storage.setInstigatorState({ name: "every_second", type: "schedule", status: "STOPPED" });
    const after = (await storage.listTicks("every_second", { limit: 1000 })).filter((tick) => tick.tickTime > lastBefore!.tickTime).reverse();
    // Catch-up "latest": of the instants missed while down, only the latest one launched.
    const missed = after.filter((tick) => Date.parse(tick.tickTime) < restartedAt - 1000);
    assert.ok(missed.length <= 1, `at most the latest missed tick is launched, got ${missed.map((tick) => tick.tickTime).join(", ")}`);
    // Each key launched once. A run that the restart cut short may have been retried (run retries are
    // on here): a retry keeps the instigator but has no run key of its own, so first attempts count.
    const firstAttempts = (await storage.listRuns({ instigatorName: "keys", limit: 100 })).filter((run) => run.parentRunId === null);
    assert.deepEqual(firstAttempts.map((run) => run.runKey).sort(), ["k1", "k2", "k3", "k4", "k5"]);
  });
});

const FREEZE_DEFINITIONS = `
import { existsSync, writeFileSync } from "node:fs";
import { asset, definitions } from "tributary-ts";

// Records each execution (one file per run) and holds while the file "hold" exists, so a test can
// freeze the daemon that runs it; "finished-<run>" once its code is done.
export const counted = asset({ key: "counted" }, async (ctx) => {
  writeFileSync("executed-" + ctx.runId, String(process.pid));
  while (existsSync("hold")) await new Promise((resolve) => setTimeout(resolve, 20));
  writeFileSync("finished-" + ctx.runId, "");
  return 1;
});

export default definitions({ assets: [counted] });
`;

describe("two daemons executing runs on PostgreSQL, one of them frozen (SIGSTOP) mid-run", function () {
  this.timeout(120_000);
  let storage: PostgresStorage;
  let dir: string;
  let daemons: TributaryProcess[] = [];

  before(async () => {
    await assertTestDatabaseReachable();
    storage = await makeTestStorage();
    dir = writeProject({
      "tributary.yaml": postgresProjectYaml({ url: TEST_DATABASE_URL, schema: storage.schema }, {
        queuePollMs: 50,
        heartbeatSeconds: 0.2,
        monitorIntervalSeconds: MONITOR_INTERVAL_S,
        heartbeatTimeoutSeconds: HEARTBEAT_TIMEOUT_S,
        maxConcurrentRuns: 2,
        runRetries: "{ maxRetries: 1 }",
      }),
      "definitions.ts": FREEZE_DEFINITIONS,
    });
    daemons = await Promise.all([0, 1].map(() => startProcess(dir, ["daemon"])));
  });

  after(async () => {
    // SIGKILL ends a stopped process too.
    await Promise.all(daemons.map((daemon) => daemon.killGroup()));
    await disposeTestStorage(storage);
  });

  it("retries the run once and counts one outcome when the frozen daemon resumes and finishes it", async () => {
    writeFileSync(path.join(dir, "hold"), "");
    const run = await enqueueRun(storage, { selection: "counted", assetKeys: ["counted"] });
    await waitFor("the run's code started", () => existsSync(path.join(dir, `executed-${run.runId}`)), 40_000);
    const owner = (await storage.getRun(run.runId))!.workerId;
    const frozen = daemons.find((daemon) => daemon.daemonId === owner);
    assert.ok(frozen, `the run is executed by one of the daemons (worker ${owner})`);
    frozen.freeze();

    // The other daemon's monitor fails the run (no heartbeat) and retries it; it executes the retry.
    await waitFor("the monitor failed the frozen daemon's run", async () => (await storage.getRun(run.runId))?.status === "FAILURE", 20_000);
    assert.match((await storage.getRun(run.runId))!.error ?? "", /stopped sending heartbeats/);
    const retriesOf = async () => (await storage.listRuns({ limit: 100 })).filter((candidate) => candidate.parentRunId === run.runId);
    await waitFor("the run was retried", async () => (await retriesOf()).length > 0);
    const [retry] = await retriesOf();
    // The frozen run's code goes on in its worker process and finishes while its daemon is stopped.
    rmSync(path.join(dir, "hold"));
    await waitFor("the retry succeeded on the other daemon", async () => (await storage.getRun(retry!.runId))?.status === "SUCCESS", 40_000);
    await waitFor("the frozen daemon's run finished its code", () => existsSync(path.join(dir, `finished-${run.runId}`)), 20_000);

    frozen.resume();
    const notCounted = new RegExp(`run ${run.runId} finished here after another process had ended it FAILURE`);
    await waitFor("the resumed daemon handled the run's end", async () => notCounted.test(frozen.output()) || (await retriesOf()).length > 1, 20_000);
    await waitFor("no run left to execute", async () => (await storage.listRuns({ statuses: ["QUEUED", "STARTING", "STARTED", "CANCELING"] })).length === 0, 40_000);

    const retries = await retriesOf();
    assert.deepEqual(retries.map((candidate) => [candidate.runId, candidate.attempt]), [[retry!.runId, 2]], "one retry, attempt 2");
    assert.equal((await storage.getRun(run.runId))?.status, "FAILURE", "the monitor's end stands");
    const executions = readdirSync(dir).filter((name) => name.startsWith("executed-"));
    assert.deepEqual(executions.sort(), [`executed-${run.runId}`, `executed-${retry!.runId}`].sort(), "the code ran for the run and its one retry");
    const events = await storage.getRunEvents(run.runId);
    assert.ok(events.some((event) => /finished here \(SUCCESS\) after another process had ended it FAILURE/.test(event.message)), "the late finish is recorded on the run");
  });
});
