/** Live event streams (server-sent events) of one run and of all runs. */
import assert from "node:assert/strict";
import type { StoredRunEvent } from "../../../runtime/src/types";
import { waitFor } from "../../support/waitFor";
import { call, openGate, readSse, startFixture, type Fixture, type SseMessage } from "./fixture";

const eventsOf = (messages: SseMessage[]) => messages.filter((m) => m.event === "run-event").map((m) => m.data as StoredRunEvent);

describe("HTTP API event streams", function () {
  this.timeout(30_000);
  let fixture: Fixture;
  let base: string;
  before(async () => {
    fixture = await startFixture({ heartbeatMs: 100 });
    base = fixture.server.url;
  });
  after(() => fixture.dispose());

  async function launch(selection: string): Promise<string> {
    return (await call(base, "POST", "/api/runs", { body: { selection } })).json.runId as string;
  }

  it("streams a live run's events as they happen, each with its id, and ends with `end` after the final one", async () => {
    const open = openGate();
    const runId = await launch("raw or gated");
    let execution: Promise<unknown> | undefined;
    const seenWhileGated: string[] = [];
    const stream = readSse(`${base}/api/runs/${runId}/events`, {}, (messages) => {
      const events = eventsOf(messages);
      // The gate opens only after the stream showed the step waiting at it: the events are live.
      if (!execution && events.some((event) => event.type === "RUN_QUEUED")) execution = fixture.services.execute(runId);
      if (seenWhileGated.length === 0 && events.some((event) => event.message === "waiting at the gate")) {
        seenWhileGated.push(...events.map((event) => event.type));
        open();
      }
      return false; // read until the server ends the stream
    });
    const { status, messages, ended } = await stream;
    await execution;
    assert.equal(status, 200);
    assert.ok(ended, "the server closed the stream");
    assert.ok(seenWhileGated.includes("STEP_START") && !seenWhileGated.includes("RUN_SUCCESS"));
    const last = messages[messages.length - 1]!;
    assert.equal(last.event, "end");
    assert.deepEqual(last.data, { runId, status: "SUCCESS" });
    const events = eventsOf(messages);
    assert.equal(events[0]!.type, "RUN_QUEUED");
    assert.equal(events[events.length - 1]!.type, "RUN_SUCCESS");
    const stored = (await call(base, "GET", `/api/runs/${runId}/events`)).json.events as StoredRunEvent[];
    assert.deepEqual(events.map((event) => event.id), stored.map((event) => event.id), "every event once, in order");
    const runEvents = messages.filter((message) => message.event === "run-event");
    assert.deepEqual(runEvents.map((message) => Number(message.id)), stored.map((event) => event.id), "id: lines carry event ids");
  });

  it("resumes after Last-Event-ID, and answers 204 to a reconnect after the final event", async () => {
    const runId = await launch("+stg");
    await fixture.services.execute(runId);
    const stored = (await call(base, "GET", `/api/runs/${runId}/events`)).json.events as StoredRunEvent[];
    const resumeFrom = stored[3]!.id;
    const resumed = await readSse(`${base}/api/runs/${runId}/events`, { "Last-Event-ID": String(resumeFrom) }, () => false);
    assert.deepEqual(eventsOf(resumed.messages).map((event) => event.id), stored.slice(4).map((event) => event.id));
    assert.equal(resumed.messages[resumed.messages.length - 1]!.event, "end");

    const viaQuery = await readSse(`${base}/api/runs/${runId}/events?after=${resumeFrom}`, {}, () => false);
    assert.deepEqual(eventsOf(viaQuery.messages).map((event) => event.id), stored.slice(4).map((event) => event.id));

    const reconnect = await readSse(`${base}/api/runs/${runId}/events`, { "Last-Event-ID": String(stored[stored.length - 1]!.id) }, () => false);
    assert.equal(reconnect.status, 204, "EventSource stops reconnecting on 204");
  });

  it("ends the stream of a run canceled while queued", async () => {
    const runId = await launch("raw");
    const stream = readSse(`${base}/api/runs/${runId}/events`, {}, () => false, {
      onOpen: () => void call(base, "POST", `/api/runs/${runId}/cancel`),
    });
    const { messages } = await stream;
    assert.deepEqual(eventsOf(messages).map((event) => event.type), ["RUN_QUEUED", "RUN_CANCELED"]);
    assert.deepEqual(messages[messages.length - 1]!.data, { runId, status: "CANCELED" });
  });

  it("sends heartbeat comments on a quiet stream", async () => {
    const runId = await launch("raw");
    const comments: string[] = [];
    await readSse(`${base}/api/runs/${runId}/events`, {}, () => comments.includes("heartbeat"), { comments });
    assert.ok(comments.includes("heartbeat"));
    await call(base, "POST", `/api/runs/${runId}/cancel`);
  });

  it("streams every new event of every run on /api/events/stream", async () => {
    let first: string | undefined;
    let second: string | undefined;
    const { messages } = await readSse(`${base}/api/events/stream`, {}, (received) => {
      const finished = new Set(eventsOf(received).filter((event) => event.type === "RUN_SUCCESS").map((event) => event.runId));
      return first !== undefined && second !== undefined && finished.has(first) && finished.has(second);
    }, {
      onOpen: () => {
        void (async () => {
          // Wait until the stream is attached (health counts clients), then run two runs.
          await waitFor("the client is attached", async () => (await call(base, "GET", "/api/health")).json.streams.clients >= 1);
          first = await launch("raw");
          second = await launch("versioned");
          await Promise.all([fixture.services.execute(first), fixture.services.execute(second)]);
        })();
      },
    });
    const events = eventsOf(messages);
    for (const runId of [first, second]) {
      const own = events.filter((event) => event.runId === runId).map((event) => event.type);
      assert.equal(own[0], "RUN_QUEUED");
      assert.equal(own[own.length - 1], "RUN_SUCCESS");
    }
    assert.equal(new Set(events.map((event) => event.id)).size, events.length, "no event twice");
  });

  it("shares one poller among many clients of a run, and drops clients that disconnect", async () => {
    const open = openGate();
    const runId = await launch("gated");
    const execution = fixture.services.execute(runId);
    await waitFor("the run started", async () => (await call(base, "GET", `/api/runs/${runId}`)).json.status === "STARTED");

    const reads = { count: 0 };
    const storage = fixture.storage;
    const original = storage.getRunEvents.bind(storage);
    storage.getRunEvents = (id, options) => {
      if (id === runId) reads.count += 1;
      return original(id, options);
    };
    try {
      const clients = 25;
      const streams = Array.from({ length: clients }, () => readSse(`${base}/api/runs/${runId}/events`, {}, () => false));
      await waitFor(`${clients} clients attached`, async () => (await call(base, "GET", "/api/health")).json.streams.clients === clients);
      const joinReads = reads.count;
      reads.count = 0;
      open();
      await execution;
      const results = await Promise.all(streams);
      for (const result of results) assert.equal(eventsOf(result.messages).at(-1)!.type, "RUN_SUCCESS");
      assert.ok(joinReads < 2 * clients, `joining costs about one catch-up read per client (${joinReads} for ${clients})`);
      if (process.env["TRIBUTARY_HTTP_TEST_VERBOSE"]) console.log(`    join reads ${joinReads}, live reads ${reads.count} for ${clients} clients`);
      assert.ok(reads.count < clients, `the live part read ${reads.count} times for ${clients} clients`);
    } finally {
      storage.getRunEvents = original;
    }
    await waitFor("every client and poller is gone", async () => {
      const stats = (await call(base, "GET", "/api/health")).json.streams;
      return stats.clients === 0 && stats.feeds === 0;
    });
  });

  it("stops polling for a client that disconnects mid-run", async () => {
    const runId = await launch("raw");
    const controller = new AbortController();
    const response = await fetch(`${base}/api/runs/${runId}/events`, { headers: { Accept: "text/event-stream" }, signal: controller.signal });
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    await waitFor("the client is attached", async () => (await call(base, "GET", "/api/health")).json.streams.clients === 1);
    controller.abort();
    await waitFor("the poller stopped", async () => (await call(base, "GET", "/api/health")).json.streams.feeds === 0);
    await call(base, "POST", `/api/runs/${runId}/cancel`);
  });
});
