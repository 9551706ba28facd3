/**
 * Conformance of RunStorage: creating, reading, listing and updating runs; transitions; claims
 * (oldest first, concurrent, within tag limits and maxInProgress); worker heartbeats.
 */
import assert from "node:assert/strict";
import type { RunStorage } from "../../../runtime/src/storage/port";
import { RunConflictError, StorageNotFoundError } from "../../../runtime/src/storage/errors";
import { newRun, useFreshStorage, type ConformanceBackend } from "./fixtures";

/** Registers the runs and claims part of the conformance suite for one backend. */
export function runConformance(backend: ConformanceBackend<RunStorage>): void {
  describe(`Storage conformance, runs and claims: ${backend.name}`, () => {
    let storage: RunStorage;
    useFreshStorage(backend, (made) => (storage = made));

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
      const ids = async (filter: Parameters<RunStorage["listRuns"]>[0]) => (await storage.listRuns(filter)).map((run) => run.runId);
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
      // Many runs by id in one query (the automation tick's facts read them so).
      assert.deepEqual(await ids({ runIds: [a.runId, c.runId, "no-such-run"] }), [c.runId, a.runId]);
      assert.deepEqual(await ids({ runIds: [a.runId, c.runId], statuses: ["QUEUED"], assetKey: "customers" }), [c.runId]);
      assert.deepEqual(await ids({ runIds: [] }), []);
      assert.equal((await storage.countRuns({ runIds: [b.runId] })).SUCCESS, 1);
    });

    it("filters runs by instigator (type and name, or manual), exact selection and creation time, and counts them by status", async () => {
      const manual = await storage.createRun(newRun({ selection: "job:nightly_job", status: "SUCCESS" }));
      const scheduled = await storage.createRun(newRun({ instigator: { type: "schedule", name: "nightly" }, selection: "job:nightly_job" }));
      const sensed = await storage.createRun(newRun({ instigator: { type: "sensor", name: "nightly" }, status: "FAILURE" }));
      const ids = async (filter: Parameters<RunStorage["listRuns"]>[0]) => (await storage.listRuns(filter)).map((run) => run.runId);
      assert.deepEqual(await ids({ instigator: { type: "schedule", name: "nightly" } }), [scheduled.runId]);
      assert.deepEqual(await ids({ instigator: { type: "sensor", name: "nightly" } }), [sensed.runId]);
      assert.deepEqual(await ids({ instigator: { type: "backfill", name: "nightly" } }), []);
      assert.deepEqual(await ids({ instigator: "manual" }), [manual.runId]);
      assert.deepEqual(await ids({ selection: "job:nightly_job" }), [scheduled.runId, manual.runId]);
      assert.deepEqual(await ids({ selection: "job:nightly" }), []);
      assert.deepEqual(await ids({ createdFrom: "2000-01-01T00:00:00.000Z" }), [sensed.runId, scheduled.runId, manual.runId]);
      assert.deepEqual(await ids({ createdTo: manual.createdAt }), []);
      assert.deepEqual(await ids({ createdTo: "9999-01-01T00:00:00.000Z", createdFrom: "9000-01-01T00:00:00.000Z" }), []);
      const fromLast = await storage.listRuns({ createdFrom: sensed.createdAt });
      assert.ok(fromLast.some((run) => run.runId === sensed.runId) && fromLast.every((run) => run.createdAt >= sensed.createdAt));

      const zero = { QUEUED: 0, STARTING: 0, STARTED: 0, CANCELING: 0, SUCCESS: 0, FAILURE: 0, CANCELED: 0 };
      assert.deepEqual(await storage.countRuns(), { ...zero, QUEUED: 1, SUCCESS: 1, FAILURE: 1 });
      assert.deepEqual(await storage.countRuns({ selection: "job:nightly_job" }), { ...zero, QUEUED: 1, SUCCESS: 1 });
      assert.deepEqual(await storage.countRuns({ instigator: "manual", assetKey: "raw_orders" }), { ...zero, SUCCESS: 1 });
      assert.deepEqual(await storage.countRuns({ tags: { nobody: "x" } }), zero);
    });

    it("counts the runs of a time range by status as it lists them, other filters and all", async () => {
      const created = [];
      for (let index = 0; index < 6; index++) created.push(await storage.createRun(newRun({ status: index % 3 === 0 ? "FAILURE" : "SUCCESS", tags: { team: index < 3 ? "data" : "web" } })));
      const tally = (runs: { status: string }[]) => Object.fromEntries(["QUEUED", "STARTING", "STARTED", "CANCELING", "SUCCESS", "FAILURE", "CANCELED"].map((status) => [status, runs.filter((run) => run.status === status).length]));
      const ranges = [
        { createdFrom: created[2]!.createdAt },
        { createdTo: created[4]!.createdAt },
        { createdFrom: created[1]!.createdAt, createdTo: created[5]!.createdAt },
        { createdFrom: created[1]!.createdAt, createdTo: created[5]!.createdAt, tags: { team: "web" } },
        { createdFrom: "9000-01-01T00:00:00.000Z" },
      ];
      for (const range of ranges) assert.deepEqual(await storage.countRuns(range), tally(await storage.listRuns(range)), JSON.stringify(range));
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
  });
}
