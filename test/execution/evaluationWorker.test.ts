/**
 * The daemon's evaluation worker on its own: a sensor's code evaluated in a worker process, with
 * what it logs and notifies passed back, its requests as plain data, its timeout enforced without
 * losing a process that still answers, and reloaded code picked up.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { EvaluationWorker, type EvaluateOptions } from "../../runtime/src/execution/evaluationWorker";
import { project, versionOf } from "./projects";

const SENSORS = (version: number) => `
import { AssetSelection, asset, definitions, sensor } from "tributary-ts";
export const a = asset({ key: "a" }, () => 1);
export const talkative = sensor({ name: "talkative", selection: "a" }, (ctx) => {
  ctx.log.info("looked", { cursor: ctx.cursor });
  ctx.notify("found files", { count: 2, skipped: () => 1 });
  ctx.updateCursor("after-" + ctx.cursor);
  return [{ runKey: "k1", selection: AssetSelection.keys("a"), tags: { pid: String(process.pid) } }, { runKey: "k2" }];
});
export const hanging = sensor({ name: "hanging", selection: "a" }, () => new Promise(() => undefined));
export const versioned = sensor({ name: "versioned", selection: "a" }, () => ({ skip: "version ${version}" }));
export default definitions({ assets: [a], sensors: [talkative, hanging, versioned] });
`;

describe("evaluation worker (sensor code in a worker process)", function () {
  this.timeout(120_000);
  const { dir, storageConfig } = project(SENSORS(1), "evaluations");
  const worker = new EvaluationWorker({ projectDir: dir, storageConfig });
  const options = (overrides: Partial<EvaluateOptions> = {}): EvaluateOptions => ({ timeoutMs: 30_000, what: "sensor", timeoutSetting: "sensor timeoutMs", ...overrides });
  after(() => worker.close());

  it("returns a sensor's requests as plain data with its cursor, and passes on its log lines and notifications", async () => {
    const logs: string[] = [];
    const notifications: [string, Record<string, unknown>][] = [];
    const outcome = await worker.evaluate("sensor", "talkative", { cursor: "c1", lastTickTime: null }, options({
      onLog: (level, message) => logs.push(`${level}: ${message}`),
      onNotify: (message, details) => notifications.push([message, details]),
    }));
    assert.ok(outcome.ok, outcome.ok ? "" : outcome.error);
    assert.deepEqual(outcome.output.requests.map((request) => [request.runKey, request.selection]), [["k1", "a"], ["k2", undefined]]);
    assert.notEqual(Number(outcome.output.requests[0]!.tags!["pid"]), process.pid, "evaluated in another process");
    assert.equal(outcome.output.cursor, "after-c1");
    assert.deepEqual(logs, ['info: looked {"cursor":"c1"}']);
    assert.deepEqual(notifications, [["found files", { count: 2 }]]);
  });

  it("fails an evaluation at its timeout and keeps the process when it still answers", async () => {
    const pidBefore = await pidOfWorker();
    const outcome = await worker.evaluate("sensor", "hanging", { cursor: null, lastTickTime: null }, options({ timeoutMs: 200 }));
    assert.deepEqual(outcome, { ok: false, error: "the evaluation timed out after 200 ms (sensor timeoutMs)" });
    assert.equal(await pidOfWorker(), pidBefore, "the same process evaluates the next one");
  });

  it("reports an unknown name, and evaluates the new code after reload()", async () => {
    const unknown = await worker.evaluate("sensor", "nope", { cursor: null, lastTickTime: null }, options());
    assert.ok(!unknown.ok && /defines no sensor named "nope"/.test(unknown.error));
    writeFileSync(path.join(dir, "definitions.ts"), SENSORS(2));
    worker.reload();
    const outcome = await worker.evaluate("sensor", "versioned", { cursor: null, lastTickTime: null }, options());
    assert.ok(outcome.ok);
    assert.equal(outcome.output.skip, "version 2");
  });

  it("evaluates the code version it is given, not the files on disk, and keeps its process for the same version", async () => {
    writeFileSync(path.join(dir, "definitions.ts"), SENSORS(3));
    const v3 = await versionOf(dir, "v3-test");
    writeFileSync(path.join(dir, "definitions.ts"), SENSORS(4));
    worker.reload(v3);
    const outcome = await worker.evaluate("sensor", "versioned", { cursor: null, lastTickTime: null }, options());
    assert.ok(outcome.ok, outcome.ok ? "" : outcome.error);
    assert.equal(outcome.output.skip, "version 3", "the version's bundle, not definitions.ts as it is now");
    const pidBefore = await pidOfWorker();
    worker.reload(v3);
    assert.equal(await pidOfWorker(), pidBefore, "reloading the same version keeps the process");
  });

  async function pidOfWorker(): Promise<number> {
    const outcome = await worker.evaluate("sensor", "talkative", { cursor: null, lastTickTime: null }, options());
    assert.ok(outcome.ok);
    return Number(outcome.output.requests[0]!.tags!["pid"]);
  }
});
