import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { WorkerPool } from "../../runtime/src/execution/workerPool";
import { RunStartError } from "../../runtime/src/execution/worker";
import { project } from "./projects";
import { waitFor } from "../support/waitFor";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";


const PIDS = `
  import { appendFileSync } from "node:fs";
  import { asset, definitions } from "tributary";
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
      import { asset, definitions } from "tributary";
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
      import { asset, definitions } from "tributary";
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
    writeFileSync(path.join(dir, "definitions.ts"), PIDS.replace('asset({ key: "b"', 'asset({ key: "c"').replace("[a, b]", "[a, c]").replace("const b", "const c"));
    pool.reload();
    const result = await pool.launch({ storage, selection: "*" });
    assert.deepEqual(result.steps.map((s) => s.key), ["a", "c"]);
  });

  it("rejects launches with the load error while the project does not load", async () => {
    const { dir, storageConfig } = project(`import { asset } from "tributary";\nexport const a = asset({ key: "a" }, () => 1;\n`);
    storage = await openStorage(storageConfig);
    pool = new WorkerPool({ projectDir: dir, storageConfig, size: 1 });
    await assert.rejects(pool.launch({ storage, selection: "*" }), (error: unknown) => error instanceof RunStartError && /definitions\.ts:2/.test(error.message));
  });
});
