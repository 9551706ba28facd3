/**
 * Declarative automation with real daemons (in-process, each with its own connection to one real
 * database), on SQLite and PostgreSQL. The automation clock is injected and moved one interval at
 * a time, so each test counts ticks and runs, never waits on time. Runs execute through a launcher
 * that writes the materializations a real run writes (event log and derived asset state).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { startHttpServer } from "../../runtime/src/daemon/http/server";
import type { RunLauncher } from "../../runtime/src/daemon/runQueue";
import { findProjectConfig } from "../../runtime/src/loader";
import { partitionKeysFromTags } from "../../runtime/src/partitions/runPartitions";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { AUTOMATION_INSTIGATOR } from "../../runtime/src/services/automation/tick";
import { runMain, testEnv } from "../cli/helpers";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "../storage/postgresTestDatabase";
import type { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { tempProject } from "../support/tempProject";
import { waitFor } from "../support/waitFor";

const DEFINITIONS = `import { asset, AutomationCondition, definitions, dynamicPartitions } from "tributary-ts";
export const raw = asset({ key: "raw" }, () => 1);
export const stg = asset({ key: "stg", deps: [raw], automation: AutomationCondition.eager() }, () => 2);
export const report = asset({ key: "report", deps: [raw], automation: AutomationCondition.onCron("0 0 * * *") }, () => 3);
export const regional = asset({ key: "regional", partitions: dynamicPartitions({ name: "regions" }), automation: AutomationCondition.onMissing() }, () => 4);
export default definitions({ assets: [raw, stg, report, regional] });
`;

const FAST = { queuePollMs: 20, heartbeatMs: 50, monitorIntervalMs: 100, schedulerPollMs: 50, sensorPollMs: 50, daemonHeartbeatMs: 1000 };
const INTERVAL = 1000;

/**
 * "Executes" a run by writing what a run of its assets writes: a materialization per asset (and
 * partition), stamped by the test's clock (the automation clock), so that event order and the
 * evaluations' instants agree.
 */
function materializingLauncher(clock: () => number): RunLauncher {
  return async (options) => {
  const storage = options.storage!;
  const run = (await storage.getRun(options.runId!))!;
  await storage.transitionRun(run.runId, ["STARTING"], "STARTED", { startedAt: new Date().toISOString() });
  const partitions = partitionKeysFromTags(run.tags);
  const events = run.assetKeys.flatMap((assetKey) =>
    (partitions.length > 0 ? partitions : [undefined]).map((partition) => ({
      runId: run.runId,
      timestamp: new Date(clock()).toISOString(),
      type: "ASSET_MATERIALIZATION" as const,
      stepKey: assetKey,
      level: "info" as const,
      message: `materialized ${assetKey}`,
      data: { assetKey, metadata: {}, ...(partition === undefined ? {} : { partition }) },
    })),
  );
  await storage.appendEvents(events, { runUpdate: { runId: run.runId, update: { status: "SUCCESS", endedAt: new Date().toISOString() } } });
  return { runId: run.runId, status: "SUCCESS", steps: [] };
  };
}

interface Backend {
  name: string;
  /** A project folder whose tributary.yaml points at a fresh database, and a storage to look at it. */
  setUp(): Promise<{ dir: string; storage: Storage; env: NodeJS.ProcessEnv; dispose(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "SQLite",
    async setUp() {
      const project = tempProject({ "definitions.ts": DEFINITIONS, "tributary.yaml": "entry: definitions.ts\nstorage:\n  url: state.db\n" }, "automation");
      const storage = await openStorage({ kind: "sqlite", path: join(project.dir, "state.db") });
      return {
        dir: project.dir,
        storage,
        env: testEnv(),
        async dispose() {
          await storage.close();
          project.cleanup();
        },
      };
    },
  },
  {
    name: "PostgreSQL",
    async setUp() {
      await assertTestDatabaseReachable();
      const storage = await makeTestStorage();
      const url = TEST_DATABASE_URL;
      const project = tempProject(
        { "definitions.ts": DEFINITIONS, "tributary.yaml": `entry: definitions.ts\nstorage:\n  url: ${url}\n  schema: ${storage.schema}\n` },
        "automation",
      );
      return {
        dir: project.dir,
        storage,
        env: testEnv(),
        async dispose() {
          await disposeTestStorage(storage as PostgresStorage);
          project.cleanup();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`automation in the daemon (${backend.name})`, function () {
    this.timeout(60_000);
    let dir: string;
    let storage: Storage;
    let env: NodeJS.ProcessEnv;
    let dispose: () => Promise<void>;
    let now: number;
    let stamp = 0;
    const daemons: Daemon[] = [];

    beforeEach(async () => {
      ({ dir, storage, env, dispose } = await backend.setUp());
      now = Date.parse("2024-05-01T23:59:50.000Z");
      stamp = 0;
    });

    afterEach(async () => {
      await Promise.all(daemons.splice(0).map((daemon) => daemon.stop()));
      await dispose();
    });

    async function startDaemons(count = 1, automation: { tickLeaseMs?: number } = {}): Promise<Daemon[]> {
      const started = await Promise.all(
        Array.from({ length: count }, async () => {
          const daemon = new Daemon({
            config: findProjectConfig(dir, env),
            settings: FAST,
            automation: { intervalMs: INTERVAL, ...automation },
            automationClock: () => now,
            // Each materialization a millisecond after the previous one, within the current interval.
            launcher: materializingLauncher(() => now + ++stamp),
            log: () => {},
          });
          await daemon.start();
          return daemon;
        }),
      );
      daemons.push(...started);
      // Each daemon's first pass evaluates the tick of the current instant: the initial evaluation.
      await waitFor("the first tick ended", async () => (await storage.listAutomationTicks({ limit: 5 })).some((t) => t.tickTime === new Date(now).toISOString() && t.status !== "STARTED" && t.status !== "EVALUATED"));
      await runsSettled();
      return started;
    }

    /** Moves the clock one interval, wakes every daemon, and waits until that tick ended and its runs did. */
    async function tick(): Promise<void> {
      now += INTERVAL;
      const tickTime = new Date(Math.floor(now / INTERVAL) * INTERVAL).toISOString();
      for (const daemon of daemons) daemon.automationLoop!.wake();
      await waitFor(`the tick of ${tickTime} ended`, async () => {
        const ticks = await storage.listAutomationTicks({ limit: 5 });
        return ticks.some((tick) => tick.tickTime === tickTime && ["SUCCESS", "FAILURE", "SKIPPED"].includes(tick.status));
      });
      await runsSettled();
    }

    async function runsSettled(): Promise<void> {
      await waitFor("no run in progress", async () => (await storage.listRuns({ statuses: ["QUEUED", "STARTING", "STARTED"] })).length === 0);
    }

    async function automationRuns(assetKey: string) {
      return (await storage.listRuns({ instigatorName: AUTOMATION_INSTIGATOR })).filter((run) => run.assetKeys.includes(assetKey));
    }

    async function materializeRaw(daemon: Daemon): Promise<void> {
      await daemon.submitRun({ selection: "raw" });
      await runsSettled();
    }

    it("eager fires once after an upstream update and not again without one", async () => {
      const [daemon] = await startDaemons();
      await tick();
      assert.equal((await automationRuns("stg")).length, 0, "nothing updated since the first evaluation");
      await materializeRaw(daemon!);
      await tick();
      const runs = await automationRuns("stg");
      assert.equal(runs.length, 1, "raw updated: stg launched");
      assert.equal(runs[0]!.instigator?.type, "automation");
      await tick();
      await tick();
      await tick();
      assert.equal((await automationRuns("stg")).length, 1, "no update since: not again");
      await materializeRaw(daemon!);
      await tick();
      assert.equal((await automationRuns("stg")).length, 2, "a second update: once more");
    });

    it("onCron waits for its deps to update after the cron tick, then fires once", async () => {
      const [daemon] = await startDaemons();
      await tick(); // 23:59:51, the initial evaluation
      await materializeRaw(daemon!); // before the midnight tick: does not count
      now = Date.parse("2024-05-02T00:00:00.500Z");
      await tick(); // 00:00:01: the cron tick passed, raw not updated since
      await tick();
      assert.equal((await automationRuns("report")).length, 0, "raw not updated since midnight");
      const [waiting] = await storage.listAutomationEvaluations("report", { limit: 1 });
      assert.match(waiting!.reason, /waiting for dep raw to be updated since the latest cron tick/);
      await materializeRaw(daemon!);
      await tick();
      assert.equal((await automationRuns("report")).length, 1, "raw updated after midnight: report launched");
      await materializeRaw(daemon!);
      await tick();
      assert.equal((await automationRuns("report")).length, 1, "once per cron tick");
    });

    it("onMissing fills partitions added after its first evaluation, each once", async () => {
      await startDaemons();
      await tick();
      await storage.addDynamicPartitions("regions", ["eu", "us"]);
      await tick();
      const runs = await automationRuns("regional");
      assert.deepEqual(runs.map((run) => partitionKeysFromTags(run.tags)[0]).sort(), ["eu", "us"], "one run per partition");
      await tick();
      await tick();
      assert.equal((await automationRuns("regional")).length, 2, "filled once");
      const [latest] = await storage.listAutomationEvaluations("regional", { limit: 1 });
      assert.equal(latest!.requested, false);
    });

    it("evaluates each tick once when three daemons share the database", async () => {
      const [first] = await startDaemons(3);
      await tick();
      for (let round = 0; round < 3; round++) {
        await materializeRaw(first!);
        await tick();
      }
      const ticks = await storage.listAutomationTicks({ limit: 100 });
      assert.equal(ticks.length, 5, "one tick per instant: the first, and four");
      assert.equal(new Set(ticks.map((tick) => tick.tickTime)).size, 5);
      assert.ok(ticks.every((tick) => tick.status === "SUCCESS"), ticks.map((tick) => `${tick.status} ${tick.reason}`).join("; "));
      const evaluations = await storage.listAutomationEvaluations("stg", { limit: 100 });
      const perTick = new Map<number, number>();
      for (const evaluation of evaluations) perTick.set(evaluation.tickId, (perTick.get(evaluation.tickId) ?? 0) + 1);
      assert.ok([...perTick.values()].every((count) => count === 1), "at most one evaluation of stg per tick");
      assert.equal(evaluations.filter((evaluation) => evaluation.requested).length, 3, "requested on each tick after an update");
      assert.equal((await automationRuns("stg")).length, 3, `one run per update: ${evaluations.map((e) => `${e.tickId} ${e.reason}`).join(" | ")}`);
    });

    it("explains an evaluation through the HTTP API and the CLI", async () => {
      const [daemon] = await startDaemons();
      await tick();
      await materializeRaw(daemon!);
      await tick();
      const server = await startHttpServer(daemon!, { port: 0, log: () => {} });
      try {
        const answer = (await (await fetch(`${server.url}/api/assets/stg/evaluations?limit=1`)).json()) as {
          evaluations: { requested: boolean; runId: string | null; reason: string; tree: { name: string } }[];
          nextCursor: string | null;
        };
        assert.equal(answer.evaluations.length, 1);
        const [latest] = answer.evaluations;
        assert.equal(latest!.requested, true);
        assert.equal(latest!.runId, (await automationRuns("stg"))[0]!.runId);
        assert.match(latest!.reason, /^requested because dep raw was updated at \d\d:\d\d UTC and nothing is in progress$/);
        assert.equal(latest!.tree.name, "eager");
        assert.ok(answer.nextCursor, "an older evaluation is on the next page");
        const older = (await (await fetch(`${server.url}/api/assets/stg/evaluations?limit=5&cursor=${answer.nextCursor}`)).json()) as { evaluations: { requested: boolean }[]; nextCursor: null };
        // The first tick's and the next one's said the same: stored once.
        assert.deepEqual(older.evaluations.map((evaluation) => evaluation.requested), [false]);
        assert.equal(older.nextCursor, null);
        assert.equal((await fetch(`${server.url}/api/assets/nope/evaluations`)).status, 404);
        assert.equal((await fetch(`${server.url}/api/assets/stg/evaluations?cursor=x`)).status, 400);
      } finally {
        await server.close();
      }
      const json = await runMain(["automation", "explain", "stg", "--json"], dir, env);
      assert.equal(json.code, 0, json.stderr);
      const parsed = JSON.parse(json.stdout) as { evaluations: { requested: boolean; reason: string }[] };
      assert.equal(parsed.evaluations[0]!.requested, true);
      const text = await runMain(["automation", "explain", "stg"], dir, env);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /stg at .*: requested \(run .*\)\n {2}requested because dep raw was updated/);
      assert.match(text.stdout, /✓ eager/);
      const none = await runMain(["automation", "explain", "raw"], dir, env);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no evaluation of "raw" is stored/);
    });

    it("takes over a tick whose daemon stopped: launches its stored runs once, skips one that stored nothing", async () => {
      // What a daemon killed mid-tick leaves: one tick EVALUATED (one of its two runs launched), one STARTED.
      const evaluated = (await storage.createAutomationTick({ tickTime: "2024-05-01T23:00:00.000Z", daemonId: "dead" }))!;
      const launches = [
        { runKey: `automation:${evaluated.tickId}:-:stg`, selection: "stg", assetKeys: ["stg"], partitionKeys: [] },
        { runKey: `automation:${evaluated.tickId}:-:report`, selection: "report", assetKeys: ["report"], partitionKeys: [] },
      ];
      await storage.recordAutomationEvaluations(evaluated.tickId, {
        evaluations: [{ assetKey: "stg", evaluatedAt: evaluated.tickTime, requested: true, partitions: [], runKey: launches[0]!.runKey, reason: "requested because dep raw was updated", tree: null }],
        states: [],
        launches,
      });
      const started = (await storage.createAutomationTick({ tickTime: "2024-05-01T23:00:01.000Z", daemonId: "dead" }))!;
      await storage.createRun({
        runId: randomUUID(),
        status: "QUEUED",
        selection: "stg",
        assetKeys: ["stg"],
        instigator: { type: "automation", name: AUTOMATION_INSTIGATOR, tickTime: evaluated.tickTime, runKey: launches[0]!.runKey },
        runKey: launches[0]!.runKey,
      });
      await startDaemons(1, { tickLeaseMs: 0 });
      await waitFor("both stalled ticks ended", async () => {
        const ticks = await storage.listAutomationTicks({ statuses: ["SUCCESS", "SKIPPED"], limit: 100 });
        return ticks.some((tick) => tick.tickId === evaluated.tickId) && ticks.some((tick) => tick.tickId === started.tickId);
      });
      const runs = await storage.listRuns({ instigatorName: AUTOMATION_INSTIGATOR });
      assert.equal(runs.filter((run) => run.runKey === launches[0]!.runKey).length, 1, "the run launched before the crash is not launched again");
      assert.equal(runs.filter((run) => run.runKey === launches[1]!.runKey).length, 1, "the other one is launched");
      const ticks = await storage.listAutomationTicks({ limit: 100 });
      const skipped = ticks.find((tick) => tick.tickId === started.tickId)!;
      assert.equal(skipped.status, "SKIPPED");
      assert.match(skipped.reason ?? "", /daemon dead stopped while evaluating this tick; nothing was launched/);
      const [stg] = await storage.listAutomationEvaluations("stg", { limit: 100 }).then((list) => list.filter((e) => e.tickId === evaluated.tickId));
      assert.equal(stg!.runId, runs.find((run) => run.runKey === launches[0]!.runKey)!.runId);
    });
  });
}
