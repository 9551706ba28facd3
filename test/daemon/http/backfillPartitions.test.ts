/**
 * `GET /api/backfills/:id/partitions` over real HTTP on SQLite and PostgreSQL: each partition's state
 * in launch order (a queued partition told apart by its run's status), and a backfill of more keys
 * than a strip holds squeezed into 2,000 cells with their first and last keys.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { BackfillPartitionsJson } from "../../../runtime/src/wire";
import { call, FIXTURE_BACKENDS, startFixtureOn, type Fixture } from "./fixture";

const backends = FIXTURE_BACKENDS;

const POLICY = { maxPartitionsPerRun: 1, maxConcurrentRuns: 2 };

for (const backend of backends) {
  describe(`a backfill's partitions over HTTP (${backend.name})`, function () {
    this.timeout(60_000);
    let fixture: Fixture;
    before(async () => {
      fixture = await startFixtureOn(backend);
    });
    after(() => fixture?.dispose());

    it("gives each partition's state in launch order: done, failed, canceled, running, requested, pending", async () => {
      const { storage } = fixture;
      const backfillId = `bf-${randomUUID().slice(0, 8)}`;
      const keys = ["k1", "k2", "k3", "k4", "k5", "k6", "k7"];
      await storage.createBackfill({ backfillId, selection: "raw", request: { keys }, policy: POLICY, partitionKeys: keys });
      const started = await storage.createRun({ runId: randomUUID(), status: "STARTED", selection: "raw", assetKeys: ["raw"] });
      const waiting = await storage.createRun({ runId: randomUUID(), status: "QUEUED", selection: "raw", assetKeys: ["raw"] });
      await storage.setBackfillPartitions(backfillId, ["k1", "k2"], "DONE");
      await storage.setBackfillPartitions(backfillId, ["k3"], "FAILED");
      await storage.setBackfillPartitions(backfillId, ["k4"], "CANCELED");
      await storage.setBackfillPartitions(backfillId, ["k5"], "QUEUED", { runId: started.runId });
      await storage.setBackfillPartitions(backfillId, ["k6"], "QUEUED", { runId: waiting.runId });

      const answer = await call(fixture.server.url, "GET", `/api/backfills/${backfillId}/partitions`);
      assert.equal(answer.status, 200, answer.text);
      const json = answer.json as BackfillPartitionsJson;
      assert.equal(json.strip, "DDFCRQP");
      assert.deepEqual(json.cells, keys.map((key) => [key, key]));
      assert.deepEqual(json.counts, { pending: 1, requested: 1, running: 1, done: 2, failed: 1, canceled: 1 });
      assert.equal(json.total, 7);

      const unknown = await call(fixture.server.url, "GET", "/api/backfills/bf-nope/partitions");
      assert.equal(unknown.status, 404);
      assert.match(unknown.json.error.message, /no backfill with id bf-nope/);
      assert.equal((await call(fixture.server.url, "GET", `/api/backfills/${backfillId}/partitions?limit=3`)).status, 400);
    });

    it("squeezes 4,500 partitions into 2,000 cells of consecutive keys, the one failed key still showing", async () => {
      const { storage } = fixture;
      const backfillId = `bf-${randomUUID().slice(0, 8)}`;
      const keys = Array.from({ length: 4_500 }, (_, index) => `p${String(index).padStart(4, "0")}`);
      await storage.createBackfill({ backfillId, selection: "raw", request: {}, policy: POLICY, partitionKeys: keys });
      await storage.setBackfillPartitions(backfillId, keys.slice(0, 3_000), "DONE");
      await storage.setBackfillPartitions(backfillId, ["p1234"], "FAILED");

      const json = (await call(fixture.server.url, "GET", `/api/backfills/${backfillId}/partitions`)).json as BackfillPartitionsJson;
      assert.equal(json.strip.length, 2_000);
      assert.equal(json.cells.length, 2_000);
      assert.equal(json.total, 4_500);
      assert.deepEqual(json.counts, { pending: 1_500, requested: 0, running: 0, done: 2_999, failed: 1, canceled: 0 });
      // Cells cover every key once, in order: each starts after the previous one ends.
      assert.deepEqual(json.cells[0], ["p0000", "p0001"]);
      assert.deepEqual(json.cells.at(-1), ["p4497", "p4499"]);
      for (let cell = 1; cell < json.cells.length; cell++) assert.equal(keys.indexOf(json.cells[cell]![0]), keys.indexOf(json.cells[cell - 1]![1]) + 1);
      const failedCell = json.strip.indexOf("F");
      assert.equal(json.strip.split("F").length - 1, 1);
      const [first, last] = json.cells[failedCell]!;
      assert.ok(first <= "p1234" && "p1234" <= last, `the F cell ${first}..${last} holds p1234`);
      // Done up to p2999, pending from p3000: the cell holding both shows pending.
      assert.match(json.strip, /^D+FD+P+$/);
      const boundary = json.cells.findIndex(([from, to]) => from <= "p2999" && "p3000" <= to);
      assert.equal(boundary === -1 ? "P" : json.strip[boundary], "P");
    });
  });
}
