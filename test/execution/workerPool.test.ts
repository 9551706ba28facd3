import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync, unlinkSync } from "node:fs";
import path from "node:path";
import { CODE_VERSION_TAG, type RunResult } from "../../runtime/src/execution/api";
import { WorkerPool } from "../../runtime/src/execution/workerPool";
import { RunStartError } from "../../runtime/src/execution/worker";
import { project, versionOf } from "./projects";
import { waitFor } from "../support/waitFor";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import type { StoredRunEvent } from "../../runtime/src/types";

/** PIDS with asset b renamed c. */
const PIDS_WITH_C = () => PIDS.replace('asset({ key: "b"', 'asset({ key: "c"').replace("[a, b]", "[a, c]").replace("const b", "const c");


const PIDS = `
  import { appendFileSync } from "node:fs";
  import { asset, definitions } from "tributary-ts";
  export const a = asset({ key: "a" }, () => { appendFileSync("pids", process.pid + "\\n"); return 1; });
  export const b = asset({ key: "b", deps: [a] }, ({ inputs }) => inputs.a + 1);
  export default definitions({ assets: [a, b] });
`;

describe("warm worker pool", function () {
  this.timeout(60_000);
  let storage: Storage | undefined;
  let pool: WorkerPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await storage?.close();
    pool = undefined;
    storage = undefined;
  });

  it("runs on processes that loaded the project beforehand, several runs per process, none in the caller", async () => {
    const { dir, storageConfig } = project(PIDS);
    storage = await openStorage(storageConfig);
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 1 });
    pool.warmUp();
    await waitFor("a warm worker", () => pool!.stats().ready === 1);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await pool.launch({ storage, selection: "*" }));
    assert.deepEqual(results.map((r) => r.status), ["SUCCESS", "SUCCESS", "SUCCESS"]);
    const pids = new Set(readFileSync(path.join(dir, "pids"), "utf8").trim().split("\n"));
    assert.equal(pids.size, 1, "one warm process served the three runs");
    assert.ok(!pids.has(String(process.pid)));
  });

  it("retires a process after the run that leaves it above maxWorkerMemoryMb, and after maxRunsPerWorker runs", async () => {
    const { dir, storageConfig } = project(`
      import { appendFileSync } from "node:fs";
      import { asset, definitions } from "tributary-ts";
      const leaked: Buffer[] = [];
      export const leaky = asset({ key: "leaky" }, () => {
        appendFileSync("pids", process.pid + "\\n");
        leaked.push(Buffer.alloc(96 * 1024 * 1024, 1));
        return 1;
      });
      export const light = asset({ key: "light" }, () => { appendFileSync("pids", process.pid + "\\n"); return 1; });
      export default definitions({ assets: [leaky, light] });
    `);
    storage = await openStorage(storageConfig);
    const pidsRun = () => readFileSync(path.join(dir, "pids"), "utf8").trim().split("\n");
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 1, maxWorkerMemoryMb: 160, maxRunsPerWorker: 3 });
    for (let i = 0; i < 2; i++) assert.equal((await pool.launch({ storage, selection: "leaky" })).status, "SUCCESS");
    const [first, second] = pidsRun();
    assert.notEqual(first, second, "a process above its memory bound served no further run");
    for (let i = 0; i < 4; i++) assert.equal((await pool.launch({ storage, selection: "light" })).status, "SUCCESS");
    const light = pidsRun().slice(2);
    assert.equal(new Set(light.slice(0, 3)).size, 1, "three light runs on one process");
    assert.notEqual(light[3], light[0], "the fourth on a new one (maxRunsPerWorker: 3)");
  });

  it("fails only the runs of a process that dies, and serves the next run from a new process", async () => {
    const { dir, storageConfig } = project(`
      import { writeFileSync } from "node:fs";
      import { asset, definitions } from "tributary-ts";
      export const stuck = asset({ key: "stuck" }, () => { writeFileSync("stuck.pid", String(process.pid)); return new Promise(() => {}); });
      export const quick = asset({ key: "quick" }, () => 1);
      export default definitions({ assets: [stuck, quick] });
    `);
    storage = await openStorage(storageConfig);
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 2 });
    const doomed = pool.launch({ storage, selection: "stuck" });
    await waitFor("the stuck step", () => existsSync(path.join(dir, "stuck.pid")));
    process.kill(Number(readFileSync(path.join(dir, "stuck.pid"), "utf8")), "SIGKILL");
    const failed = await doomed;
    assert.equal(failed.status, "FAILURE");
    assert.match(failed.error ?? "", /SIGKILL/);
    const next = await pool.launch({ storage, selection: "quick" });
    assert.equal(next.status, "SUCCESS");
  });

  it("runs new code after reload() while the old process finishes its run", async () => {
    const { dir, storageConfig } = project(PIDS);
    storage = await openStorage(storageConfig);
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 2 });
    assert.equal((await pool.launch({ storage, selection: "*" })).status, "SUCCESS");
    writeFileSync(path.join(dir, "definitions.ts"), PIDS_WITH_C());
    pool.reload();
    const result = await pool.launch({ storage, selection: "*" });
    assert.deepEqual(result.steps.map((s) => s.key), ["a", "c"]);
  });

  it("runs a launch that waits for a loading worker when a reload retires that worker meanwhile", async () => {
    const { dir, storageConfig } = project(PIDS);
    storage = await openStorage(storageConfig);
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 2 });
    // The launch forks a worker and waits for it to load the project; the code changes meanwhile.
    const launched = pool.launch({ storage, selection: "*" });
    pool.reload();
    const result = await launched;
    assert.equal(result.status, "SUCCESS", result.error);
  });

  it("runs every run of a version on that version's bundle, whatever the files on disk say, even once the bundle was cleaned up", async () => {
    const { dir, storageConfig } = project(PIDS);
    storage = await openStorage(storageConfig);
    const v1 = await versionOf(dir, "v1-test");
    writeFileSync(path.join(dir, "definitions.ts"), PIDS_WITH_C());
    // A compile elsewhere (tributary materialize) removes old bundles: the pool writes it back.
    unlinkSync(v1.compiled.bundleFile);
    // One run per process: every run starts a process, which loads the code afresh.
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 1, maxRunsPerWorker: 1 });
    pool.reload(v1);
    for (let i = 0; i < 2; i++) {
      const result: RunResult = await pool.launch({ storage, selection: "*" });
      assert.deepEqual(result.steps.map((s) => s.key), ["a", "b"], "the code of v1, not the file on disk");
      const start: StoredRunEvent = (await storage.getRunEvents(result.runId)).find((event) => event.type === "RUN_START")!;
      assert.equal(start.data?.codeVersion, "v1-test");
    }
  });

  it("runs a run planned on an older version on the current one, and on the planned one when the current cannot plan it", async () => {
    const { dir, storageConfig } = project(PIDS);
    storage = await openStorage(storageConfig);
    const v1 = await versionOf(dir, "v1-test");
    writeFileSync(path.join(dir, "definitions.ts"), PIDS_WITH_C());
    const v2 = await versionOf(dir, "v2-test");
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 2 });
    pool.reload(v1);
    pool.reload(v2);
    const tags = { [CODE_VERSION_TAG]: v1.id };
    const onCurrent = await pool.launch({ storage, selection: "a", tags, plannedCode: v1 });
    const startOnCurrent = (await storage.getRunEvents(onCurrent.runId)).find((event) => event.type === "RUN_START")!;
    assert.deepEqual([startOnCurrent.data?.codeVersion, startOnCurrent.data?.plannedCodeVersion], ["v2-test", "v1-test"]);
    assert.match(startOnCurrent.message, /on code v2-test \(planned on v1-test; the code was reloaded since\)/);

    // b is gone from v2: the run executes on the code it was planned on instead of failing.
    const onPlanned = await pool.launch({ storage, selection: "b", tags, plannedCode: v1 });
    assert.equal(onPlanned.status, "SUCCESS", onPlanned.error);
    assert.deepEqual(onPlanned.steps.map((s) => s.key), ["b"]);
    const startOnPlanned = (await storage.getRunEvents(onPlanned.runId)).find((event) => event.type === "RUN_START")!;
    assert.equal(startOnPlanned.data?.codeVersion, "v1-test");
    assert.equal(startOnPlanned.data?.plannedCodeVersion, undefined);
  });

  it("rejects launches with the load error while the project does not load", async () => {
    const { dir, storageConfig } = project(`import { asset } from "tributary-ts";\nexport const a = asset({ key: "a" }, () => 1;\n`);
    storage = await openStorage(storageConfig);
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 1 });
    await assert.rejects(pool.launch({ storage, selection: "*" }), (error: unknown) => error instanceof RunStartError && /definitions\.ts:2/.test(error.message));
  });
});
