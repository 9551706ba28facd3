/** The one event-stream reader of the wire contract (`tributary-ts/wire` readEventStream), used by the extension and the UI. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readEventStream, ServerSentEventParser, STREAM_EVENTS, type ServerSentEvent } from "../../../runtime/src/wire";
import { call, startFixture } from "./fixture";

describe("the wire contract's event-stream reader", function () {
  this.timeout(30_000);

  it("parses events cut at every possible place, with CRLF, CR, comments and multi-line data", () => {
    const text = ": heartbeat\r\nid: 7\r\nevent: run-event\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nevent: end\rdata: x\r\rdata: plain\n\n";
    const expected: ServerSentEvent[] = [
      { type: "run-event", data: '{"a":\n1}', id: "7" },
      { type: "end", data: "x", id: null },
      { type: "message", data: "plain", id: null },
    ];
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new ServerSentEventParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      assert.deepEqual(events, expected, `cut at ${cut}`);
    }
  });

  it("reads a run's stream from the daemon to its end, every event once and in order", async () => {
    const fixture = await startFixture({});
    try {
      const { json } = await call(fixture.server.url, "POST", "/api/runs", { body: { selection: "+stg" } });
      const ids: number[] = [];
      let ended: unknown;
      const execution = fixture.services.execute(json.runId as string);
      await readEventStream(`${fixture.server.url}/api/runs/${json.runId as string}/events`, {
        onEvent: (event) => {
          if (event.type === STREAM_EVENTS.runEvent) ids.push((JSON.parse(event.data) as { id: number }).id);
          if (event.type === STREAM_EVENTS.end) ended = JSON.parse(event.data);
        },
      });
      await execution;
      const stored = (await call(fixture.server.url, "GET", `/api/runs/${json.runId as string}/events`)).json.events as { id: number }[];
      assert.deepEqual(ids, stored.map((event) => event.id));
      assert.ok(ids.length > 3, `expected the run's events, got ${ids.length}`);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual(ended, { runId: json.runId, status: "SUCCESS" });
    } finally {
      await fixture.dispose();
    }
  });

  it("resumes after a dropped connection with Last-Event-ID and the token, and stops at a 204", async () => {
    const requests: { lastEventId: string | undefined; authorization: string | undefined }[] = [];
    const server: Server = createServer((req, res) => {
      requests.push({ lastEventId: req.headers["last-event-id"] as string | undefined, authorization: req.headers.authorization });
      if (requests.length === 3) return void res.writeHead(204).end();
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      const first = requests.length === 1 ? 1 : 2;
      res.end(`id: ${first}\nevent: run-event\ndata: {"n":${first}}\n\n`); // then the connection drops
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const seen: string[] = [];
      const statuses: boolean[] = [];
      await readEventStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`, {
        headers: { authorization: "Bearer secret" },
        retry: { initialDelayMs: 1 },
        onEvent: (event) => void seen.push(event.data),
        onStatus: (connected) => void statuses.push(connected),
      });
      assert.deepEqual(seen, ['{"n":1}', '{"n":2}']);
      assert.deepEqual(requests, [
        { lastEventId: undefined, authorization: "Bearer secret" },
        { lastEventId: "1", authorization: "Bearer secret" },
        { lastEventId: "2", authorization: "Bearer secret" },
      ]);
      assert.deepEqual(statuses, [true, false, true, false]);
    } finally {
      server.close();
    }
  });

  it("gives up at once on a 4xx, which reconnecting cannot fix", async () => {
    let count = 0;
    const server = createServer((_req, res) => void (count++, res.writeHead(401).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await assert.rejects(
        readEventStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`, { retry: { initialDelayMs: 1 }, onEvent: () => undefined }),
        /failed \(401\)/,
      );
      assert.equal(count, 1);
    } finally {
      server.close();
    }
  });
});
