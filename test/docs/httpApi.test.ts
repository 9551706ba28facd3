/** docs/http-api.md's endpoint table lists every route the daemon serves. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { apiRouter } from "../../runtime/src/daemon/http/server";

describe("docs/http-api.md", () => {
  it("has a row in its endpoint table for every /api/ route", () => {
    const docs = readFileSync(path.join(__dirname, "..", "..", "docs", "http-api.md"), "utf8");
    const rows = docs.split("\n").filter((line) => /^\| (GET|POST) \| `\/api\//.test(line));
    const documented = new Set(rows.map((row) => {
      const [, method, cell] = /^\| (GET|POST) \| `([^`?]+)/.exec(row)!;
      return `${method} ${cell}`;
    }));
    const routes = apiRouter().list().map(([method, pattern]) => `${method} ${pattern}`);
    assert.ok(routes.length > 10, `expected the daemon's routes, found ${routes.length}`);
    assert.deepEqual(routes.filter((route) => !documented.has(route)), []);
  });
});
