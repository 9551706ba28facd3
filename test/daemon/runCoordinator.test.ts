/**
 * Run coordinators on PostgreSQL: they claim runs queued by other processes at once (LISTEN/NOTIFY),
 * not at their next poll, and together keep tag concurrency limits.
 */
import assert from "node:assert/strict";
import { enqueueRun, runEvent } from "../../runtime/src/daemon/runLifecycle";
import { RunCoordinator, type RunLauncher } from "../../runtime/src/daemon/runQueue";
import { DEFAULT_DAEMON_SETTINGS } from "../../runtime/src/daemon/settings";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "../storage/postgresTestDatabase";
import { waitFor } from "../support/waitFor";
import { silentLogger } from "../../runtime/src/daemon/logger";

describe("run coordinator wake-ups on PostgreSQL", () => {
  let submitter: PostgresStorage;
  let own: PostgresStorage;
  let coordinator: RunCoordinator | undefined;
  beforeEach(async () => {
    await assertTestDatabaseReachable();
    submitter = await makeTestStorage();
    own = new PostgresStorage(TEST_DATABASE_URL, { schema: submitter.schema, maxConnections: 2 });
  });
  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
    await own.close();
    await disposeTestStorage(submitter);
  });

  it("starts a run another process queued within milliseconds, though it polls only every minute", async () => {
    const startedAt = new Map<string, number>();
    const launcher: RunLauncher = async (options) => {
      startedAt.set(options.runId!, Date.now());
      await options.storage.appendEvents([runEvent(options.runId!, "RUN_SUCCESS", "done")], {
        runUpdate: { runId: options.runId!, update: { status: "SUCCESS" } },
      });
      return { runId: options.runId!, status: "SUCCESS", steps: [] };
    };
    coordinator = new RunCoordinator({
      storage: own,
      storageConfig: { kind: "postgres", url: TEST_DATABASE_URL, schema: own.schema },
      projectDir: process.cwd(),
      workerId: "listening-worker",
      settings: { ...DEFAULT_DAEMON_SETTINGS, queuePollMs: 60_000 },
      launcher,
      logger: silentLogger(),
    });
    coordinator.start();
    // Past the first look at start-up, so only a notification can start the next run soon.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const queuedAt = Date.now();
      const run = await enqueueRun(submitter, { selection: "*", assetKeys: ["a"] });
      await waitFor(`run ${i + 1} started`, () => startedAt.has(run.runId), 3000);
      delays.push(startedAt.get(run.runId)! - queuedAt);
    }
    assert.ok(Math.max(...delays) < 1000, `started ${delays.join(", ")} ms after being queued`);
  });

  it("keeps a tag concurrency limit across two coordinators, and runs the others meanwhile", async () => {
    const second = new PostgresStorage(TEST_DATABASE_URL, { schema: own.schema, maxConnections: 2 });
    let running = 0;
    let most = 0;
    let untaggedWhileLimited = 0;
    const launcher: RunLauncher = async (options) => {
      const limited = options.tags?.database === "warehouse";
      if (limited) most = Math.max(most, ++running);
      else if (running > 0) untaggedWhileLimited++;
      await new Promise((resolve) => setTimeout(resolve, limited ? 60 : 5));
      if (limited) running--;
      await options.storage.appendEvents([runEvent(options.runId!, "RUN_SUCCESS", "done")], { runUpdate: { runId: options.runId!, update: { status: "SUCCESS" } } });
      return { runId: options.runId!, status: "SUCCESS", steps: [] };
    };
    const settings = { ...DEFAULT_DAEMON_SETTINGS, queuePollMs: 50, maxConcurrentRuns: 4, tagConcurrencyLimits: [{ key: "database", value: "warehouse", limit: 1 }] };
    const make = (storage: PostgresStorage, workerId: string) =>
      new RunCoordinator({ storage, storageConfig: { kind: "postgres", url: TEST_DATABASE_URL, schema: own.schema }, projectDir: process.cwd(), workerId, settings, launcher, logger: silentLogger() });
    const others = [make(own, "c1"), make(second, "c2")];
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await enqueueRun(submitter, { selection: "*", assetKeys: ["a"], tags: { database: "warehouse" } })).runId);
      for (let i = 0; i < 6; i++) ids.push((await enqueueRun(submitter, { selection: "*", assetKeys: ["a"] })).runId);
      others.forEach((coordinator) => coordinator.start());
      await waitFor("every run succeeded", async () => (await submitter.listRuns({ statuses: ["SUCCESS"], limit: 100 })).length === ids.length, 15_000);
      assert.equal(most, 1, "never two warehouse runs at once");
      assert.ok(untaggedWhileLimited > 0, "untagged runs ran while a warehouse run held the limit");
    } finally {
      await Promise.all(others.map((coordinator) => coordinator.stop()));
      await second.close();
    }
  });

  it("keeps a global limit on runs in progress across two coordinators", async () => {
    const second = new PostgresStorage(TEST_DATABASE_URL, { schema: own.schema, maxConnections: 2 });
    let running = 0;
    let most = 0;
    const launcher: RunLauncher = async (options) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      await options.endRun!([runEvent(options.runId!, "RUN_SUCCESS", "done")], { runId: options.runId!, update: { status: "SUCCESS" }, from: ["STARTED"] });
      return { runId: options.runId!, status: "SUCCESS", steps: [] };
    };
    const settings = { ...DEFAULT_DAEMON_SETTINGS, queuePollMs: 50, maxConcurrentRuns: 4, globalMaxConcurrentRuns: 2 };
    const make = (storage: PostgresStorage, workerId: string) =>
      new RunCoordinator({ storage, storageConfig: { kind: "postgres", url: TEST_DATABASE_URL, schema: own.schema }, projectDir: process.cwd(), workerId, settings, launcher, logger: silentLogger() });
    const pair = [make(own, "g1"), make(second, "g2")];
    try {
      for (let i = 0; i < 12; i++) await enqueueRun(submitter, { selection: "*", assetKeys: ["a"] });
      pair.forEach((coordinator) => coordinator.start());
      await waitFor("every run succeeded", async () => (await submitter.listRuns({ statuses: ["SUCCESS"], limit: 100 })).length === 12, 15_000);
      assert.equal(most, 2, "at most two runs at once across both coordinators, and two reached");
    } finally {
      await Promise.all(pair.map((coordinator) => coordinator.stop()));
      await second.close();
    }
  });
});
