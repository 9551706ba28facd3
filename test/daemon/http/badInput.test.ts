/** Bad input always gets a 4xx with a message (and never a 500); auth on and off. */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { startHttpServer } from "../../../runtime/src/daemon/http/server";
import { call, startFixture, type Fixture } from "./fixture";

interface BadInput {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  message: RegExp;
  check?: (json: any, headers: Headers) => void;
}

const BAD_INPUTS: BadInput[] = [
  { what: "bad JSON", method: "POST", path: "/api/runs", raw: '{"selection": ', headers: { "Content-Type": "application/json" }, status: 400, message: /not valid JSON/ },
  { what: "a body that is not JSON", method: "POST", path: "/api/runs", raw: "selection=*", headers: { "Content-Type": "application/x-www-form-urlencoded" }, status: 415, message: /must be JSON, not "application\/x-www-form-urlencoded"/ },
  { what: "a JSON array instead of an object", method: "POST", path: "/api/runs", body: ["*"], status: 400, message: /takes a JSON object, not an array/ },
  { what: "no body", method: "POST", path: "/api/runs", status: 400, message: /needs a JSON object body/ },
  { what: "a missing selection", method: "POST", path: "/api/runs", body: {}, status: 400, message: /"selection" must be a non-empty selection string \(it is missing\)/ },
  { what: "a selection that is not a string", method: "POST", path: "/api/runs", body: { selection: 42 }, status: 400, message: /not 42/ },
  { what: "an unknown field", method: "POST", path: "/api/runs", body: { selection: "*", tag: {} }, status: 400, message: /unknown field "tag"/, check: (json) => assert.match(json.error.hint, /selection, tags/) },
  { what: "tags that are not strings", method: "POST", path: "/api/runs", body: { selection: "*", tags: { n: 1 } }, status: 400, message: /"tags\.n" must be a string/ },
  {
    what: "a selection that does not parse", method: "POST", path: "/api/runs", body: { selection: "raw and (stg" }, status: 400, message: /invalid selection: .* at position \d+ of "raw and \(stg"/,
    check: (json) => {
      assert.equal(json.error.selection, "raw and (stg");
      assert.equal(typeof json.error.offset, "number");
    },
  },
  { what: "a selection that matches nothing", method: "POST", path: "/api/runs", body: { selection: "group:nope" }, status: 400, message: /matches no asset/ },
  {
    what: "a job that does not exist", method: "POST", path: "/api/runs", body: { selection: "job:up_to_mrat" }, status: 400, message: /there is no job named "up_to_mrat"/,
    check: (json) => assert.match(json.error.hint, /Did you mean "job:up_to_mart"\?/),
  },
  {
    // Under the 1 MiB body limit; a backtracking regular expression overflowed its stack on it (a 500).
    what: "a key pattern of 200,000 wildcards", method: "POST", path: "/api/runs", body: { selection: `key:"*${"a*".repeat(200_000)}"` }, status: 400, message: /matches no asset/,
    check: (json) => assert.ok(json.error.message.length < 1_000, `a ${json.error.message.length}-character message`),
  },
  {
    what: "a long selection that does not parse", method: "POST", path: "/api/runs", body: { selection: `${"a or ".repeat(100_000)}(` }, status: 400, message: /at position 500002 of "….*" \(a selection of 500001 characters\)/,
    check: (json) => assert.ok(json.error.message.length < 1_000, `a ${json.error.message.length}-character message`),
  },
  { what: "an unknown run id", method: "GET", path: "/api/runs/no-such-run", status: 404, message: /no run with id "no-such-run"/ },
  { what: "events of an unknown run", method: "GET", path: "/api/runs/no-such-run/events", status: 404, message: /no run with id/ },
  { what: "canceling an unknown run", method: "POST", path: "/api/runs/no-such-run/cancel", status: 404, message: /no run with id/ },
  { what: "a huge body", method: "POST", path: "/api/runs", raw: JSON.stringify({ selection: "x".repeat(2 * 1024 * 1024) }), headers: { "Content-Type": "application/json" }, status: 413, message: /larger than 1048576 bytes/ },
  { what: "a wrong method", method: "DELETE", path: "/api/runs", status: 405, message: /DELETE is not allowed on \/api\/runs/, check: (_json, headers) => assert.equal(headers.get("allow"), "GET, HEAD, POST") },
  { what: "a wrong method on the page", method: "POST", path: "/", status: 405, message: /not allowed/, check: (_json, headers) => assert.equal(headers.get("allow"), "GET, HEAD") },
  { what: "an unknown endpoint", method: "GET", path: "/api/nope", status: 404, message: /no endpoint \/api\/nope/ },
  { what: "an unknown query parameter", method: "GET", path: "/api/runs?state=FAILURE", status: 400, message: /unknown query parameter "state"/ },
  { what: "a repeated query parameter", method: "GET", path: "/api/runs?limit=1&limit=2", status: 400, message: /query parameter "limit" is given 2 times/, check: (json) => assert.match(json.error.hint, /once/) },
  { what: "a repeated status parameter", method: "GET", path: "/api/runs?status=FAILURE&status=SUCCESS", status: 400, message: /query parameter "status" is given 2 times/, check: (json) => assert.match(json.error.hint, /status=FAILURE,SUCCESS/) },
  { what: "an unknown run status", method: "GET", path: "/api/runs?status=DONE", status: 400, message: /unknown run status "DONE"/ },
  { what: "a limit that is not a number", method: "GET", path: "/api/runs?limit=ten", status: 400, message: /"limit" must be a whole number from 1 to 1000, not "ten"/ },
  { what: "a limit of zero", method: "GET", path: "/api/runs?limit=0", status: 400, message: /from 1 to 1000/ },
  { what: "paging before an unknown run", method: "GET", path: "/api/runs?before=ghost", status: 400, message: /no run with id "ghost" \(query parameter "before"\)/ },
  { what: "a negative after", method: "GET", path: "/api/runs/RUN/events?after=-1", status: 400, message: /"after" must be a whole number/ },
  { what: "a Last-Event-ID that is not an id", method: "GET", path: "/api/runs/RUN/events", headers: { Accept: "text/event-stream", "Last-Event-ID": "abc" }, status: 400, message: /Last-Event-ID must be an event id/ },
  { what: "an unknown schedule", method: "POST", path: "/api/schedules/nightlyy/start", status: 404, message: /no schedule named "nightlyy"/, check: (json) => assert.match(json.error.hint, /Did you mean "nightly"/) },
  { what: "a sensor under schedules", method: "GET", path: "/api/schedules/watcher/ticks", status: 404, message: /no schedule named "watcher"/ },
  { what: "a backfill policy number storage cannot hold", method: "POST", path: "/api/backfills", body: { selection: "raw", policy: { maxConcurrentRuns: 1e20 } }, status: 400, message: /^policy\.maxConcurrentRuns must be a whole number from 1 to 2147483647, not 100000000000000000000$/ },
  { what: "a backfill policy number that is a string", method: "POST", path: "/api/backfills", body: { selection: "raw", policy: { maxPartitionsPerRun: "4" } }, status: 400, message: /^policy\.maxPartitionsPerRun must be a whole number from 1 to 2147483647, not "4"$/ },
  { what: "a blank selection", method: "POST", path: "/api/runs", body: { selection: "  " }, status: 400, message: /^"selection" must be a non-empty selection string, not "  "$/ },
  { what: "allPartitions that is not a boolean", method: "POST", path: "/api/runs", body: { selection: "*", allPartitions: "yes" }, status: 400, message: /^"allPartitions" must be true or false, not "yes"$/ },
  { what: "backfill keys that are not strings", method: "POST", path: "/api/backfills", body: { selection: "raw", keys: ["2024-01-01", 2] }, status: 400, message: /^"keys\.1" must be a partition key string, not 2$/ },
  { what: "an unknown backfill policy field", method: "POST", path: "/api/backfills", body: { selection: "raw", policy: { maxRuns: 2 } }, status: 400, message: /^policy: unknown field "maxRuns"$/, check: (json) => assert.match(json.error.hint, /maxPartitionsPerRun, maxConcurrentRuns/) },
  { what: "a body on start", method: "POST", path: "/api/sensors/watcher/start", body: { force: true }, status: 400, message: /unknown field "force"/ },
  { what: "a body on reload", method: "POST", path: "/api/reload", body: { force: true }, status: 400, message: /POST \/api\/reload: unknown field "force"/, check: (json) => assert.match(json.error.hint, /Send no body/) },
  { what: "a query parameter on reload", method: "POST", path: "/api/reload?force=1", status: 400, message: /unknown query parameter "force"/ },
  { what: "a wrong method on reload", method: "GET", path: "/api/reload", status: 405, message: /GET is not allowed on \/api\/reload; use POST/, check: (_json, headers) => assert.equal(headers.get("allow"), "POST") },
  { what: "bad percent-encoding in a path", method: "GET", path: "/api/runs/%E0%A4%A", status: 400, message: /not valid percent-encoding/ },
  { what: "a DNS-rebound Host", method: "GET", path: "/api/health", headers: { Host: "evil.example:3000" }, status: 403, message: /localhost only, not for "evil.example:3000"/ },
];

describe("HTTP API bad input", function () {
  this.timeout(30_000);
  let fixture: Fixture;
  let runId: string;
  before(async () => {
    fixture = await startFixture();
    runId = (await call(fixture.server.url, "POST", "/api/runs", { body: { selection: "raw" } })).json.runId;
  });
  after(() => fixture.dispose());

  for (const input of BAD_INPUTS) {
    it(`answers ${input.what} with ${input.status} and a message`, async () => {
      const path = input.path.replace("RUN", runId);
      const { status, json, headers } = input.headers?.["Host"]
        ? await rawCall(fixture.server.url, input.method, path, input.headers)
        : await call(fixture.server.url, input.method, path, {
            ...(input.body === undefined ? {} : { body: input.body }),
            ...(input.raw === undefined ? {} : { raw: input.raw }),
            ...(input.headers ? { headers: input.headers } : {}),
          });
      assert.equal(status, input.status, JSON.stringify(json));
      assert.match(json.error.message, input.message);
      assert.equal(headers.get("content-type"), "application/json; charset=utf-8");
      input.check?.(json, headers);
    });
  }

  it("answers a huge body sent in chunks (no Content-Length) with 413", async () => {
    const url = new URL(fixture.server.url);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: "/api/runs", headers: { "Content-Type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, " ");
      for (let sent = 0; sent < 2 * 1024 * 1024; sent += chunk.length) req.write(chunk);
      req.end();
    });
    assert.equal(status, 413);
    assert.match(JSON.parse(body).error.message, /larger than 1048576 bytes/);
  });

  it("answers an unexpected failure with 500 and an id that is in the log", async () => {
    const lines: string[] = [];
    const services = Object.create(fixture.services, { storage: { value: fixture.storage } }) as typeof fixture.services;
    services.submitRun = async () => {
      throw new TypeError("the core has a bug");
    };
    const server = await startHttpServer(services, { port: 0, log: (line) => lines.push(line) });
    try {
      const { status, json } = await call(server.url, "POST", "/api/runs", { body: { selection: "raw" } });
      assert.equal(status, 500);
      const id = /internal error ([0-9a-f]+)/.exec(json.error.message)![1]!;
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, new RegExp(`internal error ${id} on POST /api/runs: TypeError: the core has a bug`));
      assert.doesNotMatch(json.error.message, /core has a bug/, "internals are not shown to clients");
    } finally {
      await server.close();
    }
  });

  it("logs an unexpected failure carrying a 600 KB message as one line of at most 8,000 characters and its length", async () => {
    const lines: string[] = [];
    const services = Object.create(fixture.services, { storage: { value: fixture.storage } }) as typeof fixture.services;
    services.submitRun = async (request) => {
      throw new RangeError(`no room for ${request.selection}`);
    };
    const server = await startHttpServer(services, { port: 0, log: (line) => lines.push(line) });
    try {
      const { status } = await call(server.url, "POST", "/api/runs", { body: { selection: "x".repeat(600_000) } });
      assert.equal(status, 500);
      assert.equal(lines.length, 1);
      assert.ok(lines[0]!.length <= 8_100, `a ${lines[0]!.length}-character line`);
      assert.match(lines[0]!, /^internal error [0-9a-f]+ on POST \/api\/runs: RangeError: no room for xxx/);
      assert.match(lines[0]!, /… \(cut: \d+ characters in all\)$/);
    } finally {
      await server.close();
    }
  });
});

describe("HTTP API auth", function () {
  this.timeout(30_000);
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture({ token: "s3cret-token" });
  });
  after(() => fixture.dispose());

  it("refuses a request without a token with 401 and a challenge", async () => {
    const { status, json, headers } = await call(fixture.server.url, "GET", "/api/runs");
    assert.equal(status, 401);
    assert.match(json.error.message, /requires a bearer token/);
    assert.equal(headers.get("www-authenticate"), 'Bearer realm="tributary"');
  });

  it("refuses a wrong token, and a token that is not a bearer token, with 401", async () => {
    const wrong = await call(fixture.server.url, "GET", "/api/runs", { headers: { Authorization: "Bearer s3cret-tokem" } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.json.error.message, /wrong bearer token/);
    const basic = await call(fixture.server.url, "GET", "/api/runs", { headers: { Authorization: "Basic czNjcmV0" } });
    assert.equal(basic.status, 401);
    assert.match(basic.json.error.message, /must be "Bearer <token>"/);
  });

  it("answers with the right token, on every kind of endpoint", async () => {
    const headers = { Authorization: "Bearer s3cret-token" };
    assert.equal((await call(fixture.server.url, "GET", "/api/health", { headers })).status, 200);
    const launched = await call(fixture.server.url, "POST", "/api/runs", { body: { selection: "raw" }, headers });
    assert.equal(launched.status, 201);
    assert.equal((await call(fixture.server.url, "GET", `/api/runs/${launched.json.runId}`, { headers })).status, 200);
  });

  it("checks the token before anything else, so an unknown run is 401, not 404, without it", async () => {
    assert.equal((await call(fixture.server.url, "GET", "/api/runs/ghost")).status, 401);
  });

  it("serves the page (which holds no data) without a token, and accepts any Host with one", async () => {
    assert.equal((await call(fixture.server.url, "GET", "/")).status, 200);
    const other = await rawCall(fixture.server.url, "GET", "/api/health", { Host: "daemon.internal:3000", Authorization: "Bearer s3cret-token" });
    assert.equal(other.status, 200);
  });

  it("refuses to start beyond loopback without a token, and starts there with one", async () => {
    await assert.rejects(startHttpServer(fixture.services, { port: 0, host: "0.0.0.0" }), (error: Error & { hint?: string }) => {
      assert.match(error.message, /refusing to serve the HTTP API on 0\.0\.0\.0 without a token/);
      assert.match(error.hint!, /TRIBUTARY_DAEMON_TOKEN/);
      return true;
    });
    const token = "5f0c1e9a7b3d2c4e8f6a1b0c9d7e5f3a";
    const server = await startHttpServer(fixture.services, { port: 0, host: "0.0.0.0", token, log: () => {} });
    try {
      const port = new URL(server.url).port;
      assert.equal((await call(`http://127.0.0.1:${port}`, "GET", "/api/health", { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      await server.close();
    }
  });

  it("refuses beyond loopback a token anyone could guess (short, blank or padded), saying how to make one", async () => {
    for (const [token, reason] of [["t", /a 1-character token/], ["               ", /a blank token/], ["  5f0c1e9a7b3d2c4e8f6a  ", /spaces around it/]] as const) {
      await assert.rejects(startHttpServer(fixture.services, { port: 0, host: "0.0.0.0", token, log: () => {} }), (error: Error & { hint?: string }) => {
        assert.match(error.message, /refusing to serve the HTTP API on 0\.0\.0\.0 with /);
        assert.match(error.message, reason);
        if (token.trim().length > 1) assert.ok(!error.message.includes(token.trim()), "the message does not print the token");
        assert.match(error.hint!, /at least 16 characters/);
        assert.match(error.hint!, /openssl rand -hex 32/);
        return true;
      });
    }
  });

  it("says which port is taken when it is", async () => {
    const port = Number(new URL(fixture.server.url).port);
    await assert.rejects(startHttpServer(fixture.services, { port, token: "x" }), /port \d+ on 127\.0\.0\.1 is already in use/);
  });
});

/** A request with a Host header of our choosing (fetch does not allow setting it). */
function rawCall(base: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; json: any; headers: Headers }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === "string") responseHeaders.set(name, value);
        resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined, headers: responseHeaders });
      });
    });
    req.on("error", reject);
    req.end();
  });
}
