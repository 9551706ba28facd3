import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { launchRunInWorker, RunStartError } from "../../runtime/src/execution/worker";
import { project } from "./projects";
import { waitFor } from "../support/waitFor";
import { openStorage, type StorageConfig } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import type { RunEvent } from "../../runtime/src/types";

/** Writes a throwaway project whose definitions.ts is `source`, with a SQLite state file. */

describe("runs in worker processes", function () {
  this.timeout(60_000);
  const storages: Storage[] = [];
  afterEach(async () => {
    for (const storage of storages.splice(0)) await storage.close();
  });
  async function open(config: StorageConfig): Promise<Storage> {
    const storage = await openStorage(config);
    storages.push(storage);
    return storage;
  }

  it("executes a run in a worker and records every event durably before reporting it", async () => {
    const { dir, storageConfig } = project(`
      import { asset, definitions } from "tributary-ts";
      export const a = asset({ key: "a" }, () => [1, 2]);
      export const b = asset({ key: "b", deps: [a] }, ({ inputs }) => inputs.a.length);
      export default definitions({ assets: [a, b] });
    `);
    const storage = await open(storageConfig);
    const seen: RunEvent[] = [];
    const result = await launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*", onEvent: (e) => seen.push(e) });
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(result.steps.map((s) => [s.key, s.status]), [["a", "SUCCESS"], ["b", "SUCCESS"]]);
    const stored = await storage.getRunEvents(result.runId);
    assert.deepEqual(stored.map((e) => e.type), seen.map((e) => e.type));
    assert.equal((await storage.getRun(result.runId))?.status, "SUCCESS");
    assert.ok(existsSync(path.join(dir, ".tributary", "storage", "b.json")), "the default I/O manager wrote under .tributary/storage");
  });

  it("hands the run's last batch and final status to the parent's endRun, and reports a refused end as the status that stands", async () => {
    const { dir, storageConfig } = project(`
      import { asset, definitions } from "tributary-ts";
      export const a = asset({ key: "a" }, () => 1);
      export default definitions({ assets: [a] });
    `);
    const storage = await open(storageConfig);
    const handed: { events: RunEvent[]; status: string | undefined }[] = [];
    const result = await launchRunInWorker({
      projectDir: dir,
      storageConfig,
      storage,
      selection: "*",
      endRun: async (events, runUpdate) => {
        handed.push({ events, status: runUpdate.update.status });
        await storage.appendEvents(events, { runUpdate });
      },
    });
    assert.equal(result.status, "SUCCESS");
    assert.equal(handed.length, 1, "one last batch");
    assert.equal(handed[0]!.status, "SUCCESS");
    assert.equal(handed[0]!.events.at(-1)?.type, "RUN_SUCCESS");
    assert.equal((await storage.getRun(result.runId))?.status, "SUCCESS");

    // The parent finds the run ended by someone else (the monitor): the worker keeps that status.
    const refused = await launchRunInWorker({
      projectDir: dir,
      storageConfig,
      storage,
      selection: "*",
      endRun: async (_events, runUpdate) => {
        await storage.updateRun(runUpdate.runId, { status: "FAILURE", error: "its worker stopped sending heartbeats" });
        await storage.appendEvents([], { runUpdate });
      },
    });
    assert.equal(refused.status, "FAILURE");
    assert.match(refused.error ?? "", /stopped sending heartbeats/);
    const events = await storage.getRunEvents(refused.runId);
    assert.ok(!events.some((event) => event.type === "RUN_SUCCESS"));
    assert.match(events.at(-1)?.message ?? "", /after another process had ended it FAILURE/);
  });

  it("ends the run FAILURE, keeping what finished, when the worker is killed with SIGKILL mid-run", async () => {
    const { dir, storageConfig } = project(`
      import { writeFileSync } from "node:fs";
      import { asset, definitions } from "tributary-ts";
      export const first = asset({ key: "first" }, () => 1);
      export const stuck = asset({ key: "stuck", deps: [first] }, () => {
        writeFileSync("worker.pid", String(process.pid));
        return new Promise(() => {});
      });
      export const after = asset({ key: "after", deps: [stuck] }, () => 1);
      export default definitions({ assets: [first, stuck, after] });
    `);
    const storage = await open(storageConfig);
    const pidFile = path.join(dir, "worker.pid");
    const durable: RunEvent[] = [];
    const running = launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*", onEvent: (e) => durable.push(e) });
    // Kill only once "stuck" is known to have started: what came before it is then durable.
    await waitFor("the step to start", () => existsSync(pidFile) && durable.some((e) => e.type === "STEP_START" && e.stepKey === "stuck"));
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
    const result = await running;
    assert.equal(result.status, "FAILURE");
    assert.match(result.error ?? "", /killed by SIGKILL/);
    assert.deepEqual(result.steps.map((s) => [s.key, s.status]), [["first", "SUCCESS"], ["stuck", "FAILURE"], ["after", "SKIPPED"]]);
    const run = await storage.getRun(result.runId);
    assert.equal(run?.status, "FAILURE");
    assert.match(run?.error ?? "", /SIGKILL/);
    const types = (await storage.getRunEvents(result.runId)).map((e) => `${e.type}:${e.stepKey ?? ""}`);
    assert.ok(types.includes("STEP_SUCCESS:first"), "the finished step's events survived the crash");
    assert.ok(types.includes("ASSET_MATERIALIZATION:first"));
    assert.equal(types.at(-1), "RUN_FAILURE:");
  });

  it("ends the run FAILURE with the exit code when user code calls process.exit", async () => {
    const { dir, storageConfig } = project(`
      import { asset, definitions } from "tributary-ts";
      export const quitter = asset({ key: "quitter" }, () => process.exit(3));
      export default definitions({ assets: [quitter] });
    `);
    const storage = await open(storageConfig);
    const result = await launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*" });
    assert.equal(result.status, "FAILURE");
    assert.match(result.error ?? "", /exited with code 3/);
    assert.equal((await storage.getRun(result.runId))?.status, "FAILURE");
  });

  it("kills a worker whose step blocks the event loop past its timeout", async () => {
    const { dir, storageConfig } = project(`
      import { asset, definitions } from "tributary-ts";
      export const spin = asset({ key: "spin", timeoutMs: 100 }, () => { for (;;) {} });
      export default definitions({ assets: [spin] });
    `);
    const storage = await open(storageConfig);
    const result = await launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*", timeoutGraceMs: 300 });
    assert.equal(result.status, "FAILURE");
    assert.match(result.steps[0]?.error ?? "", /overran its timeout of 100 ms/);
  });

  it("reports a worker that runs out of memory as such, and the caller carries on", async () => {
    const { dir, storageConfig } = project(`
      import { asset, definitions } from "tributary-ts";
      export const hog = asset({ key: "hog" }, () => { const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(1)); });
      export default definitions({ assets: [hog] });
    `);
    const storage = await open(storageConfig);
    const result = await launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*", maxOldSpaceMb: 64 });
    assert.equal(result.status, "FAILURE");
    assert.match(result.error ?? "", /out of memory/);
  });

  it("cancels a running worker run: the step sees its signal and the run ends CANCELED", async () => {
    const { dir, storageConfig } = project(`
      import { writeFileSync } from "node:fs";
      import { asset, definitions } from "tributary-ts";
      export const waits = asset({ key: "waits" }, (ctx) => new Promise((_, reject) => {
        writeFileSync("started", "1");
        ctx.signal.addEventListener("abort", () => reject(new Error("aborted")));
      }));
      export default definitions({ assets: [waits] });
    `);
    const storage = await open(storageConfig);
    const controller = new AbortController();
    const running = launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*", signal: controller.signal });
    await waitFor("the step to start", () => existsSync(path.join(dir, "started")));
    controller.abort();
    const result = await running;
    assert.equal(result.status, "CANCELED");
    assert.equal((await storage.getRun(result.runId))?.status, "CANCELED");
  });

  it("rejects with a usage error, and records no run, when the selection matches nothing", async () => {
    const { dir, storageConfig } = project(`
      import { asset, definitions } from "tributary-ts";
      export default definitions({ assets: [asset({ key: "a" }, () => 1)] });
    `);
    const storage = await open(storageConfig);
    await assert.rejects(
      launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "group:nope" }),
      (error: unknown) => error instanceof RunStartError && error.usage && /matches no asset/.test(error.message),
    );
    assert.equal((await storage.listRuns()).length, 0);
  });

  it("rejects with the user's file and line when the project does not compile", async () => {
    const { dir, storageConfig } = project(`import { asset } from "tributary-ts";\nexport const a = asset({ key: "a" }, () => 1;\n`);
    const storage = await open(storageConfig);
    await assert.rejects(
      launchRunInWorker({ projectDir: dir, storageConfig, storage, selection: "*" }),
      (error: unknown) => error instanceof RunStartError && !error.usage && /definitions\.ts:2/.test(error.message),
    );
  });
});
