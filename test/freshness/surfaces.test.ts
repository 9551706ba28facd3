/**
 * Where people read an asset's freshness: `GET /api/assets` (real HTTP server, real SQLite file)
 * and `tributary assets list` (table and --json), on one project whose materializations are written
 * with chosen timestamps. The CLI takes an injected clock; the HTTP answers are judged by the
 * daemon's clock, so their timestamps sit hours away from any boundary.
 */
import assert from "node:assert/strict";
import { startHttpServer, type HttpServer } from "../../runtime/src/daemon/http/server";
import { main } from "../../runtime/src/cli/main";
import { findProjectConfig, loadProject } from "../../runtime/src/loader";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import type { AssetJson } from "../../runtime/src/wire";
import { LocalDaemonServices } from "../daemon/http/localServices";
import { testEnv } from "../cli/helpers";
import { tempProject, type TempProject } from "../support/tempProject";
import { materialization, newRun } from "../storage/conformance";

const HOUR = 3_600_000;

const DEFINITIONS = `import { asset, definitions, sqlAsset, sql } from "tributary-ts";
export const hourly = asset({ key: "hourly", freshness: { maxLag: "2h", warnAfter: "1h" } }, () => 1);
export const daily = asset({ key: "daily", deps: [hourly], freshness: { maxLag: "24h" } }, () => 2);
export const never = asset({ key: "never", freshness: { maxLag: "1h" } }, () => 3);
export const plain = asset({ key: "plain" }, () => 4);
export default definitions({ assets: [hourly, daily, never, plain] });
`;

/** Writes one materialization of each `[key, ISO time, partition?]`, in that order. */
async function materialize(storage: Storage, entries: [string, string, string?][]): Promise<void> {
  const run = await storage.createRun(newRun({ assetKeys: entries.map(([key]) => key) }));
  await storage.appendEvents(entries.map(([key, at, partition]) => ({ ...materialization(run.runId, key, {}, partition), timestamp: at })));
}

async function cli(dir: string, args: string[], now: number): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { cwd: dir, env: testEnv(), now: () => now, stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

describe("freshness in the HTTP API and the CLI", function () {
  this.timeout(30_000);
  let project: TempProject;
  let storage: Storage;
  let server: HttpServer;
  /** The materializations' reference instant: the real clock at the start, for the HTTP answers. */
  const start = Date.now();

  before(async () => {
    project = tempProject({ "definitions.ts": DEFINITIONS }, "freshness");
    const config = findProjectConfig(project.dir, {});
    storage = await openStorage(config.storage);
    const loaded = await loadProject(config, { env: {} });
    await materialize(storage, [
      ["hourly", new Date(start - 5 * HOUR).toISOString()],
      ["hourly", new Date(start - 90 * 60_000).toISOString(), "2024-05-01"],
      ["daily", new Date(start - 30 * HOUR).toISOString()],
    ]);
    const services = new LocalDaemonServices(storage, { ok: true, project: loaded, loadedAt: new Date().toISOString(), codeVersion: "v1-test" });
    server = await startHttpServer(services, { port: 0, log: () => {} });
  });
  after(async () => {
    await server?.close();
    await storage?.close();
    project?.cleanup();
  });

  it("gives each asset with a policy its freshness in GET /api/assets, and none to the others", async () => {
    const response = await fetch(`${server.url}/api/assets`);
    const { assets } = (await response.json()) as { assets: AssetJson[] };
    const byKey = new Map(assets.map((asset) => [asset.key, asset]));
    const lastHourly = new Date(start - 90 * 60_000);
    assert.deepEqual(byKey.get("hourly")?.freshness, {
      state: "WARN",
      maxLag: "2h",
      warnAfter: "1h",
      lastMaterializedAt: lastHourly.toISOString(),
      partitionKey: "2024-05-01",
      warnSince: new Date(lastHourly.getTime() + HOUR).toISOString(),
      staleSince: null,
      staleAt: new Date(lastHourly.getTime() + 2 * HOUR).toISOString(),
    });
    assert.equal(byKey.get("daily")?.freshness?.state, "STALE");
    assert.equal(byKey.get("daily")?.freshness?.staleSince, new Date(start - 6 * HOUR).toISOString());
    assert.equal(byKey.get("daily")?.status, "FRESH", "status (upstream staleness) and freshness (the clock) are separate verdicts");
    assert.deepEqual(byKey.get("never")?.freshness, {
      state: "UNKNOWN", maxLag: "1h", warnAfter: null, lastMaterializedAt: null, partitionKey: null, warnSince: null, staleSince: null, staleAt: null,
    });
    assert.equal("freshness" in byKey.get("plain")!, false);
  });

  it("judges freshness by the CLI's clock in assets list --json, at the boundaries exactly", async () => {
    const lastHourly = start - 90 * 60_000;
    const states = async (now: number) => {
      const outcome = await cli(project.dir, ["assets", "list", "--json"], now);
      assert.equal(outcome.code, 0, outcome.stderr);
      const listed = JSON.parse(outcome.stdout) as { key: string; freshness: { state: string } | null }[];
      return Object.fromEntries(listed.map((asset) => [asset.key, asset.freshness?.state ?? null]));
    };
    assert.deepEqual(await states(lastHourly + HOUR - 1), { hourly: "FRESH", daily: "STALE", never: "UNKNOWN", plain: null });
    assert.deepEqual(await states(lastHourly + HOUR), { hourly: "WARN", daily: "STALE", never: "UNKNOWN", plain: null });
    assert.deepEqual(await states(lastHourly + 2 * HOUR), { hourly: "STALE", daily: "STALE", never: "UNKNOWN", plain: null });
  });

  it("shows a FRESHNESS column in the table, - for an asset without a policy", async () => {
    const outcome = await cli(project.dir, ["assets", "list"], start);
    assert.equal(outcome.code, 0, outcome.stderr);
    const lines = outcome.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^ASSET +GROUP +LAST MATERIALIZED +CHECKS +FRESHNESS +TAGS +DEPS$/);
    const column = lines[0]!.indexOf("FRESHNESS");
    const cell = (key: string) => lines.find((line) => line.startsWith(`${key} `))!.slice(column).split(/\s+/)[0];
    assert.deepEqual(["hourly", "daily", "never", "plain"].map(cell), ["warn", "stale", "unknown", "-"]);
  });
});

