/**
 * Partitions in the operations console (docs/console.md), in headless Chromium against a real
 * daemon (`Daemon` in mode "dev" + `startHttpServer` with the built console, as `tributary dev`
 * runs them), on SQLite and on PostgreSQL: an asset's page shows the ranges of materialized, failed
 * and missing days and launches a backfill of the failed ones, then of the missing ones, each
 * opening the backfill's page, whose strip follows every day to done live.
 *
 * The project is a scratch one: `daily_orders`, ten days from 2024-01-01. A day fails while a file
 * `fail-<day>` exists in the test's gate folder and waits while `hold-<day>` exists, so a test
 * decides which days fail and can look at a backfill while one of its days is still running.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { startHttpServer, type HttpServer } from "../../runtime/src/daemon/http/server";
import { findProjectConfig } from "../../runtime/src/loader";
import type { BackfillPartitionsJson, WireAnswer } from "../../runtime/src/wire";
import { tempProject, type TempProject } from "../support/tempProject";
import { waitFor } from "../support/waitFor";
import { dropTestSchema, testSchemaUrl } from "../storage/postgresTestDatabase";
import { launchChromium } from "./support/browser";
import { UI_DIST } from "./support/staticServer";

const REPO = resolve(__dirname, "..", "..");
/** Screenshots of every run go here; docs/images gets them with UPDATE_SCREENSHOTS=1. */
const ARTIFACTS = resolve(REPO, "test-artifacts", "console");
const IMAGES = resolve(REPO, "docs", "images");
const ASSET = "daily_orders";
const DAYS = Array.from({ length: 10 }, (_, index) => `2024-01-${String(index + 1).padStart(2, "0")}`);

const definitions = (gateDir: string) => `import { existsSync } from "node:fs";
import { join } from "node:path";
import { asset, dailyPartitions, definitions } from "tributary-ts";

const GATE = ${JSON.stringify(gateDir)};

export const dailyOrders = asset(
  { key: "${ASSET}", group: "raw", description: "Orders of one day", partitions: dailyPartitions({ start: "2024-01-01", end: "2024-01-11" }) },
  async (ctx) => {
    if (existsSync(join(GATE, \`fail-\${ctx.partitionKey}\`))) throw new Error(\`no export for \${ctx.partitionKey}\`);
    // Bounded, so that a failed test never leaves a worker waiting.
    const deadline = Date.now() + 30_000;
    while (existsSync(join(GATE, \`hold-\${ctx.partitionKey}\`)) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    return { day: ctx.partitionKey };
  },
);

export default definitions({ assets: [dailyOrders] });
`;

/** The scratch project served by a dev-mode daemon, on its SQLite or a PostgreSQL schema of its own. */
interface PartitionedDaemon {
  url: string;
  /** Makes `day` fail (`fail`), wait (`hold`), or neither (`clear`) from its next run on. */
  gate(day: string, what: "fail" | "hold" | "clear"): void;
  dispose(): Promise<void>;
}

async function startPartitionedDaemon(databaseUrl?: string): Promise<PartitionedDaemon> {
  // The gate files live outside the project, so the dev daemon's file watcher never reloads for them.
  const gateDir = mkdtempSync(join(tmpdir(), "tributary-ui-gates-"));
  const project: TempProject = tempProject({ "tributary.yaml": "entry: definitions.ts\nstorage:\n  url: ${TRIBUTARY_DATABASE_URL:-.tributary/tributary.db}\n", "definitions.ts": definitions(gateDir) }, "ui-partitions");
  // The project's bare import `tributary-ts` resolves as in a real project: to the built package.
  symlinkSync(join(REPO, "node_modules"), join(project.dir, "node_modules"), "dir");
  const config = findProjectConfig(project.dir, { ...process.env, TRIBUTARY_DATABASE_URL: databaseUrl ?? "" });
  const logs: string[] = [];
  const daemon = new Daemon({
    config,
    mode: "dev",
    settings: { queuePollMs: 25, heartbeatMs: 200, monitorIntervalMs: 500, schedulerPollMs: 100, sensorPollMs: 200, daemonHeartbeatMs: 1000, maxConcurrentRuns: 2, warmWorkers: 1 },
    log: (line) => logs.push(line),
  });
  let server: HttpServer | undefined;
  try {
    await daemon.start();
    const state = daemon.project();
    if (!state.ok) throw new Error(`the scratch project does not load: ${state.error.message}\n${logs.join("\n")}`);
    server = await startHttpServer(daemon, { port: 0, uiDir: UI_DIST, log: (line) => logs.push(line), pollMs: 100 });
  } catch (error) {
    await daemon.stop({ cancelRunning: true, timeoutMs: 5000 });
    project.cleanup();
    rmSync(gateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: server.url,
    gate(day, what) {
      for (const kind of ["fail", "hold"]) rmSync(join(gateDir, `${kind}-${day}`), { force: true });
      if (what !== "clear") writeFileSync(join(gateDir, `${what}-${day}`), "");
    },
    async dispose() {
      rmSync(gateDir, { recursive: true, force: true });
      await server?.close();
      await daemon.stop({ cancelRunning: true, timeoutMs: 10_000 });
      project.cleanup();
    },
  };
}

/** Calls the daemon's API; the caller names the answer's wire type. */
async function api<T>(base: string, method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${base}${path}`, { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, json: (await response.json()) as T };
}

/** Materializes one day through the API and waits for its run to end with `status`. */
async function materialize(daemon: PartitionedDaemon, day: string, status: "SUCCESS" | "FAILURE"): Promise<void> {
  const created = await api<WireAnswer<"POST /api/runs">>(daemon.url, "POST", "/api/runs", { selection: ASSET, partition: day });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const runId = created.json.runId;
  const ended = await waitFor(`the run of ${day} to end`, async () => {
    const run = (await api<WireAnswer<"GET /api/runs/:id">>(daemon.url, "GET", `/api/runs/${runId}`)).json;
    return ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status) && run.status;
  }, 30_000, 50);
  assert.equal(ended, status, `the run of ${day}`);
}

/** The text of the asset page's ranges line of one status: `3 · 2024-01-01..2024-01-03`. */
async function rangesOf(page: Page, status: string): Promise<string> {
  return ((await page.textContent(`[data-testid=partition-ranges] dd[data-status=${status}]`)) ?? "").trim();
}

/** The backfill page's strip: each cell's state letter and hover text. */
async function stripCells(page: Page): Promise<Array<{ state: string; title: string }>> {
  return page.$$eval("[data-testid=backfill-strip] i", (cells) => cells.map((cell) => ({ state: cell.getAttribute("data-state") ?? "", title: cell.getAttribute("title") ?? "" })));
}

for (const backend of ["SQLite", "PostgreSQL"] as const) {
  describe(`the console's partitions and backfills (headless Chromium, ${backend})`, function () {
    this.timeout(120_000);
    let daemon: PartitionedDaemon;
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let page: Page;
    const errors: string[] = [];
    /** Paths whose error answer a test asks for. */
    const expected = new Set<string>();
    const database = testSchemaUrl();

    before(async () => {
      daemon = await startPartitionedDaemon(backend === "PostgreSQL" ? database.url : undefined);
      browser = await launchChromium({ width: 1280, height: 820 });
      page = await browser.newPage();
      page.on("pageerror", (error) => errors.push(String(error)));
      page.on("console", (message) => {
        if (message.type() !== "error") return;
        // The runs list filtered by instigator is a route a daemon may lack; the page falls back on its 400/404.
        if (/status of 40[04]/.test(message.text()) && /\/api\/runs\?instigator=/.test(message.location().url)) return;
        if (expected.has(message.location().url.replace(/^https?:\/\/[^/]+/, ""))) return;
        errors.push(`${message.text()} ${message.location().url}`);
      });
    });

    after(async () => {
      await browser?.dispose();
      await daemon?.dispose();
      if (backend === "PostgreSQL") await dropTestSchema(database.schema);
    });

    afterEach(() => assert.deepEqual(errors.splice(0), [], "the page logged errors"));

    const shot = async (name: string) => {
      // One set of images, from SQLite: the PostgreSQL pages look the same.
      if (backend !== "SQLite") return;
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
      if (process.env["UPDATE_SCREENSHOTS"] === "1") await page.screenshot({ path: join(IMAGES, `console-${name}.png`), fullPage: true });
    };

    it("shows an asset's materialized, failed and missing days as ranges under its strip", async () => {
      for (const day of DAYS.slice(0, 3)) await materialize(daemon, day, "SUCCESS");
      daemon.gate("2024-01-05", "fail");
      await materialize(daemon, "2024-01-05", "FAILURE");

      await page.goto(`${daemon.url}/assets/${ASSET}`);
      await page.waitForSelector("[data-testid=partition-ranges]");
      assert.equal(await rangesOf(page, "materialized"), "3 · 2024-01-01..2024-01-03");
      assert.equal(await rangesOf(page, "failed"), "1 · 2024-01-05");
      assert.equal(await rangesOf(page, "missing"), "6 · 2024-01-04, 2024-01-06..2024-01-10");
      const cells = await page.$$eval("[data-testid=partition-strip] i", (list) => list.map((cell) => [cell.getAttribute("data-state"), cell.getAttribute("title")]));
      assert.deepEqual(cells.map(([state]) => state).join(""), "MMM-F-----");
      assert.equal(cells[1]![1], "2024-01-01 … 2024-01-03: materialized", "a cell's hover names the run of days it belongs to");
      assert.equal(cells[4]![1], "2024-01-05: failed");
      // The missing button says that it also takes the failed day (the API's missingOnly keeps every day not materialized).
      assert.equal(await page.textContent("[data-testid=launch-missing]"), "Launch missing and failed partitions (7)");
      assert.equal(await page.textContent("[data-testid=launch-failed]"), "Launch failed partitions (1)");
    });

    it("shows the API's error in the page when the daemon refuses the backfill", async () => {
      expected.add("/api/backfills");
      await page.route("**/api/backfills", (route) => route.fulfill({ status: 400, json: { error: { message: "the selection has no partitioned asset", hint: "Select partitioned assets." } } }));
      try {
        await page.click("[data-testid=launch-failed]");
        await page.waitForSelector("[data-testid=error]");
        assert.equal(await page.textContent("[data-testid=error]"), "the selection has no partitioned asset (Select partitioned assets.)");
        assert.equal(new URL(page.url()).pathname, `/assets/${ASSET}`, "the page stays");
      } finally {
        await page.unroute("**/api/backfills");
        expected.delete("/api/backfills");
      }
    });

    it("launches the failed day as a backfill, opens its page, and the day ends done", async () => {
      daemon.gate("2024-01-05", "clear");
      await page.goto(`${daemon.url}/assets/${ASSET}`);
      await page.click("[data-testid=launch-failed]");
      await page.waitForURL(/\/backfills\/bf-[0-9a-f]+$/);
      const backfillId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
      const backfill = (await api<WireAnswer<"GET /api/backfills/:id">>(daemon.url, "GET", `/api/backfills/${backfillId}`)).json;
      assert.equal(backfill.request.failedOnly, true);
      assert.equal(backfill.partitions.total, 1);
      await page.waitForFunction(() => document.querySelector("[data-testid=backfill-strip] i")?.getAttribute("data-state") === "D", undefined, { timeout: 30_000 });
      assert.deepEqual(await stripCells(page), [{ state: "D", title: "2024-01-05: done" }]);
      await page.waitForSelector(".page-title .status-completed", { timeout: 15_000 });
    });

    it("launches exactly the missing days as a backfill whose strip follows each day live until all are done", async () => {
      const missing = DAYS.filter((day) => !["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"].includes(day));
      // The last day waits, so that the page shows the backfill while it runs.
      daemon.gate("2024-01-10", "hold");
      await page.goto(`${daemon.url}/assets/${ASSET}`);
      await page.waitForSelector("[data-testid=partition-ranges]");
      assert.equal(await rangesOf(page, "missing"), "6 · 2024-01-04, 2024-01-06..2024-01-10");
      assert.equal(await page.locator("[data-testid=launch-failed]").count(), 0, "no failed day left to launch");
      await shot("asset-partitions");
      await page.click("[data-testid=launch-missing]");
      await page.waitForURL(/\/backfills\/bf-[0-9a-f]+$/);
      const backfillId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);

      const strip = (await api<BackfillPartitionsJson>(daemon.url, "GET", `/api/backfills/${backfillId}/partitions`)).json;
      assert.deepEqual(strip.cells.map(([first]) => first), missing, "the backfill holds exactly the missing days, in order");
      // Every other day ends done while the held one runs: the page shows that without a reload.
      await page.waitForFunction(
        () => [...document.querySelectorAll("[data-testid=backfill-strip] i")].map((cell) => cell.getAttribute("data-state")).join("") === "DDDDDR",
        undefined,
        { timeout: 30_000 },
      );
      const running = await stripCells(page);
      assert.deepEqual(running.map((cell) => cell.title), missing.map((day, index) => `${day}: ${index === 5 ? "running" : "done"}`));
      assert.match((await page.textContent("[data-testid=backfill-strip-legend]")) ?? "", /5 done.*1 running/);
      await shot("backfill-partitions");

      daemon.gate("2024-01-10", "clear");
      await page.waitForFunction(
        () => [...document.querySelectorAll("[data-testid=backfill-strip] i")].map((cell) => cell.getAttribute("data-state")).join("") === "DDDDDD",
        undefined,
        { timeout: 30_000 },
      );
      await page.waitForSelector(".page-title .status-completed", { timeout: 15_000 });
      assert.match((await page.textContent("[data-testid=backfill-strip-legend]")) ?? "", /6 done/);
      // Back on the asset's page, every day is materialized.
      await page.goto(`${daemon.url}/assets/${ASSET}`);
      await page.waitForSelector("[data-testid=partition-ranges]");
      assert.equal(await rangesOf(page, "materialized"), "10 · 2024-01-01..2024-01-10");
      assert.equal(await page.locator("[data-testid=launch-missing]").count(), 0);
    });
  });
}
