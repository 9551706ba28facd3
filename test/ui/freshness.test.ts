/**
 * Freshness in the lineage view: the badge's words and tones (pure), and in headless Chromium the
 * details pane's chip of an asset with a policy, none for one without (the built page served as the
 * daemon serves it, fed through `window.__tributaryLineage.load`).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type {} from "../../ui/src/main";
import { freshnessBadge } from "../../ui/src/freshness";
import type { LineageAsset } from "../../ui/src/protocol";
import type { AssetFreshnessJson } from "../../runtime/src/wire";
import { launchChromium } from "./support/browser";
import { serveUi } from "./support/staticServer";

const stale: AssetFreshnessJson = {
  state: "STALE", maxLag: "24h", warnAfter: "12h", lastMaterializedAt: "2025-05-01T02:00:00.000Z", partitionKey: null,
  warnSince: "2025-05-01T14:00:00.000Z", staleSince: "2025-05-02T02:00:00.000Z", staleAt: null,
};

describe("freshness in the lineage view", function () {
  this.timeout(60_000);

  it("words each state with its tone: fresh, late, stale, no data", () => {
    assert.deepEqual(freshnessBadge(stale), { label: "stale", tone: "fail", sentence: "Stale since 2025-05-02 02:00 UTC (max lag 24h, warn after 12h)" });
    assert.deepEqual(
      freshnessBadge({ ...stale, state: "WARN", staleSince: null, staleAt: "2025-05-02T02:00:00.000Z" }),
      { label: "late", tone: "warn", sentence: "Late since 2025-05-01 14:00 UTC, stale at 2025-05-02 02:00 UTC (max lag 24h, warn after 12h)" },
    );
    assert.equal(freshnessBadge({ ...stale, state: "FRESH", warnAfter: null, staleSince: null, warnSince: null, staleAt: "2025-05-02T02:00:00.000Z" })?.sentence, "Fresh until 2025-05-02 02:00 UTC (max lag 24h)");
    assert.equal(freshnessBadge({ ...stale, state: "UNKNOWN", lastMaterializedAt: null })?.label, "no data");
    assert.equal(freshnessBadge(undefined), null);
  });

  it("shows the freshness chip in the details pane of an asset with a policy, and none without", async () => {
    const ui = await serveUi();
    const browser = await launchChromium({ width: 1200, height: 700 });
    const errors: string[] = [];
    try {
      const page: Page = await browser.newPage();
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`${ui.url}/?host=none`);
      await page.waitForFunction(() => Boolean(window.__tributaryLineage));
      const assets: LineageAsset[] = [
        { key: "orders", group: "warehouse", deps: [], status: "FRESH", freshness: stale },
        { key: "customers", group: "warehouse", deps: ["orders"], status: "FRESH" },
      ];
      await page.evaluate((data) => window.__tributaryLineage.load(data, { grouping: "expanded" }), assets);
      const open = async (key: string) => {
        const rect = await page.evaluate((k) => window.__tributaryLineage.nodeAt(k), key);
        assert.ok(rect, `${key} is on screen`);
        await page.mouse.click(rect.x + rect.width / 2, rect.y + rect.height / 2);
        await page.waitForFunction((k) => window.__tributaryLineage.view().selected === k, key);
      };
      await open("orders");
      assert.equal(await page.textContent("[data-testid=details-freshness]"), "stale · Stale since 2025-05-02 02:00 UTC (max lag 24h, warn after 12h)");
      assert.match((await page.getAttribute("[data-testid=details-freshness]", "class")) ?? "", /freshness-fail/);
      await open("customers");
      assert.equal(await page.$("[data-testid=details-freshness]"), null);
      assert.deepEqual(errors, []);
    } finally {
      await browser.dispose();
      await ui.close();
    }
  });
});
