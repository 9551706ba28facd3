/** The web page at `/`: the simple built-in page, or the lineage UI bundle when installed. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHttpServer } from "../../../runtime/src/daemon/http/server";
import { call, startFixture, type Fixture } from "./fixture";

describe("HTTP web page", function () {
  this.timeout(30_000);
  let fixture: Fixture;
  let uiDir: string;
  before(async () => {
    uiDir = mkdtempSync(join(tmpdir(), "tributary-ui-none-"));
    fixture = await startFixture({ uiDir });
  });
  after(async () => {
    await fixture.dispose();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it("serves the simple page with a nonce CSP, no remote content and no CORS", async () => {
    const { status, headers, text } = await call(fixture.server.url, "GET", "/");
    assert.equal(status, 200);
    assert.equal(headers.get("content-type"), "text/html; charset=utf-8");
    const csp = headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const scripts = [...text.matchAll(/<(script|style)\b[^>]*>/g)].map((match) => match[0]);
    assert.equal(scripts.length, 2);
    for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
    assert.doesNotMatch(text, /https?:\/\//, "no external URL in the page");
    assert.doesNotMatch(text, /\bsrc=|<link\b|@import/, "nothing loaded from elsewhere");
    assert.match(text, /TributaryWire.readEventStream/, "the wire contract's stream reader, inlined");
    assert.match(text, /prefers-color-scheme: dark/);
    assert.equal(headers.get("access-control-allow-origin"), null);
    assert.equal(headers.get("x-content-type-options"), "nosniff");
  });

  it("uses a new nonce for every request", async () => {
    const first = (await call(fixture.server.url, "GET", "/")).headers.get("content-security-policy");
    const second = (await call(fixture.server.url, "GET", "/")).headers.get("content-security-policy");
    assert.notEqual(first, second);
  });

  it("answers HEAD on the page without a body, and 404 for other paths when no bundle is installed", async () => {
    const head = await call(fixture.server.url, "HEAD", "/");
    assert.equal(head.status, 200);
    assert.equal(head.text, "");
    const missing = await call(fixture.server.url, "GET", "/app.js");
    assert.equal(missing.status, 404);
    assert.match(missing.json.error.message, /nothing at \/app\.js/);
  });

  describe("with a lineage UI bundle", () => {
    let bundle: string;
    let base: string;
    let close: () => Promise<void>;
    before(async () => {
      bundle = mkdtempSync(join(tmpdir(), "tributary-ui-"));
      mkdirSync(join(bundle, "assets"));
      writeFileSync(join(bundle, "index.html"), '<!doctype html><html><head><link rel="stylesheet" href="assets/app.css"><script type="module" src="assets/app.js"></script></head><body><div id="root"></div><script>window.boot()</script></body></html>');
      writeFileSync(join(bundle, "assets", "app.js"), "window.boot = () => {};");
      writeFileSync(join(bundle, "assets", "app.css"), "body { margin: 0 }");
      writeFileSync(join(bundle, ".secret"), "nope");
      const server = await startHttpServer(fixture.services, { port: 0, uiDir: bundle, log: () => {} });
      base = server.url;
      close = () => server.close();
    });
    after(async () => {
      await close();
      rmSync(bundle, { recursive: true, force: true });
    });

    it("serves its index.html with the nonce on every script, style and stylesheet", async () => {
      const { status, headers, text } = await call(base, "GET", "/");
      assert.equal(status, 200);
      const nonce = /'nonce-([^']+)'/.exec(headers.get("content-security-policy")!)![1]!;
      assert.equal(text.split(`nonce="${nonce}"`).length - 1, 3);
      assert.match(text, /<div id="root">/);
    });

    it("serves its files with the right MIME types", async () => {
      const js = await call(base, "GET", "/assets/app.js");
      assert.equal(js.status, 200);
      assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
      assert.equal(js.text, "window.boot = () => {};");
      assert.equal((await call(base, "GET", "/assets/app.css")).headers.get("content-type"), "text/css; charset=utf-8");
    });

    it("serves nothing outside the bundle folder, and no dotfiles", async () => {
      assert.equal((await rawGet(base, "/../package.json")).status, 404);
      assert.equal((await rawGet(base, "/assets/%2e%2e/%2e%2e/etc/passwd")).status, 404);
      assert.equal((await call(base, "GET", "/.secret")).status, 404);
    });
  });
});

describe("HTTP web pages with the operations console installed", function () {
  this.timeout(30_000);
  let fixture: Fixture;
  let bundle: string;
  before(async () => {
    bundle = mkdtempSync(join(tmpdir(), "tributary-console-"));
    writeFileSync(join(bundle, "index.html"), '<!doctype html><html><head><link rel="stylesheet" href="main.css"></head><body><canvas id="graph"></canvas><script src="main.js"></script></body></html>');
    writeFileSync(join(bundle, "console.html"), '<!doctype html><html><head><link rel="stylesheet" href="/console.css"></head><body><div id="console"></div><script src="/console.js"></script></body></html>');
    writeFileSync(join(bundle, "console.js"), "void 0;");
    fixture = await startFixture({ uiDir: bundle });
  });
  after(async () => {
    await fixture.dispose();
    rmSync(bundle, { recursive: true, force: true });
  });

  it("answers every path the console routes with console.html, a fresh nonce on its script and stylesheet", async () => {
    for (const path of ["/", "/runs", "/runs/3f2a9c1e", "/assets", "/assets/mart%2Ftotal", "/schedules/nightly", "/sensors", "/sensors/new_files", "/backfills", "/backfills/bf-1"]) {
      const { status, headers, text } = await call(fixture.server.url, "GET", path);
      assert.equal(status, 200, path);
      const nonce = /'nonce-([^']+)'/.exec(headers.get("content-security-policy")!)![1]!;
      assert.equal(text.split(`nonce="${nonce}"`).length - 1, 2, path);
      assert.match(text, /<div id="console">/, path);
      assert.equal(headers.get("cache-control"), "no-store");
    }
  });

  it("serves the lineage view at /lineage, the bundle's files, and 404 for deeper or unknown paths", async () => {
    assert.match((await call(fixture.server.url, "GET", "/lineage")).text, /<canvas id="graph">/);
    assert.equal((await call(fixture.server.url, "GET", "/console.js")).text, "void 0;");
    for (const path of ["/runs/a/b", "/assets/", "/operations", "/lineage/x"]) assert.equal((await call(fixture.server.url, "GET", path)).status, 404, path);
    assert.equal((await call(fixture.server.url, "HEAD", "/runs/3f2a9c1e")).text, "");
  });
});

/** A GET with the path exactly as given (fetch normalizes `..` away). */
function rawGet(base: string, path: string): Promise<{ status: number }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode! }));
    });
    req.on("error", reject);
    req.end();
  });
}
