/**
 * Logs and health of a real daemon: a scheduler whose pass hangs is reported stalled by
 * /api/health (on a manual clock: no real minute passes) while its other loops stay healthy; the
 * daemon's typed events; and `tributary daemon` with TRIBUTARY_LOG_FORMAT=json writing JSON lines.
 */
import assert from "node:assert/strict";
import * as v from "valibot";
import { Daemon } from "../../runtime/src/daemon/daemon";
import type { DaemonEvents } from "../../runtime/src/daemon/events";
import { startHttpServer } from "../../runtime/src/daemon/http/server";
import { Logger, jsonSink } from "../../runtime/src/daemon/logger";
import { findProjectConfig } from "../../runtime/src/loader";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { HealthSchema, type HealthJson } from "../../runtime/src/wire/responses";
import { ManualClock } from "../support/manualClock";
import { waitFor } from "../support/waitFor";
import { startProcess, writeProject } from "./helpers";

const SCHEDULED = `import { asset, definitions, schedule } from "tributary-ts";
export const a = asset({ key: "a" }, () => 1);
export const nightly = schedule({ name: "nightly", cron: "0 3 * * *", selection: "a", defaultStatus: "RUNNING" });
export default definitions({ assets: [a], schedules: [nightly] });
`;

async function health(base: string): Promise<HealthJson> {
  const response = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, "a stalled loop still answers 200");
  return v.parse(HealthSchema, await response.json());
}

describe("daemon logs and health", function () {
  this.timeout(120_000);

  it("reports a scheduler whose pass hangs as unhealthy in /api/health once the clock passes the threshold, while the other loops stay healthy", async () => {
    const dir = writeProject({ "definitions.ts": SCHEDULED });
    const real = await openStorage({ kind: "sqlite", path: ":memory:" });
    let hang = false;
    let hungCalls = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The scheduler alone reads instigator states here (no sensors): its pass waits on this call.
    const storage = new Proxy(real, {
      get(target, property, receiver) {
        if (property === "getInstigatorState" && hang) {
          return async (...args: Parameters<Storage["getInstigatorState"]>) => {
            hungCalls++;
            await released;
            return target.getInstigatorState(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const clock = new ManualClock(Date.now());
    const lines: string[] = [];
    const logger = new Logger(jsonSink((line) => lines.push(line)), {}, "info", () => new Date(clock.now()));
    const daemon = new Daemon({
      config: findProjectConfig(dir),
      storage,
      clock,
      logger,
      settings: { maxConcurrentRuns: 0, warmWorkers: 0, schedulerPollMs: 1000, sensorPollMs: 1000, queuePollMs: 1000, monitorIntervalMs: 2000, daemonHeartbeatMs: 2000, freshnessPollMs: 2000, loopUnhealthyAfterMs: 10_000 },
      automation: { intervalMs: 1000 },
    });
    const stalledEvents: DaemonEvents["loopStalled"][] = [];
    daemon.events.on("loopStalled", (event) => stalledEvents.push(event));
    await daemon.start();
    const server = await startHttpServer(daemon, { port: 0, logger });
    try {
      const loops = () => daemon.loops();
      const others = () => loops().filter((loop) => loop.name !== "scheduler");
      assert.deepEqual(loops().map((loop) => loop.name), ["automation", "backfills", "freshness", "heartbeat", "monitor", "runQueue", "scheduler", "sensors"]);
      await waitFor("the first passes", () => loops().every((loop) => !loop.running));
      const before = await health(server.url);
      assert.equal(before.status, "ok");
      assert.ok(before.loops.every((loop) => loop.healthy && loop.unhealthyAfterSeconds === 10));

      hang = true;
      const startedAt = clock.now();
      for (let second = 1; second <= 11; second++) {
        clock.advance(1000);
        await waitFor(`the loops' passes at ${second} s`, () => hungCalls === 1 && others().every((loop) => !loop.running));
      }
      const answer = await health(server.url);
      assert.equal(answer.status, "degraded");
      assert.equal(answer.storage.ok, true, "the database is fine: the loop alone is the cause");
      const scheduler = answer.loops.find((loop) => loop.name === "scheduler")!;
      assert.equal(scheduler.healthy, false);
      assert.equal(scheduler.running, true);
      assert.equal(scheduler.intervalSeconds, 1);
      assert.equal(scheduler.stalledForSeconds, 11);
      assert.equal(scheduler.lastBeatAt, new Date(startedAt).toISOString());
      for (const loop of answer.loops.filter((other) => other.name !== "scheduler")) {
        assert.equal(loop.healthy, true, `${loop.name} stays healthy`);
        assert.equal(loop.stalledForSeconds, undefined);
        assert.ok(Date.parse(loop.lastBeatAt) >= clock.now() - 2000, `${loop.name} beat within its interval`);
      }
      assert.deepEqual(stalledEvents.map((event) => [event.loop, event.stalledForSeconds]), [["scheduler", 10]]);
      const stalledLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry["component"] === "loops");
      assert.equal(stalledLines.length, 1, "logged once, not at every check");
      assert.equal(stalledLines[0]!["loop"], "scheduler");
      assert.equal(stalledLines[0]!["level"], "error");

      hang = false;
      release();
      await waitFor("the scheduler's pass to end", () => loops().every((loop) => loop.healthy && !loop.running));
      assert.equal((await health(server.url)).status, "ok");
      const recovered = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry["component"] === "loops");
      assert.equal(recovered.length, 2);
      assert.match(String(recovered[1]!["msg"]), /^loop scheduler is running again after 11 s/);
    } finally {
      release();
      await server.close();
      await daemon.stop();
      await real.close();
    }
  });

  it("tells listeners what happened, typed: a queued run, a started schedule, a code reload", async () => {
    const dir = writeProject({ "definitions.ts": SCHEDULED });
    const daemon = new Daemon({ config: findProjectConfig(dir), logger: new Logger(() => undefined), settings: { maxConcurrentRuns: 0, warmWorkers: 0 } });
    const heard: { name: string; payload: unknown }[] = [];
    daemon.events.onAny((name, payload) => heard.push({ name, payload }));
    await daemon.start();
    assert.equal(heard.filter((event) => event.name === "codeReloaded").length, 1, "the load at start");
    try {
      const run = await daemon.submitRun({ selection: "a" });
      await daemon.setInstigatorStatus("nightly", "STOPPED");
      const reloaded = await daemon.reloadCode();
      const names = heard.map((event) => event.name);
      assert.deepEqual(
        heard.find((event) => event.name === "runQueued")?.payload,
        { runId: run.runId, selection: "a", instigator: null },
      );
      assert.deepEqual(heard.find((event) => event.name === "instigatorChanged")?.payload, { name: "nightly", type: "schedule", status: "STOPPED" });
      // The load at start is one too.
      assert.deepEqual(heard.filter((event) => event.name === "codeReloaded").at(-1)?.payload, { ok: true, codeVersion: reloaded.codeVersion, changedFiles: [] });
      assert.ok(names.indexOf("runQueued") < names.indexOf("instigatorChanged"));
    } finally {
      await daemon.stop();
    }
  });

  it("writes JSON lines with scope fields on stdout when `tributary daemon` runs with TRIBUTARY_LOG_FORMAT=json", async () => {
    const dir = writeProject({ "definitions.ts": SCHEDULED.replace('defaultStatus: "RUNNING"', 'defaultStatus: "STOPPED"') });
    const daemon = await startProcess(dir, ["daemon", "--port", "0", "--max-concurrent-runs", "0"], { TRIBUTARY_LOG_FORMAT: "json" });
    try {
      const response = await fetch(`${daemon.url}/api/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ selection: "a" }),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const { runId } = (await response.json()) as { runId: string };
      const entries = () => daemon.stdoutLines().map((line) => JSON.parse(line) as Record<string, unknown>);
      const queued = await waitFor("the queued run's log entry", () => entries().find((entry) => entry["component"] === "runs" && entry["runId"] === runId));
      assert.equal(queued["level"], "info");
      assert.match(String(queued["msg"]), new RegExp(`^run ${runId} queued: "a" http://127\\.0\\.0\\.1:\\d+/runs/${runId}$`));
      assert.equal(queued["selection"], "a");
      assert.equal(queued["daemonId"], daemon.daemonId, "every entry says which process wrote it");
      assert.ok(!Number.isNaN(Date.parse(String(queued["time"]))));
      const started = entries().find((entry) => entry["component"] === "daemon" && /started on/.test(String(entry["msg"])));
      assert.ok(started, daemon.stdoutLines().join("\n"));
      assert.equal(started["daemonId"], daemon.daemonId);
      assert.equal(started["url"], daemon.url);
      assert.ok(entries().some((entry) => entry["ready"] === true), "the readiness line is JSON too");
      assert.doesNotMatch(daemon.output(), /\[daemon\]|\[runs\]/, "no text log lines on stderr");
    } finally {
      await daemon.stop();
    }
  });
});
