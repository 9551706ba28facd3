/**
 * The web pages: the operations console (`runtime/dist/ui/console.html`) at every path it routes on
 * the client (`/`, `/runs/<id>`, `/assets/<key>`, ... see {@link isConsolePath}), the lineage view
 * (`index.html`) at `/lineage`, the bundle folder served as static files; with no bundle installed,
 * the simple built-in page at `/`. Every page gets a CSP with a fresh nonce; no remote content.
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

/** The top-level paths of the console's pages; each may take one more segment (an id, a name, a URL-encoded asset key). */
const CONSOLE_SECTIONS = ["assets", "runs", "schedules", "sensors", "backfills"];

/**
 * Whether the console routes `pathname` on the client: `/`, `/<section>` and `/<section>/<one
 * segment>` (an asset key is one URL-encoded segment: `/assets/mart%2Ftotal`). The daemon answers
 * all of them with the same page, so a deep link, a reload and back/forward all work.
 */
export function isConsolePath(pathname: string): boolean {
  if (pathname === "/") return true;
  const parts = pathname.split("/");
  return (parts.length === 2 || (parts.length === 3 && parts[2] !== "")) && CONSOLE_SECTIONS.includes(parts[1]!);
}

/** Serves the pages and the bundle's static files. Returns false when `pathname` is not a page file. */
export function servePage(res: ServerResponse, pathname: string, uiDir: string, head: boolean): boolean {
  const hasBundle = existsSync(join(uiDir, "index.html"));
  // A bundle built before the console existed has only the lineage: it stays at `/`.
  const hasConsole = hasBundle && existsSync(join(uiDir, "console.html"));
  const template = pageTemplate(pathname, hasBundle, hasConsole);
  if (template !== undefined && template !== null) {
    const nonce = randomBytes(16).toString("base64");
    const html = template ? addNonce(readFileSync(join(uiDir, template), "utf8"), nonce) : simplePageHtml(nonce);
    send(res, 200, MIME[".html"]!, Buffer.from(html), head, { "Content-Security-Policy": contentSecurityPolicy(nonce), "Cache-Control": "no-store" });
    return true;
  }
  if (template === null) return false;
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

/**
 * Which page a path shows: a template file of the bundle, `""` for the built-in simple page, `null`
 * for a page path with nothing to show (no bundle), `undefined` for a path that is not a page.
 */
function pageTemplate(pathname: string, hasBundle: boolean, hasConsole: boolean): string | null | undefined {
  if (pathname === "/lineage" || pathname === "/index.html") return hasBundle ? "index.html" : pathname === "/index.html" ? "" : null;
  if (!isConsolePath(pathname)) return undefined;
  if (hasConsole) return "console.html";
  // Without the console, only `/` is a page (the lineage, or the simple page); `/assets/app.js` is a file.
  if (pathname !== "/") return undefined;
  return hasBundle ? "index.html" : "";
}

/** Gives every inline and external `<script>` and `<style>` / stylesheet `<link>` of the bundle the nonce. */
function addNonce(html: string, nonce: string): string {
  return html.replace(/<(script|style|link)\b(?![^>]*\snonce=)/gi, `<$1 nonce="${nonce}"`);
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, head: boolean, headers: Record<string, string>): void {
  res.writeHead(status, { ...COMMON_HEADERS, "Content-Type": type, "Content-Length": body.length, ...headers });
  res.end(head ? undefined : body);
}
