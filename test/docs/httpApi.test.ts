/**
 * The contracts and their docs drift apart only through a failing test: the daemon's router, the wire
 * contract (`tributary-ts/wire`) and docs/http-api.md list the same routes, query parameters and body
 * fields; server/src/protocol.ts and docs/protocol.md the same requests and notifications.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as v from "valibot";
import { NotificationType, RequestType } from "vscode-languageserver-protocol";
import { apiRouter } from "../../runtime/src/daemon/http/server";
import { WIRE_ROUTES, type WireRoute } from "../../runtime/src/wire";
import * as protocol from "../../server/src/protocol";

const docsDir = path.join(__dirname, "..", "..", "docs");

/** The endpoint table's rows: `METHOD /path` to the query parameters the row shows and the row itself. */
export function documentedRoutes(markdown: string): Map<string, { query: string[]; row: string }> {
  const routes = new Map<string, { query: string[]; row: string }>();
  for (const row of markdown.split("\n")) {
    const match = /^\| (GET|POST) \| `(\/api\/[^`?]+)(?:\?([^`]*))?`/.exec(row);
    if (!match) continue;
    const query = (match[3] ?? "").split("&").map((part) => part.replace(/=.*$/, "")).filter(Boolean);
    routes.set(`${match[1]} ${match[2]}`, { query, row });
  }
  return routes;
}

/** The text documenting a route: its table row and its `### \`METHOD /path\`` section, if any. */
function routeText(markdown: string, name: string, row: string): string {
  const start = markdown.indexOf(`### \`${name}\``);
  if (start === -1) return row;
  const end = markdown.indexOf("\n#", start + 1);
  return `${row}\n${markdown.slice(start, end === -1 ? undefined : end)}`;
}

/** Body fields of a schema, nested ones as `policy.maxConcurrentRuns`. */
function bodyFields(schema: v.GenericSchema, prefix = ""): string[] {
  const entries = (schema as { entries?: Record<string, v.GenericSchema> }).entries ?? {};
  return Object.entries(entries).flatMap(([key, entry]) => {
    const inner = (entry as { wrapped?: v.GenericSchema }).wrapped ?? entry;
    return [`${prefix}${key}`, ...bodyFields(inner, `${prefix}${key}.`)];
  });
}

describe("docs/http-api.md and the wire contract", () => {
  const docs = readFileSync(path.join(docsDir, "http-api.md"), "utf8");
  const documented = documentedRoutes(docs);
  const contract = new Map<string, WireRoute>(Object.entries(WIRE_ROUTES));

  it("serves exactly the routes of the wire contract", () => {
    const served = apiRouter().list().map(([method, pattern]) => `${method} ${pattern}`);
    assert.ok(served.length > 10, `expected the daemon's routes, found ${served.length}`);
    assert.deepEqual(served.filter((route) => !contract.has(route)), [], "served but not in runtime/src/wire/routes.ts");
    assert.deepEqual([...contract.keys()].filter((route) => !served.includes(route)), [], "in the contract but not served");
  });

  it("has a row in its endpoint table for every route of the contract, and none for others", () => {
    assert.deepEqual([...contract.keys()].filter((route) => !documented.has(route)), [], "missing from the endpoint table");
    assert.deepEqual([...documented.keys()].filter((route) => !contract.has(route)), [], "documented but not in the contract");
  });

  it("shows each route's query parameters in its row", () => {
    const drift = [...contract].flatMap(([name, route]) => {
      const shown = documented.get(name)?.query ?? [];
      return [...route.query].sort().join(",") === [...shown].sort().join(",") ? [] : [`${name}: contract ?${route.query.join("&")}, docs ?${shown.join("&")}`];
    });
    assert.deepEqual(drift, []);
  });

  it("names every body field of every route that takes one", () => {
    const missing = [...contract].flatMap(([name, route]) => {
      if (!route.body) return [];
      const text = routeText(docs, name, documented.get(name)?.row ?? "");
      return bodyFields(route.body)
        .filter((field) => !new RegExp(`["\`]${field.split(".").at(-1)}\\b`).test(text))
        .map((field) => `${name}: ${field}`);
    });
    assert.deepEqual(missing, []);
  });

  it("finds a drifted row: a route missing from a table, a query parameter left out", () => {
    const table = "| GET | `/api/runs?status=&limit=` | runs |\n| GET | `/api/ghost` | nothing |";
    const rows = documentedRoutes(table);
    assert.deepEqual(rows.get("GET /api/runs")?.query, ["status", "limit"]);
    assert.ok(rows.has("GET /api/ghost") && !contract.has("GET /api/ghost"));
  });
});

describe("docs/protocol.md and server/src/protocol.ts", () => {
  const docs = readFileSync(path.join(docsDir, "protocol.md"), "utf8");
  const headings = new Map([...docs.matchAll(/^## `(tributary\/[^`]+)` \((request|notification)\b/gm)].map((match) => [match[1]!, match[2]!]));
  const declared = new Map<string, string>();
  for (const value of Object.values(protocol)) {
    if (value instanceof RequestType) declared.set(value.method, "request");
    else if (value instanceof NotificationType) declared.set(value.method, "notification");
  }

  it("documents every request and notification the protocol declares, as what it is", () => {
    assert.ok(declared.size >= 4, `expected the protocol's requests, found ${declared.size}`);
    assert.deepEqual([...declared].filter(([method, kind]) => headings.get(method) !== kind), []);
  });

  it("declares every request and notification it documents", () => {
    assert.deepEqual([...headings.keys()].filter((method) => !declared.has(method)), []);
  });
});
