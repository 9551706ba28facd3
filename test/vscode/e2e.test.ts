/**
 * The extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3) driven by a real Chromium:
 *
 * 1. the extension test suite (test/vscode/suite) runs inside code-server's extension host through
 *    the `payload` route (extensionDevelopmentPath + extensionTestsPath), the offline stand-in for
 *    @vscode/test-electron's runTests;
 * 2. end to end with the packaged .vsix installed (the universal one, without a runtime: the daemon
 *    is the workspace's own `tributary-ts`): a temporary copy of samples/warehouse with a broken
 *    dependency added shows it in the Problems pane; clicking the CodeLens "Materialize" starts the
 *    local daemon, the run succeeds and the CodeLens shows the new status; on the daily-partitioned
 *    raw_orders it asks which partitions and runs the latest; Materialize Job… lists the project's
 *    jobs; the lineage panel shows the sample's assets, and a column's lineage from the language
 *    server (expand stg_payments, click amount); the CodeLens status opens the run's page of
 *    the operations console in a webview, whose links keep working there; Open Console Page… opens
 *    an asset's page in the same panel, and its lineage link opens the lineage panel. Screenshots go to test-artifacts/vscode/ (and the README's to
 *    docs/images/ when UPDATE_SCREENSHOTS=1).
 *
 * Installs code-server with scripts/ensure-code-server.sh when it is missing (~70 s once).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BrowserContext, FrameLocator, Page } from "playwright-core";
import { ARTIFACTS, CODE_SERVER, CodeServer, ROOT, copySample, ensureCodeServer, freePort } from "./codeServer";
import { waitFor } from "../support/waitFor";

const VSIX = path.join(ROOT, ".cache", "vscode-tests", "tributary-e2e.vsix");

const BROKEN_ASSET = `import { asset } from "tributary-ts";

/** Added by the VS Code E2E test: depends on a key that does not exist. */
export const brokenReport = asset({ key: "broken_report", group: "e2e", deps: ["raw_ordrs"] }, async () => 1);
`;

describe("VS Code extension in code-server with Chromium", function () {
  this.timeout(240_000);
  const server = new CodeServer();
  let browser: BrowserContext;

  before(async function () {
    this.timeout(600_000); // a first install of code-server takes ~70 s, more on a cold npm cache
    if (!fs.existsSync(CODE_SERVER)) ensureCodeServer();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    if (!fs.existsSync(path.join(ROOT, "client", "dist", "extension.js"))) {
      execFileSync("npm", ["run", "build:client", "--silent"], { cwd: ROOT, stdio: "inherit" });
    }
    fs.mkdirSync(path.dirname(VSIX), { recursive: true });
    execFileSync(process.execPath, [path.join(ROOT, "client", "scripts", "package.mjs")], {
      cwd: ROOT, env: { ...process.env, TRIBUTARY_VSIX: VSIX }, stdio: "pipe",
    });
    server.installExtension(VSIX);
    await server.start();
    browser = await server.browser();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server.stop();
    fs.writeFileSync(path.join(ARTIFACTS, "code-server.log"), server.log);
    server.cleanup();
  });

  it("passes the extension test suite inside code-server's extension host", async () => {
    const unusedPort = await freePort();
    const folder = copySample("extension-tests", {
      "tributary.daemonUrl": `http://127.0.0.1:${unusedPort}`,
      "tributary.localDaemon.autoStart": "never",
    });
    const page = await browser.newPage();
    const log: string[] = [];
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction("codeAutomationExit", (code: number) => resolve(code));
    });
    await page.exposeFunction("codeAutomationLog", (_type: string, args: unknown[]) => {
      log.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
    const host = `127.0.0.1:${server.port}`;
    const payload = JSON.stringify([
      ["extensionDevelopmentPath", `vscode-remote://${host}${ROOT}`],
      ["extensionTestsPath", `vscode-remote://${host}${path.join(ROOT, "client", "dist", "test", "index.js")}`],
      ["skipWelcome", "true"],
    ]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
    const code = await Promise.race([
      exitCode,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`the suite did not finish in 150 s; its log:\n${log.join("\n")}`)), 150_000)),
    ]);
    fs.writeFileSync(path.join(ARTIFACTS, "extension-tests.log"), log.join("\n"));
    await page.screenshot({ path: path.join(ARTIFACTS, "extension-tests.png") });
    await page.close();
    const summary = log.filter((line) => /passing|failing|✔|\d+\)/.test(line)).join("\n");
    assert.equal(code, 0, `extension tests failed:\n${log.join("\n")}`);
    assert.match(summary, /passing/, `the suite reported its results:\n${log.join("\n")}`);
  });

  describe("end to end on the warehouse sample", () => {
    let page: Page;
    let daemonPort: number;

    before(async () => {
      daemonPort = await freePort();
      const folder = copySample("e2e", {
        "tributary.daemonUrl": `http://127.0.0.1:${daemonPort}`,
        "tributary.daemonPollIntervalMs": 1000,
        "tributary.runs.revealLogs": "never",
      }, { "assets/broken.ts": BROKEN_ASSET });
      page = await browser.newPage();
      await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
      await page.locator(".statusbar-item", { hasText: /Tributary: \d+ assets/ }).first().waitFor({ timeout: 60_000 });
    });

    after(async () => {
      await page?.screenshot({ path: path.join(ARTIFACTS, "last.png") }).catch(() => undefined);
    });

    async function runCommand(title: string): Promise<void> {
      await page.keyboard.press("F1");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor();
      await input.fill(`>${title}`);
      await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
      await page.keyboard.press("Enter");
    }

    async function openFile(relative: string): Promise<void> {
      await page.keyboard.press("Control+P");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor();
      await input.fill(relative);
      await page.locator(".quick-input-list .monaco-list-row", { hasText: path.basename(relative) }).first().waitFor();
      await page.keyboard.press("Enter");
      await page.locator(".tab.active", { hasText: path.basename(relative) }).first().waitFor();
    }

    /**
     * Puts the cursor on the first line of `relative` (open in the editor) that contains `needle`, on
     * `word` in it when given; the editor scrolls it into view.
     */
    async function goToLine(relative: string, needle: string, word?: string): Promise<void> {
      const lines = fs.readFileSync(path.join(ROOT, ".cache", "vscode-tests", "e2e", relative), "utf8").split("\n");
      const line = lines.findIndex((l) => l.includes(needle));
      assert.ok(line >= 0, `${needle} is in ${relative}`);
      await page.keyboard.press("Control+G");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor();
      await input.fill(word === undefined ? `:${line + 1}` : `:${line + 1}:${(lines[line] as string).indexOf(word) + 3}`);
      await page.keyboard.press("Enter");
      await input.waitFor({ state: "hidden" });
    }

    it("shows the broken dependency the test added in the Problems pane", async () => {
      await runCommand("View: Focus Problems");
      const problem = page.locator(".markers-panel .monaco-list-row", { hasText: 'Unknown asset "raw_ordrs"' });
      await problem.first().waitFor({ timeout: 30_000 });
      assert.match(await problem.first().innerText(), /did you mean "raw_orders"/);
      await page.screenshot({ path: path.join(ARTIFACTS, "problems.png") });
    });

    it("clicking the CodeLens Materialize starts the local daemon, the run succeeds and the CodeLens shows the new status", async () => {
      assert.equal((await fetch(`http://127.0.0.1:${daemonPort}/api/health`).catch(() => undefined))?.ok, undefined, "no daemon runs before the click");
      await openFile("assets/raw.ts");
      // The sample's header comment pushes raw_customers below a half-height editor: go to it.
      await goToLine("assets/raw.ts", 'key: "raw_customers"');
      const lens = page.locator(".codelens-decoration a:visible", { hasText: "Materialize" }).first();
      await lens.waitFor({ timeout: 30_000 });
      assert.match(await lens.innerText(), /^▶ Materialize$/);
      await lens.click();
      const done = page.locator(".notification-toast", { hasText: /Materialized raw_customers|failed|Cannot materialize/ });
      await done.first().waitFor({ timeout: 90_000 });
      const text = await done.first().innerText();
      assert.match(text, /Materialized raw_customers in [\d.]+ s \(1 success\)/, text);
      const health = await (await fetch(`http://127.0.0.1:${daemonPort}/api/health`)).json() as { ok: boolean; mode: string };
      assert.equal(health.ok, true);
      const status = page.locator(".codelens-decoration", { hasText: /materialized (just now|\d+ min ago)/ }).first();
      await status.waitFor({ timeout: 30_000 });
      await page.locator(".statusbar-item", { hasText: "local daemon" }).first().waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, "codelens-materialized.png") });
      if (process.env["UPDATE_SCREENSHOTS"] === "1") await page.screenshot({ path: path.join(ROOT, "docs", "images", "vscode-extension.png") });
    });

    it("asks which partitions to materialize on a partitioned asset, and runs the latest one", async () => {
      // The cursor on raw_orders' key, then Materialize Asset: the same code the CodeLens runs with
      // the same key (the server test checks the CodeLens names it), without racing the CodeLens
      // re-rendering that follows a scroll.
      await goToLine("assets/raw.ts", 'key: "raw_orders"', "raw_orders");
      await page.keyboard.press("F1");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor();
      await input.fill(">Tributary: Materialize Asset");
      await page.locator(".quick-input-list .monaco-list-row", { hasText: "Tributary: Materialize Asset" }).filter({ hasNotText: "with" }).first().click();
      const latest = page.locator(".quick-input-list .monaco-list-row", { hasText: "Latest partition" });
      await latest.first().waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
        const toasts = await page.locator(".notification-toast").allInnerTexts();
        throw new Error(`no partition pick (notifications: ${JSON.stringify(toasts)}): ${String(error)}`);
      });
      assert.match(await page.locator(".quick-input-widget").innerText(), /Materialize raw_orders: which partitions\?[\s\S]*2018-04-09[\s\S]*A range of partitions[\s\S]*All 99 partitions/);
      await page.screenshot({ path: path.join(ARTIFACTS, "partitions.png") });
      await latest.first().click();
      const done = page.locator(".notification-toast", { hasText: /Materialized raw_orders \[2018-04-09\]|Run of raw_orders|Cannot materialize raw_orders/ });
      await done.first().waitFor({ timeout: 90_000 });
      assert.match(await done.first().innerText(), /Materialized raw_orders \[2018-04-09\] in [\d.]+ s \(1 success\)/);
    });

    it("lists the project's jobs in Materialize Job…", async () => {
      await runCommand("Tributary: Materialize Job…");
      const rows = page.locator(".quick-input-list .monaco-list-row");
      await rows.filter({ hasText: "raw_to_warehouse" }).first().waitFor({ timeout: 30_000 });
      assert.match(await rows.filter({ hasText: "customers_and_payments" }).first().innerText(), /selection: raw_customers\+ or raw_payments\+/);
      await page.keyboard.press("Escape");
    });

    it("opens the lineage panel showing the sample's assets", async () => {
      await runCommand("Tributary: Show Lineage");
      const webview: FrameLocator = page.frameLocator("iframe.webview.ready").frameLocator("iframe#active-frame");
      // The graph is drawn on a canvas: read what it shows from the UI's test API, not from pixels.
      await webview.locator("#summary", { hasText: /\d+ assets/ }).waitFor({ timeout: 30_000 });
      const frame = await waitFor("the lineage webview frame", async () => {
        for (const candidate of page.frames()) {
          if (await candidate.evaluate(() => typeof (window as { __tributaryLineage?: unknown }).__tributaryLineage === "object").catch(() => false)) return candidate;
        }
        return undefined;
      }, 30_000, 100);
      const keys = await waitFor("the sample's assets in the lineage", async () => {
        const shown = await frame.evaluate(() => (window as unknown as { __tributaryLineage: { visibleKeys(): string[] } }).__tributaryLineage.visibleKeys());
        return shown.includes("customers") ? shown : undefined;
      }, 30_000, 100);
      for (const key of ["raw_customers", "raw_orders", "raw_payments", "stg_customers", "stg_orders", "stg_payments", "orders", "customers"]) {
        assert.ok(keys.includes(key), `${key} is in the lineage (shown: ${keys.join(", ")})`);
      }
      // Column lineage from the language server (tributary/columnLineage): expand stg_payments by its
      // "▸ 4 cols" pill, click its amount row, and its lineage reaches the marts.
      type Api = {
        view(): { hasColumns: boolean; expanded: string[] };
        nodeAt(k: string): { x: number; y: number; width: number; height: number } | null;
        columnAt(k: string, c: string): { x: number; y: number; width: number; height: number } | null;
        columnLineage(): { column: string; columns: string[] } | null;
        whenPainted(): Promise<unknown>;
      };
      await waitFor("the column lineage from the language server", () => frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.view().hasColumns), 30_000, 100);
      const onCanvas = async (rect: { x: number; y: number }) => {
        const canvas = await frame.evaluate(() => document.getElementById("graph")!.getBoundingClientRect().toJSON() as { left: number; top: number });
        await frame.locator("#graph").click({ position: { x: rect.x - canvas.left, y: rect.y - canvas.top } });
      };
      const card = await frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.nodeAt("stg_payments"));
      assert.ok(card, "stg_payments is on screen");
      const scale = card.width / 200;
      await onCanvas({ x: card.x + card.width - 33 * scale, y: card.y + 33 * scale });
      await waitFor("stg_payments expanded", () => frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.view().expanded.includes("stg_payments")), 10_000, 50);
      await frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.whenPainted());
      const row = await frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.columnAt("stg_payments", "amount"));
      assert.ok(row, "stg_payments.amount is listed");
      await onCanvas({ x: row.x + row.width / 2, y: row.y + row.height / 2 });
      const lineage = await waitFor("stg_payments.amount selected", () => frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.columnLineage()), 10_000, 50);
      assert.ok(lineage.columns.includes("customers.customer_lifetime_value") && lineage.columns.includes("raw_payments.amount"), lineage.columns.join(", "));
      await webview.locator("#details [data-testid=column-downstream]").waitFor({ timeout: 10_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, "lineage-columns.png") });
      await frame.evaluate(() => document.getElementById("graph")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true })));
      await waitFor("the column selection cleared", async () => (await frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.columnLineage())) === null, 10_000, 50);
      await frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.whenPainted());
      const expanded = await frame.evaluate(() => (window as unknown as { __tributaryLineage: Api }).__tributaryLineage.nodeAt("stg_payments"));
      await onCanvas({ x: expanded!.x + expanded!.width - 33 * scale, y: expanded!.y + 33 * scale }); // closes the card again
      await waitFor("stg_payments closed", () => frame.evaluate(() => !(window as unknown as { __tributaryLineage: Api }).__tributaryLineage.view().expanded.includes("stg_payments")), 10_000, 50);
      assert.equal(await frame.evaluate(() => (window as unknown as { __tributaryLineage: { statusOf(k: string): string | null } }).__tributaryLineage.statusOf("raw_customers")), "FRESH", "the asset materialized above is fresh");
      await page.screenshot({ path: path.join(ARTIFACTS, "lineage.png") });
      // A larger view of the panel alone, for the README.
      const tab = page.locator(".tab", { hasText: "Tributary Lineage" });
      await tab.click();
      await page.keyboard.press("Control+J"); // hides the panel (Problems)
      await page.locator(".part.panel").waitFor({ state: "hidden" });
      await tab.dblclick(); // expands the lineage's editor group
      await frame.evaluate(() => (window as unknown as { __tributaryLineage: { whenPainted(): Promise<unknown> } }).__tributaryLineage.whenPainted());
      await webview.locator("#fit").click();
      await frame.evaluate(() => (window as unknown as { __tributaryLineage: { whenPainted(): Promise<unknown> } }).__tributaryLineage.whenPainted());
      await page.screenshot({ path: path.join(ARTIFACTS, "lineage-maximized.png") });
      if (process.env["UPDATE_SCREENSHOTS"] === "1") await page.screenshot({ path: path.join(ROOT, "docs", "images", "vscode-lineage.png") });
    });

    it("opens the run's console page in a webview from the CodeLens status, and the console's links work inside it", async () => {
      const daemon = `http://127.0.0.1:${daemonPort}`;
      const { assets } = await (await fetch(`${daemon}/api/assets`)).json() as { assets: Array<{ key: string; latestMaterialization: { runId: string } | null }> };
      const runIds = assets.map((a) => a.latestMaterialization?.runId).filter((id): id is string => typeof id === "string");
      assert.ok(runIds.length > 0, "the runs above materialized something");
      // One editor group at full width (the lineage above took most of the window), at raw_customers.
      await runCommand("View: Close All Editors");
      await openFile("assets/raw.ts");
      await goToLine("assets/raw.ts", 'key: "raw_customers"');
      const status = page.locator(".codelens-decoration a:visible", { hasText: /materialized (just now|\d+ min ago)/ }).first();
      await status.waitFor({ timeout: 30_000 });
      await status.click();
      // The panel's title follows the page: "Tributary: Run <short id>".
      const tab = page.locator(".tab", { hasText: /Tributary: Run [0-9a-f]{8}/ }).first();
      await tab.waitFor({ timeout: 30_000 });
      const short = /Run ([0-9a-f]{8})/.exec(await tab.innerText())?.[1] ?? "";
      const runId = runIds.find((id) => id.startsWith(short));
      assert.ok(runId, `the tab names the run of a latest materialization (${short} in ${runIds.join(", ")})`);
      const consoleText = async (frame: import("playwright-core").Frame): Promise<string> =>
        frame.evaluate(() => document.getElementById("console")?.innerText ?? "").catch(() => "");
      // The run page's title is "Run <short id>" over the full id; the runs list shows short ids only.
      const frame = await waitFor("the run's page in the console webview", async () => {
        for (const candidate of page.frames()) if ((await consoleText(candidate)).includes(runId)) return candidate;
        return undefined;
      }, 30_000, 100);
      assert.match(await consoleText(frame), new RegExp(`Run\\s+${short}`));
      assert.match(await consoleText(frame), /SUCCESS/, "the run's status came from the daemon through the extension");
      await runCommand("Notifications: Clear All Notifications");
      await page.locator(".notification-toast").first().waitFor({ state: "hidden" });
      await page.screenshot({ path: path.join(ARTIFACTS, "console-run.png") });
      if (process.env["UPDATE_SCREENSHOTS"] === "1") await page.screenshot({ path: path.join(ROOT, "docs", "images", "vscode-console-run.png") });
      // Client-side routing inside the webview: the navigation bar's Runs link, then back to the run.
      await frame.locator("nav a", { hasText: "Runs" }).click();
      await page.locator(".tab", { hasText: "Tributary: Runs" }).first().waitFor({ timeout: 30_000 });
      await waitFor("the runs list with the run", async () => {
        const text = await consoleText(frame);
        return text.includes(short) && !text.includes(runId);
      }, 30_000, 100);
      await frame.locator(`a[href="/runs/${runId}"]`).first().click();
      await waitFor("the run's page again", async () => (await consoleText(frame)).includes(runId), 30_000, 100);
      await page.locator(".tab", { hasText: `Tributary: Run ${short}` }).first().waitFor({ timeout: 30_000 });

      // Open Console Page…: an asset from the pick, in the same panel; its "Show in the lineage"
      // link opens the editor's lineage panel.
      await runCommand("Tributary: Open Console Page…");
      const assetRow = page.locator(".quick-input-list .monaco-list-row", { hasText: "raw_customers" }).filter({ hasNotText: "SUCCESS" });
      await page.locator(".quick-input-widget", { hasText: "Open a console page" }).waitFor({ timeout: 30_000 });
      await page.locator(".quick-input-widget input").fill("raw_customers");
      await assetRow.first().click({ timeout: 30_000 });
      await page.locator(".tab", { hasText: "Tributary: Asset raw_customers" }).first().waitFor({ timeout: 30_000 });
      await waitFor("the asset's page", async () => /Latest materialization/.test(await consoleText(frame)), 30_000, 100);
      assert.equal(await page.locator(".tab", { hasText: /^Tributary: / }).count(), 1, "one console panel, reused");
      await frame.locator('[data-testid="asset-lineage"]').click();
      await page.locator(".tab", { hasText: "Tributary Lineage" }).first().waitFor({ timeout: 30_000 });
    });
  });
});
