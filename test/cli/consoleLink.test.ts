/**
 * `materialize` and `runs show` print the run's console page when a daemon serves the project's
 * storage: found from the daemon's own heartbeat (which carries the URL it serves at, and says when
 * it stopped), or named by TRIBUTARY_DAEMON_URL. A real daemon on the project's SQLite storage.
 */
import assert from "node:assert/strict";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { findProjectConfig } from "../../runtime/src/loader";
import { servingDaemonUrl } from "../../runtime/src/cli/consoleLink";
import { openStorage } from "../../runtime/src/storage";
import { tempProject, type TempProject } from "../support/tempProject";
import { waitFor } from "../support/waitFor";
import { runMain, testEnv } from "./helpers";

const PROJECT = `import { asset, definitions } from "tributary-ts";
export const a = asset({ key: "a" }, () => 1);
export default definitions({ assets: [a] });
`;

const FAST = { queuePollMs: 20, heartbeatMs: 50, monitorIntervalMs: 100, schedulerPollMs: 50, sensorPollMs: 30, daemonHeartbeatMs: 100, maxConcurrentRuns: 1 };
const SERVED = "http://127.0.0.1:4321";

describe("the CLI prints a run's console URL when a daemon serves the project", function () {
  this.timeout(60_000);
  let project: TempProject;
  before(() => (project = tempProject({ "definitions.ts": PROJECT }, "console-link")));
  after(() => project.cleanup());

  const runIdOf = (stdout: string) => /Run ([0-9a-f-]{36}) recorded/.exec(stdout)?.[1];

  it("prints nothing about a console without a daemon", async () => {
    const outcome = await runMain(["materialize", "--select", "a", "--in-process"], project.dir);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.doesNotMatch(outcome.stdout, /Console:/);
    const shown = await runMain(["runs", "show", runIdOf(outcome.stdout)!], project.dir);
    assert.doesNotMatch(shown.stdout, /console/);
  });

  it("ends materialize's summary and runs show with /runs/<id> on the daemon's URL, and stops once the daemon stops", async () => {
    const daemon = new Daemon({ config: findProjectConfig(project.dir), settings: FAST, log: () => undefined });
    await daemon.start();
    let stopped = false;
    try {
      daemon.servesAt(SERVED);
      await waitFor("the heartbeat with the URL", async () => (await daemon.storage.listDaemonHeartbeats()).some((b) => b.info["url"] === SERVED));
      const outcome = await runMain(["materialize", "--select", "a", "--in-process"], project.dir);
      assert.equal(outcome.code, 0, outcome.stderr);
      const runId = runIdOf(outcome.stdout)!;
      assert.ok(outcome.stdout.endsWith(`\nConsole: ${SERVED}/runs/${runId}\n`), outcome.stdout);

      const json = await runMain(["materialize", "--select", "a", "--in-process", "--json"], project.dir);
      const jsonRunId = (JSON.parse(json.stdout) as { runId: string }).runId;
      assert.match(json.stderr, new RegExp(`\\nConsole: ${SERVED.replace(/\./g, "\\.")}/runs/${jsonRunId}\\n`), "with --json, on stderr");

      const shown = await runMain(["runs", "show", runId.slice(0, 8)], project.dir);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`\\n  console     ${SERVED.replace(/\./g, "\\.")}/runs/${runId}\\n`));

      const proxied = await runMain(["runs", "show", runId], project.dir, testEnv({ TRIBUTARY_DAEMON_URL: "https://tributary.example.com/" }));
      assert.match(proxied.stdout, new RegExp(`\\n  console     https://tributary\\.example\\.com/runs/${runId}\\n`), "TRIBUTARY_DAEMON_URL names the daemon");

      await daemon.stop();
      stopped = true;
      const after = await runMain(["runs", "show", runId], project.dir);
      assert.doesNotMatch(after.stdout, /console/, "a stopped daemon is not named");
    } finally {
      if (!stopped) await daemon.stop();
    }
  });

  it("takes the most recent fresh heartbeat with a URL, never a stale or a stopped one", async () => {
    const storage = await openStorage(findProjectConfig(project.dir).storage);
    try {
      const now = Date.parse("2026-12-05T10:00:00Z");
      const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
      await storage.recordDaemonHeartbeat("stale", { role: "daemon", url: "http://stale:1" }, at(120));
      await storage.recordDaemonHeartbeat("stopped", { role: "daemon", url: "http://stopped:1", stopped: true }, at(1));
      await storage.recordDaemonHeartbeat("no-http", { role: "daemon" }, at(1));
      assert.equal(await servingDaemonUrl(storage, {}, now), undefined);
      await storage.recordDaemonHeartbeat("older", { role: "daemon", url: "http://older:1" }, at(20));
      await storage.recordDaemonHeartbeat("newer", { role: "daemon", url: "http://newer:1" }, at(2));
      assert.equal(await servingDaemonUrl(storage, {}, now), "http://newer:1");
      assert.equal(await servingDaemonUrl(storage, { TRIBUTARY_DAEMON_URL: " http://env:2 " }, now), "http://env:2");
    } finally {
      await storage.close();
    }
  });
});
