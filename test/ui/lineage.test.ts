/**
 * The lineage UI in headless Chromium against the page served by the real daemon (`Daemon` in mode
 * "dev" + `startHttpServer`, as `tributary dev` runs them) for a scratch copy of samples/warehouse:
 * runs go through the daemon's run queue into warm worker processes on the copy's SQLite.
 * Screenshots go to test-artifacts/ui/.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
// The page's `window.__tributaryLineage` (declared by the UI's entry; types only, nothing runs here).
import type {} from "../../ui/src/main";
import { waitFor } from "../support/waitFor";
import { launchChromium } from "./support/browser";
import { HELD_ASSET, startWarehouseDaemon, type WarehouseDaemon } from "./support/warehouseDaemon";

const ARTIFACTS = resolve(__dirname, "..", "..", "test-artifacts", "ui");
const SAMPLE_KEYS = ["customers", "orders", "raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders", "stg_payments", "warehouse_report"];
/** What "materialize with upstream" of customers builds: everything but the report downstream of it. */
const UPSTREAM_OF_CUSTOMERS = SAMPLE_KEYS.filter((key) => key !== "warehouse_report");

type Lineage = Window["__tributaryLineage"];

describe("lineage UI (headless Chromium, daemon-served page)", function () {
  this.timeout(60_000);
  let daemon: WarehouseDaemon;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    daemon = await startWarehouseDaemon();
    browser = await launchChromium({ width: 1360, height: 820 });
    page = await browser.newPage();
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  });

  after(async () => {
    await browser?.dispose();
    await daemon?.dispose();
  });

  afterEach(() => assert.deepEqual(errors.splice(0), [], "the page logged errors"));

  const lineage = <T>(fn: (api: Lineage) => T | Promise<T>): Promise<T> =>
    page.evaluate(`(${fn.toString()})(window.__tributaryLineage)`) as Promise<T>;
  const painted = () => page.evaluate(() => window.__tributaryLineage.whenPainted());
  const visible = async () => (await lineage((api) => api.visibleKeys())).sort();
  const centre = async (key: string) => {
    const rect = await page.evaluate((k) => window.__tributaryLineage.nodeAt(k), key);
    assert.ok(rect, `${key} is on screen`);
    return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
  };
  const waitForStatus = (key: string, status: string) =>
    page.waitForFunction(([k, s]) => window.__tributaryLineage.statusOf(k!) === s, [key, status], { timeout: 15_000 });

  it("renders the sample's 9 assets in their groups from /api/assets, inside the viewport", async () => {
    await page.goto(daemon.url);
    const info = await painted();
    assert.deepEqual(await visible(), SAMPLE_KEYS);
    assert.equal(info.items, 9);
    assert.equal(info.edges, 11);
    assert.equal(await lineage((api) => api.view().layoutMode), "worker");
    for (const key of SAMPLE_KEYS) {
      const rect = await page.evaluate((k) => window.__tributaryLineage.nodeAt(k), key);
      assert.ok(rect && rect.x >= 0 && rect.y >= 0 && rect.x + rect.width <= 1360 && rect.y + rect.height <= 820, `${key} fits on screen`);
    }
    // Upstream to the left of downstream.
    assert.ok((await centre("raw_orders")).x < (await centre("stg_orders")).x);
    assert.ok((await centre("stg_orders")).x < (await centre("orders")).x);
    assert.ok((await centre("orders")).x < (await centre("customers")).x);
    assert.equal(await lineage((api) => api.statusOf("orders")), "NEVER");
    await page.screenshot({ path: join(ARTIFACTS, "sample-light.png") });
    await page.emulateMedia({ colorScheme: "dark" });
    await painted();
    await page.screenshot({ path: join(ARTIFACTS, "sample-dark.png") });
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("filters by a selection and shows the parser's error inline", async () => {
    await page.fill("#filter", "+stg_orders");
    await page.press("#filter", "Enter");
    await page.waitForFunction(() => window.__tributaryLineage.visibleKeys().length === 2);
    assert.deepEqual(await visible(), ["raw_orders", "stg_orders"]);
    await painted();

    await page.fill("#filter", "group:staging or (kind:");
    await page.press("#filter", "Enter");
    await page.waitForSelector("#filter-error:not([hidden])");
    const message = await page.textContent("#filter-error");
    assert.match(message ?? "", /position \d+/);
    assert.equal(await page.getAttribute("#filter", "aria-invalid"), "true");
    await page.screenshot({ path: join(ARTIFACTS, "filter-error.png") });

    await page.fill("#filter", "group:staging");
    await page.press("#filter", "Enter");
    await page.waitForSelector("#filter-error", { state: "hidden" });
    await page.waitForFunction(() => window.__tributaryLineage.visibleKeys().length === 3);
    assert.deepEqual(await visible(), ["stg_customers", "stg_orders", "stg_payments"]);

    await page.fill("#filter", "");
    await page.press("#filter", "Enter");
    await page.waitForFunction(() => window.__tributaryLineage.visibleKeys().length === 9);
    await painted();
  });

  it("focuses on an asset one level up and down, and widens with +", async () => {
    const before = await lineage((api) => api.view().layoutCount);
    const { x, y } = await centre("stg_payments");
    await page.mouse.dblclick(x, y);
    await page.waitForFunction(() => window.__tributaryLineage.view().focus === "stg_payments");
    await painted();
    await page.click("#depth-minus");
    await page.waitForFunction(() => window.__tributaryLineage.view().depth === 1);
    await painted();
    assert.deepEqual(await visible(), ["customers", "orders", "raw_payments", "stg_payments"]);
    assert.ok(await page.isVisible("#focus-controls"));
    await page.screenshot({ path: join(ARTIFACTS, "focus.png") });

    // Keyboard: + widens the focus by a level (the report, downstream of both marts, is one level further).
    await page.focus("#graph");
    await page.keyboard.press("+");
    await page.waitForFunction(() => window.__tributaryLineage.view().depth === 2);
    await painted();
    assert.deepEqual(await visible(), ["customers", "orders", "raw_payments", "stg_payments", "warehouse_report"]);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => window.__tributaryLineage.view().focus === null);
    await painted();
    assert.equal((await visible()).length, 9);
    // One layout per focused view (depth 1, depth 2 with the report); returning to the whole graph reuses the cached one.
    assert.equal(await lineage((api) => api.view().layoutCount), before + 2);
  });

  it("opens the details pane on click, with deps, checks and materialization", async () => {
    const { x, y } = await centre("customers");
    await page.mouse.click(x, y);
    await page.waitForSelector("#details:not([hidden])");
    const text = await page.textContent("#details");
    assert.match(text ?? "", /customers/);
    for (const dep of ["stg_customers", "stg_orders", "stg_payments", "orders"]) assert.ok(text?.includes(dep), `details list ${dep}`);
    assert.match(text ?? "", /Never materialized/);
    assert.match(text ?? "", /Checks \(\d+\)/);
    await page.screenshot({ path: join(ARTIFACTS, "details.png") });

    // A dep link selects that asset; the keyboard moves on from there (left = upstream).
    await page.click("#details button.link:text-is('orders')");
    await page.waitForFunction(() => window.__tributaryLineage.view().selected === "orders");
    await page.focus("#graph");
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(() => ["stg_orders", "stg_payments"].includes(window.__tributaryLineage.view().selected ?? ""));
    await page.keyboard.press("Escape");
  });

  it("colours assets live during a run started from the context menu, without a re-layout", async () => {
    const layoutsBefore = await lineage((api) => api.view().layoutCount);
    const { x, y } = await centre("customers");
    await page.mouse.click(x, y, { button: "right" });
    await page.click("[data-testid=menu-materialize-upstream]");
    // RUN_START lists the run's steps: they turn RUNNING; raw_orders then waits for its release file.
    await waitForStatus("customers", "RUNNING");
    await waitForStatus(HELD_ASSET, "RUNNING");
    // Mid-run: the branches that do not need raw_orders finish and turn FRESH while it is still held.
    for (const key of ["raw_customers", "raw_payments", "stg_customers", "stg_payments"]) await waitForStatus(key, "FRESH");
    assert.equal(await lineage((api) => api.statusOf("raw_orders")), "RUNNING");
    assert.equal(await lineage((api) => api.statusOf("stg_orders")), "RUNNING");
    assert.equal(await lineage((api) => api.statusOf("customers")), "RUNNING");
    await page.click("#fit");
    await painted();
    await page.screenshot({ path: join(ARTIFACTS, "run-running.png") });
    daemon.release();
    for (const key of UPSTREAM_OF_CUSTOMERS) await waitForStatus(key, "FRESH");
    await painted();
    await page.screenshot({ path: join(ARTIFACTS, "run-fresh.png") });
    // The daemon's own statuses agree once the graph is re-fetched after the run (same shape: cached layout).
    await page.waitForFunction(() => document.querySelector("#count-fresh")?.textContent === "8");
    assert.equal(await lineage((api) => api.view().layoutCount), layoutsBefore);
    // The run went through the daemon's queue into a worker, and the daemon records it as a success.
    type Listed = { runs: Array<{ status: string; selection: string }> };
    let runs: Listed["runs"] = [];
    await waitFor("the daemon records the run's end", async () => {
      runs = ((await (await fetch(`${daemon.url}/api/runs`)).json()) as Listed).runs;
      return runs.length > 0 && !["QUEUED", "STARTING", "STARTED"].includes(runs[0]!.status);
    }, 10_000);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, "SUCCESS");
    assert.match(runs[0]!.selection, /customers/);
    await page.emulateMedia({ colorScheme: "dark" });
    await painted();
    await page.screenshot({ path: join(ARTIFACTS, "run-fresh-dark.png") });
    await page.emulateMedia({ colorScheme: "light" });
  });
});
