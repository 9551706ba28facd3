/**
 * Headless Debian Chromium through playwright-core (no browser download), launched exactly as
 * the team's offline VS Code testing recipe says. scripts/ensure-chromium.sh installs it.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Where Chromium is, or a clear error saying how to get it. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error("Chromium is not installed: run `bash scripts/ensure-chromium.sh` (or set CHROMIUM_PATH).");
  return found;
}

/** A fresh headless browser context; `close()` also removes its profile. */
export async function launchChromium(viewport = { width: 1280, height: 800 }, colorScheme: "light" | "dark" = "light"): Promise<BrowserContext & { dispose(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "tributary-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport,
    colorScheme,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return Object.assign(context, {
    async dispose() {
      await context.close();
      // Chromium's helper processes can still be writing to the profile just after the browser exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    },
  });
}
