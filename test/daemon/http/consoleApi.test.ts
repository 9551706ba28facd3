/**
 * The console's reads over real HTTP, on SQLite and PostgreSQL: the runs list paged by cursor and
 * filtered, run counts, a run's events paged both ways and filtered, and its event stats; with the
 * same validation and error shape as every route.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { RunEvent } from "../../../runtime/src/types";
import type { RunEventJson, RunJson } from "../../../runtime/src/wire";
import { call, FIXTURE_BACKENDS, startFixtureOn, type Fixture } from "./fixture";

const backends = FIXTURE_BACKENDS;

for (const backend of backends) {
  describe(`the console's API (${backend.name})`, function () {
    this.timeout(60_000);
    let fixture: Fixture;
    let base: string;
    before(async () => {
      fixture = await startFixtureOn(backend);
      base = fixture.server.url;
    });
    after(() => fixture?.dispose());

    describe("runs", () => {
      const created: string[] = [];
      before(async () => {
        const storage = fixture.storage;
        for (let index = 0; index < 7; index++) {
          const instigator = index % 3 === 1 ? { type: "schedule" as const, name: "nightly" } : index % 3 === 2 ? { type: "sensor" as const, name: "watcher" } : null;
          const run = await storage.createRun({
            runId: randomUUID(),
            status: index % 2 === 0 ? "SUCCESS" : "FAILURE",
            selection: index < 3 ? "job:up_to_mart" : "raw",
            assetKeys: index < 3 ? ["raw", "stg", "mart"] : ["raw"],
            tags: { team: index < 4 ? "data" : "web" },
            instigator,
          });
          created.push(run.runId);
        }
      });

      it("pages the runs newest first with nextCursor, every run once, null after the last page", async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const answer = await call(base, "GET", `/api/runs?limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
          assert.equal(answer.status, 200);
          seen.push(...(answer.json.runs as RunJson[]).map((run) => run.runId));
          cursor = answer.json.nextCursor;
          pages++;
        } while (cursor !== null);
        assert.deepEqual(seen, [...created].reverse());
        assert.equal(pages, 3);
        const exact = await call(base, "GET", "/api/runs?limit=7");
        assert.equal(exact.json.nextCursor, null, "no next page when the page held the last run");
      });

      it("filters by status, asset, job, instigator, tag and time, together", async () => {
        const ids = async (query: string) => ((await call(base, "GET", `/api/runs?${query}`)).json.runs as RunJson[]).map((run) => run.runId);
        const newestFirst = (indexes: number[]) => indexes.sort((a, b) => b - a).map((index) => created[index]);
        assert.deepEqual(await ids("job=up_to_mart"), newestFirst([0, 1, 2]));
        assert.deepEqual(await ids("asset=mart&status=success"), newestFirst([0, 2]));
        assert.deepEqual(await ids("instigator=schedule:nightly"), newestFirst([1, 4]));
        assert.deepEqual(await ids("instigator=manual&tag=team%3Dweb"), newestFirst([6]));
        assert.deepEqual(await ids("tag=team=data&instigator=sensor:watcher"), newestFirst([2]));
        assert.deepEqual(await ids("from=2000-01-01&to=9999-12-31T00:00:00Z&job=up_to_mart"), newestFirst([0, 1, 2]));
        assert.deepEqual(await ids("to=2000-01-01"), []);
      });

      it("counts the runs by status under the same filters, every status present, at /api/runs/counts (not a run id)", async () => {
        const all = await call(base, "GET", "/api/runs/counts");
        assert.equal(all.status, 200);
        assert.deepEqual(all.json, { counts: { QUEUED: 0, STARTING: 0, STARTED: 0, CANCELING: 0, SUCCESS: 4, FAILURE: 3, CANCELED: 0 }, total: 7 });
        const job = await call(base, "GET", "/api/runs/counts?job=up_to_mart&instigator=schedule:nightly");
        assert.deepEqual(job.json.counts.FAILURE, 1);
        assert.equal(job.json.total, 1);
        const withStatus = await call(base, "GET", "/api/runs/counts?status=SUCCESS");
        assert.equal(withStatus.status, 400);
        assert.match(withStatus.json.error.message, /unknown query parameter "status"/);
      });

      it("refuses bad paging and filters with a 400 that says what to send", async () => {
        const cases: [string, RegExp][] = [
          ["/api/runs?cursor=nonsense", /"cursor" is not a cursor of this API/],
          [`/api/runs?cursor=x&before=${created[0]}`, /"before" and "cursor" cannot be used together/],
          ["/api/runs?instigator=cron:nightly", /"instigator" must be schedule:NAME/],
          ["/api/runs?tag=team", /"tag" must be KEY=VALUE/],
          ["/api/runs?from=yesterday", /"from" must be an ISO 8601 date/],
          ["/api/runs?limit=1001", /"limit" must be a whole number from 1 to 1000/],
          ["/api/runs?colour=red", /unknown query parameter "colour"/],
        ];
        for (const [path, message] of cases) {
          const answer = await call(base, "GET", path);
          assert.equal(answer.status, 400, path);
          assert.match(answer.json.error.message, message, path);
          if (!path.includes("limit")) assert.equal(typeof answer.json.error.hint, "string", path);
        }
      });
    });

    describe("an asset", () => {
      const runs: string[] = [];
      before(async () => {
        for (let index = 0; index < 3; index++) {
          const runId = (await call(base, "POST", "/api/runs", { body: { selection: "+stg" } })).json.runId as string;
          await fixture.services.execute(runId);
          runs.push(runId);
        }
      });

      it("shows one asset as in the list, with its upstream and downstream keys, and 404 for a key there is not", async () => {
        const list = (await call(base, "GET", "/api/assets")).json.assets as { key: string }[];
        const detail = await call(base, "GET", "/api/assets/stg");
        assert.equal(detail.status, 200);
        assert.deepEqual({ ...detail.json, upstream: undefined, downstream: undefined }, { ...list.find((asset) => asset.key === "stg"), upstream: undefined, downstream: undefined });
        assert.deepEqual(detail.json.upstream, ["raw"]);
        assert.deepEqual(detail.json.downstream, ["mart"]);
        assert.equal(detail.json.latestMaterialization.runId, runs[2]);
        assert.equal(detail.json.file, "definitions.ts");
        assert.equal(typeof detail.json.line, "number");
        const unknown = await call(base, "GET", "/api/assets/mart%2Ftotal");
        assert.equal(unknown.status, 404);
        assert.match(unknown.json.error.message, /no asset "mart\/total"/);
      });

      it("pages its materializations and its check evaluations newest first with nextCursor", async () => {
        const first = await call(base, "GET", "/api/assets/stg/materializations?limit=2");
        assert.equal(first.status, 200);
        assert.deepEqual(first.json.materializations.map((record: { runId: string }) => record.runId), [runs[2], runs[1]]);
        assert.equal(first.json.materializations[0].partition, null);
        const rest = await call(base, "GET", `/api/assets/stg/materializations?limit=2&cursor=${first.json.nextCursor}`);
        assert.deepEqual(rest.json.materializations.map((record: { runId: string }) => record.runId), [runs[0]]);
        assert.equal(rest.json.nextCursor, null);
        const checks = await call(base, "GET", "/api/assets/stg/checks");
        assert.equal(checks.status, 200);
        assert.deepEqual(checks.json.evaluations.map((record: { runId: string; passed: boolean }) => [record.runId, record.passed]), [[runs[2], true], [runs[1], true], [runs[0], true]]);
        assert.equal(checks.json.nextCursor, null);
        assert.deepEqual((await call(base, "GET", "/api/assets/mart/checks")).json, { evaluations: [], nextCursor: null });
        const bad = await call(base, "GET", "/api/assets/stg/materializations?cursor=abc");
        assert.equal(bad.status, 400);
        assert.equal((await call(base, "GET", "/api/assets/nope/checks")).status, 404);
      });
    });

    describe("actions and details", () => {
      const launch = async (selection: string) => {
        const runId = (await call(base, "POST", "/api/runs", { body: { selection } })).json.runId as string;
        await fixture.services.execute(runId);
        return runId;
      };
      const reexecute = (runId: string, body: unknown) => call(base, "POST", `/api/runs/${runId}/reexecute`, { body });

      it("re-executes a run all of it, from its failure, or some steps, tagged with its parent and root run", async () => {
        const failed = await launch("raw or broken");
        assert.equal((await fixture.storage.getRun(failed))!.status, "FAILURE");
        const fromFailure = await reexecute(failed, { from: "failure" });
        assert.equal(fromFailure.status, 201, fromFailure.text);
        const child = (await fixture.storage.getRun(fromFailure.json.runId))!;
        assert.deepEqual(child.assetKeys, ["broken"]);
        assert.equal(child.tags["tributary/parent_run_id"], failed);
        assert.equal(child.tags["tributary/root_run_id"], failed);
        assert.equal(child.parentRunId, null, "a re-execution is not a retry");
        await fixture.services.execute(child.runId);
        const grandchild = (await fixture.storage.getRun((await reexecute(child.runId, { from: "all" })).json.runId))!;
        assert.equal(grandchild.selection, child.selection);
        assert.equal(grandchild.tags["tributary/parent_run_id"], child.runId);
        assert.equal(grandchild.tags["tributary/root_run_id"], failed, "the root stays the first run of the chain");
        const someSteps = (await fixture.storage.getRun((await reexecute(failed, { from: "steps", steps: ["raw"] })).json.runId))!;
        assert.deepEqual(someSteps.assetKeys, ["raw"]);
      });

      it("refuses a re-execution that makes no sense with a 4xx that says what to send", async () => {
        const succeeded = await launch("raw");
        const cases: [string, unknown, number, RegExp][] = [
          [succeeded, { from: "failure" }, 409, /only a failed or canceled run is re-executed from its failure/],
          [succeeded, { from: "steps", steps: ["mart"] }, 400, /has no step "mart"/],
          [succeeded, { from: "steps" }, 400, /needs "steps"/],
          [succeeded, { from: "all", steps: ["raw"] }, 400, /"steps" goes with "from": "steps"/],
          [succeeded, { from: "everything" }, 400, /"from"/],
          ["no-such-run", { from: "all" }, 404, /no run with id "no-such-run"/],
        ];
        for (const [runId, body, status, message] of cases) {
          const answer = await reexecute(runId, body);
          assert.equal(answer.status, status, JSON.stringify(body));
          assert.match(answer.json.error.message, message, JSON.stringify(body));
        }
      });

      it("shows a schedule with its next ticks once running, a sensor with its cursor, and pages ticks by cursor", async () => {
        const stopped = await call(base, "GET", "/api/schedules/nightly");
        assert.equal(stopped.status, 200);
        assert.deepEqual([stopped.json.status, stopped.json.nextTicks, stopped.json.lastTick, stopped.json.cron], ["STOPPED", [], null, "0 2 * * *"]);
        await call(base, "POST", "/api/schedules/nightly/start");
        const running = await call(base, "GET", "/api/schedules/nightly");
        assert.equal(running.json.nextTicks.length, 5);
        assert.equal(running.json.nextTicks[0], running.json.nextTick);
        assert.ok(running.json.nextTicks.every((tick: string, index: number) => index === 0 || tick > running.json.nextTicks[index - 1]));
        await call(base, "POST", "/api/schedules/nightly/stop");
        for (const day of ["01", "02", "03"]) {
          await fixture.storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: `2026-11-${day}T01:00:00.000Z`, status: "SUCCESS" });
        }
        const first = await call(base, "GET", "/api/schedules/nightly/ticks?limit=2");
        assert.deepEqual(first.json.ticks.map((tick: { tickTime: string }) => tick.tickTime.slice(0, 10)), ["2026-11-03", "2026-11-02"]);
        const rest = await call(base, "GET", `/api/schedules/nightly/ticks?limit=2&cursor=${first.json.nextCursor}`);
        assert.deepEqual(rest.json.ticks.map((tick: { tickTime: string }) => tick.tickTime.slice(0, 10)), ["2026-11-01"]);
        assert.equal(rest.json.nextCursor, null);
        assert.equal((await call(base, "GET", "/api/schedules/nightly")).json.lastTick.tickTime, "2026-11-03T01:00:00.000Z");
        const sensor = await call(base, "GET", "/api/sensors/watcher");
        assert.deepEqual([sensor.status, sensor.json.cursor, sensor.json.lastTick], [200, null, null]);
        const unknown = await call(base, "GET", "/api/sensors/watchr");
        assert.equal(unknown.status, 404);
        assert.match(unknown.json.error.hint, /Did you mean "watcher"\?/);
        assert.equal((await call(base, "GET", "/api/sensors/watcher/ticks?cursor=zzz")).status, 400);
      });

      it("resumes a canceled backfill: its canceled and failed partitions pending again as new attempts; 409 for one still running", async () => {
        const storage = fixture.storage;
        const backfillId = `bf-${randomUUID()}`;
        await storage.createBackfill({ backfillId, selection: "raw", request: {}, policy: { maxPartitionsPerRun: 1, maxConcurrentRuns: 1 }, partitionKeys: ["a", "b", "c"] });
        const running = await call(base, "POST", `/api/backfills/${backfillId}/resume`);
        assert.equal(running.status, 409);
        assert.match(running.json.error.message, /is REQUESTED: only a CANCELED or FAILED backfill is resumed/);
        await storage.setBackfillPartitions(backfillId, ["a"], "DONE");
        await storage.setBackfillPartitions(backfillId, ["b"], "FAILED");
        await storage.setBackfillPartitions(backfillId, ["c"], "CANCELED");
        await storage.transitionBackfill(backfillId, ["REQUESTED"], "CANCELING");
        await storage.transitionBackfill(backfillId, ["CANCELING"], "CANCELED");
        const resumed = await call(base, "POST", `/api/backfills/${backfillId}/resume`);
        assert.equal(resumed.status, 200, resumed.text);
        assert.equal(resumed.json.status, "REQUESTED");
        assert.deepEqual([resumed.json.partitions.done, resumed.json.partitions.remaining], [1, 2]);
        const partitions = await storage.getBackfillPartitions(backfillId);
        assert.deepEqual(partitions.map((partition) => [partition.partitionKey, partition.status, partition.attempt]), [["a", "DONE", 1], ["b", "PENDING", 2], ["c", "PENDING", 2]]);
        assert.equal((await call(base, "POST", "/api/backfills/nope/resume")).status, 404);
      });

      it("lays the runs of a window out in rows by schedule, sensor, backfill, job and the rest", async () => {
        const answer = await call(base, "GET", "/api/timeline");
        assert.equal(answer.status, 200);
        const rows = answer.json.rows as { key: string; kind: string; runs: { runId: string; createdAt: string }[] }[];
        const kinds = rows.map((row) => row.kind);
        assert.deepEqual(kinds, [...kinds].sort((a, b) => ["schedule", "sensor", "backfill", "job", "manual"].indexOf(a) - ["schedule", "sensor", "backfill", "job", "manual"].indexOf(b)));
        assert.equal(rows.find((row) => row.key === "schedule:nightly")?.runs.length, 2);
        assert.equal(rows.find((row) => row.key === "sensor:watcher")?.runs.length, 2);
        assert.equal(rows.find((row) => row.key === "job:up_to_mart")?.runs.length, 1);
        for (const row of rows) assert.ok(row.runs.every((run, index) => index === 0 || run.createdAt >= row.runs[index - 1]!.createdAt));
        assert.equal(answer.json.truncated, false);
        const past = await call(base, "GET", "/api/timeline?from=2000-01-01&to=2000-01-02");
        assert.deepEqual(past.json, { from: "2000-01-01T00:00:00.000Z", to: "2000-01-02T00:00:00.000Z", rows: [], truncated: false });
        const backwards = await call(base, "GET", "/api/timeline?from=2000-01-02&to=2000-01-01");
        assert.equal(backwards.status, 400);
      });
    });

    describe("a run's events", () => {
      let runId: string;
      let ids: number[];
      before(async () => {
        runId = randomUUID();
        await fixture.storage.createRun({ runId, status: "STARTED", selection: "raw", assetKeys: ["raw", "stg"] });
        const events: RunEvent[] = [];
        for (let n = 1; n <= 500; n++) {
          const failing = n === 400;
          events.push({
            runId,
            timestamp: new Date(1_700_000_000_000 + n).toISOString(),
            type: failing ? "STEP_FAILURE" : "LOG",
            stepKey: n % 2 === 0 ? "raw" : "stg",
            level: failing || n === 450 ? "error" : n % 100 === 0 ? "warn" : n % 10 === 0 ? "debug" : "info",
            message: failing ? "Step raw FAILED" : `line ${n}`,
          });
        }
        await fixture.storage.appendEvents(events);
        ids = (await fixture.storage.getRunEvents(runId)).map((event) => event.id);
      });
      const page = async (query: string) => {
        const answer = await call(base, "GET", `/api/runs/${runId}/events${query}`);
        assert.equal(answer.status, 200, answer.text);
        return answer.json.events as RunEventJson[];
      };

      it("gives 200 events by default, pages forward with after and backward with before, each page in ascending order", async () => {
        assert.deepEqual((await page("")).map((event) => event.id), ids.slice(0, 200));
        assert.deepEqual((await page(`?after=${ids[199]}&limit=1000`)).map((event) => event.id), ids.slice(200));
        const tail = await page(`?before=${ids[499]! + 1}&limit=50`);
        assert.deepEqual(tail.map((event) => event.id), ids.slice(450));
        assert.deepEqual((await page(`?before=${tail[0]!.id}&limit=50`)).map((event) => event.id), ids.slice(400, 450));
        assert.deepEqual((await page(`?before=${Number.MAX_SAFE_INTEGER}&limit=1`)).map((event) => event.id), [ids[499]]);
      });

      it("filters by step, minimum level, types and text", async () => {
        assert.deepEqual((await page("?level=warning&limit=1000")).map((event) => event.message), ["line 100", "line 200", "line 300", "Step raw FAILED", "line 450", "line 500"]);
        assert.deepEqual((await page("?level=error&step=raw")).map((event) => event.message), ["Step raw FAILED", "line 450"]);
        assert.deepEqual((await page("?level=error&step=stg")).map((event) => event.message), []);
        assert.deepEqual((await page("?type=step_failure,ASSET_MATERIALIZATION")).map((event) => event.message), ["Step raw FAILED"]);
        assert.deepEqual((await page("?q=FAILED")).map((event) => event.id), [ids[399]]);
        assert.deepEqual((await page(`?q=line%2049&step=stg&before=${ids[499]! + 1}&limit=3`)).map((event) => event.message), ["line 495", "line 497", "line 499"]);
      });

      it("counts the events by level and type, with the last id and the first error", async () => {
        const answer = await call(base, "GET", `/api/runs/${runId}/events/stats`);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json, {
          total: 500,
          lastId: ids[499],
          firstErrorId: ids[399],
          byLevel: { debug: 44, info: 450, warn: 4, error: 2 },
          byType: { LOG: 499, STEP_FAILURE: 1 },
        });
      });

      it("answers bad event queries with a 400, and an unknown run with a 404", async () => {
        const cases: [string, number, RegExp][] = [
          [`/api/runs/${runId}/events?level=loud`, 400, /"level" must be one of debug, info, warn, error/],
          [`/api/runs/${runId}/events?type=STEP_EXPLODED`, 400, /unknown event type "STEP_EXPLODED"/],
          [`/api/runs/${runId}/events?limit=1001`, 400, /"limit" must be a whole number from 1 to 1000/],
          [`/api/runs/${runId}/events?before=0`, 400, /"before" must be a whole number/],
          [`/api/runs/${runId}/events/stats?x=1`, 400, /unknown query parameter "x"/],
          ["/api/runs/no-such-run/events/stats", 404, /no run with id "no-such-run"/],
          ["/api/runs/no-such-run/events?level=error", 404, /no run with id "no-such-run"/],
        ];
        for (const [path, status, message] of cases) {
          const answer = await call(base, "GET", path);
          assert.equal(answer.status, status, path);
          assert.match(answer.json.error.message, message, path);
        }
        const stream = await call(base, "GET", `/api/runs/${runId}/events?level=error`, { headers: { Accept: "text/event-stream" } });
        assert.equal(stream.status, 400);
        assert.match(stream.json.error.message, /the event stream takes no "level"/);
      });
    });
  });
}
