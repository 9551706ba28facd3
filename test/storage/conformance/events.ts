/**
 * Conformance of EventStorage: event batches (with the run update that rides on one, idempotency
 * keys, chunks), run ends with their claim, and the asset state derived from the events: latest
 * materializations, latest check results, partition statuses. It needs RunStorage too: a batch
 * updates its run, and run ends claim queued runs.
 */
import assert from "node:assert/strict";
import type { EventStorage, RunStorage } from "../../../runtime/src/storage/port";
import type { RunEvent, RunEventType } from "../../../runtime/src/types";
import { RunConflictError, RunStatusConflictError, StorageNotFoundError } from "../../../runtime/src/storage/errors";
import { RUN_STATUSES } from "../../../runtime/src/types";
import { checkEvaluation, event, materialization, newRun, useFreshStorage, type ConformanceBackend } from "./fixtures";

/** Registers the events and asset state part of the conformance suite for one backend. */
export function eventConformance(backend: ConformanceBackend<RunStorage & EventStorage>): void {
  describe(`Storage conformance, events and asset state: ${backend.name}`, () => {
    let storage: RunStorage & EventStorage;
    useFreshStorage(backend, (made) => (storage = made));

    it("stores events with strictly increasing ids in append order and returns one run's events with every field", async () => {
      const written = [
        event("r1", "RUN_START"),
        event("r2", "RUN_START"),
        event("r1", "STEP_START", { stepKey: "orders", level: "debug", message: "Starting orders" }),
        event("r1", "STEP_FAILURE", { stepKey: "orders", level: "error", data: { error: { name: "Error", message: "boom", stack: "at x" } } }),
      ];
      await storage.appendEvents(written.slice(0, 2));
      await storage.appendEvents(written.slice(2));
      const r1 = await storage.getRunEvents("r1");
      assert.deepEqual(r1.map(({ id: _id, ...rest }) => rest), [written[0], written[2], written[3]]);
      const all = [...r1, ...(await storage.getRunEvents("r2"))].sort((x, y) => x.id - y.id);
      assert.deepEqual(all.map((stored) => stored.type + ":" + stored.runId), ["RUN_START:r1", "RUN_START:r2", "STEP_START:r1", "STEP_FAILURE:r1"]);
      assert.ok(all.every((stored, index) => index === 0 || stored.id > all[index - 1]!.id));
      assert.deepEqual(await storage.getRunEvents("no-such-run"), []);
    });

    it("pages through a run's events with afterId and limit", async () => {
      await storage.appendEvents(Array.from({ length: 10 }, (_, index) => event("r1", "LOG", { message: `line ${index}` })));
      const firstPage = await storage.getRunEvents("r1", { limit: 4 });
      assert.deepEqual(firstPage.map((stored) => stored.message), ["line 0", "line 1", "line 2", "line 3"]);
      const secondPage = await storage.getRunEvents("r1", { afterId: firstPage[3]!.id, limit: 4 });
      assert.deepEqual(secondPage.map((stored) => stored.message), ["line 4", "line 5", "line 6", "line 7"]);
      const rest = await storage.getRunEvents("r1", { afterId: secondPage[3]!.id });
      assert.deepEqual(rest.map((stored) => stored.message), ["line 8", "line 9"]);
      assert.deepEqual(await storage.getRunEvents("r1", { afterId: rest[1]!.id }), []);
    });

    it("pages a run's events backwards from beforeId, each page in ascending order, and between afterId and beforeId", async () => {
      await storage.appendEvents(Array.from({ length: 10 }, (_, index) => event("r1", "LOG", { message: `line ${index}` })));
      await storage.appendEvents([event("r2", "LOG", { message: "another run" })]);
      const all = await storage.getRunEvents("r1");
      const tail = await storage.getRunEvents("r1", { beforeId: Number.MAX_SAFE_INTEGER, limit: 4 });
      assert.deepEqual(tail.map((stored) => stored.message), ["line 6", "line 7", "line 8", "line 9"]);
      const before = await storage.getRunEvents("r1", { beforeId: tail[0]!.id, limit: 4 });
      assert.deepEqual(before.map((stored) => stored.message), ["line 2", "line 3", "line 4", "line 5"]);
      const first = await storage.getRunEvents("r1", { beforeId: before[0]!.id, limit: 4 });
      assert.deepEqual(first.map((stored) => stored.message), ["line 0", "line 1"]);
      const between = await storage.getRunEvents("r1", { afterId: all[2]!.id, beforeId: all[6]!.id });
      assert.deepEqual(between.map((stored) => stored.message), ["line 3", "line 4", "line 5"]);
    });

    it("filters a run's events by step, level, type and text (any case, taken literally), all at once", async () => {
      await storage.appendEvents([
        event("r1", "RUN_START", { message: "Run started" }),
        event("r1", "STEP_START", { stepKey: "orders", level: "debug", message: "Starting orders" }),
        event("r1", "LOG", { stepKey: "orders", level: "warn", message: "100% of ORDERS_x loaded" }),
        event("r1", "LOG", { stepKey: "customers", level: "error", message: "orders missing" }),
        event("r1", "STEP_FAILURE", { stepKey: "orders", level: "error", message: "Step orders failed" }),
        event("r2", "LOG", { stepKey: "orders", level: "error", message: "orders elsewhere" }),
      ]);
      const messages = async (query: Parameters<EventStorage["getRunEvents"]>[1]) => (await storage.getRunEvents("r1", query)).map((stored) => stored.message);
      assert.deepEqual(await messages({ stepKeys: ["orders"] }), ["Starting orders", "100% of ORDERS_x loaded", "Step orders failed"]);
      assert.deepEqual(await messages({ levels: ["warn", "error"] }), ["100% of ORDERS_x loaded", "orders missing", "Step orders failed"]);
      assert.deepEqual(await messages({ types: ["STEP_START", "STEP_FAILURE"] }), ["Starting orders", "Step orders failed"]);
      assert.deepEqual(await messages({ text: "orders_X" }), ["100% of ORDERS_x loaded"]);
      assert.deepEqual(await messages({ text: "0%" }), ["100% of ORDERS_x loaded"], "% is a character, not a wildcard");
      assert.deepEqual(await messages({ stepKeys: ["orders"], levels: ["error"], text: "FAILED" }), ["Step orders failed"]);
      assert.deepEqual(await messages({ levels: ["error"], beforeId: Number.MAX_SAFE_INTEGER, limit: 1 }), ["Step orders failed"]);
      assert.deepEqual(await messages({ types: [] }), []);
    });

    it("counts a run's events by level and type, with its last id and first error, across batches", async () => {
      assert.deepEqual(await storage.getRunEventStats("r1"), { total: 0, lastId: 0, firstErrorId: null, byLevel: { debug: 0, info: 0, warn: 0, error: 0 }, byType: {} });
      await storage.appendEvents([event("r1", "RUN_START"), event("r1", "LOG", { level: "debug" }), event("r2", "LOG", { level: "error" })]);
      await storage.appendEvents([event("r1", "LOG", { level: "error" }), event("r1", "STEP_FAILURE", { level: "error" }), event("r1", "LOG", { level: "warn" })]);
      const ids = (await storage.getRunEvents("r1")).map((stored) => stored.id);
      const stats = await storage.getRunEventStats("r1");
      assert.deepEqual(stats, {
        total: 5,
        lastId: ids[4],
        firstErrorId: ids[2],
        byLevel: { debug: 1, info: 1, warn: 1, error: 2 },
        byType: { RUN_START: 1, LOG: 3, STEP_FAILURE: 1 },
      });
    });

    it("does not count again a batch written twice (its events' idempotency keys)", async () => {
      const batch = [event("r1", "LOG", { idempotencyKey: "k1" }), event("r1", "LOG", { idempotencyKey: "k2" })];
      await storage.appendEvents(batch);
      await storage.appendEvents(batch);
      assert.equal((await storage.getRunEventStats("r1")).total, 2);
    });

    it("lists an asset's materializations and check evaluations newest first, paged by event id, each asset apart", async () => {
      await storage.appendEvents([
        materialization("r1", "orders", { rows: 1 }),
        materialization("r1", "customers", { rows: 9 }),
        checkEvaluation("r1", "orders", "not_null", true),
      ]);
      await storage.appendEvents([materialization("r2", "orders", { rows: 2 }, "2024-01-01"), materialization("r2", "orders", { rows: 3 }), checkEvaluation("r2", "orders", "not_null", false)]);
      const all = await storage.getAssetMaterializations("orders");
      assert.deepEqual(all.map((record) => [record.runId, record.metadata.rows, record.partition]), [["r2", 3, null], ["r2", 2, "2024-01-01"], ["r1", 1, null]]);
      assert.ok(all.every((record) => record.assetKey === "orders" && typeof record.timestamp === "string" && record.eventId > 0));
      const first = await storage.getAssetMaterializations("orders", { limit: 2 });
      assert.deepEqual(first.map((record) => record.metadata.rows), [3, 2]);
      const next = await storage.getAssetMaterializations("orders", { limit: 2, beforeEventId: first[1]!.eventId });
      assert.deepEqual(next.map((record) => record.metadata.rows), [1]);
      assert.deepEqual(await storage.getAssetMaterializations("nothing"), []);
      const checks = await storage.getAssetCheckEvaluations("orders");
      assert.deepEqual(checks.map((result) => [result.checkName, result.passed, result.severity, result.runId]), [["not_null", false, "ERROR", "r2"], ["not_null", true, "WARN", "r1"]]);
      assert.deepEqual(await storage.getAssetCheckEvaluations("customers"), []);
    });

    it("writes a batch larger than one insert chunk completely and in order", async () => {
      const batch = Array.from({ length: 1234 }, (_, index) => event("big", "LOG", { message: String(index), data: { index } }));
      await storage.appendEvents(batch);
      const stored = await storage.getRunEvents("big");
      assert.equal(stored.length, 1234);
      assert.ok(stored.every((item, index) => item.message === String(index) && (item.data as { index: number }).index === index));
    });

    it("accepts an empty batch", async () => {
      await storage.appendEvents([]);
      assert.deepEqual(await storage.getRunEvents("r1"), []);
    });

    it("updates the run in the same transaction as the batch when given runUpdate, and rolls both back for an unknown run", async () => {
      await storage.createRun({ runId: "fin", status: "STARTED", selection: "*", assetKeys: ["a"] });
      const endedAt = "2026-01-02T03:04:05.678Z";
      await storage.appendEvents([event("fin", "RUN_SUCCESS")], { runUpdate: { runId: "fin", update: { status: "SUCCESS", endedAt } } });
      const run = await storage.getRun("fin");
      assert.equal(run?.status, "SUCCESS");
      assert.equal(run?.endedAt, endedAt);
      assert.deepEqual((await storage.getRunEvents("fin")).map((stored) => stored.type), ["RUN_SUCCESS"]);
      await assert.rejects(
        storage.appendEvents([event("ghost", "RUN_SUCCESS")], { runUpdate: { runId: "ghost", update: { status: "SUCCESS" } } }),
        /no such run/,
      );
      assert.deepEqual(await storage.getRunEvents("ghost"), [], "the events of a failed update are not written either");
      await storage.appendEvents([], { runUpdate: { runId: "fin", update: { error: "updated without events" } } });
      assert.equal((await storage.getRun("fin"))?.error, "updated without events");
    });

    it("applies a runUpdate with `from` only while the run has one of those statuses, else writes nothing and names the status", async () => {
      await storage.createRun({ runId: "cas", status: "STARTED", selection: "*", assetKeys: ["a"] });
      // Another process ends the run first (the monitor failing it as dead).
      assert.equal(await storage.transitionRun("cas", ["STARTED"], "FAILURE", { error: "its worker stopped sending heartbeats" }), true);
      const late = [event("cas", "ASSET_MATERIALIZATION", { data: { assetKey: "late", metadata: {} } }), event("cas", "RUN_SUCCESS")];
      const refused = await storage
        .appendEvents(late, { runUpdate: { runId: "cas", update: { status: "SUCCESS" }, from: ["STARTED", "CANCELING"] } })
        .then(() => undefined, (error: unknown) => error);
      assert.ok(refused instanceof RunStatusConflictError, `rejects with RunStatusConflictError, got ${String(refused)}`);
      assert.equal(refused.status, "FAILURE");
      assert.equal(refused.reason, "its worker stopped sending heartbeats");
      assert.deepEqual(await storage.getRunEvents("cas"), [], "none of the batch was written");
      assert.deepEqual(await storage.getLatestMaterializations(["late"]), []);
      assert.equal((await storage.getRun("cas"))?.status, "FAILURE");
      await assert.rejects(
        storage.appendEvents([], { runUpdate: { runId: "cas", update: { status: "SUCCESS" }, from: ["STARTED"] } }),
        RunStatusConflictError,
      );
      await storage.createRun({ runId: "cas2", status: "CANCELING", selection: "*", assetKeys: ["a"] });
      await storage.appendEvents([event("cas2", "RUN_CANCELED")], { runUpdate: { runId: "cas2", update: { status: "CANCELED" }, from: ["STARTED", "CANCELING"] } });
      assert.equal((await storage.getRun("cas2"))?.status, "CANCELED");
      await assert.rejects(
        storage.appendEvents([event("nobody", "RUN_SUCCESS")], { runUpdate: { runId: "nobody", update: { status: "SUCCESS" }, from: ["STARTED"] } }),
        StorageNotFoundError,
      );
    });

    it("ends several runs and claims queued runs for their slots in one call, each end on its own", async () => {
      for (const runId of ["end-a", "end-b", "end-late"]) await storage.createRun({ runId, status: "STARTED", selection: "*", assetKeys: ["a"] });
      // Another process ended end-late first (the monitor took it for dead).
      await storage.transitionRun("end-late", ["STARTED"], "FAILURE", { error: "its worker stopped sending heartbeats" });
      const queued = [];
      for (let index = 0; index < 3; index++) queued.push((await storage.createRun(newRun())).runId);
      const materialized = (runId: string, assetKey: string, partition?: string) =>
        event(runId, "ASSET_MATERIALIZATION", { data: { assetKey, metadata: { by: runId }, ...(partition ? { partition } : {}) } });
      const check = (runId: string) =>
        event(runId, "ASSET_CHECK_EVALUATION", { data: { assetKey: "shared", checkName: "c", passed: true, severity: "WARN", blocking: false, metadata: { by: runId } } });
      const end = (runId: string, events: RunEvent[]) => ({ events, runUpdate: { runId, update: { status: "SUCCESS" as const, endedAt: "2026-01-01T00:00:00.000Z" }, from: ["STARTED" as const, "CANCELING" as const] } });
      const result = await storage.endRunsAndClaim(
        [
          end("end-a", [event("end-a", "LOG"), materialized("end-a", "shared"), check("end-a"), materialized("end-a", "own-a", "p1"), event("end-a", "RUN_SUCCESS")]),
          end("end-b", [materialized("end-b", "shared"), event("end-b", "RUN_SUCCESS")]),
          // Later in the batch than end-a and end-b, but refused: its rows must not win.
          end("end-late", [materialized("end-late", "shared"), check("end-late"), materialized("end-late", "own-a", "p1"), event("end-late", "RUN_SUCCESS")]),
        ],
        { workerId: "w1", limit: 2 },
      );
      assert.deepEqual(result.claimed.map((run) => run.runId), queued.slice(0, 2), "the two oldest queued runs");
      assert.ok(result.claimed.every((run) => run.status === "STARTED" && run.workerId === "w1"));
      assert.deepEqual([...result.failed.keys()], ["end-late"]);
      assert.ok(result.failed.get("end-late") instanceof RunStatusConflictError);
      assert.equal((await storage.getRun("end-a"))?.status, "SUCCESS");
      assert.equal((await storage.getRun("end-b"))?.status, "SUCCESS");
      assert.equal((await storage.getRun("end-late"))?.status, "FAILURE");
      assert.deepEqual(await storage.getRunEvents("end-late"), [], "nothing of the refused run's batch");
      assert.equal((await storage.getRunEvents("end-a")).length, 5);
      const latest = new Map((await storage.getLatestMaterializations()).map((record) => [record.assetKey, record]));
      assert.equal(latest.get("shared")?.runId, "end-b", "the newest materialization among the runs that ended");
      const sharedEvent = (await storage.getRunEvents("end-b")).find((stored) => stored.type === "ASSET_MATERIALIZATION");
      assert.equal(latest.get("shared")?.eventId, sharedEvent?.id);
      assert.equal(latest.get("own-a")?.runId, "end-a");
      assert.equal((await storage.getLatestCheckResults(["shared"]))[0]?.runId, "end-a");
      assert.equal((await storage.getAssetPartitions("own-a"))[0]?.runId, "end-a");
      const none = await storage.endRunsAndClaim([], { workerId: "w3", limit: 0 });
      assert.deepEqual(none.claimed, []);
      assert.equal(none.failed.size, 0);
    });

    it("counts all runs by status exactly through every way a run is created or changes status", async () => {
      // What countRuns() answers without a filter (kept as runs change) against the runs themselves.
      const assertCounts = async (step: string) => {
        const listed = await storage.listRuns({ limit: 1000 });
        const tally = Object.fromEntries(RUN_STATUSES.map((status) => [status, listed.filter((run) => run.status === status).length]));
        assert.deepEqual(await storage.countRuns(), tally, `after ${step}`);
      };
      await assertCounts("nothing");
      for (let index = 0; index < 6; index++) await storage.createRun(newRun());
      await storage.createRun(newRun({ runId: "born-started", status: "STARTED" }));
      await storage.createRun(newRun({ runId: "born-done", status: "SUCCESS" }));
      await assertCounts("createRun");
      await assert.rejects(storage.createRun(newRun({ runId: "born-done" })), RunConflictError);
      await assertCounts("a refused createRun");
      const [claimed] = await storage.claimQueuedRuns("w1", 1);
      const started = await storage.claimQueuedRuns("w1", 2, { start: true });
      await assertCounts("claimQueuedRuns");
      assert.equal(await storage.transitionRun(claimed!.runId, ["STARTING"], "QUEUED"), true);
      assert.equal(await storage.transitionRun(claimed!.runId, ["STARTED"], "FAILURE"), false);
      await storage.transitionRun(started[0]!.runId, ["STARTED"], "CANCELING");
      await assertCounts("transitionRun (a run given back to the queue, one refused)");
      await storage.updateRun(started[0]!.runId, { status: "CANCELED" });
      await storage.updateRun(started[1]!.runId, { status: "STARTED", heartbeatAt: new Date().toISOString() });
      await storage.heartbeatRuns([started[1]!.runId, "born-started"], new Date().toISOString());
      await assertCounts("updateRun and heartbeats");
      await storage.appendEvents([event("born-started", "RUN_FAILURE")], { runUpdate: { runId: "born-started", update: { status: "FAILURE" }, from: ["STARTED"] } });
      await assert.rejects(storage.appendEvents([event("born-done", "RUN_FAILURE")], { runUpdate: { runId: "born-done", update: { status: "FAILURE" }, from: ["STARTED"] } }), RunStatusConflictError);
      await assertCounts("appendEvents with a run update (one refused)");
      const ended = await storage.endRunsAndClaim([{ events: [event(started[1]!.runId, "RUN_SUCCESS")], runUpdate: { runId: started[1]!.runId, update: { status: "SUCCESS" }, from: ["STARTED"] } }], { workerId: "w2", limit: 2 });
      assert.equal(ended.claimed.length, 2);
      await assertCounts("endRunsAndClaim");
    });

    it("writes an event once however often it is appended with the same idempotency key, deriving rows from the first write only", async () => {
      const keyed = (runId: string, key: string, type: RunEventType = "LOG", overrides: Partial<RunEvent> = {}) => event(runId, type, { message: key, idempotencyKey: key, ...overrides });
      const first = [keyed("idem", "k1"), keyed("idem", "k2", "ASSET_MATERIALIZATION", { data: { assetKey: "orders", metadata: { attempt: 1 } } })];
      await storage.appendEvents(first);
      const materializedAt = (await storage.getLatestMaterializations(["orders"]))[0]?.eventId;
      // The same batch again (its first commit went unacknowledged), now with the events that came since.
      await storage.appendEvents([...first, keyed("idem", "k3"), keyed("other-run", "k1")]);
      // A chunked batch (over 500 events) repeating them all.
      const many = Array.from({ length: 600 }, (_, index) => keyed("idem", `m${index}`));
      await storage.appendEvents([...first, ...many]);
      await storage.appendEvents([...first, ...many]);
      const stored = await storage.getRunEvents("idem");
      assert.deepEqual(stored.slice(0, 3).map((item) => item.message), ["k1", "k2", "k3"]);
      assert.equal(stored.length, 603, "each key once");
      assert.deepEqual(stored.slice(3).map((item) => item.message), many.map((item) => item.message));
      assert.equal((await storage.getLatestMaterializations(["orders"]))[0]?.eventId, materializedAt, "the catalog still names the first write");
      assert.deepEqual((await storage.getRunEvents("other-run")).map((item) => item.message), ["k1"], "keys are per run");
      // Without keys, appending twice writes twice (nothing says they are the same events).
      await storage.appendEvents([event("plain", "LOG")]);
      await storage.appendEvents([event("plain", "LOG")]);
      assert.equal((await storage.getRunEvents("plain")).length, 2);
    });

    it("takes a run's end written again (same events, same keys) for done, not for an end someone else wrote", async () => {
      await storage.createRun({ runId: "again", status: "STARTED", selection: "*", assetKeys: ["a"] });
      const runUpdate = { runId: "again", update: { status: "SUCCESS" as const, endedAt: "2026-01-01T00:00:00.000Z" }, from: ["STARTED" as const, "CANCELING" as const] };
      const last = [
        event("again", "ASSET_MATERIALIZATION", { idempotencyKey: "e1", data: { assetKey: "a", metadata: {} } }),
        event("again", "RUN_SUCCESS", { idempotencyKey: "e2" }),
      ];
      await storage.appendEvents(last, { runUpdate });
      await storage.appendEvents(last, { runUpdate });
      const ended = await storage.endRunsAndClaim([{ events: last, runUpdate }], { workerId: "w", limit: 0 });
      assert.equal(ended.failed.size, 0, `no failure, got ${[...ended.failed.values()].join("; ")}`);
      assert.deepEqual((await storage.getRunEvents("again")).map((stored) => stored.type), ["ASSET_MATERIALIZATION", "RUN_SUCCESS"]);
      assert.equal((await storage.getRun("again"))?.status, "SUCCESS");
      // Another end of the same run (other keys) is still refused.
      await assert.rejects(
        storage.appendEvents([event("again", "RUN_FAILURE", { idempotencyKey: "x1" })], { runUpdate: { ...runUpdate, update: { status: "FAILURE" } } }),
        RunStatusConflictError,
      );
    });

    it("rejects a batch with a malformed materialization event and writes none of it", async () => {
      const bad = event("r1", "ASSET_MATERIALIZATION", { data: { metadata: {} } });
      await assert.rejects(storage.appendEvents([event("r1", "LOG"), bad]), /ASSET_MATERIALIZATION of run r1 has no data.assetKey/);
      assert.deepEqual(await storage.getRunEvents("r1"), []);
      assert.deepEqual(await storage.getLatestMaterializations(), []);
    });

    describe("derived asset state", () => {
      it("keeps the latest materialization of each asset, also when one batch materializes an asset twice", async () => {
        await storage.appendEvents([materialization("r1", "orders", { rows: 1 }), materialization("r1", "customers", { rows: 5 }, "2024-05-01")]);
        await storage.appendEvents([materialization("r2", "orders", { rows: 2 }), event("r2", "LOG"), materialization("r2", "orders", { rows: 3 })]);
        const latest = await storage.getLatestMaterializations();
        assert.deepEqual(latest.map((record) => [record.assetKey, record.runId, record.metadata, record.partition]), [
          ["customers", "r1", { rows: 5 }, "2024-05-01"],
          ["orders", "r2", { rows: 3 }, null],
        ]);
        const r2Events = await storage.getRunEvents("r2");
        const orders = latest.find((record) => record.assetKey === "orders")!;
        assert.equal(orders.eventId, r2Events[2]!.id);
        assert.equal(orders.timestamp, r2Events[2]!.timestamp);
      });

      it("returns the latest materializations of the asked keys only", async () => {
        await storage.appendEvents([materialization("r1", "a"), materialization("r1", "b"), materialization("r1", "c/d")]);
        assert.deepEqual((await storage.getLatestMaterializations(["c/d", "a", "missing"])).map((record) => record.assetKey), ["a", "c/d"]);
        assert.deepEqual(await storage.getLatestMaterializations([]), []);
      });

      it("keeps the latest result of each (asset, check) pair", async () => {
        await storage.appendEvents([checkEvaluation("r1", "orders", "not_null", true), checkEvaluation("r1", "orders", "unique", true)]);
        await storage.appendEvents([checkEvaluation("r2", "orders", "unique", false), checkEvaluation("r2", "customers", "unique", true)]);
        const results = await storage.getLatestCheckResults();
        assert.deepEqual(results.map((record) => [record.assetKey, record.checkName, record.runId, record.passed, record.severity]), [
          ["customers", "unique", "r2", true, "WARN"],
          ["orders", "not_null", "r1", true, "WARN"],
          ["orders", "unique", "r2", false, "ERROR"],
        ]);
        assert.deepEqual(results[2]!.metadata, { checked: "unique" });
        assert.equal(results[2]!.eventId, (await storage.getRunEvents("r2"))[0]!.id);
        assert.deepEqual((await storage.getLatestCheckResults(["customers"])).map((record) => record.checkName), ["unique"]);
      });

      it("derives each asset partition's status from events, the latest event winning", async () => {
        const first = await storage.createRun(newRun());
        await storage.appendEvents([
          materialization(first.runId, "daily_orders", {}, "2024-01-01"),
          materialization(first.runId, "daily_orders", {}, "2024-01-02"),
          event(first.runId, "STEP_FAILURE", { stepKey: "daily_orders", data: { partitionKeys: ["2024-01-03"], assetKeys: ["daily_orders"] } }),
        ]);
        const second = await storage.createRun(newRun());
        await storage.appendEvents([
          event(second.runId, "STEP_FAILURE", { stepKey: "daily_orders", data: { partitionKeys: ["2024-01-02"], assetKeys: ["daily_orders"] } }),
        ]);
        await storage.appendEvents([materialization(second.runId, "daily_orders", {}, "2024-01-03")]);
        const statuses = (await storage.getAssetPartitions("daily_orders")).map((p) => [p.partitionKey, p.status, p.runId]);
        assert.deepEqual(statuses, [
          ["2024-01-01", "MATERIALIZED", first.runId],
          ["2024-01-02", "FAILED", second.runId],
          ["2024-01-03", "MATERIALIZED", second.runId],
        ]);
        const some = await storage.getAssetPartitions("daily_orders", { partitionKeys: ["2024-01-03", "2024-02-01"] });
        assert.deepEqual(some.map((p) => p.partitionKey), ["2024-01-03"]);
        assert.deepEqual(await storage.getAssetPartitions("other"), []);
      });
    });
  });
}
