import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { event, newRun } from "./conformance";
import { waitFor } from "../support/waitFor";

const run = promisify(execFile);
const repoRoot = resolve(__dirname, "../..");

describe("SQLite storage on a file shared by several processes", () => {
  let folder: string;
  let storage: SqliteStorage;
  let path: string;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), "tributary-sqlite-"));
    path = join(folder, "tributary.db");
    storage = new SqliteStorage(path);
    await storage.migrate();
  });
  afterEach(async () => {
    await storage.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("opens the file in WAL mode with synchronous=NORMAL and a busy timeout", () => {
    assert.equal(storage.database.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(storage.database.pragma("synchronous", { simple: true }), 1);
    assert.ok(Number(storage.database.pragma("busy_timeout", { simple: true })) >= 1000);
  });

  it("lets another process read the runs and events this one wrote while it keeps the file open", async () => {
    const created = await storage.createRun(newRun({ runId: "shared-run" }));
    await storage.appendEvents([event(created.runId, "RUN_START"), event(created.runId, "LOG", { message: "hello" })]);
    const script = `
      const Database = require("better-sqlite3");
      const db = new Database(process.argv[1], { readonly: true });
      const run = db.prepare("SELECT run_id, status FROM runs WHERE run_id = 'shared-run'").get();
      const messages = db.prepare("SELECT message FROM events WHERE run_id = 'shared-run' ORDER BY id").all().map((row) => row.message);
      console.log(JSON.stringify({ run, messages }));`;
    const { stdout } = await run(process.execPath, ["-e", script, path], { cwd: repoRoot });
    assert.deepEqual(JSON.parse(stdout), { run: { run_id: "shared-run", status: "QUEUED" }, messages: ["RUN_START", "hello"] });
  });

  it("keeps every event when another process appends through SqliteStorage at the same time as this one", async function () {
    this.timeout(30_000);
    // The child appends until it sees the run "parent-done", so both processes are writing at once.
    const script = `
      const { SqliteStorage } = require(${JSON.stringify(resolve(repoRoot, "runtime/src/storage/sqlite/storage.ts"))});
      (async () => {
        const storage = new SqliteStorage(process.argv[1]);
        await storage.migrate();
        let written = 0;
        while (!(await storage.getRun("parent-done"))) {
          await storage.appendEvents(Array.from({ length: 20 }, () => ({
            runId: "child", timestamp: new Date().toISOString(), type: "LOG", stepKey: null, level: "info", message: String(written++), data: null,
          })));
        }
        await storage.createRun({ runId: "child-done", status: "QUEUED", selection: String(written), assetKeys: [] });
        await storage.close();
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const child = run(process.execPath, ["--import", "tsx", "-e", script, path], { cwd: repoRoot });
    await waitFor("the child process writes events", async () => (await storage.getRunEvents("child", { limit: 1 })).length > 0, 20_000);
    for (let batch = 0; batch < 50; batch++) {
      await storage.appendEvents(Array.from({ length: 20 }, (_, i) => event("parent", "LOG", { message: String(batch * 20 + i) })));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await storage.createRun(newRun({ runId: "parent-done" }));
    await child;
    const childCount = Number((await storage.getRun("child-done"))?.selection);
    assert.ok(childCount >= 20, `child wrote ${childCount} events`);
    const byRun = async (runId: string) => (await storage.getRunEvents(runId)).map((stored) => Number(stored.message));
    assert.deepEqual(await byRun("parent"), Array.from({ length: 1000 }, (_, index) => index));
    assert.deepEqual(await byRun("child"), Array.from({ length: childCount }, (_, index) => index));
  });

  it("never gives one queued run to this process and another process claiming from the same file at once", async function () {
    this.timeout(30_000);
    const queued = new Set<string>();
    for (let index = 0; index < 200; index++) queued.add((await storage.createRun(newRun())).runId);
    const script = `
      const { SqliteStorage } = require(${JSON.stringify(resolve(repoRoot, "runtime/src/storage/sqlite/storage.ts"))});
      (async () => {
        const storage = new SqliteStorage(process.argv[1]);
        const claimed = [];
        for (;;) {
          const runs = await storage.claimQueuedRuns("child", 2);
          if (runs.length === 0) break;
          claimed.push(...runs.map((run) => run.runId));
        }
        await storage.close();
        console.log(JSON.stringify(claimed));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const child = run(process.execPath, ["--import", "tsx", "-e", script, path], { cwd: repoRoot });
    // Start claiming once the child has started claiming too (a run left the queue that this process did not take).
    await waitFor("the child claims", async () => (await storage.listRuns({ statuses: ["STARTING"], limit: 1 })).length > 0, 20_000);
    const claimedHere: string[] = [];
    for (;;) {
      const runs = await storage.claimQueuedRuns("parent", 2);
      if (runs.length === 0) break;
      claimedHere.push(...runs.map((claimed) => claimed.runId));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const claimedByChild = JSON.parse((await child).stdout) as string[];
    const all = [...claimedHere, ...claimedByChild];
    assert.equal(new Set(all).size, all.length, "a run was claimed twice");
    assert.deepEqual(new Set(all), queued);
    for (const runId of claimedHere) assert.equal((await storage.getRun(runId))?.workerId, "parent");
    for (const runId of claimedByChild) assert.equal((await storage.getRun(runId))?.workerId, "child");
  });

  it("rolls back the whole batch, events included, when updating a derived table fails", async () => {
    storage.database.exec(
      "CREATE TRIGGER refuse_materialization BEFORE INSERT ON asset_latest_materializations BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
    );
    await assert.rejects(
      storage.appendEvents([event("r1", "LOG"), event("r1", "ASSET_MATERIALIZATION", { data: { assetKey: "orders", metadata: {} } })]),
      /refused by test/,
    );
    assert.deepEqual(await storage.getRunEvents("r1"), []);
  });
});
