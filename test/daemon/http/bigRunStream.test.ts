/**
 * The event stream of a big run (issue #15, point 2): a run of 100,000 events streamed from the
 * start and from Last-Event-ID, and a run followed live while a writer appends 1,000 events a
 * second, on SQLite and on PostgreSQL, through the real HTTP server. Regression: the stream used to
 * close after a fraction of a second having sent nothing (the backlog was written without waiting
 * for the socket, past the slow-client limit), and a live one never sent `end`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Storage } from "../../../runtime/src/storage/port";
import type { RunEvent } from "../../../runtime/src/types";
import { readEventStream, STREAM_EVENTS } from "../../../runtime/src/wire/sse";
import { FIXTURE_BACKENDS, startFixtureOn, type Fixture } from "./fixture";

const BIG = 100_000;
const BATCH = 5_000;

/** A STARTED run with no events. */
async function startedRun(storage: Storage): Promise<string> {
  const runId = randomUUID();
  await storage.createRun({ runId, status: "STARTED", selection: "raw", assetKeys: ["raw"] });
  return runId;
}

/** Events `from`..`to` (1-based numbers in the message) of `runId`; the last of the run ends it. */
function logEvents(runId: string, from: number, to: number, last: number): RunEvent[] {
  const events: RunEvent[] = [];
  for (let n = from; n <= to; n++) {
    const final = n === last;
    events.push({
      runId,
      timestamp: new Date(1_700_000_000_000 + n).toISOString(),
      type: final ? "RUN_SUCCESS" : "LOG",
      stepKey: final ? null : "raw",
      level: "info",
      message: `line ${n} of the log, long enough to look like one a user writes`,
    });
  }
  return events;
}

/** Appends events 1..n of a run in batches, ending it (status SUCCESS with the last batch). */
async function writeRun(storage: Storage, runId: string, n: number): Promise<void> {
  for (let from = 1; from <= n; from += BATCH) {
    const to = Math.min(n, from + BATCH - 1);
    await storage.appendEvents(logEvents(runId, from, to, n), to === n ? { runUpdate: { runId, update: { status: "SUCCESS", endedAt: new Date().toISOString() } } } : {});
  }
}

/** Reads a run's stream to its end; returns the event ids in the order received and whether `end` came last. */
async function follow(
  url: string,
  headers: Record<string, string> = {},
  onOpen?: () => void,
  /** Pauses this long after each chunk read: a client slower than the server (pacing only). */
  pauseMs = 0,
): Promise<{ status: number; ids: number[]; end: unknown }> {
  const response = await fetch(url, { headers: { Accept: "text/event-stream", ...headers }, signal: AbortSignal.timeout(120_000) });
  if (response.status !== 200 || !response.body) return { status: response.status, ids: [], end: undefined };
  onOpen?.();
  const ids: number[] = [];
  let end: unknown;
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    buffer += decoder.decode(value, { stream: true });
    const blocks = buffer.split("\n\n");
    buffer = blocks.pop()!;
    for (const block of blocks) {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7);
      const data = lines.find((line) => line.startsWith("data: "))?.slice(6);
      if (event === "run-event") ids.push(Number(lines.find((line) => line.startsWith("id: "))!.slice(4)));
      else if (event === "end") end = JSON.parse(data!);
      else if (event !== undefined) throw new Error(`unexpected stream event ${event}`);
    }
  }
  return { status: response.status, ids, end };
}

/** Asserts `ids` are `first`, `first`+1, ... `last`, each once. */
function assertEveryIdOnce(ids: number[], first: number, last: number): void {
  assert.equal(ids.length, last - first + 1, `received ${ids.length} events, expected ${last - first + 1}`);
  for (let index = 0; index < ids.length; index++) {
    if (ids[index] !== first + index) assert.fail(`event #${index} has id ${ids[index]}, expected ${first + index}`);
  }
}

const backends = FIXTURE_BACKENDS;

for (const backend of backends) {
  describe(`the event stream of a big run (${backend.name})`, function () {
    this.timeout(180_000);
    let fixture: Fixture;
    let base: string;
    let bigRun: string;
    let ids: number[];
    before(async () => {
      fixture = await startFixtureOn(backend, { heartbeatMs: 1000 });
      base = fixture.server.url;
      bigRun = await startedRun(fixture.storage);
      await writeRun(fixture.storage, bigRun, BIG);
      ids = (await fixture.storage.getRunEvents(bigRun, {})).map((event) => event.id);
    });
    after(() => fixture?.dispose());

    it("streams every one of 100,000 events once, in order, then `end`", async () => {
      const { status, ids: received, end } = await follow(`${base}/api/runs/${bigRun}/events`);
      assert.equal(status, 200);
      assertEveryIdOnce(received, ids[0]!, ids[BIG - 1]!);
      assert.deepEqual(end, { runId: bigRun, status: "SUCCESS" });
    });

    it("is read to its end by the wire contract's one reader, every event once", async () => {
      const received: number[] = [];
      let ended = false;
      await readEventStream(`${base}/api/runs/${bigRun}/events`, {
        onEvent: (event) => {
          if (event.type === STREAM_EVENTS.runEvent) received.push(Number(event.id));
          if (event.type === STREAM_EVENTS.end) ended = true;
        },
        retry: { maxAttempts: 1 },
      });
      assertEveryIdOnce(received, ids[0]!, ids[BIG - 1]!);
      assert.ok(ended);
    });

    it("keeps a client that reads slower than the server writes, sending it every event once (no slow-client drop)", async () => {
      const { ids: received, end } = await follow(`${base}/api/runs/${bigRun}/events`, { "Last-Event-ID": String(ids[59_999]) }, undefined, 5);
      assertEveryIdOnce(received, ids[60_000]!, ids[BIG - 1]!);
      assert.deepEqual(end, { runId: bigRun, status: "SUCCESS" });
    });

    it("resumes a 100,000-event run from Last-Event-ID 50,000 with the events after it, then `end`", async () => {
      const resumeAfter = ids[49_999]!;
      const { ids: received, end } = await follow(`${base}/api/runs/${bigRun}/events`, { "Last-Event-ID": String(resumeAfter) });
      assertEveryIdOnce(received, resumeAfter + 1, ids[BIG - 1]!);
      assert.deepEqual(end, { runId: bigRun, status: "SUCCESS" });
    });

    it("follows a live run of 100,000 events so far while a writer appends 1,000 events a second: every event, then `end`", async () => {
      const runId = await startedRun(fixture.storage);
      const before = BIG;
      const total = before + 3_000;
      for (let from = 1; from <= before; from += BATCH) await fixture.storage.appendEvents(logEvents(runId, from, from + BATCH - 1, total));
      let writing: Promise<void> | undefined;
      const write = async () => {
        // 20 events every 20 ms: 1,000 a second (pacing only; nothing asserts time).
        for (let from = before + 1; from <= total; from += 20) {
          const to = Math.min(total, from + 19);
          await fixture.storage.appendEvents(logEvents(runId, from, to, total), to === total ? { runUpdate: { runId, update: { status: "SUCCESS" } } } : {});
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const followed = follow(`${base}/api/runs/${runId}/events`, {}, () => (writing = write()));
      const { ids: received, end } = await followed;
      await writing;
      const stored = (await fixture.storage.getRunEvents(runId, {})).map((event) => event.id);
      assert.equal(stored.length, total);
      assertEveryIdOnce(received, stored[0]!, stored[total - 1]!);
      assert.deepEqual(end, { runId, status: "SUCCESS" });
    });
  });
}
