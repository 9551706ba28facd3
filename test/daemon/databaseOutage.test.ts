/**
 * PostgreSQL stopped and started under a running daemon (a cluster of the test's own), mid-run: a
 * restart (about a second) and an outage longer than the heartbeat timeout. Nothing may be lost:
 * every event once and in order, the run SUCCESS (its live worker not declared dead), the catalog
 * naming the run; meanwhile the API answers 503, health reports the storage down, and the daemon
 * logs the outage once, not a line per poll.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RunEndWriter } from "../../runtime/src/daemon/runEndWriter";
import { runEvent } from "../../runtime/src/daemon/runLifecycle";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import type { RunRecord } from "../../runtime/src/types";
import { createTestCluster, type TestCluster } from "../support/postgresCluster";
import { postgresProjectYaml, startProcess, writeProject, type TributaryProcess } from "./helpers";
import { waitFor } from "../support/waitFor";

const HEARTBEAT_TIMEOUT_S = 1.5;
const MONITOR_INTERVAL_S = 0.2;
const LOG_LINES = 40;

const DEFINITIONS = `
import { existsSync, writeFileSync } from "node:fs";
import { asset, definitions } from "tributary-ts";

export const before = asset({ key: "before" }, () => "before");

// Holds until the file "release-<runId>" exists, so the test can take the database away while the
// run is in progress; what follows (log lines, two more materializations, the run's end) happens
// while it is away.
export const during = asset({ key: "during", deps: ["before"] }, async (ctx) => {
  writeFileSync("started-" + ctx.runId, "");
  while (!existsSync("release-" + ctx.runId)) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let line = 0; line < ${LOG_LINES}; line++) ctx.log.info("line " + line);
  return ctx.runId;
});

export const after = asset({ key: "after", deps: ["during"] }, (ctx) => {
  writeFileSync("finished-" + ctx.runId, "");
  return ctx.runId;
});

export default definitions({ assets: [before, during, after] });
`;

/** Lines of the daemon's log that speak of the database being away or back. */
const OUTAGE_LINE = /\[storage\] the database is unreachable/;
const RECOVERY_LINE = /\[storage\] the database is reachable again/;
/** What a connection error says, wherever it would be logged. */
const CONNECTION_TALK = /Cannot connect to PostgreSQL|ECONNREFUSED|terminating connection|shutting down|starting up|Connection terminated/;

describe("a PostgreSQL outage under a running daemon (a cluster of the test's own, stopped mid-run)", function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let storage: PostgresStorage;
  let dir: string;
  let daemon: TributaryProcess;

  before(async () => {
    cluster = await createTestCluster();
    storage = new PostgresStorage(cluster.url, { maxConnections: 2 });
    await storage.migrate();
    dir = writeProject({
      "tributary.yaml": postgresProjectYaml({ url: cluster.url }, {
        queuePollMs: 50,
        heartbeatSeconds: 0.2,
        monitorIntervalSeconds: MONITOR_INTERVAL_S,
        heartbeatTimeoutSeconds: HEARTBEAT_TIMEOUT_S,
      }),
      "definitions.ts": DEFINITIONS,
    });
    daemon = await startProcess(dir, ["daemon", "--port", "0"]);
  });
  after(async () => {
    await daemon?.stop();
    await storage?.close();
    await cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = (pathname: string, init?: RequestInit) => fetch(new URL(pathname, daemon.url), init);
  const health = async () => (await (await api("/api/health")).json()) as { ok: boolean; storage: { ok: boolean; since?: string; error?: { message: string } } };

  /** Submits a run and waits until its step `during` holds, the database still up. */
  const runHeldInTheMiddle = async (): Promise<string> => {
    const submitted = await api("/api/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ selection: "*" }) });
    assert.equal(submitted.status, 201, await submitted.clone().text());
    const { runId } = (await submitted.json()) as { runId: string };
    await waitFor("the run reached its step `during`", () => existsSync(path.join(dir, `started-${runId}`)), 60_000);
    return runId;
  };

  /** Waits for the run to end, then checks that nothing of it was lost or doubled. */
  const expectEverythingOnce = async (runId: string): Promise<RunRecord> => {
    let run: RunRecord | null = null;
    await waitFor("the run ended", async () => {
      run = await storage.getRun(runId).catch(() => null);
      return run !== null && ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status);
    }, 60_000);
    const ended = run!;
    assert.equal(ended.status, "SUCCESS", `run ${runId} ended ${ended.status}: ${ended.error}`);
    const events = await storage.getRunEvents(runId);
    const lines = events.filter((event) => event.type === "LOG" && /^line \d+$/.test(event.message)).map((event) => event.message);
    assert.deepEqual(lines, Array.from({ length: LOG_LINES }, (_, line) => `line ${line}`), "every log line once, in order");
    const count = (type: string, stepKey: string | null = null) => events.filter((event) => event.type === type && event.stepKey === stepKey).length;
    for (const step of ["before", "during", "after"]) {
      assert.equal(count("STEP_START", step), 1, `STEP_START of ${step}`);
      assert.equal(count("ASSET_MATERIALIZATION", step), 1, `ASSET_MATERIALIZATION of ${step}`);
      assert.equal(count("STEP_SUCCESS", step), 1, `STEP_SUCCESS of ${step}`);
    }
    assert.equal(count("RUN_SUCCESS"), 1);
    assert.equal(count("RUN_FAILURE"), 0);
    assert.equal(events.at(-1)?.type, "RUN_SUCCESS", "the run's end is its last event");
    const catalog = await storage.getLatestMaterializations(["before", "during", "after"]);
    assert.deepEqual(
      catalog.map((record) => [record.assetKey, record.runId]),
      [["after", runId], ["before", runId], ["during", runId]],
      "the catalog names this run for every asset it wrote",
    );
    for (const record of catalog) {
      assert.equal(record.eventId, events.find((event) => event.type === "ASSET_MATERIALIZATION" && event.stepKey === record.assetKey)?.id);
    }
    // The value the catalog points at is the one this run wrote.
    const during = catalog.find((record) => record.assetKey === "during")!;
    assert.equal(JSON.parse(readFileSync(String(during.metadata.path), "utf8")), runId);
    return ended;
  };

  /** The daemon's log since `from`: the outage said once, its end once, and the connection error nowhere else. */
  const expectOutageLoggedOnce = (from: number) => {
    const lines = daemon.output().slice(from).split("\n").filter((line) => line.length > 0);
    const outage = lines.filter((line) => OUTAGE_LINE.test(line));
    const recovery = lines.filter((line) => RECOVERY_LINE.test(line));
    assert.equal(outage.length, 1, `one line for the outage:\n${lines.join("\n")}`);
    assert.equal(recovery.length, 1, `one line for its end:\n${lines.join("\n")}`);
    const others = lines.filter((line) => !OUTAGE_LINE.test(line) && CONNECTION_TALK.test(line));
    assert.deepEqual(others, [], "no other line repeats the connection error");
    assert.deepEqual(lines.filter((line) => /\[monitor\]/.test(line)), [], "the monitor failed no run");
  };

  it("survives a restart of the database mid-run (about a second): every event once, the run SUCCESS, the catalog on it", async () => {
    const logFrom = daemon.output().length;
    const runId = await runHeldInTheMiddle();
    await cluster.stop("fast");
    writeFileSync(path.join(dir, `release-${runId}`), "");
    await cluster.start();
    await expectEverythingOnce(runId);
    await waitFor("health says the storage is up again", async () => (await health()).storage.ok, 10_000);
    expectOutageLoggedOnce(logFrom);
  });

  it("survives an outage longer than the heartbeat timeout: the run is not declared dead, the API answers 503 and health says why meanwhile", async () => {
    const logFrom = daemon.output().length;
    const runId = await runHeldInTheMiddle();
    await cluster.stop("fast");
    const stoppedAt = Date.now();
    writeFileSync(path.join(dir, `release-${runId}`), "");
    // The run goes on without the database: its last step ends while it is away.
    await waitFor("the run's last step ran during the outage", () => existsSync(path.join(dir, `finished-${runId}`)), 30_000);

    const refused = await api("/api/runs");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "5");
    const body = (await refused.json()) as { error: { message: string; hint: string } };
    assert.match(body.error.message, /cannot reach its database: Cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
    assert.match(body.error.hint, /Nothing is lost/);
    const down = await health();
    assert.equal(down.ok, true, "the daemon itself is up");
    assert.equal(down.storage.ok, false);
    assert.match(down.storage.error?.message ?? "", /Cannot connect to PostgreSQL/);
    assert.ok(down.storage.since && Date.parse(down.storage.since) >= stoppedAt - 1000, `since ${down.storage.since}`);

    // Away for well over the heartbeat timeout, with the monitor looking every MONITOR_INTERVAL_S.
    const awayMs = (2 * HEARTBEAT_TIMEOUT_S + 4 * MONITOR_INTERVAL_S) * 1000;
    await waitFor(`the database has been away for ${awayMs} ms`, () => Date.now() - stoppedAt >= awayMs, awayMs + 5000);
    await cluster.start();

    const ended = await expectEverythingOnce(runId);
    assert.equal(ended.error, null);
    await waitFor("health says the storage is up again", async () => (await health()).storage.ok, 10_000);
    expectOutageLoggedOnce(logFrom);
  });

  it("keeps a run's end in the coordinator while the database is away and writes it once it is back", async () => {
    const run = await storage.createRun({ runId: `end-${Date.now()}`, status: "STARTED", selection: "*", assetKeys: ["before"] });
    const unreachable: Error[] = [];
    const ends = new RunEndWriter({
      storage,
      workerId: "test",
      claimLimit: () => 0,
      onClaimed: () => undefined,
      onUnreachable: (error) => unreachable.push(error),
      retryBackoff: { firstMs: 20, maxMs: 200 },
    });
    await cluster.stop("fast");
    const ended = ends.end([runEvent(run.runId, "RUN_SUCCESS", "Run succeeded")], {
      runId: run.runId,
      update: { status: "SUCCESS", endedAt: new Date().toISOString() },
      from: ["STARTED", "CANCELING"],
    });
    await waitFor("the end was tried while the database was away", () => unreachable.length >= 3, 10_000);
    await cluster.start();
    await ended;
    assert.equal((await storage.getRun(run.runId))?.status, "SUCCESS");
    assert.deepEqual((await storage.getRunEvents(run.runId)).map((event) => event.type), ["RUN_SUCCESS"]);
  });
});
