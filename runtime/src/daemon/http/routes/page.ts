/**
 * The web page at `/`: the lineage UI bundle when one is installed (`runtime/dist/ui/index.html`,
 * its folder served as static files), else the simple built-in page. Both get a CSP with a fresh
 * nonce, and no remote content is allowed.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { COMMON_HEADERS } from "../respond";
import { simplePageHtml } from "../webPage";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

/** The Content-Security-Policy of the page: own origin only, inline code only with the nonce. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The folder of the lineage UI bundle: `dist/ui` of the `tributary-ts` package this code belongs to
 * (found from this file, in dist/ or in src/ under tests).
 */
export function defaultUiDir(): string {
  let dir = __dirname;
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bin", "tributary.js"))) return join(dir, "dist", "ui");
    dir = resolve(dir, "..");
  }
  return resolve(__dirname, "..", "..", "..", "ui");
}

/** Serves `/` and the bundle's static files. Returns false when `pathname` is not a page file. */
export function servePage(res: ServerResponse, pathname: string, uiDir: string, head: boolean): boolean {
  const hasBundle = existsSync(join(uiDir, "index.html"));
  if (pathname === "/" || pathname === "/index.html") {
    const nonce = randomBytes(16).toString("base64");
    const html = hasBundle ? addNonce(readFileSync(join(uiDir, "index.html"), "utf8"), nonce) : simplePageHtml(nonce);
    send(res, 200, MIME[".html"]!, Buffer.from(html), head, { "Content-Security-Policy": contentSecurityPolicy(nonce), "Cache-Control": "no-store" });
    return true;
  }
  if (!hasBundle) {
    if (pathname !== "/favicon.ico") return false;
    res.writeHead(204, { ...COMMON_HEADERS, "Cache-Control": "max-age=86400" }).end(); // browsers ask for it
    return true;
  }
  let relativePath: string;
  try {
    relativePath = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const root = resolve(uiDir);
  const file = resolve(root, `.${relativePath}`);
  // Only files inside the bundle folder: no `..`, no absolute escapes, no dotfiles.
  if (!file.startsWith(root + sep) || relativePath.split("/").some((part) => part.startsWith("."))) return false;
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  const type = MIME[extname(file).toLowerCase()] ?? "application/octet-stream";
  send(res, 200, type, readFileSync(file), head, { "Content-Security-Policy": contentSecurityPolicy(randomBytes(16).toString("base64")), "Cache-Control": "no-cache" });
  return true;
}

/** Gives every inline and external `<script>` and `<style>` / stylesheet `<link>` of the bundle the nonce. */
function addNonce(html: string, nonce: string): string {
  return html.replace(/<(script|style|link)\b(?![^>]*\snonce=)/gi, `<$1 nonce="${nonce}"`);
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, head: boolean, headers: Record<string, string>): void {
  res.writeHead(status, { ...COMMON_HEADERS, "Content-Type": type, "Content-Length": body.length, ...headers });
  res.end(head ? undefined : body);
}
