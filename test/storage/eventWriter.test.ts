import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BufferedEventWriter } from "../../runtime/src/storage/eventWriter";
import { EventWriteError, StorageConnectionError } from "../../runtime/src/storage/errors";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import type { RunEvent } from "../../runtime/src/types";
import { event } from "./conformance";
import { waitFor } from "../support/waitFor";

/**
 * A real SQLite storage that records each batch and can be told to fail the next writes, or to be
 * unreachable (as PostgreSQL is while it restarts) until told otherwise.
 */
class RecordingStorage {
  readonly batches: number[] = [];
  failuresToInject = 0;
  unreachable = false;
  unreachableAttempts = 0;
  constructor(readonly storage: SqliteStorage) {}
  async appendEvents(events: RunEvent[]): Promise<void> {
    if (this.unreachable) {
      this.unreachableAttempts++;
      throw new StorageConnectionError("Cannot connect to PostgreSQL at postgres://db/test: connect ECONNREFUSED (injected)");
    }
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
    // A manual timer: the delay asked for is visible, and nothing is written until it fires.
    const pending: { callback: () => void; delayMs: number }[] = [];
    const timer = {
      set: (callback: () => void, delayMs: number) => pending.push({ callback, delayMs }),
      clear: () => undefined,
    };
    const writer = new BufferedEventWriter(storage, { maxBatchSize: 1000, maxDelayMs: 20, timer });
    write(writer, 0, 3);
    assert.deepEqual(pending.map((entry) => entry.delayMs), [20], "one write scheduled maxDelayMs after the first event");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(storage.batches, [], "written before the delay passed");
    pending[0]!.callback();
    await waitFor("the partial batch is written", async () => (await storage.messages()).length === 3);
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

  it("writes the events kept during an outage once the database is back, in order and once each, and close() waits for it", async () => {
    const written: string[] = [];
    const writer = new BufferedEventWriter(storage, {
      maxBatchSize: 4,
      maxDelayMs: 1,
      retryBackoff: { firstMs: 1, maxMs: 5 },
      onWritten: (batch) => written.push(...batch.map((item) => item.message)),
    });
    write(writer, 0, 4);
    await writer.flush();
    storage.unreachable = true;
    write(writer, 4, 30);
    await waitFor("the writer keeps trying while the database is away", () => storage.unreachableAttempts >= 5);
    const closed = writer.close();
    let closedEarly = false;
    void closed.then(() => (closedEarly = storage.unreachable));
    await waitFor("close() keeps trying too", () => storage.unreachableAttempts >= 10);
    assert.equal(writer.pendingCount, 26, "nothing dropped");
    storage.unreachable = false;
    await closed;
    assert.equal(closedEarly, false, "close() resolved only after the events were written");
    assert.deepEqual(await storage.messages(), lines(0, 30));
    assert.deepEqual(written, lines(0, 30));
  });

  it("spills the events beyond maxBufferedEvents to files during an outage and writes them back in order, removing the files", async () => {
    const spillDir = mkdtempSync(path.join(os.tmpdir(), "tributary-spill-test-"));
    try {
      const writer = new BufferedEventWriter(storage, { maxBatchSize: 10, maxDelayMs: 1, maxBufferedEvents: 50, spillDir, retryBackoff: { firstMs: 1, maxMs: 5 } });
      storage.unreachable = true;
      write(writer, 0, 1000);
      assert.equal(writer.pendingCount, 1000);
      const inMemory = writer.pendingCount - writer.spilledCount;
      assert.ok(inMemory <= 50 + 10, `at most maxBufferedEvents and the batch being written stay in memory, not ${inMemory}`);
      const spillFolders = readdirSync(spillDir);
      assert.equal(spillFolders.length, 1);
      assert.ok(readdirSync(path.join(spillDir, spillFolders[0]!)).length >= 18, "in files of at most maxBufferedEvents events");
      await waitFor("the writer tries while the database is away", () => storage.unreachableAttempts >= 3);
      storage.unreachable = false;
      await writer.close();
      assert.deepEqual(await storage.messages(), lines(0, 1000));
      assert.deepEqual(readdirSync(spillDir), [], "the spill folder is gone");
    } finally {
      rmSync(spillDir, { recursive: true, force: true });
    }
  });

  it("gives every event an idempotency key of its own, keeping one it already has", async () => {
    const writer = new BufferedEventWriter(storage);
    const batches: RunEvent[][] = [];
    const keeping = new BufferedEventWriter({ appendEvents: async (events) => void batches.push(events) });
    keeping.write(event("r1", "LOG", { idempotencyKey: "given" }));
    keeping.write(event("r1"));
    keeping.write(event("r1"));
    await keeping.close();
    const keys = batches.flat().map((item) => item.idempotencyKey);
    assert.equal(keys[0], "given");
    assert.equal(new Set(keys).size, 3);
    assert.ok(keys.every((key) => typeof key === "string" && key.length > 0));
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
