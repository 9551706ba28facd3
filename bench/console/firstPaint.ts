/**
 * bench/console (first part): the operations console's weight and first paint. Prints the size of
 * each file of the page (minified, and gzipped at level 9 as a server would send it) and the
 * first-contentful-paint and "data on screen" times of /runs, /assets and a run page, each opened
 * 7 times in a fresh Chromium page against a real daemon (the warehouse sample on SQLite, after
 * one run). Medians in docs/performance.md "## Operations console".
 *
 *   npx tsx bench/console/firstPaint.ts     (needs `npm run build` first)
 *
 * Goal (issue 15 point 5): the console page ≤ 500 KB gzipped without the lineage worker.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { launchChromium } from "../../test/ui/support/browser";
import { UI_DIST } from "../../test/ui/support/staticServer";
import { startWarehouseDaemon } from "../../test/ui/support/warehouseDaemon";

const ROUNDS = 7;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  let total = 0;
  console.log("| file | minified | gzipped |\n|---|---:|---:|");
  for (const file of ["console.html", "console.js", "console.css"]) {
    const bytes = readFileSync(join(UI_DIST, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    total += gz;
    console.log(`| ${file} | ${kb(bytes.length)} | ${kb(gz)} |`);
  }
  console.log(`| **the page** | | **${kb(total)}** |\n`);

  const daemon = await startWarehouseDaemon();
  const browser = await launchChromium({ width: 1280, height: 800 });
  try {
    daemon.release();
    const created = (await (await fetch(`${daemon.url}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ selection: "*", allPartitions: true }) })).json()) as { runId: string };
    for (;;) {
      const run = (await (await fetch(`${daemon.url}/api/runs/${created.runId}`)).json()) as { endedAt: string | null };
      if (run.endedAt) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pages: Array<[string, string, string]> = [
      ["/runs", "/runs", "[data-testid=runs-table] tbody tr"],
      ["/assets", "/assets", "[data-testid=assets-table] tbody tr"],
      ["/runs/<id>", `/runs/${created.runId}`, ".log-row"],
    ];
    console.log("| page | first contentful paint (median) | data on screen (median) |\n|---|---:|---:|");
    for (const [label, path, ready] of pages) {
      const paints: number[] = [];
      const data: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const page = await browser.newPage();
        await page.goto(`${daemon.url}${path}`);
        await page.waitForSelector(ready);
        data.push(await page.evaluate(() => performance.now()));
        await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0);
        paints.push(await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]!.startTime));
        await page.close();
      }
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      console.log(`| ${label} | ${median(paints).toFixed(0)} ms | ${median(data).toFixed(0)} ms |`);
    }
  } finally {
    await browser.dispose();
    await daemon.dispose();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
