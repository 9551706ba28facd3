/**
 * Column lineage in the lineage page, in headless Chromium, against the real HTTP server serving a
 * temporary project with SQL assets: the page reads `GET /api/lineage/columns` (the bundled static
 * analysis), an asset is expanded to its columns, a column is clicked and its lineage is highlighted
 * upstream and downstream across the graph, and the details pane lists the chain. Needs
 * `npm run build` (the page and the analysis bundle). Screenshots in test-artifacts/ui/ (and, with
 * UPDATE_SCREENSHOTS=1, docs/images/lineage-columns.png).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import type {} from "../../ui/src/main";
import { startHttpServer, type HttpServer } from "../../runtime/src/daemon/http/server";
import { loadProject } from "../../runtime/src/loader";
import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { LocalDaemonServices } from "../daemon/http/localServices";
import { tempProject, type TempProject } from "../support/tempProject";
import { launchChromium } from "./support/browser";
import { UI_DIST } from "./support/staticServer";
import { startWarehouseDaemon, type WarehouseDaemon } from "./support/warehouseDaemon";

const ROOT = resolve(__dirname, "..", "..");
const ARTIFACTS = join(ROOT, "test-artifacts", "ui");
const BUNDLE = join(ROOT, "runtime", "dist", "bundled", "validate.js");

/**
 * raw_payments, raw_orders (TypeScript) -> stg_payments (SQL) -> orders (SQL) -> customers and
 * finance (SQL): `orders.amount` feeds two downstreams.
 */
const DEFINITIONS = `import { asset, definitions, sql, sqlAsset } from "tributary-ts";

export const rawPayments = asset({ key: "raw_payments", group: "raw" }, async () => []);
export const rawOrders = asset({ key: "raw_orders", group: "raw" }, async () => []);

export const stgPayments = sqlAsset({
  key: "stg_payments", group: "staging",
  query: sql\`select id as payment_id, order_id, payment_method, amount / 100.0 as amount from \${rawPayments}\`,
});

export const orders = sqlAsset({
  key: "orders", group: "marts",
  query: sql\`
    with paid as (select order_id, sum(amount) as amount from \${stgPayments} group by order_id)
    select o.id as order_id, o.user_id as customer_id, o.status, p.amount
    from \${rawOrders} as o left join paid as p on p.order_id = o.id\`,
});

export const customers = sqlAsset({
  key: "customers", group: "marts",
  query: sql\`select customer_id, count(*) as number_of_orders, sum(amount) as lifetime_value from \${orders} group by customer_id\`,
});

export const finance = sqlAsset({
  key: "finance", group: "marts",
  query: sql\`select status, sum(amount) as revenue from \${orders} group by status\`,
});

export default definitions({ assets: [rawPayments, rawOrders, stgPayments, orders, customers, finance] });
`;

describe("column lineage in the lineage page (headless Chromium, daemon-served page)", function () {
  this.timeout(60_000);
  let project: TempProject;
  let storage: Storage;
  let server: HttpServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(UI_DIST, "main.js")) && existsSync(BUNDLE), "build first: npm run build (the page and the analysis bundle)");
    mkdirSync(ARTIFACTS, { recursive: true });
    project = tempProject({ "definitions.ts": DEFINITIONS }, "ui-columns");
    const loaded = await loadProject(project.dir, { env: {} });
    storage = await openStorage({ kind: "sqlite", path: join(project.dir, "state.db") });
    const services = new LocalDaemonServices(storage, { ok: true, project: loaded, loadedAt: new Date().toISOString(), codeVersion: "v1-test" });
    server = await startHttpServer(services, { port: 0, log: () => {}, uiDir: UI_DIST, analysisModule: BUNDLE });
    browser = await launchChromium({ width: 1360, height: 820 });
    page = await browser.newPage();
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  });
  after(async () => {
    await browser?.dispose();
    await server?.close();
    await storage?.close();
    project?.cleanup();
  });
  afterEach(() => assert.deepEqual(errors.splice(0), [], "the page logged errors"));

  const painted = () => page.evaluate(() => window.__tributaryLineage.whenPainted());
  const lineage = () => page.evaluate(() => window.__tributaryLineage.columnLineage());
  const columnCentre = async (key: string, column: string) => {
    const rect = await page.evaluate(([k, c]) => window.__tributaryLineage.columnAt(k!, c!), [key, column]);
    assert.ok(rect, `${key}.${column} is listed on screen`);
    return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
  };

  it("expands an asset to its columns with the card's toggle, growing the card", async () => {
    await page.goto(`${server.url}/lineage`);
    await painted();
    await page.waitForFunction(() => window.__tributaryLineage.view().hasColumns);
    const card = await page.evaluate(() => window.__tributaryLineage.nodeAt("orders"));
    assert.ok(card);
    // The "▸ 4 cols" pill sits at the right of the card's second line (60 px from the right edge, 54 wide, rows 25-41).
    const scale = card.width / 200;
    await page.mouse.click(card.x + card.width - 33 * scale, card.y + 33 * scale);
    await page.waitForFunction(() => window.__tributaryLineage.view().expanded.includes("orders"));
    await painted();
    const grown = await page.evaluate(() => window.__tributaryLineage.nodeAt("orders"));
    assert.ok(grown && grown.height > card.height * 2, `the card grows (${card.height} -> ${grown?.height})`);
    for (const column of ["order_id", "customer_id", "status", "amount"]) await columnCentre("orders", column);
    assert.equal(await lineage(), null, "expanding selects no column");
  });

  it("clicks a column and highlights its lineage upstream and downstream, the chain listed in the details pane", async () => {
    const { x, y } = await columnCentre("orders", "amount");
    await page.mouse.click(x, y);
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage()?.column === "orders.amount");
    await painted();
    const path = (await lineage())!;
    assert.deepEqual(path.columns, ["customers.lifetime_value", "finance.revenue", "orders.amount", "raw_payments.amount", "stg_payments.amount"]);
    assert.deepEqual(path.assets, ["customers", "finance", "orders", "raw_payments", "stg_payments"]);
    // The assets on the path are expanded so their columns show; the rest (raw_orders) is dimmed and stays closed.
    const view = await page.evaluate(() => window.__tributaryLineage.view());
    assert.deepEqual(view.expanded, ["customers", "finance", "orders", "raw_payments", "stg_payments"]);
    assert.equal(view.selected, "orders");
    await columnCentre("raw_payments", "amount"); // a TypeScript asset lists the columns SQL reads from it
    await columnCentre("customers", "lifetime_value");
    await page.waitForSelector("#details:not([hidden]) [data-testid=column-upstream]");
    const chain = async (testId: string) => (await page.locator(`#details [data-testid=${testId}] li`).allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    assert.deepEqual(await chain("column-upstream"), ["orders.amount ← stg_payments.amount", "stg_payments.amount ← raw_payments.amount"]);
    assert.deepEqual(await chain("column-downstream"), ["customers.lifetime_value ← orders.amount", "finance.revenue ← orders.amount"]);
    await page.click("#fit");
    await painted();
    await page.screenshot({ path: join(ARTIFACTS, "column-lineage.png") });
  });

  it("selects a column from the chain's links, and walks the lineage with the keyboard", async () => {
    await page.click("#details [data-testid=column-upstream] button[data-column='raw_payments.amount']");
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage()?.column === "raw_payments.amount");
    assert.deepEqual((await lineage())!.columns, ["customers.lifetime_value", "finance.revenue", "orders.amount", "raw_payments.amount", "stg_payments.amount"]);
    await page.focus("#graph");
    await page.keyboard.press("ArrowRight"); // one step downstream
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage()?.column === "stg_payments.amount");
    await page.keyboard.press("ArrowUp"); // the asset's previous column
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage()?.column === "stg_payments.payment_method");
    assert.deepEqual((await lineage())!.columns, ["raw_payments.payment_method", "stg_payments.payment_method"]);
    await page.keyboard.press("Escape"); // back to the asset: nothing highlighted, the auto-expanded cards close
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage() === null);
    await painted();
    assert.deepEqual((await page.evaluate(() => window.__tributaryLineage.view())).expanded, ["orders"]);
    // C on a selected asset lists its columns and selects the first.
    await page.evaluate(() => window.__tributaryLineage.whenPainted());
    const card = await page.evaluate(() => window.__tributaryLineage.nodeAt("customers"));
    await page.mouse.click(card!.x + 20, card!.y + 12);
    await page.waitForFunction(() => window.__tributaryLineage.view().selected === "customers");
    // The asset's details list its columns as links (the keyboard's way in through Tab).
    await page.waitForSelector("#details [data-testid=details-columns]");
    assert.deepEqual(await page.locator("#details [data-testid=details-columns] button").allInnerTexts(), ["customer_id", "number_of_orders", "lifetime_value"]);
    await page.focus("#graph");
    await page.keyboard.press("c");
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage()?.column === "customers.customer_id");
    assert.deepEqual((await lineage())!.columns, ["customers.customer_id", "orders.customer_id", "raw_orders.user_id"]);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage() === null);
  });
});

describe("column lineage of the sample (samples/warehouse, daemon-served page)", function () {
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

  it("follows stg_payments.amount from raw_payments to the five amounts of orders and the customers' lifetime value", async () => {
    await page.goto(`${daemon.url}/lineage`);
    await page.evaluate(() => window.__tributaryLineage.whenPainted());
    await page.waitForFunction(() => window.__tributaryLineage.view().hasColumns);
    // The context menu's "Show columns" expands a card too.
    const card = await page.evaluate(() => window.__tributaryLineage.nodeAt("stg_payments"));
    await page.mouse.click(card!.x + 20, card!.y + 12, { button: "right" });
    await page.click("[data-testid=menu-columns]");
    await page.waitForFunction(() => window.__tributaryLineage.view().expanded.includes("stg_payments"));
    await page.evaluate(() => window.__tributaryLineage.whenPainted());
    const row = await page.evaluate(() => window.__tributaryLineage.columnAt("stg_payments", "amount"));
    await page.mouse.click(row!.x + row!.width / 2, row!.y + row!.height / 2);
    await page.waitForFunction(() => window.__tributaryLineage.columnLineage()?.column === "stg_payments.amount");
    const path = (await page.evaluate(() => window.__tributaryLineage.columnLineage()))!;
    assert.deepEqual(path.columns, [
      "customers.customer_lifetime_value", "orders.amount", "orders.bank_transfer_amount", "orders.coupon_amount", "orders.credit_card_amount",
      "orders.gift_card_amount", "raw_payments.amount", "stg_payments.amount",
    ]);
    assert.deepEqual(path.assets, ["customers", "orders", "raw_payments", "stg_payments"]);
    const downstream = (await page.locator("#details [data-testid=column-downstream] li").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    assert.ok(downstream.includes("customers.customer_lifetime_value ← stg_payments.amount"), downstream.join("\n"));
    assert.ok(downstream.includes("orders.credit_card_amount ← stg_payments.amount"), downstream.join("\n"));
    await page.click("#fit");
    await page.evaluate(() => window.__tributaryLineage.whenPainted());
    await page.screenshot({ path: join(ARTIFACTS, "column-lineage-sample.png") });
    if (process.env["UPDATE_SCREENSHOTS"] === "1") await page.screenshot({ path: join(ROOT, "docs", "images", "lineage-columns.png") });
  });
});
