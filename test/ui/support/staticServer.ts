/**
 * Serves the built lineage UI (runtime/dist/ui) the way the daemon does (a CSP header with a fresh
 * nonce, the nonce added to the page's <script>/<link>), without any API: the bench feeds data
 * through `window.__tributaryLineage.load` (open the page with `?host=none`).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

/** The built bundle's folder. */
export const UI_DIST = resolve(__dirname, "..", "..", "..", "runtime", "dist", "ui");

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };

/** Starts the server on a free loopback port; `extra` may answer other paths (return true when it did). */
export async function serveUi(
  extra?: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => boolean,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  if (!existsSync(join(UI_DIST, "index.html"))) throw new Error("runtime/dist/ui is missing: run `npm run build` (or `node ui/build.mjs`) first.");
  const server = createServer((req, res) => {
    if (extra?.(req, res)) return;
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const nonce = randomBytes(16).toString("base64");
    const csp = `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'`;
    if (path === "/" || path === "/index.html") {
      const html = readFileSync(join(UI_DIST, "index.html"), "utf8").replace(/<(script|link)\b/g, `<$1 nonce="${nonce}"`);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": csp });
      res.end(html);
      return;
    }
    const file = resolve(UI_DIST, `.${path}`);
    if (!file.startsWith(UI_DIST + sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": `${TYPES[extname(file)] ?? "application/octet-stream"}; charset=utf-8`, "content-security-policy": csp });
    res.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, close: () => new Promise<void>((done) => server.close(() => done())) };
}
