/**
 * A sensor's code runs outside the daemon's process: one that blocks its event loop far past its
 * timeout must not stop the daemon's HTTP API, nor the heartbeats of its runs (else the monitor
 * fails healthy runs), and its timeoutMs holds: the tick fails and the blocked process is killed.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isAlive, startProcess, writeProject, type TributaryProcess } from "./helpers";
import { waitFor } from "../support/waitFor";

const DEFINITIONS = `
import { existsSync, writeFileSync } from "node:fs";
import { asset, definitions, sensor } from "tributary-ts";

// Holds until the file "finish" exists, so its run spans the sensor's blocking.
export const during = asset({ key: "during" }, async () => {
  while (!existsSync("finish")) await new Promise((resolve) => setTimeout(resolve, 20));
  return 1;
});

// Its first evaluation blocks the event loop (synchronously) for two minutes.
export const blocking = sensor({ name: "blocking", selection: "during", minimumIntervalSeconds: 0.2, timeoutMs: 500 }, () => {
  if (existsSync("blocked-once")) return { skip: "blocked once already" };
  writeFileSync("blocked-once", String(process.pid));
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    // busy
  }
  return { skip: "woke up" };
});

export default definitions({ assets: [during], sensors: [blocking] });
`;

/** A JSON call to the daemon that fails (instead of waiting on) a daemon that does not answer. */
async function call(base: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: await response.json() };
}

describe("a sensor whose code blocks its event loop", function () {
  this.timeout(180_000);
  let dir: string;
  let daemon: TributaryProcess;

  before(async () => {
    dir = writeProject({
      "tributary.yaml": [
        "entry: definitions.ts",
        "daemon:",
        "  queuePollMs: 50",
        "  heartbeatSeconds: 0.2",
        "  monitorIntervalSeconds: 0.2",
        "  heartbeatTimeoutSeconds: 1",
        "  sensorPollMs: 50",
        "",
      ].join("\n"),
      "definitions.ts": DEFINITIONS,
    });
    daemon = await startProcess(dir, ["daemon", "--port", "0"]);
  });

  after(async () => {
    await daemon.killGroup();
  });

  it("leaves the daemon answering and its runs alive, and fails its tick at timeoutMs and kills the process it blocked", async () => {
    const base = daemon.url!;
    assert.equal((await call(base, "POST", "/api/sensors/blocking/start")).status, 200);
    const blockedFile = path.join(dir, "blocked-once");
    await waitFor("the sensor's code started blocking", () => existsSync(blockedFile) && readFileSync(blockedFile, "utf8") !== "", 60_000);

    // While it blocks, the daemon answers and starts a run.
    assert.equal((await call(base, "GET", "/api/health")).json.ok, true);
    const submitted = await call(base, "POST", "/api/runs", { selection: "during" });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    const runId = submitted.json.runId as string;
    await waitFor("the run started", async () => (await call(base, "GET", `/api/runs/${runId}`)).json.status === "STARTED", 60_000);
    const blockedPid = Number(readFileSync(blockedFile, "utf8"));
    assert.notEqual(blockedPid, daemon.child.pid, "the sensor's code runs outside the daemon's process");

    // timeoutMs holds: the tick fails, then the process that did not answer its cancel is killed.
    const ticks = async () => (await call(base, "GET", "/api/sensors/blocking/ticks?limit=50")).json.ticks as { status: string; error: string | null }[];
    await waitFor("the blocked tick failed", async () => (await ticks()).some((tick) => tick.status === "FAILURE"), 20_000);
    const failed = (await ticks()).find((tick) => tick.status === "FAILURE")!;
    assert.match(failed.error ?? "", /timed out after 500 ms \(sensor timeoutMs\)/);
    await waitFor("the blocked evaluation process was killed", () => !isAlive(blockedPid), 20_000);
    // The sensor goes on in a new process.
    await waitFor("a later evaluation ran", async () => (await ticks()).some((tick) => tick.status === "SKIPPED"), 60_000);

    // The run outlived the blocking (longer than the heartbeat timeout): its heartbeats went on.
    writeFileSync(path.join(dir, "finish"), "");
    await waitFor("the run ended", async () => ["SUCCESS", "FAILURE"].includes((await call(base, "GET", `/api/runs/${runId}`)).json.status), 20_000);
    const run = (await call(base, "GET", `/api/runs/${runId}`)).json;
    assert.equal(run.status, "SUCCESS", run.error);
  });
});
