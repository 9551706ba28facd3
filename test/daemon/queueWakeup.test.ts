/**
 * Coordinators on PostgreSQL claim runs queued by other processes at once (LISTEN/NOTIFY), not at
 * their next poll.
 */
import assert from "node:assert/strict";
import { enqueueRun, runEvent } from "../../runtime/src/daemon/runLifecycle";
import { RunCoordinator, type RunLauncher } from "../../runtime/src/daemon/runQueue";
import { DEFAULT_DAEMON_SETTINGS } from "../../runtime/src/daemon/settings";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "../storage/postgresTestDatabase";
import { waitFor } from "../storage/waitFor";

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
      log: () => undefined,
    });
    coordinator.start();
    // Past the first look at start-up, so only a notification can start the next run soon.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const queuedAt = Date.now();
      const run = await enqueueRun(submitter, { selection: "*", assetKeys: ["a"] });
      await waitFor(() => startedAt.has(run.runId), `run ${i + 1} started`, 3000);
      delays.push(startedAt.get(run.runId)! - queuedAt);
    }
    assert.ok(Math.max(...delays) < 1000, `started ${delays.join(", ")} ms after being queued`);
  });
});
