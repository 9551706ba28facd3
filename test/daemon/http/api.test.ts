/** Every endpoint of the HTTP API on a real project, a real SQLite file and the real executor. */
import assert from "node:assert/strict";
import { startHttpServer } from "../../../runtime/src/daemon/http/server";
import { waitFor } from "../../support/waitFor";
import { call, openGate, startFixture, type Fixture } from "./fixture";

describe("HTTP API endpoints", function () {
  this.timeout(30_000);
  let fixture: Fixture;
  let base: string;
  before(async () => {
    fixture = await startFixture();
    base = fixture.server.url;
  });
  after(() => fixture.dispose());

  it("answers health with the daemon id, mode, version and the project's state", async () => {
    const { status, json, headers } = await call(base, "GET", "/api/health");
    assert.equal(status, 200);
    assert.equal(json.ok, true);
    assert.equal(json.daemonId, fixture.services.daemonId);
    assert.equal(json.mode, "dev");
    assert.match(json.version, /^\d+\.\d+\.\d+/);
    assert.equal(json.project.ok, true);
    assert.equal(json.project.assets, 6);
    assert.equal(headers.get("access-control-allow-origin"), null, "no CORS headers");
  });

  it("reports a failed reload in health and keeps answering from the last good project", async () => {
    const good = fixture.services.state;
    fixture.services.state = { ok: false, error: { message: "Unexpected token", file: "definitions.ts", line: 7, hint: "Fix the syntax" }, failedAt: new Date().toISOString(), codeVersion: null };
    try {
      const health = await call(base, "GET", "/api/health");
      assert.equal(health.json.project.ok, false);
      assert.equal(health.json.project.error.line, 7);
      const assets = await call(base, "GET", "/api/assets");
      assert.equal(assets.status, 200);
      assert.equal(assets.json.assets.length, 6);
    } finally {
      fixture.services.state = good;
    }
  });

  it("answers 503 with the load error at file:line when no project ever loaded", async () => {
    const services = Object.create(fixture.services, {
      project: { value: () => ({ ok: false, error: { message: "Unexpected token", file: "definitions.ts", line: 7, hint: "Fix the syntax" }, failedAt: new Date().toISOString(), codeVersion: null }) },
    }) as typeof fixture.services;
    const server = await startHttpServer(services, { port: 0, log: () => {} });
    try {
      for (const [method, path, body] of [["GET", "/api/assets"], ["GET", "/api/schedules"], ["POST", "/api/runs", { selection: "*" }]] as const) {
        const answer = await call(server.url, method, path, body ? { body } : {});
        assert.equal(answer.status, 503, `${method} ${path}: ${answer.text}`);
        assert.match(answer.json.error.message, /does not load: definitions\.ts:7: Unexpected token|project does not load/);
      }
    } finally {
      await server.close();
    }
  });

  it("lists the asset graph with NEVER before anything ran", async () => {
    const { status, json } = await call(base, "GET", "/api/assets");
    assert.equal(status, 200);
    const stg = json.assets.find((asset: { key: string }) => asset.key === "stg");
    assert.deepEqual(
      { key: stg.key, group: stg.group, deps: stg.deps, tags: stg.tags, checks: stg.checks, status: stg.status, latest: stg.latestMaterialization, latestChecks: stg.latestChecks },
      { key: "stg", group: "staging", deps: ["raw"], tags: { tier: "gold" }, checks: ["not_null_id"], status: "NEVER", latest: null, latestChecks: [] },
    );
    assert.equal(stg.file, "definitions.ts");
    assert.equal(typeof stg.line, "number");
    assert.equal(json.assets.find((asset: { key: string }) => asset.key === "mart").description, "The mart");
  });

  it("launches a run with 201 and its id, lists it, shows it with steps after it executed", async () => {
    const launched = await call(base, "POST", "/api/runs", { body: { selection: "+mart", tags: { who: "test" } } });
    assert.equal(launched.status, 201, launched.text);
    assert.deepEqual(Object.keys(launched.json), ["runId"]);
    const runId = launched.json.runId as string;
    assert.equal(launched.headers.get("location"), `/api/runs/${runId}`);

    const queued = await call(base, "GET", `/api/runs/${runId}`);
    assert.equal(queued.json.status, "QUEUED");
    assert.deepEqual(queued.json.assetKeys, ["raw", "stg", "mart"]);
    assert.deepEqual(queued.json.tags, { who: "test" });
    assert.deepEqual(queued.json.steps, []);

    const result = await fixture.services.execute(runId);
    assert.equal(result.status, "SUCCESS");
    const shown = await call(base, "GET", `/api/runs/${runId}`);
    assert.equal(shown.json.status, "SUCCESS");
    assert.deepEqual(shown.json.steps.map((step: { key: string; status: string }) => [step.key, step.status]), [["raw", "SUCCESS"], ["stg", "SUCCESS"], ["mart", "SUCCESS"]]);
    for (const step of shown.json.steps) assert.equal(typeof step.durationMs, "number");

    const list = await call(base, "GET", "/api/runs");
    assert.equal(list.json.runs[0].runId, runId);
    for (const field of ["runId", "status", "selection", "instigator", "createdAt", "startedAt", "endedAt"]) assert.ok(field in list.json.runs[0], field);
  });

  it("launches a run of job:NAME, as VS Code's Materialize Job… sends it, with the job's assets and tags", async () => {
    const launched = await call(base, "POST", "/api/runs", { body: { selection: "job:up_to_mart", tags: { who: "test" } } });
    assert.equal(launched.status, 201, launched.text);
    const queued = await call(base, "GET", `/api/runs/${launched.json.runId}`);
    assert.equal(queued.json.selection, "job:up_to_mart");
    assert.deepEqual(queued.json.assetKeys, ["raw", "stg", "mart"]);
    assert.deepEqual(queued.json.tags, { team: "data", who: "test" });
    await call(base, "POST", `/api/runs/${launched.json.runId}/cancel`);
  });

  it("computes FRESH, STALE, FAILED and latest checks from storage", async () => {
    let assets = await assetsByKey();
    assert.equal(assets.get("mart")!.status, "FRESH");
    assert.equal(assets.get("stg")!.latestChecks[0].checkName, "not_null_id");
    assert.equal(assets.get("stg")!.latestChecks[0].passed, true);
    assert.ok(assets.get("mart")!.latestMaterialization.runId);

    // raw again: stg and (through it, not directly) mart are now older than their upstream.
    await runNow("raw");
    assets = await assetsByKey();
    assert.equal(assets.get("raw")!.status, "FRESH");
    assert.equal(assets.get("stg")!.status, "STALE");
    assert.equal(assets.get("mart")!.status, "FRESH", "mart's own upstream (stg) is not newer than it");

    await runNow("broken");
    assets = await assetsByKey();
    assert.equal(assets.get("broken")!.status, "FAILED");
  });

  it("shows an asset RUNNING while its step runs, and its codeVersion freshness after", async () => {
    const open = openGate();
    const runId = (await call(base, "POST", "/api/runs", { body: { selection: "gated or versioned" } })).json.runId as string;
    const execution = fixture.services.execute(runId);
    await waitFor("gated is RUNNING", async () => (await assetsByKey()).get("gated")!.status === "RUNNING");
    open();
    assert.equal((await execution).status, "SUCCESS");
    const assets = await assetsByKey();
    assert.equal(assets.get("gated")!.status, "FRESH");
    assert.equal(assets.get("versioned")!.status, "FRESH", "the recorded codeVersion matches the definition");
  });

  it("filters runs by status, limits them and pages with before", async () => {
    const all = (await call(base, "GET", "/api/runs")).json.runs as { runId: string; status: string }[];
    assert.ok(all.length >= 4);
    const failed = (await call(base, "GET", "/api/runs?status=failure")).json.runs as { status: string }[];
    assert.ok(failed.length >= 1);
    assert.ok(failed.every((run) => run.status === "FAILURE"));
    const firstTwo = (await call(base, "GET", "/api/runs?limit=2")).json.runs as { runId: string }[];
    assert.deepEqual(firstTwo.map((run) => run.runId), all.slice(0, 2).map((run) => run.runId));
    const next = (await call(base, "GET", `/api/runs?limit=2&before=${firstTwo[1]!.runId}`)).json.runs as { runId: string }[];
    assert.deepEqual(next.map((run) => run.runId), all.slice(2, 4).map((run) => run.runId));
  });

  it("returns a run's events as JSON, after an event id", async () => {
    const runId = (await call(base, "GET", "/api/runs?status=SUCCESS&limit=1")).json.runs[0].runId as string;
    const { status, json } = await call(base, "GET", `/api/runs/${runId}/events`);
    assert.equal(status, 200);
    const types = json.events.map((event: { type: string }) => event.type);
    assert.equal(types[0], "RUN_QUEUED");
    assert.equal(types[types.length - 1], "RUN_SUCCESS");
    const after = json.events[2].id as number;
    const rest = (await call(base, "GET", `/api/runs/${runId}/events?after=${after}`)).json.events as { id: number }[];
    assert.deepEqual(rest.map((event) => event.id), json.events.slice(3).map((event: { id: number }) => event.id));
  });

  it("cancels a queued run with 202 and refuses to cancel an ended one with 409", async () => {
    const runId = (await call(base, "POST", "/api/runs", { body: { selection: "raw" } })).json.runId as string;
    const canceled = await call(base, "POST", `/api/runs/${runId}/cancel`);
    assert.equal(canceled.status, 202);
    assert.deepEqual(canceled.json, { runId, status: "CANCELED" });
    const again = await call(base, "POST", `/api/runs/${runId}/cancel`);
    assert.equal(again.status, 409);
    assert.match(again.json.error.message, /already ended \(CANCELED\)/);
  });

  it("cancels a running run: it ends CANCELED", async () => {
    openGate(); // never opened: the step waits until it is canceled... or the run is
    const runId = (await call(base, "POST", "/api/runs", { body: { selection: "gated" } })).json.runId as string;
    const execution = fixture.services.execute(runId);
    await waitFor("the run started", async () => (await call(base, "GET", `/api/runs/${runId}`)).json.status === "STARTED");
    const canceled = await call(base, "POST", `/api/runs/${runId}/cancel`);
    assert.equal(canceled.status, 202);
    assert.equal(canceled.json.status, "CANCELING");
    (globalThis as { __tributaryHttpGate?: { promise: Promise<void> } }).__tributaryHttpGate = undefined;
    const result = await execution;
    assert.equal(result.status, "CANCELED");
  });

  it("lists schedules and sensors with their default status, starts and stops them, lists ticks", async () => {
    const schedules = await call(base, "GET", "/api/schedules");
    assert.equal(schedules.status, 200);
    assert.deepEqual(schedules.json.schedules.map((s: Record<string, unknown>) => [s["name"], s["cron"], s["timezone"], s["selection"], s["status"]]), [
      ["nightly", "0 2 * * *", "Europe/Paris", "group:warehouse", "STOPPED"],
    ]);
    assert.equal(schedules.json.schedules[0].nextTick, undefined, "no next tick while stopped");

    const started = await call(base, "POST", "/api/schedules/nightly/start");
    assert.equal(started.status, 200);
    assert.equal(started.json.status, "RUNNING");
    const nextTick = (await call(base, "GET", "/api/schedules")).json.schedules[0].nextTick as string;
    assert.ok(Date.parse(nextTick) > Date.now());
    assert.equal(new Date(nextTick).getUTCMinutes(), 0);
    assert.equal((await call(base, "POST", "/api/schedules/nightly/stop")).json.status, "STOPPED");

    const sensors = await call(base, "GET", "/api/sensors");
    assert.deepEqual(sensors.json.sensors.map((s: Record<string, unknown>) => [s["name"], s["selection"], s["status"], s["minimumIntervalSeconds"]]), [["watcher", "raw", "STOPPED", 30]]);
    assert.equal((await call(base, "POST", "/api/sensors/watcher/start")).json.status, "RUNNING");
    assert.equal((await call(base, "GET", "/api/sensors")).json.sensors[0].status, "RUNNING");

    const tick = await fixture.storage.createTick({ instigatorName: "watcher", instigatorType: "sensor", tickTime: new Date().toISOString(), status: "SKIPPED" });
    const ticks = await call(base, "GET", "/api/sensors/watcher/ticks?limit=5");
    assert.equal(ticks.status, 200);
    assert.deepEqual(ticks.json.ticks.map((t: { tickId: number }) => t.tickId), [tick!.tickId]);
    assert.deepEqual((await call(base, "GET", "/api/schedules/nightly/ticks")).json.ticks, []);
  });

  async function runNow(selection: string): Promise<void> {
    const runId = (await call(base, "POST", "/api/runs", { body: { selection } })).json.runId as string;
    await fixture.services.execute(runId);
  }

  async function assetsByKey(): Promise<Map<string, any>> {
    const { json } = await call(base, "GET", "/api/assets");
    return new Map(json.assets.map((asset: { key: string }) => [asset.key, asset]));
  }
});
