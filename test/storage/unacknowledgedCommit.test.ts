/**
 * Commits whose outcome the client never learns: PostgreSQL committed the batch, then the
 * connection dropped before the answer arrived (a proxy cuts it there). The event writer tries the
 * batch again, as it must (it cannot know), and the events still end up stored once each.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { BufferedEventWriter } from "../../runtime/src/storage/eventWriter";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import type { RunEvent } from "../../runtime/src/types";
import { startCuttingProxy, type CuttingProxy } from "../support/cuttingProxy";
import { event } from "./conformance";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "./postgresTestDatabase";

describe("a commit whose acknowledgement is lost (the connection drops right after PostgreSQL committed)", function () {
  this.timeout(30_000);
  let direct: PostgresStorage;
  let proxy: CuttingProxy;
  let viaProxy: PostgresStorage;

  before(async () => {
    await assertTestDatabaseReachable();
    direct = await makeTestStorage();
    const url = new URL(TEST_DATABASE_URL);
    proxy = await startCuttingProxy(url.hostname, Number(url.port || 5432));
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    // One connection, so the connection the proxy cuts is the one the write uses.
    viaProxy = new PostgresStorage(url.toString(), { schema: direct.schema, maxConnections: 1 });
  });
  after(async () => {
    await viaProxy?.close();
    await proxy?.close();
    if (direct) await disposeTestStorage(direct);
  });

  const startedRun = async (): Promise<string> => {
    const runId = randomUUID();
    await direct.createRun({ runId, status: "STARTED", selection: "*", assetKeys: ["orders"] });
    // The pooled connection is open now: the cut hits the next write on it.
    await viaProxy.getRun(runId);
    return runId;
  };
  const newWriter = () => new BufferedEventWriter(viaProxy, { maxBatchSize: 1000, maxDelayMs: 60_000, retryBackoff: { firstMs: 1, maxMs: 20 } });
  const materialized = (runId: string): RunEvent => event(runId, "ASSET_MATERIALIZATION", { stepKey: "orders", message: "materialized", data: { assetKey: "orders", metadata: {} } });

  it("writes a batch whose commit went unacknowledged once when the writer tries it again, and the catalog names that event", async () => {
    const runId = await startedRun();
    const writer = newWriter();
    const messages = Array.from({ length: 10 }, (_, index) => `line ${index}`);
    for (const message of messages) writer.write(event(runId, "LOG", { message }));
    writer.write(materialized(runId));
    const cutsBefore = proxy.cuts;
    proxy.cutAtNextReply();
    await writer.flush();
    assert.equal(proxy.cuts, cutsBefore + 1, "the write's answer was cut");
    const stored = await direct.getRunEvents(runId);
    assert.deepEqual(stored.map((item) => item.message), [...messages, "materialized"], "every event once, in order");
    const [latest] = await direct.getLatestMaterializations(["orders"]);
    assert.equal(latest?.runId, runId);
    assert.equal(latest?.eventId, stored.at(-1)!.id);
    await writer.close();
  });

  it("ends a run whose end went unacknowledged as it ended, without a second end or a warning that someone else ended it", async () => {
    const runId = await startedRun();
    const writer = newWriter();
    writer.write(materialized(runId));
    writer.write(event(runId, "RUN_SUCCESS", { message: "Run succeeded" }));
    proxy.cutAtNextReply();
    const cutsBefore = proxy.cuts;
    await writer.close({ runUpdate: { runId, update: { status: "SUCCESS", endedAt: new Date().toISOString() }, from: ["STARTED", "CANCELING"] } });
    assert.equal(proxy.cuts, cutsBefore + 1, "the end's answer was cut");
    assert.equal(writer.runUpdateRefused, undefined);
    assert.equal((await direct.getRun(runId))?.status, "SUCCESS");
    assert.deepEqual((await direct.getRunEvents(runId)).map((item) => item.type), ["ASSET_MATERIALIZATION", "RUN_SUCCESS"]);
  });
});
