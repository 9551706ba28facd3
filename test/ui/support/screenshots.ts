/**
 * Console screenshots as the UI tests take them: every run writes test-artifacts/console/<name>.png;
 * with UPDATE_SCREENSHOTS=1 the image docs show (docs/images/<name>.png) is rewritten too, so a test
 * run leaves the tree as it was.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";

const ARTIFACTS = resolve(__dirname, "..", "..", "..", "test-artifacts", "console");
const IMAGES = resolve(__dirname, "..", "..", "..", "docs", "images");

/** Saves a screenshot of `page` as `console-<name>.png`; `fullPage` scrolls to the top first (the navigation bar is sticky). */
export async function consoleScreenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage });
  if (process.env["UPDATE_SCREENSHOTS"] === "1") await page.screenshot({ path: join(IMAGES, `console-${name}.png`), fullPage });
}
