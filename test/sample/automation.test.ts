/**
 * The warehouse sample on declarative automation: a real daemon (in-process, real worker processes,
 * the copy's own SQLite and embedded DuckDB warehouse) on a scratch copy of samples/warehouse. The
 * raw loads are run as the nightly schedule runs them; staging, the marts and the report then run
 * on their own, each once, and `tributary automation explain` says why.
 *
 * The automation clock is injected and moved one interval per tick (never ahead of the real clock,
 * which stamps the runs' materializations), so the test counts ticks and runs, not time.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { findProjectConfig } from "../../runtime/src/loader";
import { partitionKeysFromTags } from "../../runtime/src/partitions/runPartitions";
import { AUTOMATION_INSTIGATOR } from "../../runtime/src/services/automation/tick";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { runMain, testEnv } from "../cli/helpers";
import { waitFor } from "../support/waitFor";

const REPO = resolve(__dirname, "..", "..");
const SAMPLE_DIR = join(REPO, "samples", "warehouse");
const INTERVAL = 1000;

/** A copy of the sample without its state, whose bare imports resolve to the repository's packages. */
function copySample(): string {
  const dir = mkdtempSync(join(tmpdir(), "tributary-sample-automation-"));
  cpSync(SAMPLE_DIR, dir, { recursive: true, filter: (source) => !/[\\/](\.tributary|node_modules|dist)$/.test(source) });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(tsconfig, readFileSync(tsconfig, "utf8").replace(/"extends"\s*:\s*"(\.[^"]+)"/, (_m, rel: string) => `"extends": ${JSON.stringify(resolve(SAMPLE_DIR, rel))}`));
  return dir;
}

describe("the warehouse sample on declarative automation (real daemon, SQLite)", function () {
  this.timeout(180_000);
  let dir: string;
  let storage: Storage;
  let daemon: Daemon;
  let now = 0;
  const env = testEnv({ TRIBUTARY_DATABASE_URL: "", WAREHOUSE_DATABASE_URL: "" });

  before(async () => {
    dir = copySample();
    now = Math.floor(Date.now() / INTERVAL) * INTERVAL;
    daemon = new Daemon({
      config: findProjectConfig(dir, env),
      settings: { queuePollMs: 25, heartbeatMs: 200, monitorIntervalMs: 500, schedulerPollMs: 200, sensorPollMs: 200, daemonHeartbeatMs: 1000, maxConcurrentRuns: 2, warmWorkers: 1 },
      automation: { intervalMs: INTERVAL },
      automationClock: () => now,
      log: () => {},
    });
    await daemon.start();
    storage = await openStorage({ kind: "sqlite", path: join(dir, ".tributary", "tributary.db") });
    await waitFor("the initial evaluation", async () => (await storage.listAutomationTicks({ limit: 5 })).some((t) => t.status === "SUCCESS"), 60_000);
  });

  after(async () => {
    await storage?.close();
    await daemon?.stop({ cancelRunning: true, timeoutMs: 10_000 });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runsSettled(): Promise<void> {
    await waitFor("no run in progress", async () => (await storage.listRuns({ statuses: ["QUEUED", "STARTING", "STARTED"] })).length === 0, 120_000, 50);
  }

  /** Moves the automation clock one interval (no further than the real clock), and waits for that tick and its runs. */
  async function tick(): Promise<void> {
    const next = now + INTERVAL;
    while (Date.now() < next) await new Promise((done) => setTimeout(done, next - Date.now()));
    now = next;
    const tickTime = new Date(now).toISOString();
    daemon.automationLoop!.wake();
    await waitFor(`the tick of ${tickTime} ended`, async () => (await storage.listAutomationTicks({ limit: 5 })).some((t) => t.tickTime === tickTime && ["SUCCESS", "FAILURE", "SKIPPED"].includes(t.status)), 60_000, 50);
    await runsSettled();
  }

  async function submitAndWait(selection: string, partitionKeys: readonly string[]): Promise<void> {
    const run = await daemon.submitRun({ selection, partitionKeys });
    await runsSettled();
    const ended = await storage.getRun(run.runId);
    assert.equal(ended?.status, "SUCCESS", `${selection}: ${ended?.status}`);
  }

  /** The automation runs so far, per asset: how many runs materialized it (and with which partitions). */
  async function automationRunsByAsset(): Promise<Map<string, string[]>> {
    const runs = await storage.listRuns({ instigatorName: AUTOMATION_INSTIGATOR });
    const byAsset = new Map<string, string[]>();
    for (const run of runs) {
      assert.equal(run.status, "SUCCESS", `automation run ${run.selection}: ${run.status}`);
      for (const key of run.assetKeys) byAsset.set(key, [...(byAsset.get(key) ?? []), partitionKeysFromTags(run.tags).join(",") || "-"]);
    }
    return byAsset;
  }

  it("runs staging, the marts and the report once after the nightly raw loads, and says why", async () => {
    const { ORDER_DAYS } = await import("../../samples/warehouse/assets/raw");
    const { nightlyRefresh } = await import("../../samples/warehouse/schedules/nightly");
    const days = ORDER_DAYS.keys().toArray();
    const latest = days.at(-1)!;
    assert.equal(latest, "2018-04-09");
    assert.equal(nightlyRefresh.selection, "group:raw", "the one schedule loads the raw tables only");

    // The history, as docs/sample.md has it loaded: a backfill of raw_orders and stg_orders for the past days.
    await submitAndWait("raw_orders or stg_orders", days.slice(0, -1));
    await tick();
    assert.equal((await automationRunsByAsset()).size, 0, "a backfill that built its own staging triggers nothing");

    // The nightly schedule's run: the raw loads, with the day that has just closed.
    await submitAndWait(nightlyRefresh.selection, [latest]);
    await tick(); // staging: the three staging assets (the latest day of stg_orders); the marts wait for that day
    await tick(); // the marts and the report, in one run
    await tick();
    await tick(); // nothing new: nothing launched
    const byAsset = await automationRunsByAsset();
    assert.deepEqual(
      Object.fromEntries([...byAsset].sort(([a], [b]) => a.localeCompare(b))),
      { customers: ["-"], orders: ["-"], stg_customers: ["-"], stg_orders: [latest], stg_payments: ["-"], warehouse_report: ["-"] },
      "each eager asset ran exactly once, stg_orders for the latest day only",
    );

    // The sample's figures, from the report the automation run wrote.
    const report = (await storage.getLatestMaterializations()).find((record) => record.assetKey === "warehouse_report");
    assert.ok(report, "the report was materialized");
    const { metadata } = report;
    assert.equal(metadata.customers, 100);
    assert.equal(metadata.orders, 99);
    assert.equal(metadata.customers_without_orders, 38);
    assert.equal(metadata.revenue, 1672);

    // Why: the explanations name the dep that was updated.
    const orders = await runMain(["automation", "explain", "orders", "--limit", "5"], dir, env);
    assert.equal(orders.code, 0, orders.stderr);
    assert.match(orders.stdout, /: requested \(run [\w-]+\)\n {2}requested because deps stg_payments, stg_orders were updated at \d\d:\d\d UTC and nothing is in progress/);
    const customers = await runMain(["automation", "explain", "customers", "--limit", "5"], dir, env);
    assert.equal(customers.code, 0, customers.stderr);
    // orders counts as updated: it is requested on the same tick (will be requested), as in Dagster.
    assert.match(customers.stdout, /: requested \(run [\w-]+\)\n {2}requested because deps stg_orders, stg_payments, stg_customers, orders were updated at \d\d:\d\d UTC and nothing is in progress/);
    const stgOrders = await runMain(["automation", "explain", "stg_orders", "--limit", "20", "--json"], dir, env);
    assert.equal(stgOrders.code, 0, stgOrders.stderr);
    const evaluations = (JSON.parse(stgOrders.stdout) as { evaluations: { requested: boolean; partitions: string[]; reason: string }[] }).evaluations;
    const requested = evaluations.filter((evaluation) => evaluation.requested);
    assert.ok(requested.length > 0, stgOrders.stdout.slice(0, 3000));
    assert.equal(requested.length, 1);
    assert.deepEqual(requested[0]!.partitions, [latest]);
    assert.match(requested[0]!.reason, /dep raw_orders was updated/);

    // A new raw load: staging and the marts once more.
    await submitAndWait("raw_customers", []);
    await tick();
    await tick();
    await tick();
    const again = await automationRunsByAsset();
    assert.equal(again.get("stg_customers")?.length, 2, "raw_customers updated: stg_customers again");
    assert.equal(again.get("customers")?.length, 2, "and the marts downstream of it");
    assert.equal(again.get("stg_orders")?.length, 1, "raw_orders not updated: stg_orders not again");
  });
});
