/**
 * The storage conformance suite: every behaviour of the Storage port, run against each backend
 * (test/storage/sqlite.test.ts, test/storage/postgres.test.ts). A backend is correct when it passes
 * all of it; backend-specific tests live next to those files.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Storage } from "../../runtime/src/storage/port";
import type { NewRun, RunEvent, RunEventType } from "../../runtime/src/types";
import { StorageVersionError } from "../../runtime/src/errors";
import { RunConflictError, RunStatusConflictError, StorageNotFoundError } from "../../runtime/src/storage/errors";

/** What the suite needs to know about a backend beyond the port. */
export interface ConformanceHooks {
  /** The newest migration version the backend's code knows. */
  supportedVersion: number;
  /** Records a migration version directly in the database (to simulate a newer tributary). */
  recordSchemaVersion(storage: Storage, version: number): Promise<void>;
}

export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return { runId: randomUUID(), status: "QUEUED", selection: "*", assetKeys: ["raw_orders", "stg_orders"], ...overrides };
}

export function event(runId: string, type: RunEventType = "LOG", overrides: Partial<RunEvent> = {}): RunEvent {
  return { runId, timestamp: new Date().toISOString(), type, stepKey: null, level: "info", message: type, data: null, ...overrides };
}

function materialization(runId: string, assetKey: string, metadata: Record<string, unknown> = {}, partition?: string): RunEvent {
  return event(runId, "ASSET_MATERIALIZATION", {
    stepKey: assetKey,
    data: { assetKey, metadata, ...(partition === undefined ? {} : { partition }) },
  });
}

function checkEvaluation(runId: string, assetKey: string, checkName: string, passed: boolean): RunEvent {
  return event(runId, "ASSET_CHECK_EVALUATION", {
    stepKey: assetKey,
    data: { assetKey, checkName, passed, severity: passed ? "WARN" : "ERROR", blocking: true, metadata: { checked: checkName } },
  });
}

/**
 * Registers the conformance suite for one backend. `makeStorage` returns a fresh, migrated, empty
 * storage for each test; `dispose` closes it (and drops whatever the test created).
 */
export function storageConformance(
  name: string,
  makeStorage: () => Promise<Storage>,
  dispose: (storage: Storage) => Promise<void>,
  hooks: ConformanceHooks,
): void {
  describe(`Storage conformance: ${name}`, function () {
    let storage: Storage;
    let made: Storage | undefined;
    beforeEach(async () => {
      made = undefined;
      storage = made = await makeStorage();
    });
    afterEach(async () => {
      // When makeStorage failed, its own error is the one worth reading.
      if (made) await dispose(made);
    });

    describe("runs", () => {
      it("creates a run with defaults filled in and reads it back with every field", async () => {
        const created = await storage.createRun(newRun({ runId: "run-1", selection: "group:staging+", assetKeys: ["a", "b/c"] }));
        assert.equal(created.runId, "run-1");
        assert.equal(created.status, "QUEUED");
        assert.deepEqual(created.assetKeys, ["a", "b/c"]);
        assert.deepEqual(created.tags, {});
        assert.equal(created.attempt, 1);
        for (const field of ["runKey", "instigator", "parentRunId", "workerId", "heartbeatAt", "startedAt", "endedAt", "error"] as const) {
          assert.equal(created[field], null, field);
        }
        assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.deepEqual(await storage.getRun("run-1"), created);
      });

      it("stores tags, run key, instigator, attempt and parent run exactly", async () => {
        const instigator = { type: "sensor" as const, name: "new_files", tickTime: "2024-05-01T10:00:00.000Z", runKey: "file-1" };
        const created = await storage.createRun(
          newRun({ tags: { team: "finance", tier: "gold" }, runKey: "file-1", instigator, attempt: 2, parentRunId: "run-0" }),
        );
        const read = await storage.getRun(created.runId);
        assert.deepEqual(read?.tags, { team: "finance", tier: "gold" });
        assert.equal(read?.runKey, "file-1");
        assert.deepEqual(read?.instigator, instigator);
        assert.equal(read?.attempt, 2);
        assert.equal(read?.parentRunId, "run-0");
      });

      it("returns null for a run id it does not know", async () => {
        assert.equal(await storage.getRun("no-such-run"), null);
      });

      it("refuses a second run with the same run id", async () => {
        await storage.createRun(newRun({ runId: "dup" }));
        await assert.rejects(storage.createRun(newRun({ runId: "dup" })), (error: unknown) => {
          assert.ok(error instanceof RunConflictError);
          assert.equal(error.conflict, "runId");
          return true;
        });
      });

      it("allows one run per run key and instigator, but the same key for another instigator and many runs without a key", async () => {
        const sensor = (name: string) => ({ type: "sensor" as const, name });
        await storage.createRun(newRun({ runKey: "k1", instigator: sensor("s1") }));
        await assert.rejects(storage.createRun(newRun({ runKey: "k1", instigator: sensor("s1") })), (error: unknown) => {
          assert.ok(error instanceof RunConflictError);
          assert.equal(error.conflict, "runKey");
          assert.match(error.message, /s1.*k1/);
          return true;
        });
        await storage.createRun(newRun({ runKey: "k1", instigator: sensor("s2") }));
        await storage.createRun(newRun({ instigator: sensor("s1") }));
        await storage.createRun(newRun({ instigator: sensor("s1") }));
        assert.equal((await storage.listRuns({ instigatorName: "s1" })).length, 3);
      });

      it("refuses a second retry of one run, whoever creates it, and allows one retry of each run", async () => {
        const failed = await storage.createRun(newRun({ status: "FAILURE" }));
        const other = await storage.createRun(newRun({ status: "FAILURE" }));
        const retry = (parent: string) => newRun({ attempt: 2, parentRunId: parent, tags: { "tributary/retry_of": parent } });
        const results = await Promise.allSettled([storage.createRun(retry(failed.runId)), storage.createRun(retry(failed.runId))]);
        assert.equal(results.filter((result) => result.status === "fulfilled").length, 1, "one of two racing retries is created");
        const refused = results.find((result) => result.status === "rejected")!.reason as unknown;
        assert.ok(refused instanceof RunConflictError, String(refused));
        assert.equal(refused.conflict, "retry");
        assert.match(refused.message, new RegExp(`${failed.runId} has been retried already`));
        await storage.createRun(retry(other.runId));
        const retries = (await storage.listRuns()).filter((run) => run.parentRunId !== null);
        assert.deepEqual(retries.map((run) => run.parentRunId).sort(), [failed.runId, other.runId].sort());
      });

      it("finds a run by its instigator and run key, and nothing for another instigator or key", async () => {
        const created = await storage.createRun(newRun({ runKey: "2024-05-01", instigator: { type: "sensor", name: "daily_files" } }));
        assert.equal((await storage.findRunByKey("daily_files", "2024-05-01"))?.runId, created.runId);
        assert.equal(await storage.findRunByKey("daily_files", "2024-05-02"), null);
        assert.equal(await storage.findRunByKey("other_sensor", "2024-05-01"), null);
      });

      it("updates only the given fields, clears fields set to null, and rejects an unknown run", async () => {
        const run = await storage.createRun(newRun());
        const started = await storage.updateRun(run.runId, { status: "STARTED", startedAt: "2024-05-01T10:00:00.000Z", workerId: "w1" });
        assert.equal(started.status, "STARTED");
        assert.equal(started.startedAt, "2024-05-01T10:00:00.000Z");
        assert.equal(started.workerId, "w1");
        assert.equal(started.selection, run.selection);
        const failed = await storage.updateRun(run.runId, { status: "FAILURE", endedAt: "2024-05-01T10:01:00.000Z", error: "boom", workerId: null });
        assert.equal(failed.startedAt, "2024-05-01T10:00:00.000Z");
        assert.equal(failed.error, "boom");
        assert.equal(failed.workerId, null);
        assert.deepEqual(await storage.getRun(run.runId), failed);
        await assert.rejects(storage.updateRun("no-such-run", { status: "SUCCESS" }), StorageNotFoundError);
      });

      it("lists runs newest first and filters by status, asset key, instigator and tags together", async () => {
        const a = await storage.createRun(newRun({ assetKeys: ["orders"], tags: { team: "finance", tier: "gold" } }));
        const b = await storage.createRun(newRun({ assetKeys: ["customers"], status: "SUCCESS", tags: { team: "finance" } }));
        const c = await storage.createRun(
          newRun({ assetKeys: ["orders", "customers"], instigator: { type: "schedule", name: "nightly" }, tags: { team: "sales" } }),
        );
        const ids = async (filter: Parameters<Storage["listRuns"]>[0]) => (await storage.listRuns(filter)).map((run) => run.runId);
        assert.deepEqual(await ids(undefined), [c.runId, b.runId, a.runId]);
        assert.deepEqual(await ids({ statuses: ["QUEUED"] }), [c.runId, a.runId]);
        assert.deepEqual(await ids({ statuses: ["SUCCESS", "FAILURE"] }), [b.runId]);
        assert.deepEqual(await ids({ statuses: [] }), []);
        assert.deepEqual(await ids({ assetKey: "orders" }), [c.runId, a.runId]);
        assert.deepEqual(await ids({ assetKey: "order" }), []);
        assert.deepEqual(await ids({ instigatorName: "nightly" }), [c.runId]);
        assert.deepEqual(await ids({ tags: { team: "finance" } }), [b.runId, a.runId]);
        assert.deepEqual(await ids({ tags: { team: "finance", tier: "gold" } }), [a.runId]);
        assert.deepEqual(await ids({ tags: { team: "finance" }, statuses: ["QUEUED"], assetKey: "orders" }), [a.runId]);
      });

      it("pages through runs with limit and beforeRunId without skipping or repeating any", async () => {
        const created: string[] = [];
        for (let index = 0; index < 7; index++) created.push((await storage.createRun(newRun())).runId);
        const seen: string[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await storage.listRuns({ limit: 3, ...(before === undefined ? {} : { beforeRunId: before }) });
          if (page.length === 0) break;
          assert.ok(page.length <= 3);
          seen.push(...page.map((run) => run.runId));
          before = page[page.length - 1]!.runId;
        }
        assert.deepEqual(seen, [...created].reverse());
      });

      it("lists at most 100 runs when no limit is given", async () => {
        for (let index = 0; index < 105; index++) await storage.createRun(newRun());
        assert.equal((await storage.listRuns()).length, 100);
      });

      it("transitions a run only from the listed statuses, applying the update with it", async () => {
        const run = await storage.createRun(newRun({ status: "STARTED" }));
        assert.equal(await storage.transitionRun(run.runId, ["QUEUED"], "CANCELED"), false);
        assert.equal((await storage.getRun(run.runId))?.status, "STARTED");
        assert.equal(await storage.transitionRun(run.runId, ["STARTED", "STARTING"], "SUCCESS", { endedAt: "2024-05-01T10:00:00.000Z", status: "FAILURE" }), true);
        const done = await storage.getRun(run.runId);
        assert.equal(done?.status, "SUCCESS");
        assert.equal(done?.endedAt, "2024-05-01T10:00:00.000Z");
        assert.equal(await storage.transitionRun(run.runId, [], "CANCELED"), false);
        assert.equal(await storage.transitionRun("no-such-run", ["STARTED"], "CANCELED"), false);
      });

      it("lets exactly one of two racing transitions win (cancel against success)", async () => {
        for (let round = 0; round < 10; round++) {
          const run = await storage.createRun(newRun({ status: "STARTED" }));
          const [canceled, succeeded] = await Promise.all([
            storage.transitionRun(run.runId, ["STARTED"], "CANCELING"),
            storage.transitionRun(run.runId, ["STARTED"], "SUCCESS"),
          ]);
          assert.equal(Number(canceled) + Number(succeeded), 1, `round ${round}`);
          assert.equal((await storage.getRun(run.runId))?.status, canceled ? "CANCELING" : "SUCCESS");
        }
      });

      it("claims queued runs oldest first up to the limit, sets them STARTING for the worker and skips other statuses", async () => {
        const first = await storage.createRun(newRun());
        await storage.createRun(newRun({ status: "STARTED" }));
        const second = await storage.createRun(newRun());
        const third = await storage.createRun(newRun());
        const claimed = await storage.claimQueuedRuns("worker-a", 2);
        assert.deepEqual(claimed.map((run) => run.runId), [first.runId, second.runId]);
        for (const run of claimed) {
          assert.equal(run.status, "STARTING");
          assert.equal(run.workerId, "worker-a");
          assert.deepEqual(await storage.getRun(run.runId), run);
        }
        assert.deepEqual((await storage.claimQueuedRuns("worker-b", 10)).map((run) => run.runId), [third.runId]);
        assert.deepEqual(await storage.claimQueuedRuns("worker-b", 10), []);
        assert.deepEqual(await storage.claimQueuedRuns("worker-b", 0), []);
      });

      it("claims straight into STARTED, with startedAt, when asked to start the runs", async () => {
        await storage.createRun(newRun({ runId: "go", status: "QUEUED" }));
        const [claimed] = await storage.claimQueuedRuns("worker-s", 5, { start: true });
        assert.equal(claimed?.runId, "go");
        assert.equal(claimed?.status, "STARTED");
        assert.equal(claimed?.workerId, "worker-s");
        assert.ok(claimed?.startedAt && !Number.isNaN(Date.parse(claimed.startedAt)));
        assert.equal((await storage.getRun("go"))?.status, "STARTED");
      });

      it("never gives the same run to two claimers claiming at the same time", async () => {
        const queued = new Set<string>();
        for (let index = 0; index < 30; index++) queued.add((await storage.createRun(newRun())).runId);
        const claimedBy = new Map<string, string>();
        for (;;) {
          const rounds = await Promise.all(["a", "b", "c"].map((worker) => storage.claimQueuedRuns(worker, 4).then((runs) => ({ worker, runs }))));
          let claimedThisRound = 0;
          for (const { worker, runs } of rounds) {
            for (const run of runs) {
              assert.ok(!claimedBy.has(run.runId), `${run.runId} claimed by ${claimedBy.get(run.runId)} and ${worker}`);
              claimedBy.set(run.runId, worker);
              assert.equal((await storage.getRun(run.runId))?.workerId, worker);
              claimedThisRound++;
            }
          }
          if (claimedThisRound === 0) break;
        }
        assert.deepEqual(new Set(claimedBy.keys()), queued);
      });

      it("records a worker heartbeat on the given runs only", async () => {
        const a = await storage.createRun(newRun());
        const b = await storage.createRun(newRun());
        const c = await storage.createRun(newRun());
        await storage.heartbeatRuns([a.runId, b.runId], "2024-05-01T10:00:00.123Z");
        await storage.heartbeatRuns([], "2024-05-01T11:00:00.000Z");
        assert.equal((await storage.getRun(a.runId))?.heartbeatAt, "2024-05-01T10:00:00.123Z");
        assert.equal((await storage.getRun(b.runId))?.heartbeatAt, "2024-05-01T10:00:00.123Z");
        assert.equal((await storage.getRun(c.runId))?.heartbeatAt, null);
      });
    });

    describe("events", () => {
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

      it("claims within tag limits, passing over a run whose tag is at its limit to the runs behind it", async () => {
        const tagged = async (tags: Record<string, string>) => (await storage.createRun(newRun({ tags }))).runId;
        const [wh1, wh2, other, plain] = [await tagged({ db: "wh" }), await tagged({ db: "wh" }), await tagged({ db: "other" }), await tagged({})];
        const limits = [{ key: "db", value: "wh", limit: 1 }];
        const first = await storage.claimQueuedRuns("w", 10, { start: true, tagLimits: limits });
        assert.deepEqual(first.map((run) => run.runId), [wh1, other, plain], "the second wh run waits; those behind it do not");
        assert.equal((await storage.getRun(wh2))?.status, "QUEUED");
        assert.deepEqual(await storage.claimQueuedRuns("w", 10, { start: true, tagLimits: limits }), [], "still at the limit");
        await storage.transitionRun(wh1, ["STARTED"], "SUCCESS");
        assert.deepEqual((await storage.claimQueuedRuns("w", 10, { start: true, tagLimits: limits })).map((run) => run.runId), [wh2]);
        // Without a value: at most `limit` per value of the key.
        const [a1, a2, b1] = [await tagged({ team: "a" }), await tagged({ team: "a" }), await tagged({ team: "b" })];
        const perValue = await storage.claimQueuedRuns("w", 10, { start: true, tagLimits: [{ key: "team", limit: 1 }] });
        assert.deepEqual(perValue.map((run) => run.runId), [a1, b1]);
        assert.equal((await storage.getRun(a2))?.status, "QUEUED");
      });

      it("claims no more than keeps the runs in progress everywhere within maxInProgress", async () => {
        await storage.createRun(newRun({ status: "STARTED" }));
        const queued = [];
        for (let index = 0; index < 4; index++) queued.push((await storage.createRun(newRun())).runId);
        assert.deepEqual((await storage.claimQueuedRuns("w", 10, { start: true, maxInProgress: 3 })).map((run) => run.runId), queued.slice(0, 2));
        assert.deepEqual(await storage.claimQueuedRuns("w", 10, { start: true, maxInProgress: 3 }), []);
        assert.equal((await storage.getRun(queued[2]!))?.status, "QUEUED");
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
    });

    describe("derived latest materializations and check results", () => {
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
    });

    describe("schedule and sensor state", () => {
      it("stores an instigator's status and cursor, keeps the cursor when omitted and clears it with null", async () => {
        assert.equal(await storage.getInstigatorState("new_files"), null);
        const created = await storage.setInstigatorState({ name: "new_files", type: "sensor", status: "RUNNING", cursor: "c1" });
        assert.deepEqual([created.name, created.type, created.status, created.cursor], ["new_files", "sensor", "RUNNING", "c1"]);
        const stopped = await storage.setInstigatorState({ name: "new_files", type: "sensor", status: "STOPPED" });
        assert.equal(stopped.cursor, "c1");
        assert.equal(stopped.status, "STOPPED");
        assert.ok(stopped.updatedAt >= created.updatedAt);
        const cleared = await storage.setInstigatorState({ name: "new_files", type: "sensor", status: "STOPPED", cursor: null });
        assert.equal(cleared.cursor, null);
        assert.deepEqual(await storage.getInstigatorState("new_files"), cleared);
      });

      it("lists every instigator state by name", async () => {
        await storage.setInstigatorState({ name: "nightly", type: "schedule", status: "RUNNING" });
        await storage.setInstigatorState({ name: "files", type: "sensor", status: "STOPPED" });
        assert.deepEqual((await storage.listInstigatorStates()).map((state) => state.name), ["files", "nightly"]);
      });
    });

    describe("ticks", () => {
      it("creates one tick per (instigator, tick time) and returns null for a duplicate", async () => {
        const tick = await storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED" });
        assert.ok(tick);
        assert.deepEqual([tick.instigatorName, tick.instigatorType, tick.tickTime, tick.status], ["nightly", "schedule", "2024-05-01T00:00:00.000Z", "STARTED"]);
        assert.deepEqual([tick.runIds, tick.runKeys, tick.skipReason, tick.error, tick.cursor], [[], [], null, null, null]);
        assert.equal(await storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED" }), null);
        assert.ok(await storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2024-05-02T00:00:00.000Z", status: "STARTED" }));
        assert.ok(await storage.createTick({ instigatorName: "hourly", instigatorType: "schedule", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED" }));
      });

      it("lets exactly one of several daemons creating the same tick at once win", async () => {
        const attempts = await Promise.all(
          Array.from({ length: 5 }, () =>
            storage.createTick({ instigatorName: "sensor_a", instigatorType: "sensor", tickTime: "2024-05-01T00:00:30.000Z", status: "STARTED" }),
          ),
        );
        assert.equal(attempts.filter((tick) => tick !== null).length, 1);
      });

      it("updates a tick's outcome and refuses an unknown tick id", async () => {
        const tick = (await storage.createTick({ instigatorName: "files", instigatorType: "sensor", tickTime: "2024-05-01T00:00:00.000Z", status: "STARTED", cursor: "c0" }))!;
        assert.equal(tick.cursor, "c0");
        const done = await storage.updateTick(tick.tickId, { status: "SUCCESS", runIds: ["r1", "r2"], runKeys: ["k1", "k2"], cursor: "c1" });
        assert.deepEqual([done.status, done.runIds, done.runKeys, done.cursor, done.skipReason], ["SUCCESS", ["r1", "r2"], ["k1", "k2"], "c1", null]);
        assert.ok(done.updatedAt >= tick.updatedAt);
        const skipped = await storage.updateTick(tick.tickId, { status: "SKIPPED", skipReason: "no new files" });
        assert.deepEqual([skipped.status, skipped.skipReason, skipped.runIds], ["SKIPPED", "no new files", ["r1", "r2"]]);
        await assert.rejects(storage.updateTick(tick.tickId + 1000, { status: "FAILURE" }), StorageNotFoundError);
      });

      it("lists an instigator's ticks newest tick time first, up to the limit", async () => {
        for (const time of ["2024-05-02", "2024-05-03", "2024-05-01"]) {
          await storage.createTick({ instigatorName: "daily", instigatorType: "schedule", tickTime: `${time}T00:00:00.000Z`, status: "SUCCESS" });
        }
        await storage.createTick({ instigatorName: "other", instigatorType: "schedule", tickTime: "2024-05-09T00:00:00.000Z", status: "SUCCESS" });
        assert.deepEqual((await storage.listTicks("daily")).map((tick) => tick.tickTime.slice(0, 10)), ["2024-05-03", "2024-05-02", "2024-05-01"]);
        assert.deepEqual((await storage.listTicks("daily", { limit: 1 })).map((tick) => tick.tickTime.slice(0, 10)), ["2024-05-03"]);
      });
    });

    describe("daemon heartbeats", () => {
      it("keeps the last heartbeat of each daemon", async () => {
        await storage.recordDaemonHeartbeat("daemon-b", { host: "b", pid: 2 }, "2024-05-01T00:00:00.000Z");
        await storage.recordDaemonHeartbeat("daemon-a", { host: "a" }, "2024-05-01T00:00:00.000Z");
        await storage.recordDaemonHeartbeat("daemon-b", { host: "b", pid: 3 }, "2024-05-01T00:00:30.000Z");
        assert.deepEqual(await storage.listDaemonHeartbeats(), [
          { daemonId: "daemon-a", info: { host: "a" }, at: "2024-05-01T00:00:00.000Z" },
          { daemonId: "daemon-b", info: { host: "b", pid: 3 }, at: "2024-05-01T00:00:30.000Z" },
        ]);
      });
    });

    describe("migrations", () => {
      it("migrates to the newest version and does nothing when migrated again", async () => {
        assert.equal(await storage.schemaVersion(), hooks.supportedVersion);
        const run = await storage.createRun(newRun());
        await storage.migrate();
        await storage.migrate();
        assert.equal(await storage.schemaVersion(), hooks.supportedVersion);
        assert.deepEqual(await storage.getRun(run.runId), run);
      });

      it("refuses a database migrated by a newer tributary, naming both versions and what to do", async () => {
        const newer = hooks.supportedVersion + 7;
        await hooks.recordSchemaVersion(storage, newer);
        assert.equal(await storage.schemaVersion(), newer);
        await assert.rejects(storage.migrate(), (error: unknown) => {
          assert.ok(error instanceof StorageVersionError, String(error));
          assert.match(error.message, new RegExp(`schema version ${newer}\\b`));
          assert.match(error.message, new RegExp(`supports up to version ${hooks.supportedVersion}\\b`));
          assert.match(error.hint ?? "", /Upgrade tributary/);
          return true;
        });
      });
    });

    it("returns timestamps exactly as given, including microseconds", async () => {
      const instant = "2024-02-29T23:59:59.123456Z";
      const run = await storage.createRun(newRun({ instigator: { type: "schedule", name: "s", tickTime: instant } }));
      await storage.updateRun(run.runId, { startedAt: instant, endedAt: "2024-03-01T00:00:00Z", heartbeatAt: instant });
      const read = (await storage.getRun(run.runId))!;
      assert.deepEqual([read.startedAt, read.endedAt, read.heartbeatAt, read.instigator?.tickTime], [instant, "2024-03-01T00:00:00Z", instant, instant]);
      await storage.appendEvents([event(run.runId, "LOG", { timestamp: instant }), materialization(run.runId, "x")]);
      assert.equal((await storage.getRunEvents(run.runId))[0]!.timestamp, instant);
      const tick = await storage.createTick({ instigatorName: "s", instigatorType: "schedule", tickTime: instant, status: "STARTED" });
      assert.equal(tick?.tickTime, instant);
      assert.equal((await storage.listTicks("s"))[0]!.tickTime, instant);
      await storage.recordDaemonHeartbeat("d", {}, instant);
      assert.equal((await storage.listDaemonHeartbeats())[0]!.at, instant);
    });

    describe("partitions and backfills", () => {
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

      it("stores dynamic partition keys in the order they were added, ignoring repeats", async () => {
        await storage.addDynamicPartitions("customers", ["acme", "globex"]);
        await storage.addDynamicPartitions("customers", ["globex", "initech"]);
        await storage.addDynamicPartitions("regions", ["eu"]);
        assert.deepEqual(await storage.dynamicPartitionKeys("customers"), ["acme", "globex", "initech"]);
        await storage.removeDynamicPartitions("customers", ["globex", "nobody"]);
        assert.deepEqual(await storage.dynamicPartitionKeys("customers"), ["acme", "initech"]);
        assert.deepEqual(await storage.dynamicPartitionKeys("regions"), ["eu"]);
      });

      it("creates a backfill with its partitions pending and tracks their progress", async () => {
        const keys = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"];
        const created = await storage.createBackfill({
          backfillId: "bf1",
          selection: "daily_orders",
          request: { from: keys[0], to: keys[3], missingOnly: true },
          policy: { maxPartitionsPerRun: 1, maxConcurrentRuns: 2 },
          partitionKeys: keys,
        });
        assert.equal(created.status, "REQUESTED");
        assert.deepEqual(created.request, { from: keys[0], to: keys[3], missingOnly: true });
        assert.deepEqual((await storage.getBackfill("bf1"))?.policy, { maxPartitionsPerRun: 1, maxConcurrentRuns: 2 });
        assert.equal(await storage.getBackfill("nope"), null);
        const pending = await storage.getBackfillPartitions("bf1", { statuses: ["PENDING"], limit: 2 });
        assert.deepEqual(pending.map((p) => [p.partitionKey, p.position, p.status, p.runId, p.attempt]), [
          [keys[0], 0, "PENDING", null, 1],
          [keys[1], 1, "PENDING", null, 1],
        ]);
        await storage.setBackfillPartitions("bf1", [keys[0]!, keys[1]!], "QUEUED", { runId: "r1" });
        await storage.setBackfillPartitions("bf1", [keys[0]!], "DONE");
        await storage.setBackfillPartitions("bf1", [keys[1]!], "PENDING", { runId: null, bumpAttempt: true });
        const all = await storage.getBackfillPartitions("bf1");
        assert.deepEqual(all.map((p) => [p.status, p.runId, p.attempt]), [
          ["DONE", "r1", 1],
          ["PENDING", null, 2],
          ["PENDING", null, 1],
          ["PENDING", null, 1],
        ]);
        assert.deepEqual(await storage.getBackfillProgress("bf1"), { PENDING: 3, QUEUED: 0, DONE: 1, FAILED: 0, CANCELED: 0 });
      });

      it("moves a backfill between statuses only from the expected ones, and lists newest first", async () => {
        const make = (id: string) =>
          storage.createBackfill({ backfillId: id, selection: "*", request: {}, policy: { maxPartitionsPerRun: 1, maxConcurrentRuns: 1 }, partitionKeys: ["a"] });
        await make("old");
        await make("new");
        assert.equal(await storage.transitionBackfill("old", ["REQUESTED"], "CANCELING"), true);
        assert.equal(await storage.transitionBackfill("old", ["REQUESTED"], "COMPLETED"), false);
        assert.equal(await storage.transitionBackfill("old", ["CANCELING"], "CANCELED", "canceled by a person"), true);
        const old = await storage.getBackfill("old");
        assert.deepEqual([old?.status, old?.error], ["CANCELED", "canceled by a person"]);
        assert.deepEqual((await storage.listBackfills()).map((b) => b.backfillId), ["new", "old"]);
        assert.deepEqual((await storage.listBackfills({ statuses: ["REQUESTED"] })).map((b) => b.backfillId), ["new"]);
        assert.deepEqual(await storage.listBackfills({ statuses: [] }), []);
      });
    });
  });
}
