/**
 * A real `tributary daemon` process executes a 90-day backfill; it is SIGKILLed (with its run
 * workers: a lost machine) halfway, a new daemon takes over, and the backfill finishes without
 * running any partition that was done before the kill again. On SQLite and on PostgreSQL.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { main } from "../../runtime/src/cli/main";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import type { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { startProcess, writeProject, type TributaryProcess } from "../daemon/helpers";
import { waitFor } from "../support/waitFor";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "../storage/postgresTestDatabase";

const DEFINITIONS = `
import { mkdirSync, writeFileSync } from "node:fs";
import { asset, dailyPartitions, definitions } from "tributary-ts";

const daily = dailyPartitions({ start: "2024-01-01" });

// Leaves one file per execution of a partition, so the test can count them.
export const orders = asset({ key: "orders", partitions: daily }, async (ctx) => {
  mkdirSync("calls", { recursive: true });
  writeFileSync("calls/" + ctx.partitionKey + "." + ctx.runId, "");
  await new Promise((resolve) => setTimeout(resolve, 30));
  return [{ day: ctx.partitionKey }];
});

export default definitions({ assets: [orders] });
`;

const DAEMON_SETTINGS = [
  "daemon:",
  "  queuePollMs: 50",
  "  heartbeatSeconds: 0.2",
  "  monitorIntervalSeconds: 0.3",
  "  heartbeatTimeoutSeconds: 1.5",
  "  schedulerPollMs: 100",
  "  maxConcurrentRuns: 4",
];

/** Runs the CLI in this process and returns its exit code and stdout. */
async function cli(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { cwd: dir, stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

function suite(
  name: string,
  storageYaml: (schema: string) => string[],
  make: (dir: () => string) => Promise<{ storage: () => Promise<Storage>; schema: string }>,
  dispose: (storage: Storage) => Promise<void>,
) {
  describe(`Backfill surviving a daemon kill (${name}, real processes)`, function () {
    this.timeout(180_000);
    let storage: Storage;
    let dir: string;
    const daemons: TributaryProcess[] = [];

    before(async () => {
      const made = await make(() => dir);
      dir = writeProject({
        "tributary.yaml": ["entry: definitions.ts", ...storageYaml(made.schema), ...DAEMON_SETTINGS, ""].join("\n"),
        "definitions.ts": DEFINITIONS,
      });
      storage = await made.storage();
    });
    after(async () => {
      for (const daemon of daemons) await daemon.killGroup();
      await dispose(storage);
    });

    it("finishes a 90-partition backfill after a SIGKILL halfway without running a finished partition again", async () => {
      const created = await cli(dir, ["backfill", "--select", "orders", "--from", "2024-01-01", "--to", "2024-03-30", "--max-partitions-per-run", "3", "--json"]);
      assert.equal(created.code, 0, created.stderr);
      const { backfillId, status, partitions } = JSON.parse(created.stdout) as { backfillId: string; status: string; partitions: { done: number; failed: number; remaining: number } };
      assert.equal(status, "REQUESTED");
      assert.deepEqual(partitions, { ...partitions, done: 0, failed: 0, remaining: 90 });

      const first = await startProcess(dir, ["daemon"]);
      daemons.push(first);
      const progress = () => storage.getBackfillProgress(backfillId);
      await waitFor("half of the partitions are done", async () => (await progress()).DONE >= 45, 120_000);
      const doneBeforeKill = (await storage.getBackfillPartitions(backfillId, { statuses: ["DONE"] })).map((p) => p.partitionKey);
      await first.killGroup();
      assert.ok(doneBeforeKill.length < 90, "the kill came before the end");

      const second = await startProcess(dir, ["daemon"]);
      daemons.push(second);
      await waitFor("the backfill completes", async () => (await storage.getBackfill(backfillId))?.status === "COMPLETED", 120_000);

      const final = await progress();
      assert.deepEqual(final, { PENDING: 0, QUEUED: 0, DONE: 90, FAILED: 0, CANCELED: 0 });
      const calls = readdirSync(path.join(dir, "calls"));
      const executions = (key: string) => calls.filter((file) => file.startsWith(`${key}.`)).length;
      for (const key of doneBeforeKill) assert.equal(executions(key), 1, `partition ${key} was done before the kill and ran ${executions(key)} times`);
      const materialized = await storage.getAssetPartitions("orders");
      assert.equal(materialized.filter((p) => p.status === "MATERIALIZED").length, 90);

      const status2 = await cli(dir, ["backfill", "status", backfillId, "--json"]);
      assert.equal(status2.code, 0);
      assert.deepEqual(JSON.parse(status2.stdout).partitions, { done: 90, failed: 0, remaining: 0, canceled: 0, total: 90 });
      const partitionsStatus = await cli(dir, ["partitions", "status", "orders", "--json"]);
      const parsed = JSON.parse(partitionsStatus.stdout) as { materialized: { count: number; ranges: string[][] } };
      assert.equal(parsed.materialized.count, 90);
      assert.deepEqual(parsed.materialized.ranges[0], ["2024-01-01", "2024-03-30"]);
    });
  });
}

suite(
  "SQLite",
  () => [],
  async (dir) => ({ schema: "", storage: () => openStorage({ kind: "sqlite", path: path.join(dir(), ".tributary", "tributary.db") }) }),
  async (storage) => storage?.close(),
);
suite(
  "PostgreSQL",
  (schema) => ["storage:", `  url: ${TEST_DATABASE_URL}`, `  schema: ${schema}`],
  async () => {
    await assertTestDatabaseReachable();
    const storage = await makeTestStorage();
    return { storage: async () => storage, schema: storage.schema };
  },
  (storage) => disposeTestStorage(storage as PostgresStorage),
);
