/**
 * A client of the all-runs stream (`GET /api/events/stream`) that stops reading, over real HTTP:
 * the daemon holds a bounded number of events for it (counted by `GET /api/health`'s
 * `streams.waitingEvents`, never timed), then closes its stream with `event: error`; reconnecting
 * with Last-Event-ID resumes from storage, and across both connections it receives every event of
 * the run exactly once, in order. Regression: the daemon wrote every event into the socket's buffer
 * whatever write() answered, up to 8 MiB a client, and then cut the connection without a word.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { randomUUID } from "node:crypto";
import type { RunEvent } from "../../../runtime/src/types";
import { ServerSentEventParser, STREAM_EVENTS } from "../../../runtime/src/wire/sse";
import type { StreamBehindJson } from "../../../runtime/src/wire";
import { waitFor } from "../../support/waitFor";
import { call, startFixture, type Fixture } from "./fixture";

/** Events held for one client at most before it is told to reconnect (EventStreamsOptions.maxWaitingEvents' default). */
const MAX_WAITING = 1000;
/** Big enough a message that a few hundred fill the sockets' buffers of a loopback connection. */
const MESSAGE = "x".repeat(8 * 1024);
const TOTAL = 4000;

/** A stream read by a client that can stop reading: node's http with the response paused. */
class StreamClient {
  readonly ids: number[] = [];
  readonly others: { type: string; data: string }[] = [];
  ended = false;
  status = 0;
  private response!: http.IncomingMessage;
  private readonly parser = new ServerSentEventParser();

  static async open(url: string, lastEventId?: number): Promise<StreamClient> {
    const client = new StreamClient();
    await new Promise<void>((resolve, reject) => {
      const request = http.get(url, { headers: { Accept: "text/event-stream", ...(lastEventId === undefined ? {} : { "Last-Event-ID": String(lastEventId) }) } }, (response) => {
        client.response = response;
        client.status = response.statusCode ?? 0;
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          for (const event of client.parser.push(chunk)) {
            if (event.type === STREAM_EVENTS.runEvent) client.ids.push(Number(event.id));
            else client.others.push({ type: event.type, data: event.data });
          }
        });
        response.on("end", () => (client.ended = true));
        response.on("close", () => (client.ended = true));
        resolve();
      });
      request.on("error", reject);
    });
    return client;
  }

  /** Stops reading: the socket's buffers fill, and then the server's write() says so. */
  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.response.destroy();
  }
}

/** `count` log events of `runId`, each with a big message. */
function bigEvents(runId: string, count: number): RunEvent[] {
  return Array.from({ length: count }, () => ({ runId, timestamp: new Date().toISOString(), type: "LOG" as const, stepKey: "raw", level: "info" as const, message: MESSAGE }));
}

describe("a slow client of the all-runs event stream", function () {
  this.timeout(120_000);
  let fixture: Fixture;
  let base: string;
  before(async () => {
    // Heartbeats rare: the paused client must not be taken for dead while the test holds it paused.
    fixture = await startFixture({ heartbeatMs: 600_000, pollMs: 20 });
    base = fixture.server.url;
  });
  after(() => fixture?.dispose());

  it("holds at most 1,000 events for a client that stops reading, tells it to reconnect, and resumes it from storage: every event once, in order", async () => {
    const runId = randomUUID();
    await fixture.storage.createRun({ runId, status: "STARTED", selection: "raw", assetKeys: ["raw"] });
    const first = await StreamClient.open(`${base}/api/events/stream`);
    await waitFor("the client is live", async () => (await call(base, "GET", "/api/health")).json.streams.clients === 1);
    first.pause();

    // Write in batches, each woken at once, reading the daemon's count of held events after each.
    let mostWaiting = 0;
    for (let written = 0; written < TOTAL; written += 100) {
      await fixture.storage.appendEvents(bigEvents(runId, 100));
      fixture.services.events.emit("runEvent", { runId });
      const { waitingEvents } = (await call(base, "GET", "/api/health")).json.streams as { waitingEvents: number };
      mostWaiting = Math.max(mostWaiting, waitingEvents);
      assert.ok(waitingEvents <= MAX_WAITING, `${waitingEvents} events held for the paused client`);
    }
    await waitFor("the daemon stopped holding events for the paused client", async () => (await call(base, "GET", "/api/health")).json.streams.waitingEvents === 0);
    assert.ok(mostWaiting > 0, "the paused client's socket filled and events were held for it");

    // It reads again: what was in the socket, then the error that closes the stream.
    first.resume();
    await waitFor("the first stream closed", () => first.ended);
    assert.ok(first.ids.length < TOTAL, `the first stream sent ${first.ids.length} events before closing`);
    assert.equal(first.others.length, 1, JSON.stringify(first.others.map((other) => other.type)));
    assert.equal(first.others[0]!.type, STREAM_EVENTS.behind);
    const behind = JSON.parse(first.others[0]!.data) as StreamBehindJson;
    assert.equal(behind.lastEventId, first.ids[first.ids.length - 1]);
    assert.match(behind.hint, /Last-Event-ID/);

    // Reconnecting after the last event received resumes from storage.
    const stored = (await fixture.storage.getRunEvents(runId, {})).map((event) => event.id);
    assert.equal(stored.length, TOTAL);
    const second = await StreamClient.open(`${base}/api/events/stream`, behind.lastEventId!);
    await waitFor("the second stream reached the last event", () => second.ids[second.ids.length - 1] === stored[TOTAL - 1])
    second.close();
    assert.deepEqual([...first.ids, ...second.ids], stored, "every event exactly once, in order");
    assert.deepEqual(second.others, []);
  });
});
