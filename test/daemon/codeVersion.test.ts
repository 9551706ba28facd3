/**
 * Which code a production daemon's runs execute: the version it loaded at start, or at the last
 * explicit reload (`POST /api/reload`, SIGHUP), never whatever is on disk when a worker starts;
 * each run records the version (a tag, and its RUN_START event).
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { startHttpServer } from "../../runtime/src/daemon/http/server";
import { CODE_VERSION_TAG } from "../../runtime/src/execution/api";
import { findProjectConfig } from "../../runtime/src/loader";
import type { Storage } from "../../runtime/src/storage/port";
import { call } from "./http/fixture";
import { startProcess, writeProject } from "./helpers";
import { waitFor } from "../support/waitFor";

const FAST = { queuePollMs: 20, heartbeatMs: 200, monitorIntervalMs: 500, schedulerPollMs: 200, sensorPollMs: 200, daemonHeartbeatMs: 1000 };

/** A project whose only asset appends `word` to the file "ran" in the project folder. */
const writing = (word: string) => `import { appendFileSync } from "node:fs";
import { asset, definitions } from "tributary-ts";
export const a = asset({ key: "a" }, () => { appendFileSync("ran", "${word}\\n"); return 1; });
export default definitions({ assets: [a] });
`;

/** Launches a run of `a` through the API and waits for its end; returns what it ran and on which code. */
async function runThroughApi(base: string, storage: Storage, dir: string): Promise<{ wrote: string; tag: string | undefined; ranOn: unknown }> {
  const launched = await call(base, "POST", "/api/runs", { body: { selection: "a" } });
  assert.equal(launched.status, 201, launched.text);
  const runId = launched.json.runId as string;
  await waitFor(`run ${runId} ends`, async () => ["SUCCESS", "FAILURE", "CANCELED"].includes((await storage.getRun(runId))?.status ?? ""), 30_000);
  const run = (await storage.getRun(runId))!;
  assert.equal(run.status, "SUCCESS", run.error ?? "");
  const start = (await storage.getRunEvents(runId)).find((event) => event.type === "RUN_START")!;
  return { wrote: readFileSync(join(dir, "ran"), "utf8").trim().split("\n").at(-1)!, tag: run.tags[CODE_VERSION_TAG], ranOn: start.data?.codeVersion };
}

describe("a daemon's code version", function () {
  this.timeout(120_000);
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the code loaded at start until POST /api/reload, records it on each run, and keeps it while a reload fails", async () => {
    dir = writeProject({ "definitions.ts": writing("one") });
    // No warm workers: every run starts a process of its own, which used to compile the files on disk.
    const daemon = new Daemon({ config: findProjectConfig(dir), settings: { ...FAST, warmWorkers: 0 }, log: () => {} });
    await daemon.start();
    const server = await startHttpServer(daemon, { port: 0, log: () => {} });
    try {
      const first = await runThroughApi(server.url, daemon.storage, dir);
      assert.equal(first.wrote, "one");
      assert.match(first.tag ?? "", /^v1-[0-9a-f]{12}$/);
      assert.equal(first.ranOn, first.tag);

      writeFileSync(join(dir, "definitions.ts"), writing("two"));
      const beforeReload = await runThroughApi(server.url, daemon.storage, dir);
      assert.deepEqual(beforeReload, first, "the files changed on disk, but the daemon's code did not");

      const reloaded = await call(server.url, "POST", "/api/reload");
      assert.equal(reloaded.status, 200, reloaded.text);
      assert.match(reloaded.json.codeVersion, /^v2-[0-9a-f]{12}$/);
      assert.equal(reloaded.json.project.ok, true);
      assert.equal(reloaded.json.project.codeVersion, reloaded.json.codeVersion);
      const afterReload = await runThroughApi(server.url, daemon.storage, dir);
      assert.deepEqual(afterReload, { wrote: "two", tag: reloaded.json.codeVersion, ranOn: reloaded.json.codeVersion });

      writeFileSync(join(dir, "definitions.ts"), writing("three").replace("return 1;", "return 1;;\nexport const oops = ;"));
      const failed = await call(server.url, "POST", "/api/reload", { body: {} });
      assert.equal(failed.status, 422, failed.text);
      assert.match(failed.json.error.message, /^the project does not load: .*definitions\.ts:4:\d+: /);
      assert.equal(failed.json.error.line, 4);
      assert.equal(failed.json.error.codeVersion, reloaded.json.codeVersion);
      assert.match(failed.json.error.hint, new RegExp(`Runs keep executing code ${reloaded.json.codeVersion}\\.`));
      const health = await call(server.url, "GET", "/api/health");
      assert.deepEqual([health.json.project.ok, health.json.project.codeVersion], [false, reloaded.json.codeVersion]);
      assert.deepEqual(await runThroughApi(server.url, daemon.storage, dir), afterReload, "a failed reload keeps the last good code running");
    } finally {
      await server.close();
      await daemon.stop();
    }
  });

  it("loads the code again on SIGHUP (tributary daemon)", async () => {
    dir = writeProject({ "definitions.ts": writing("one") });
    const daemon = await startProcess(dir, ["daemon", "--port", "0"]);
    try {
      const base = /HTTP API at (http:\/\/\S+),/.exec(daemon.output())?.[1];
      assert.ok(base, daemon.output());
      const health = async () => (await call(base, "GET", "/api/health")).json.project.codeVersion as string;
      const atStart = await health();
      assert.match(atStart, /^v1-/);
      writeFileSync(join(dir, "definitions.ts"), writing("two"));
      daemon.child.kill("SIGHUP");
      await waitFor("SIGHUP loads a new code version", async () => (await health()) !== atStart, 30_000);
      assert.match(await health(), /^v2-/);
      assert.match(daemon.output(), /SIGHUP: reloading the code[\s\S]*runs now execute code v2-/);
    } finally {
      await daemon.stop();
    }
  });
});
