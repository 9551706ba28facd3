/**
 * The built-in sensors, evaluated as the sensor loop does (a context with the stored cursor), one
 * evaluation after another, on a real SQLite storage and real files.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SensorContext, SensorDefinition, SensorResult } from "../../runtime/src/definitions/sensor";
import { assetSensor } from "../../runtime/src/daemon/sensors/assetSensor";
import { fileSensor } from "../../runtime/src/daemon/sensors/fileSensor";
import { runFailureSensor, runStatusSensor } from "../../runtime/src/daemon/sensors/runStatusSensor";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { event, newRun } from "../storage/conformance";

/** Evaluates a sensor again and again with the cursor each evaluation stored, as the loop does. */
function evaluator(definition: SensorDefinition, storage: Storage, projectDir: string) {
  let cursor: string | null = null;
  const notified: string[] = [];
  const evaluate = async (): Promise<SensorResult> => {
    let next = cursor;
    const ctx: SensorContext = {
      cursor,
      updateCursor: (value) => (next = value),
      lastTickTime: null,
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as SensorContext["log"],
      signal: new AbortController().signal,
      resources: {},
      sensorName: definition.name,
      projectDir,
      instance: storage as unknown as SensorContext["instance"],
      notify: (message) => notified.push(message),
    };
    const result = await definition.evaluate(ctx);
    cursor = next;
    return result;
  };
  return { evaluate, notified, setCursor: (value: string | null) => (cursor = value) };
}

const isSkip = (result: SensorResult) => typeof result === "object" && result !== null && "skip" in result;

describe("built-in sensors", () => {
  let storage: Storage;
  let dir: string;
  beforeEach(async () => {
    storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    dir = mkdtempSync(path.join(os.tmpdir(), "tributary-sensors-"));
  });
  afterEach(() => storage.close());

  it("fileSensor requests one run per change of the files, keyed so the same change never runs twice, and reads a bad cursor as nothing seen", async () => {
    const sensor = evaluator(fileSensor({ name: "files", folder: "in", pattern: /\.csv$/, selection: "*" }), storage, dir);
    assert.ok(isSkip(await sensor.evaluate()), "no folder yet: skip");
    const folder = path.join(dir, "in");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "a.csv"), "1");
    writeFileSync(path.join(folder, "notes.txt"), "ignored");
    const first = (await sensor.evaluate()) as { runKey: string };
    assert.ok(first.runKey, "a run for the new file");
    assert.ok(isSkip(await sensor.evaluate()), "nothing changed since");
    writeFileSync(path.join(folder, "a.csv"), "1,2");
    utimesSync(path.join(folder, "a.csv"), new Date(), new Date(Date.now() + 5000));
    const second = (await sensor.evaluate()) as { runKey: string };
    assert.ok(second.runKey && second.runKey !== first.runKey, "a changed file is a new run key");
    // A cursor that does not parse (written by hand) reads as nothing seen: the file is new again.
    sensor.setCursor("not json");
    assert.ok(((await sensor.evaluate()) as { runKey?: string }).runKey);
  });

  it("assetSensor requests a run once per new materialization of a watched asset", async () => {
    const sensor = evaluator(assetSensor({ name: "after_orders", assetKeys: ["orders"], selection: "*" }), storage, dir);
    assert.ok(isSkip(await sensor.evaluate()));
    const run = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.appendEvents([event(run.runId, "ASSET_MATERIALIZATION", { data: { assetKey: "orders", metadata: {} } })]);
    await storage.appendEvents([event(run.runId, "ASSET_MATERIALIZATION", { data: { assetKey: "other", metadata: {} } })]);
    const request = (await sensor.evaluate()) as { runKey: string; tags: Record<string, string> };
    assert.match(request.runKey, /^orders@\d+$/);
    assert.equal(request.tags["tributary/upstream_run"], run.runId);
    assert.ok(isSkip(await sensor.evaluate()), "the same materialization does not trigger again");
  });

  it("runStatusSensor starts from now, then calls back once per run that ends with the status; runFailureSensor for failures", async () => {
    const old = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.updateRun(old.runId, { status: "SUCCESS", endedAt: new Date(Date.now() - 60_000).toISOString() });
    const seen: string[] = [];
    const onSuccess = evaluator(runStatusSensor({ name: "on_success", status: "SUCCESS" }, (_ctx, run) => void seen.push(run.runId)), storage, dir);
    const failures: string[] = [];
    const onFailure = evaluator(runFailureSensor({ name: "on_failure" }, (ctx, run) => ctx.notify(`failed: ${run.runId}`)), storage, dir);
    assert.ok(isSkip(await onSuccess.evaluate()), "the first evaluation only starts watching");
    assert.ok(isSkip(await onFailure.evaluate()));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ok = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.updateRun(ok.runId, { status: "SUCCESS", endedAt: new Date().toISOString() });
    const bad = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.updateRun(bad.runId, { status: "FAILURE", endedAt: new Date().toISOString() });
    await onSuccess.evaluate();
    await onFailure.evaluate();
    assert.deepEqual(seen, [ok.runId], "the run that ended before the sensor started is not replayed");
    failures.push(...onFailure.notified);
    assert.deepEqual(failures, [`failed: ${bad.runId}`]);
    await onSuccess.evaluate();
    await onFailure.evaluate();
    assert.deepEqual(seen, [ok.runId], "each run once");
    assert.equal(onFailure.notified.length, 1);
  });
});
