/**
 * The operations console (docs/console.md) in headless Chromium against the real daemon (`Daemon` in
 * mode "dev" + `startHttpServer`, as `tributary dev` runs them) for a scratch copy of
 * samples/warehouse, on its SQLite and again on PostgreSQL (a schema of its own). Runs go through the
 * daemon's queue into real workers. Screenshots go to docs/images/console-*.png (docs/console.md
 * shows them); they are rewritten only when these tests run.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
// The lineage page's `window.__tributaryLineage` (types only).
import type {} from "../../ui/src/main";
import { runEvent } from "../../runtime/src/daemon/runLifecycle";
import type { WireAnswer } from "../../runtime/src/wire";
import { waitFor } from "../support/waitFor";
import { dropTestSchema, testSchemaUrl } from "../storage/postgresTestDatabase";
import { launchChromium } from "./support/browser";
import { consoleScreenshot } from "./support/screenshots";
import { HELD_ASSET, startWarehouseDaemon, type WarehouseDaemon } from "./support/warehouseDaemon";

const CONSOLE_PATHS = ["/", "/runs", "/runs/abc", "/assets", "/assets/mart%2Ftotal", "/schedules", "/schedules/x", "/sensors", "/sensors/x", "/backfills", "/backfills/x"];

async function launch(daemon: WarehouseDaemon, selection: string): Promise<string> {
  const response = await fetch(`${daemon.url}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ selection, allPartitions: true }) });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { runId: string }).runId;
}

async function runStatus(daemon: WarehouseDaemon, runId: string): Promise<string> {
  return ((await (await fetch(`${daemon.url}/api/runs/${runId}`)).json()) as { status: string }).status;
}

/**
 * Routes of the console API that a daemon of this version may not serve yet: the console asks and
 * falls back on a 404 (a 400 for the query parameter `instigator`), which Chromium logs as an error.
 */
const OPTIONAL_ROUTES = /\/api\/(runs\/counts$|runs\/[^/]+\/events\/stats$|runs\/[^/]+\/reexecute$|runs\?instigator=)/;

/** Paths whose error answer a test asks for (an action's error shown in the page). */
const expected = new Set<string>();

/** A browser page that collects page errors and console errors, but for the feature detection above. */
async function openPage(browser: Awaited<ReturnType<typeof launchChromium>>, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (/status of 40[04]/.test(message.text()) && OPTIONAL_ROUTES.test(message.location().url)) return;
    if (expected.has(message.location().url.replace(/^https?:\/\/[^/]+/, ""))) return;
    errors.push(`${message.text()} ${message.location().url}`);
  });
  return page;
}

/** Every page, live update, action and failure of the console, once per storage backend. */
for (const backend of ["SQLite", "PostgreSQL"] as const) describe(`operations console (headless Chromium, daemon-served pages, ${backend})`, function () {
  this.timeout(90_000);
  let daemon: WarehouseDaemon;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const errors: string[] = [];
  let heldRun = "";
  // On PostgreSQL, a schema of this run's own, dropped afterwards.
  const database = testSchemaUrl();

  before(async () => {
    daemon = await startWarehouseDaemon(backend === "PostgreSQL" ? { databaseUrl: database.url } : {});
    browser = await launchChromium({ width: 1280, height: 820 });
    page = await openPage(browser, errors);
  });

  after(async () => {
    await browser?.dispose();
    await daemon?.dispose();
    if (backend === "PostgreSQL") await dropTestSchema(database.schema);
  });

  afterEach(function () {
    assert.deepEqual(errors.splice(0), [], "the page logged errors");
    // A failed test says what the daemon did: its log names a run's failure, a stalled loop, a lost worker.
    if (this.currentTest?.state === "failed") console.error(`daemon log (${backend}):\n${daemon.logs.slice(-60).join("\n")}`);
  });

  // The docs' images come from one backend; the pages are the same on both.
  const shot = async (name: string, fullPage = false) => {
    if (backend === "SQLite") await consoleScreenshot(page, name, fullPage);
  };

  it("serves the console at every path it routes, with the CSP and a nonce, the lineage at /lineage, and 404 elsewhere", async () => {
    for (const path of CONSOLE_PATHS) {
      const response = await fetch(`${daemon.url}${path}`);
      assert.equal(response.status, 200, path);
      const csp = response.headers.get("content-security-policy") ?? "";
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce && !csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), `${path}: ${csp}`);
      const html = await response.text();
      assert.ok(html.includes(`<script nonce="${nonce}" src="/console.js">`), `${path} serves the console with the nonce`);
    }
    const lineage = await (await fetch(`${daemon.url}/lineage`)).text();
    assert.match(lineage, /src="main\.js"/);
    for (const path of ["/runs/a/b", "/nothing", "/assets/"]) assert.equal((await fetch(`${daemon.url}${path}`)).status, 404, path);
    assert.equal((await fetch(`${daemon.url}/console.js`)).status, 200);
    assert.equal((await fetch(`${daemon.url}/api/assets`)).status, 200);
  });

  it("lists the catalog with search and filters, and opens an asset's page by its URL-encoded key", async () => {
    await page.goto(`${daemon.url}/assets`);
    await page.waitForSelector("[data-testid=assets-table] tr[data-asset=customers]");
    const sampleAssets = 9;
    assert.equal(await page.locator("[data-testid=assets-table] tbody tr").count(), sampleAssets);
    await page.fill("[data-testid=assets-search]", "stg_");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === 3);
    assert.match(page.url(), /\?q=stg_$/);
    await page.fill("[data-testid=assets-search]", "");
    await page.selectOption("[data-testid=assets-group]", { index: 1 });
    await page.waitForFunction((all) => document.querySelectorAll("[data-testid=assets-table] tbody tr").length < all, sampleAssets);
    await page.selectOption("[data-testid=assets-group]", "");
    await page.waitForFunction((all) => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === all, sampleAssets);
    // The sample's two marts have an owner.
    await page.selectOption("[data-testid=assets-owner]", "analytics@jaffle.shop");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === 2);
    assert.deepEqual((await page.locator("[data-testid=assets-table] tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-asset")))).sort(), ["customers", "orders"]);
    assert.match(page.url(), /owner=analytics%40jaffle\.shop/);
    await page.selectOption("[data-testid=assets-owner]", "");
    await page.waitForFunction((all) => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === all, sampleAssets);
    await shot("assets");

    await page.click("[data-testid=assets-table] a:text-is('stg_orders')");
    await page.waitForSelector("[data-testid=asset-facts]");
    assert.equal(new URL(page.url()).pathname, "/assets/stg_orders");
    assert.match((await page.textContent("[data-testid=asset-upstream]")) ?? "", /raw_orders/);
    assert.match((await page.textContent("[data-testid=asset-downstream]")) ?? "", /orders/);
    assert.match((await page.textContent("[data-testid=asset-definition]")) ?? "", /assets\/staging\.ts:\d+/);
    assert.equal(await page.getAttribute("[data-testid=asset-lineage]", "href"), "/lineage?focus=stg_orders");
    // Dep links are client-side: back returns to the catalog without a reload.
    await page.click("[data-testid=asset-upstream] a");
    await page.waitForURL(/\/assets\/raw_orders$/);
    await page.goBack();
    await page.waitForURL(/\/assets\/stg_orders$/);
    await page.goBack();
    await page.waitForSelector("[data-testid=assets-table]");
  });

  it("shows each asset's freshness in the catalog (the marts have a policy) and filters by it", async () => {
    const listed = ((await (await fetch(`${daemon.url}/api/assets`)).json()) as WireAnswer<"GET /api/assets">).assets;
    const withPolicy = listed.filter((a) => a.freshness);
    assert.ok(withPolicy.length >= 2 && withPolicy.length < listed.length, `${withPolicy.length} of ${listed.length} assets have a freshness policy`);
    const words: Record<string, string> = { FRESH: "fresh", WARN: "late", STALE: "stale", UNKNOWN: "unknown" };
    await page.goto(`${daemon.url}/assets`);
    await page.waitForSelector("[data-testid=assets-table] tr[data-asset=customers] [data-freshness]");
    for (const asset of withPolicy) {
      const cell = page.locator(`[data-testid=assets-table] tr[data-asset="${asset.key}"] [data-freshness]`);
      assert.equal(await cell.getAttribute("data-freshness"), asset.freshness!.state, asset.key);
      assert.equal((await cell.textContent())?.trim(), words[asset.freshness!.state], asset.key);
    }
    assert.equal(await page.locator("[data-testid=assets-table] tr[data-asset=raw_customers] [data-freshness]").count(), 0, "no policy, no badge");
    const state = withPolicy[0]!.freshness!.state;
    await page.selectOption("[data-testid=assets-freshness]", state);
    await page.waitForURL(new RegExp(`\\?freshness=${state}$`));
    const expectedKeys = listed.filter((a) => a.freshness?.state === state).map((a) => a.key).sort();
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === n, expectedKeys.length);
    assert.deepEqual((await page.$$eval("[data-testid=assets-table] tbody tr", (rows) => rows.map((r) => r.getAttribute("data-asset")))).sort(), expectedKeys);
    await page.selectOption("[data-testid=assets-freshness]", "none");
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === n, listed.length - withPolicy.length);
    await page.selectOption("[data-testid=assets-freshness]", "");
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=assets-table] tbody tr").length === n, listed.length);
  });

  it("materializes an asset from its page, opens the run by its link, re-executes it, and the pages survive reload and back", async () => {
    await page.goto(`${daemon.url}/assets/${encodeURIComponent("raw_customers")}`);
    await page.click("[data-testid=materialize-button]");
    await page.waitForSelector("[data-testid=materialize-launched] a");
    const href = (await page.getAttribute("[data-testid=materialize-launched] a", "href"))!;
    const runId = href.split("/").pop()!;
    assert.equal((await page.textContent("[data-testid=materialize-launched] a"))?.trim(), runId.slice(0, 8));
    await page.click("[data-testid=materialize-launched] a");
    await page.waitForSelector(`.page-title .status-success`, { timeout: 20_000 });
    await page.waitForSelector("[data-testid=steps-table] tr[data-step=raw_customers] .status-success");
    await page.waitForFunction(() => [...document.querySelectorAll(".log-row")].some((row) => row.textContent?.includes("RUN_SUCCESS")));
    await page.reload();
    await page.waitForSelector("[data-testid=steps-table] tr[data-step=raw_customers]");
    assert.equal(new URL(page.url()).pathname, `/runs/${runId}`);
    // Re-execute all opens the new run's page (through the API's re-execute route, or as a new run
    // of the same selection on a daemon without it); back returns to this run.
    await page.click("[data-testid=run-reexecute]");
    await page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(runId));
    await page.waitForSelector(".page-title .status-success", { timeout: 20_000 });
    assert.match((await page.textContent("[data-testid=run-facts]")) ?? "", /raw_customers/);
    const again = new URL(page.url()).pathname.split("/").pop()!;
    await page.goBack();
    await page.waitForURL((url) => url.pathname === `/runs/${runId}`);
    // The asset now shows the re-execution as its latest materialization.
    await page.goBack();
    await page.waitForURL(/\/assets\/raw_customers$/);
    await page.reload();
    await page.waitForSelector(`[data-testid=asset-latest] a[href="/runs/${again}"]`);
    await shot("asset");
  });

  it("never shows one run's page with another run's data while the next run loads (a link from page to page)", async () => {
    const first = await launch(daemon, "raw_customers");
    await waitFor(`run ${first} to succeed`, async () => (await runStatus(daemon, first)) === "SUCCESS", 30_000);
    const second = await launch(daemon, "raw_customers");
    await page.goto(`${daemon.url}/runs/${first}`);
    await page.waitForSelector(".page-title .status-success");
    // The second run's answer waits until the page has been looked at.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    await page.route(`**/api/runs/${second}`, async (route) => {
      await answered;
      await route.continue();
    });
    try {
      // An in-page link, as the runs list or a re-execution gives: the same page component, another run.
      await page.evaluate((id) => {
        const link = Object.assign(document.createElement("a"), { href: `/runs/${id}`, textContent: "next", id: "to-next-run" });
        document.querySelector("main")?.append(link);
      }, second);
      await page.click("#to-next-run");
      await page.waitForURL((url) => url.pathname === `/runs/${second}`);
      await page.waitForSelector("text=Loading…");
      assert.doesNotMatch((await page.textContent("main")) ?? "", new RegExp(first.slice(0, 8)), "the first run's page is not shown under the second's URL");
      answer();
      await page.waitForFunction((short) => document.querySelector(".page-title")?.textContent?.includes(short), second.slice(0, 8));
    } finally {
      answer();
      await page.unroute(`**/api/runs/${second}`);
    }
  });

  it("shows the API's error when an action fails: materializing a partitioned asset without a partition", async () => {
    await page.goto(`${daemon.url}/assets/${HELD_ASSET}`);
    await page.fill("[data-testid=partition-key]", "");
    expected.add("/api/runs");
    await page.click("[data-testid=materialize-button]");
    const error = await page.waitForSelector("[data-testid=materialize] [data-testid=error]");
    assert.match((await error.textContent()) ?? "", /needs a partition/);
    await shot("action-error");
    expected.clear();
  });

  it("follows a running run's log live, filters it and jumps to the first error", async () => {
    heldRun = await launch(daemon, `+customers`);
    await page.goto(`${daemon.url}/runs/${heldRun}`);
    await page.waitForSelector(`[data-testid=steps-table] tr[data-step=${HELD_ASSET}] .status-running`, { timeout: 20_000 });
    await page.waitForSelector("[data-testid=steps-table] tr[data-step=stg_customers] .status-success");
    await page.waitForSelector("[data-testid=run-cancel]");
    // An event written now (as a worker writes them) appears in the open page.
    await daemon.daemon.storage.appendEvents([{ ...runEvent(heldRun, "LOG", "disk quota nearly reached on the warehouse volume", { volume: "/warehouse", freeBytes: 1024 }, "error"), stepKey: HELD_ASSET }]);
    await page.waitForFunction(() => [...document.querySelectorAll(".log-row")].some((row) => row.textContent?.includes("disk quota nearly reached")));
    await page.selectOption("[data-testid=log-level]", "error");
    await page.waitForFunction(() => [...document.querySelectorAll(".log-row")].every((row) => row.getAttribute("data-level") === "error"));
    await page.selectOption("[data-testid=log-level]", "");
    await page.selectOption("[data-testid=log-step]", HELD_ASSET);
    await page.waitForFunction((step) => [...document.querySelectorAll(".log-row .log-step")].every((cell) => cell.textContent === step), HELD_ASSET);
    await page.selectOption("[data-testid=log-step]", "");
    await page.fill("[data-testid=log-text]", "quota");
    await page.waitForFunction(() => document.querySelectorAll(".log-row").length === 1);
    await page.fill("[data-testid=log-text]", "");
    await page.click("[data-testid=jump-error]");
    await page.waitForFunction(() => {
      const row = [...document.querySelectorAll<HTMLElement>(".log-row")].find((r) => r.dataset.level === "error");
      const box = document.querySelector("[data-testid=virtual-list]")!.getBoundingClientRect();
      const r = row?.getBoundingClientRect();
      return r !== undefined && r.top >= box.top && r.bottom <= box.bottom;
    });
    // A click shows the event in full.
    await page.click(".log-row[data-level=error]");
    assert.match((await page.textContent("[data-testid=event-detail]")) ?? "", /raw_orders[\s\S]*disk quota nearly reached[\s\S]*"freeBytes": 1024/);
    await shot("run-live", true);
    daemon.release();
    await page.waitForSelector(".page-title .status-success", { timeout: 20_000 });
    // The jump stopped following the tail (the virtual list renders only the rows in view): follow again.
    await page.check("[data-testid=log-follow]");
    await page.waitForFunction(() => [...document.querySelectorAll(".log-row")].some((row) => row.textContent?.includes("RUN_SUCCESS")));
    await page.waitForSelector("[data-testid=run-reexecute]");
    await shot("run", true);
    await page.emulateMedia({ colorScheme: "dark" });
    await shot("run-dark", true);
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("opens a run of 3,000 log lines on its tail, jumps to an early error, and pages older lines in at the top", async () => {
    const runId = await launch(daemon, "raw_customers");
    await waitFor("the run ends", async () => (await runStatus(daemon, runId)) === "SUCCESS", 20_000);
    const lines = Array.from({ length: 3000 }, (_, i) => ({ ...runEvent(runId, "LOG", `row batch ${i} loaded`), stepKey: "raw_customers" }));
    lines.splice(5, 0, { ...runEvent(runId, "LOG", "early failure: the upstream export was truncated", {}, "error"), stepKey: "raw_customers" });
    await daemon.daemon.storage.appendEvents(lines);
    await page.goto(`${daemon.url}/runs/${runId}`);
    // Following the tail: the last line is on screen.
    await page.waitForFunction(() => [...document.querySelectorAll(".log-row")].some((row) => row.textContent?.includes("row batch 2999 loaded")));
    const rowsInDom = await page.locator(".log-row").count();
    assert.ok(rowsInDom < 100, `a virtual list: ${rowsInDom} rows in the DOM`);
    await page.click("[data-testid=jump-error]");
    await page.waitForFunction(() => {
      const row = [...document.querySelectorAll<HTMLElement>(".log-row")].find((r) => r.textContent?.includes("early failure"));
      const box = document.querySelector("[data-testid=virtual-list]")!.getBoundingClientRect();
      const r = row?.getBoundingClientRect();
      return r !== undefined && r.top >= box.top && r.bottom <= box.bottom;
    });
    // Back to every level, at the top of the log: older pages come in until the run's first event.
    await page.selectOption("[data-testid=log-level]", "");
    await waitFor("the run's first event is at the top", async () => {
      await page.evaluate(() => {
        const list = document.querySelector("[data-testid=virtual-list]")!;
        list.scrollTop = 1;
        list.scrollTop = 0;
        list.dispatchEvent(new Event("scroll"));
      });
      return page.evaluate(() => [...document.querySelectorAll(".log-row")].some((row) => row.textContent?.includes("RUN_QUEUED")));
    }, 20_000);
    assert.match((await page.textContent("[data-testid=log-count]")) ?? "", /^30\d\d events/);
  });

  it("lists runs newest first by short id, filters by status, shows a new run live, and pages on the server", async () => {
    await page.goto(`${daemon.url}/runs`);
    await page.waitForSelector(`[data-testid=runs-table] tr[data-run="${heldRun}"]`);
    const ids = await page.$$eval("[data-testid=runs-table] tbody tr", (rows) => rows.map((r) => r.getAttribute("data-run")));
    const listed = ((await (await fetch(`${daemon.url}/api/runs`)).json()) as { runs: Array<{ runId: string; createdAt: string }> }).runs;
    assert.deepEqual(ids, listed.map((r) => r.runId), "the API's order");
    assert.ok(listed.every((r, i) => i === 0 || r.createdAt <= listed[i - 1]!.createdAt), "newest first");
    assert.equal((await page.textContent(`tr[data-run="${heldRun}"] .run-link`))?.trim(), heldRun.slice(0, 8));
    await page.click("[data-testid=filter-FAILURE]");
    await page.waitForURL(/\/runs\?status=FAILURE$/);
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=runs-table] tbody tr").length === 0);
    await page.goBack();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=runs-table] tbody tr").length >= 2);
    const fresh = await launch(daemon, "raw_payments");
    await page.waitForSelector(`[data-testid=runs-table] tr[data-run="${fresh}"]`, { timeout: 15_000 });
    await page.waitForSelector(`tr[data-run="${fresh}"] .status-success`, { timeout: 20_000 });
    await shot("runs");
    // Paged on the server: two runs a page, "Older runs" brings the next page, in the API's order.
    const all = ((await (await fetch(`${daemon.url}/api/runs`)).json()) as { runs: Array<{ runId: string }> }).runs.map((r) => r.runId);
    assert.ok(all.length >= 4, `${all.length} runs`);
    await page.goto(`${daemon.url}/runs?limit=2`);
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=runs-table] tbody tr").length === 2);
    await page.click("[data-testid=runs-more]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=runs-table] tbody tr").length === 4);
    const paged = await page.$$eval("[data-testid=runs-table] tbody tr", (rows) => rows.map((r) => r.getAttribute("data-run")));
    assert.deepEqual(paged, all.slice(0, 4));
  });

  it("filters runs by asset, launcher, time range and tag, kept in the URL, with the API's error for a bad filter", async () => {
    const listed = async () => (await page.locator("[data-testid=runs-table] tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-run")))).sort();
    const fromApi = async (query: string) => ((await (await fetch(`${daemon.url}/api/runs?limit=50&${query}`)).json()) as WireAnswer<"GET /api/runs">).runs.map((run) => run.runId).sort();
    const settled = async (query: string) => {
      const want = await fromApi(query);
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=runs-table] tbody tr").length === n, want.length);
      assert.deepEqual(await listed(), want, query);
      return want;
    };
    for (const selection of ["raw_customers", "raw_payments"]) {
      const runId = await launch(daemon, selection);
      await waitFor(`run ${runId} to succeed`, async () => (await runStatus(daemon, runId)) === "SUCCESS", 30_000);
    }
    // From the URL: the runs that planned raw_payments, not the others.
    await page.goto(`${daemon.url}/runs?asset=raw_payments`);
    const ofAsset = await settled("asset=raw_payments");
    const all = await fromApi("");
    assert.ok(ofAsset.length > 0 && ofAsset.length < all.length, `${ofAsset.length} of ${all.length} runs planned raw_payments`);
    assert.equal(await page.inputValue("[data-testid=runs-filter-asset]"), "raw_payments");
    // From a field: runs launched by hand, with the asset filter still on.
    const apply = async (name: string, value: string) => {
      await page.fill(`[data-testid=runs-filter-${name}]`, value);
      await page.press(`[data-testid=runs-filter-${name}]`, "Enter");
      await page.waitForURL((url) => (url.searchParams.get(name) ?? "") === value);
    };
    await apply("instigator", "manual");
    await settled("asset=raw_payments&instigator=manual");
    await apply("from", "2000-01-01");
    await settled("asset=raw_payments&instigator=manual&from=2000-01-01");
    // A tag no run has: the list says so, and the counts follow the filters.
    await apply("tag", "team=nobody");
    await page.waitForSelector("text=No run matches these filters.");
    await page.waitForFunction(() => document.querySelector(".page-title")?.textContent?.includes("0 runs"));
    await apply("tag", "");
    await settled("asset=raw_payments&instigator=manual&from=2000-01-01");
    // A filter the API refuses shows its message, not an empty list.
    const refused = ["/api/runs?instigator=nonsense&limit=50", "/api/runs/counts?instigator=nonsense"];
    for (const path of refused) expected.add(path);
    try {
      await page.goto(`${daemon.url}/runs?instigator=nonsense`);
      await page.waitForSelector("text=must be schedule:NAME, sensor:NAME, backfill:ID or manual");
    } finally {
      for (const path of refused) expected.delete(path);
    }
    await page.click("[data-testid=runs-filter-clear]");
    await page.waitForURL((url) => url.pathname === "/runs" && url.search === "");
    await settled("");
  });

  it("shows schedules (toggled off and on), sensors, a backfill's progress and the overview", async () => {
    await page.goto(`${daemon.url}/schedules`);
    await page.waitForSelector("[data-testid=schedules-table] a");
    await shot("schedules");
    await page.click("[data-testid=schedules-table] a");
    await page.waitForSelector("[data-testid=cron]");
    assert.match((await page.textContent("[data-testid=cron]")) ?? "", /\S+ \S+ \S+ \S+ \S+/);
    // The on/off toggle, both ways.
    const before = (await page.textContent(".page-title .status"))!.trim();
    const after = before === "RUNNING" ? "STOPPED" : "RUNNING";
    await page.click("[data-testid=toggle]");
    await page.waitForFunction((s) => document.querySelector(".page-title .status")?.textContent === s, after);
    if (after === "RUNNING") await page.waitForFunction(() => !/—/.test(document.querySelector(".facts")?.textContent?.split("Next tick")[1] ?? "—"));
    await shot("schedule");
    await page.click("[data-testid=toggle]");
    await page.waitForFunction((s) => document.querySelector(".page-title .status")?.textContent === s, before);
    await page.goto(`${daemon.url}/sensors`);
    await page.waitForSelector("[data-testid=sensors-table] a");
    await shot("sensors");
    await page.click("[data-testid=sensors-table] a");
    await page.waitForSelector("[data-testid=sensor-cursor]");
    assert.match(new URL(page.url()).pathname, /^\/sensors\/[^/]+$/);
    await shot("sensor");
    // A backfill of two days of raw_orders (its held step was released above).
    const created = await fetch(`${daemon.url}/api/backfills`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ selection: HELD_ASSET, from: "2018-01-01", to: "2018-01-02" }) });
    assert.equal(created.status, 201, await created.clone().text());
    const backfill = (await created.json()) as { backfillId: string };
    await page.goto(`${daemon.url}/backfills`);
    await page.waitForSelector(`[data-testid=backfills-table] tr[data-backfill="${backfill.backfillId}"] a`);
    await shot("backfills");
    await page.click(`[data-testid=backfills-table] tr[data-backfill="${backfill.backfillId}"] a`);
    await page.waitForSelector("[data-testid=backfill-counts]");
    await page.waitForFunction(() => /2 done/.test(document.querySelector("[data-testid=backfill-counts]")?.textContent ?? ""), undefined, { timeout: 20_000 });
    await shot("backfill");
    await page.goto(daemon.url);
    await page.waitForSelector("[data-testid=timeline] .timeline-bar");
    assert.ok((await page.locator("[data-testid=timeline] .timeline-row").count()) >= 2, "manual runs and the backfill each have a row");
    await shot("overview");
  });

  it("shows a schedule's next five ticks and last tick from its detail route, and a mart's freshness in words on its page", async () => {
    const { schedules } = (await (await fetch(`${daemon.url}/api/schedules`)).json()) as WireAnswer<"GET /api/schedules">;
    const name = schedules[0]!.name;
    const wasRunning = schedules[0]!.status === "RUNNING";
    if (!wasRunning) await fetch(`${daemon.url}/api/schedules/${encodeURIComponent(name)}/start`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    try {
      const detail = (await (await fetch(`${daemon.url}/api/schedules/${encodeURIComponent(name)}`)).json()) as WireAnswer<"GET /api/schedules/:name">;
      assert.equal(detail.nextTicks.length, 5);
      await page.goto(`${daemon.url}/schedules/${encodeURIComponent(name)}`);
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=next-ticks] .dep").length === 5);
      const shownTicks = await page.locator("[data-testid=next-ticks] .dep").allTextContents();
      const formatted = await page.evaluate((ticks) => ticks.map((t) => new Date(t).toLocaleString(undefined, { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })), detail.nextTicks);
      assert.deepEqual(shownTicks, formatted);
      assert.match((await page.textContent("[data-testid=last-tick]")) ?? "", detail.lastTick ? /\S/ : /none yet/);
    } finally {
      if (!wasRunning) await fetch(`${daemon.url}/api/schedules/${encodeURIComponent(name)}/stop`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    }
    // The +customers run above materialized the customers mart: fresh, since then, with its policy.
    const mart = (await (await fetch(`${daemon.url}/api/assets/customers`)).json()) as WireAnswer<"GET /api/assets/:key">;
    assert.ok(mart.freshness, "the customers mart has a freshness policy");
    await page.goto(`${daemon.url}/assets/customers`);
    const facts = page.locator("[data-testid=asset-freshness]");
    await facts.waitFor();
    const words: Record<string, RegExp> = { FRESH: /^fresh fresh since /, WARN: /^late late since /, STALE: /^stale stale since /, UNKNOWN: /^unknown never materialized/ };
    assert.match((await facts.textContent()) ?? "", words[mart.freshness.state]!);
    assert.match((await facts.textContent()) ?? "", new RegExp(`max lag ${mart.freshness.maxLag}`));
  });

  it("shows an asset's materialization history paged by cursor with a chart of its row count, and its checks, latest and history", async () => {
    // raw_customers was materialized by the tests above (Materialize, Re-execute, the long log, +customers): once more.
    const runId = await launch(daemon, "raw_customers");
    await waitFor("the run ends", async () => (await runStatus(daemon, runId)) === "SUCCESS", 20_000);
    const api = (await (await fetch(`${daemon.url}/api/assets/raw_customers/materializations?limit=100`)).json()) as WireAnswer<"GET /api/assets/:key/materializations">;
    assert.ok(api.materializations.length >= 3, `${api.materializations.length} materializations`);
    // Two a page: the first page, then "Older" brings the next in the API's order.
    await page.goto(`${daemon.url}/assets/raw_customers?limit=2`);
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=asset-history] tbody tr").length === 2);
    await page.click("[data-testid=asset-history-more]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=asset-history] tbody tr").length === 4 || document.querySelectorAll("[data-testid=asset-history] tbody tr").length === 3);
    const shown = await page.$$eval("[data-testid=asset-history] tbody tr", (rows) => rows.map((r) => Number(r.getAttribute("data-event"))));
    assert.deepEqual(shown, api.materializations.slice(0, shown.length).map((m) => m.eventId));
    assert.equal(await page.getAttribute("[data-testid=asset-history] tbody tr:first-child a", "href"), `/runs/${runId}`);
    // The chart of `rows` (uPlot draws on a canvas).
    await page.waitForSelector("[data-testid=metadata-chart] canvas");
    assert.equal(await page.getAttribute("[data-testid=metadata-chart]", "aria-label"), "rows over time");
    // Checks: the latest result of each, and the history with this run's evaluations first.
    const latest = await page.locator("[data-testid=asset-checks] tbody tr").allTextContents();
    assert.ok(latest.length >= 2, `${latest.length} checks`);
    for (const row of latest) assert.match(row, /PASSED/);
    await page.waitForSelector("[data-testid=asset-check-history] tbody tr");
    assert.equal(await page.getAttribute("[data-testid=asset-check-history] tbody tr:first-child a", "href"), `/runs/${runId}`);
    await page.click("[data-testid=asset-checks-more]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=asset-check-history] tbody tr").length > 2);
    await page.goto(`${daemon.url}/assets/raw_customers`);
    await page.waitForSelector("[data-testid=metadata-chart] canvas");
    await shot("asset-history", true);
  });

  it("shows the asset's automation evaluations: the eager run after its raw load, the reason naming the dep, the condition tree", async () => {
    const raw = await launch(daemon, "raw_customers");
    await waitFor("the raw load ends", async () => (await runStatus(daemon, raw)) === "SUCCESS", 20_000);
    daemon.tickAutomation();
    let requested: WireAnswer<"GET /api/assets/:key/evaluations">["evaluations"][number] | undefined;
    await waitFor("stg_customers is requested", async () => {
      const answer = (await (await fetch(`${daemon.url}/api/assets/stg_customers/evaluations?limit=10`)).json()) as WireAnswer<"GET /api/assets/:key/evaluations">;
      requested = answer.evaluations.find((e) => e.requested && e.runId !== null && Date.parse(e.evaluatedAt) > 0);
      return requested !== undefined && answer.evaluations[0] === requested;
    }, 20_000);
    const eager = requested!.runId!;
    await waitFor("the eager run ends", async () => ["SUCCESS", "FAILURE"].includes(await runStatus(daemon, eager)), 30_000);
    await page.goto(`${daemon.url}/assets/stg_customers`);
    const first = page.locator("[data-testid=asset-evaluations] > li").first();
    await first.waitFor();
    assert.equal(await first.getAttribute("data-requested"), "true");
    assert.match((await first.locator("[data-testid=evaluation-reason]").textContent()) ?? "", /raw_customers/);
    assert.equal(await first.locator("summary a").getAttribute("href"), `/runs/${eager}`);
    assert.equal((await first.locator("summary a").textContent())?.trim(), eager.slice(0, 8));
    // The tree opens on a click: each node with its result.
    assert.equal(await first.locator("[data-testid=evaluation-tree]").isVisible(), false);
    await first.locator("summary").click();
    await first.locator("[data-testid=evaluation-tree]").waitFor();
    const nodes = await first.locator("[data-testid=evaluation-tree] li").allTextContents();
    assert.ok(nodes.length >= 2, `${nodes.length} nodes`);
    assert.match(nodes[0]!, /^true /, "the root is true for a requested evaluation");
    assert.ok(nodes.some((n) => /^false /.test(n)) || nodes.every((n) => /^true /.test(n)));
    await shot("asset-automation", true);
    // Paged by cursor: one a page, "Older" brings the evaluation before it (the daemon's tick at start).
    const all = ((await (await fetch(`${daemon.url}/api/assets/stg_customers/evaluations?limit=10`)).json()) as WireAnswer<"GET /api/assets/:key/evaluations">).evaluations;
    assert.ok(all.length >= 2, `${all.length} evaluations`);
    await page.goto(`${daemon.url}/assets/stg_customers?limit=1`);
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=asset-evaluations] > li").length === 1);
    await page.click("[data-testid=asset-evaluations-more]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=asset-evaluations] > li").length === 2);
    assert.deepEqual(await page.locator("[data-testid=asset-evaluations] [data-testid=evaluation-reason]").allTextContents(), all.slice(0, 2).map((e) => e.reason));
  });

  it("opens a run from its bar on the overview's timeline, with the failed-run count from /api/runs/counts", async () => {
    const timeline = (await (await fetch(`${daemon.url}/api/timeline`)).json()) as WireAnswer<"GET /api/timeline">;
    const counts = (await (await fetch(`${daemon.url}/api/runs/counts?from=${encodeURIComponent(timeline.from)}`)).json()) as WireAnswer<"GET /api/runs/counts">;
    await page.goto(daemon.url);
    await page.waitForSelector("[data-testid=timeline] .timeline-bar");
    for (const row of timeline.rows) assert.equal(await page.locator(`[data-testid=timeline] [data-row="${row.key}"]`).count(), 1, row.key);
    assert.ok(timeline.rows.some((r) => r.kind === "automation"), "the eager run has the automation row");
    await page.waitForFunction(() => document.querySelector("[data-testid=failed-runs] b")?.textContent !== "…");
    assert.equal((await page.textContent("[data-testid=failed-runs] b"))?.trim(), String(counts.counts.FAILURE));
    const manual = timeline.rows.find((r) => r.kind === "manual")!;
    const run = manual.runs[manual.runs.length - 1]!;
    const bar = page.locator(`[data-testid=timeline] [data-row=manual] .timeline-bar[data-run="${run.runId}"]`);
    assert.match((await bar.getAttribute("title")) ?? "", new RegExp(`^${run.runId.slice(0, 8)} ${run.status}\\nLaunched by hand`));
    await bar.click();
    await page.waitForURL((url) => url.pathname === `/runs/${run.runId}`);
    await page.waitForSelector("[data-testid=run-facts]");
    await page.goBack();
    await page.waitForSelector("[data-testid=timeline]");
    await shot("overview");
  });

  it("says 'not found' with a way back for an unknown run, asset, schedule, sensor, backfill or page", async () => {
    const cases: Array<[string, string]> = [
      ["/runs/00000000-dead-beef", "/runs"],
      [`/assets/${encodeURIComponent("mart/total")}`, "/assets"],
      ["/schedules/nope", "/schedules"],
      ["/sensors/nope", "/sensors"],
      ["/backfills/nope", "/backfills"],
    ];
    for (const [path, back] of cases) {
      await page.goto(`${daemon.url}${path}`);
      await page.waitForSelector("[data-testid=not-found]");
      assert.equal(await page.getAttribute("[data-testid=not-found] a", "href"), back, path);
    }
    await shot("not-found");
    errors.splice(0); // the 404 answers behind these pages are logged by Chromium as resource errors
  });

  it("links the lineage view to the asset pages and back", async () => {
    await page.goto(`${daemon.url}/assets/customers`);
    await page.click("[data-testid=asset-lineage]");
    await page.waitForURL(/\/lineage\?focus=customers$/);
    await page.waitForFunction(() => window.__tributaryLineage?.view().focus === "customers");
    await page.click("[data-testid=console-link]");
    await page.waitForSelector("[data-testid=timeline], .page-title");
    assert.equal(new URL(page.url()).pathname, "/");
  });

  it("cancels a running run from its page", async () => {
    daemon.hold();
    const runId = await launch(daemon, HELD_ASSET);
    await page.goto(`${daemon.url}/runs/${runId}`);
    await page.waitForSelector(`[data-testid=steps-table] tr[data-step=${HELD_ASSET}] .status-running`, { timeout: 20_000 });
    await page.click("[data-testid=run-cancel]");
    await page.waitForSelector(".page-title .status-canceled", { timeout: 20_000 });
    await page.waitForSelector("[data-testid=run-cancel]", { state: "detached" });
    assert.equal(await runStatus(daemon, runId), "CANCELED");
    daemon.release();
  });

  it("says when the daemon is down and reconnects by itself when it is back", async () => {
    await page.goto(`${daemon.url}/runs`);
    await page.waitForSelector("[data-testid=runs-table] tbody tr");
    await daemon.stopHttp();
    await page.waitForSelector("[data-testid=daemon-down]", { timeout: 15_000 });
    await shot("daemon-down");
    await daemon.startHttp();
    await page.waitForSelector("[data-testid=daemon-down]", { state: "detached", timeout: 15_000 });
    // The page works again: a run launched now shows up live.
    const fresh = await launch(daemon, "raw_customers");
    await page.waitForSelector(`[data-testid=runs-table] tr[data-run="${fresh}"]`, { timeout: 15_000 });
    await waitFor("the run ends", async () => (await runStatus(daemon, fresh)) === "SUCCESS", 20_000);
    errors.splice(0); // refused connections while the daemon was away
  });

  it("says when the daemon answers but one of its loops is stalled, from /api/health, and clears when it recovers", async () => {
    // The daemon side (a hung scheduler pass reported unhealthy) is test/daemon/observability.test.ts;
    // here the daemon's own health answer is passed through with its scheduler loop marked stalled.
    let stalled = true;
    await page.route("**/api/health", async (route) => {
      const response = await route.fetch();
      const health = (await response.json()) as WireAnswer<"GET /api/health">;
      if (stalled) {
        health.status = "degraded";
        health.loops = health.loops.map((loop) => (loop.name === "scheduler" ? { ...loop, healthy: false, running: true, stalledForSeconds: 75 } : loop));
      }
      await route.fulfill({ response, json: health });
    });
    try {
      await page.goto(`${daemon.url}/runs`);
      const banner = page.locator("[data-testid=daemon-degraded]");
      await banner.waitFor({ timeout: 15_000 });
      assert.match((await banner.textContent()) ?? "", /scheduler loop has not completed a pass for 75 s/);
      assert.equal(await banner.locator("[data-loop]").count(), 1, "only the stalled loop is named");
      stalled = false;
      const answered = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/health");
      await page.reload();
      await answered;
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      assert.equal(await page.locator("[data-testid=daemon-degraded]").count(), 0);
    } finally {
      await page.unroute("**/api/health");
    }
  });
});
