import assert from "node:assert/strict";
import { BufferedEventWriter } from "../../runtime/src/storage/eventWriter";
import { EventWriteError } from "../../runtime/src/storage/errors";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import type { RunEvent } from "../../runtime/src/types";
import { event } from "./conformance";
import { waitFor } from "../support/waitFor";

/** A real SQLite storage that records each batch and can be told to fail the next writes. */
class RecordingStorage {
  readonly batches: number[] = [];
  failuresToInject = 0;
  constructor(readonly storage: SqliteStorage) {}
  async appendEvents(events: RunEvent[]): Promise<void> {
    if (this.failuresToInject > 0) {
      this.failuresToInject--;
      throw new Error("database is unreachable (injected)");
    }
    this.batches.push(events.length);
    await this.storage.appendEvents(events);
  }
  async messages(runId = "r1"): Promise<string[]> {
    return (await this.storage.getRunEvents(runId)).map((stored) => stored.message);
  }
}

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => String(from + index));

describe("BufferedEventWriter", () => {
  let sqlite: SqliteStorage;
  let storage: RecordingStorage;
  beforeEach(async () => {
    sqlite = new SqliteStorage(":memory:");
    await sqlite.migrate();
    storage = new RecordingStorage(sqlite);
  });
  afterEach(() => sqlite.close());

  const write = (writer: BufferedEventWriter, from: number, to: number) => {
    for (const message of lines(from, to)) writer.write(event("r1", "LOG", { message }));
  };

  it("writes a batch as soon as maxBatchSize events are buffered, without waiting for the delay", async () => {
    const writer = new BufferedEventWriter(storage, { maxBatchSize: 5, maxDelayMs: 60_000 });
    write(writer, 0, 4);
    assert.deepEqual(storage.batches, []);
    write(writer, 4, 5);
    await waitFor("the full batch is written", async () => (await storage.messages()).length === 5);
    assert.deepEqual(storage.batches, [5]);
    await writer.close();
  });

  it("writes a partial batch maxDelayMs after its first event", async () => {
    const writer = new BufferedEventWriter(storage, { maxBatchSize: 1000, maxDelayMs: 20 });
    const start = Date.now();
    write(writer, 0, 3);
    await waitFor("the partial batch is written", async () => (await storage.messages()).length === 3);
    assert.ok(Date.now() - start >= 15, "written before the delay");
    assert.deepEqual(storage.batches, [3]);
    await writer.close();
  });

  it("makes everything written before flush() durable when flush() resolves, in order and exactly once", async () => {
    const writer = new BufferedEventWriter(storage, { maxBatchSize: 200, maxDelayMs: 50 });
    write(writer, 0, 1000);
    await writer.flush();
    assert.deepEqual(await storage.messages(), lines(0, 1000));
    write(writer, 1000, 1050);
    await writer.flush();
    assert.deepEqual(await storage.messages(), lines(0, 1050));
    assert.equal(writer.pendingCount, 0);
    assert.equal(storage.batches.reduce((sum, size) => sum + size, 0), 1050);
    await writer.close();
  });

  it("retries a failed write once without the caller noticing", async () => {
    const writer = new BufferedEventWriter(storage);
    storage.failuresToInject = 1;
    write(writer, 0, 10);
    await writer.flush();
    assert.deepEqual(await storage.messages(), lines(0, 10));
    await writer.close();
  });

  it("keeps the events of a write that failed twice, reports the error to the next flush() and writes them at the flush after", async () => {
    const writer = new BufferedEventWriter(storage, { maxBatchSize: 5, maxDelayMs: 60_000 });
    storage.failuresToInject = 2;
    write(writer, 0, 5);
    await waitFor("both attempts fail", () => storage.failuresToInject === 0);
    write(writer, 5, 12);
    await assert.rejects(writer.flush(), (error: unknown) => {
      assert.ok(error instanceof EventWriteError);
      assert.match(error.message, /Could not write 5 run event\(s\) \(tried twice\): database is unreachable/);
      assert.match(error.hint ?? "", /still buffered/);
      return true;
    });
    assert.equal(writer.pendingCount, 12);
    assert.deepEqual(await storage.messages(), []);
    await writer.flush();
    assert.deepEqual(await storage.messages(), lines(0, 12));
    await writer.close();
  });

  it("rejects flush() with the error of its own write when the database stays unreachable", async () => {
    const writer = new BufferedEventWriter(storage, { maxBatchSize: 1000, maxDelayMs: 60_000 });
    write(writer, 0, 3);
    storage.failuresToInject = 2;
    await assert.rejects(writer.flush(), EventWriteError);
    assert.equal(writer.pendingCount, 3);
    await writer.close();
    assert.deepEqual(await storage.messages(), lines(0, 3));
  });

  it("tells onWritten about each batch only once it is durable, in order, and survives a throwing listener", async () => {
    const seen: string[] = [];
    const writer = new BufferedEventWriter(storage, {
      maxBatchSize: 4,
      maxDelayMs: 60_000,
      onWritten: (batch) => {
        for (const written of batch) seen.push(written.message);
        throw new Error("listener bug");
      },
    });
    storage.failuresToInject = 2;
    write(writer, 0, 4);
    await waitFor("both attempts fail", () => storage.failuresToInject === 0);
    assert.deepEqual(seen, []);
    await assert.rejects(writer.flush(), EventWriteError);
    write(writer, 4, 6);
    await writer.flush();
    assert.deepEqual(seen, lines(0, 6));
    assert.deepEqual(await storage.messages(), lines(0, 6));
    await writer.close();
  });

  it("refuses a malformed event at write() and any event after close()", async () => {
    const writer = new BufferedEventWriter(storage);
    assert.throws(() => writer.write(event("r1", "ASSET_MATERIALIZATION", { data: {} })), /has no data.assetKey/);
    await writer.close();
    assert.throws(() => writer.write(event("r1")), /closed/);
    assert.deepEqual(storage.batches, []);
  });
});
