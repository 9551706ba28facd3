/**
 * `tributary dev` as users run it: the real bin (compiled dist; run `npx tsc -b runtime` first) in a
 * child process, with the core's Daemon executing runs in worker processes on embedded SQLite.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStorage } from "../../../runtime/src/storage";
import type { StoredRunEvent } from "../../../runtime/src/types";
import { BIN, testEnv } from "../../cli/helpers";
import { waitFor } from "../../support/waitFor";
import { call, readSse } from "./fixture";

const DEFINITIONS = `import { existsSync } from "node:fs";
import { join } from "node:path";
import { asset, definitions } from "tributary-ts";

export const raw = asset({ key: "raw", group: "raw" }, async () => [1, 2, 3]);
export const stg = asset({ key: "stg", group: "staging", deps: [raw] }, async ({ inputs }) => inputs.raw.length);
/** Waits until the test creates the file "release" (or the run is canceled). */
export const slow = asset({ key: "slow", group: "slow" }, async ({ signal }) => {
  while (!existsSync(join(${JSON.stringify("__DIR__")}, "release"))) {
    if (signal.aborted) throw new Error("canceled");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 1;
});
// EXTRA

export default definitions({ assets: [raw, stg, slow /* MORE */] });
`;

describe("tributary dev", function () {
  this.timeout(60_000);
  let project: string;
  let child: ChildProcess;
  let stdout = "";
  let stderr = "";
  let base: string;
  let exit: Promise<number | null>;

  before(async () => {
    assert.ok(existsSync(join(__dirname, "..", "..", "..", "runtime", "dist", "cli", "dev.js")), "build first: npx tsc -b runtime");
    project = realpathSync(mkdtempSync(join(tmpdir(), "tributary-dev-")));
    writeFileSync(join(project, "definitions.ts"), DEFINITIONS.replace("__DIR__", project));
    child = spawn(process.execPath, [BIN, "dev", "--port", "0", "--grace", "1"], { cwd: project, env: testEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    exit = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    // The whole banner, not just its first line: the lines after the URL can arrive in a later chunk.
    await waitFor(`the banner is printed (stdout: ${stdout}; stderr: ${stderr})`, () => /Watching for changes/.test(stdout), 20_000);
    base = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)![0];
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await exit;
    }
    rmSync(project, { recursive: true, force: true });
  });

  it("prints its URL, the project's assets and the storage, and serves the API in dev mode", async () => {
    assert.match(stdout, /project .* \(3 assets\)/);
    assert.match(stdout, /storage +SQLite/);
    const health = await call(base, "GET", "/api/health");
    assert.equal(health.json.mode, "dev");
    assert.equal(health.json.project.ok, true);
    assert.equal((await call(base, "GET", "/")).status, 200);
  });

  it("executes a launched run in a worker and streams its events until the end", async () => {
    const runId = (await call(base, "POST", "/api/runs", { body: { selection: "+stg" } })).json.runId as string;
    const { messages } = await readSse(`${base}/api/runs/${runId}/events`, {}, () => false, { timeoutMs: 30_000 });
    const types = messages.filter((m) => m.event === "run-event").map((m) => (m.data as StoredRunEvent).type);
    assert.equal(types[0], "RUN_QUEUED");
    assert.ok(types.includes("RUN_START"));
    assert.equal(types.at(-1), "RUN_SUCCESS");
    assert.deepEqual(messages.at(-1)!.data, { runId, status: "SUCCESS" });
    const assets = (await call(base, "GET", "/api/assets")).json.assets as { key: string; status: string }[];
    assert.equal(assets.find((asset) => asset.key === "stg")!.status, "FRESH");
  });

  it("reloads definitions on change, reports a broken file at its line, and recovers", async () => {
    const file = join(project, "definitions.ts");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, good.replace("// EXTRA", 'export const mart = asset({ key: "mart", deps: [stg] }, async () => 1);').replace("/* MORE */", ", mart"));
    await waitFor("the reload is printed", () => stdout.includes("reloaded (4 assets)"), 15_000);
    assert.ok(((await call(base, "GET", "/api/assets")).json.assets as { key: string }[]).some((asset) => asset.key === "mart"));

    const broken = good.replace("// EXTRA", "export const oops = ;");
    writeFileSync(file, broken);
    const line = broken.split("\n").findIndex((text) => text.includes("oops")) + 1;
    await waitFor("the failure is printed", () => stdout.includes("reload failed"), 15_000);
    assert.match(stdout, new RegExp(`reload failed, still serving the previous definitions: error: definitions\\.ts:${line}:\\d+: `));
    const health = await call(base, "GET", "/api/health");
    assert.equal(health.json.project.ok, false);
    assert.equal(health.json.project.error.line, line);

    writeFileSync(file, good);
    await waitFor("the recovery is printed", () => stdout.includes("reloaded (3 assets)"), 15_000);
    assert.equal((await call(base, "GET", "/api/health")).json.project.ok, true);
  });

  it("runs every run posted while files are written, renamed over and edited, and serves the last edit", async () => {
    const file = join(project, "definitions.ts");
    const good = readFileSync(file, "utf8");
    const extraFile = join(project, "extra.ts");
    const extra = (n: number) => `import { asset } from "tributary-ts";\nexport const extra = asset({ key: "extra_${n}" }, async () => ${n});\n`;
    const keys = async () => ((await call(base, "GET", "/api/assets")).json.assets as { key: string }[]).map((asset) => asset.key);
    const renameOver = (target: string, text: string) => {
      writeFileSync(`${target}.new`, text);
      renameSync(`${target}.new`, target);
    };
    writeFileSync(extraFile, extra(0));
    writeFileSync(file, good.replace("// EXTRA", 'import { extra } from "./extra";').replace("/* MORE */", ", extra"));
    await waitFor("extra.ts joined the definitions", async () => (await keys()).includes("extra_0"), 20_000);

    const runIds: string[] = [];
    for (let i = 1; i <= 12; i++) {
      // Each run is posted at the moment a file changes: a data file, a source file renamed over, one edited.
      const posted = call(base, "POST", "/api/runs", { body: { selection: "+stg" } });
      if (i % 3 === 0) writeFileSync(join(project, `data-${i}.json`), "{}");
      else if (i % 3 === 1) renameOver(extraFile, extra(i));
      else writeFileSync(extraFile, extra(i));
      const answer = await posted;
      assert.equal(answer.status, 201, answer.text);
      runIds.push(answer.json.runId as string);
    }
    renameOver(extraFile, extra(99));
    await waitFor(`the last edit is served (assets: ${(await keys()).join(", ")})`, async () => (await keys()).includes("extra_99"), 20_000);

    const ended = async () => Promise.all(runIds.map(async (runId) => (await call(base, "GET", `/api/runs/${runId}`)).json as { status: string; error: string | null }));
    await waitFor("every run ended", async () => (await ended()).every((run) => ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status)), 60_000);
    assert.deepEqual((await ended()).map((run) => `${run.status} ${run.error ?? ""}`.trim()), runIds.map(() => "SUCCESS"));
    assert.doesNotMatch(stdout, /data-\d+\.json/, "data files never reload the definitions");
    assert.match(stdout, /reloaded \(4 assets\): extra\.ts changed/);

    writeFileSync(file, good);
    await waitFor("the definitions are back to the start", async () => !(await keys()).includes("extra_99"), 20_000);
    rmSync(extraFile);
  });

  it("stops on Ctrl-C: a run in flight gets the grace period, then is canceled, and the process exits 0", async () => {
    const runId = (await call(base, "POST", "/api/runs", { body: { selection: "slow" } })).json.runId as string;
    await waitFor("the slow run started", async () => (await call(base, "GET", `/api/runs/${runId}`)).json.status === "STARTED", 20_000);
    child.kill("SIGINT");
    assert.equal(await exit, 0, stderr);
    assert.match(stdout, /stopping: runs in flight have 1 s to finish/);
    assert.match(stdout, /canceling 1 run in flight/);
    assert.match(stdout, /stopped\n$/);
    const storage = await openStorage({ kind: "sqlite", path: join(project, ".tributary", "tributary.db") });
    try {
      assert.equal((await storage.getRun(runId))!.status, "CANCELED");
    } finally {
      await storage.close();
    }
  });
});
