import assert from "node:assert/strict";
import { ClaimFrontier } from "../../runtime/src/storage/postgres/claimFrontier";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { event, newRun } from "./conformance";
import { waitFor } from "../support/waitFor";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL, uniqueSchemaName } from "./postgresTestDatabase";

describe("PostgreSQL storage shared by several processes", () => {
  let schema: string;
  let daemons: PostgresStorage[];
  beforeEach(async () => {
    await assertTestDatabaseReachable();
    schema = uniqueSchemaName();
    // Separate pools on one schema stand for separate daemons and workers.
    daemons = [0, 1, 2].map(() => new PostgresStorage(TEST_DATABASE_URL, { schema, maxConnections: 3 }));
  });
  afterEach(async () => {
    await disposeTestStorage(daemons[0]!);
    await Promise.all(daemons.slice(1).map((daemon) => daemon.close()));
  });

  it("migrates once when three processes migrate a fresh schema at the same moment", async () => {
    await Promise.all(daemons.map((daemon) => daemon.migrate()));
    const { rows } = await daemons[0]!.pool.query("SELECT version FROM tributary_schema_migrations ORDER BY version");
    assert.deepEqual(rows.map((row) => row.version), Array.from({ length: daemons[0]!.supportedVersion }, (_, index) => index + 1));
  });

  it("never gives one queued run to two workers claiming from separate connections", async () => {
    await daemons[0]!.migrate();
    const queued = new Set<string>();
    for (let index = 0; index < 40; index++) queued.add((await daemons[0]!.createRun(newRun())).runId);
    const claimedBy = new Map<string, number>();
    for (;;) {
      const rounds = await Promise.all(daemons.map((daemon) => daemon.claimQueuedRuns(`worker`, 3)));
      rounds.forEach((runs, worker) => {
        for (const run of runs) {
          assert.ok(!claimedBy.has(run.runId), `${run.runId} claimed twice`);
          claimedBy.set(run.runId, worker);
        }
      });
      if (rounds.every((runs) => runs.length === 0)) break;
    }
    assert.deepEqual(new Set(claimedBy.keys()), queued);
  });

  it("never lets workers claiming at the same moment exceed a tag limit together", async () => {
    await daemons[0]!.migrate();
    for (let index = 0; index < 12; index++) await daemons[0]!.createRun(newRun({ tags: { database: "warehouse" } }));
    const limits = [{ key: "database", value: "warehouse", limit: 2 }];
    for (let round = 0; round < 5; round++) {
      await Promise.all(daemons.map((daemon, index) => daemon.claimQueuedRuns(`w${index}`, 3, { start: true, tagLimits: limits })));
    }
    const running = await daemons[0]!.listRuns({ statuses: ["STARTED"], limit: 100 });
    assert.equal(running.length, 2, `in progress: ${running.length}`);
  });

  it("never lets workers claiming at the same moment exceed a global limit together", async () => {
    await daemons[0]!.migrate();
    for (let index = 0; index < 12; index++) await daemons[0]!.createRun(newRun());
    for (let round = 0; round < 5; round++) {
      await Promise.all(daemons.map((daemon, index) => daemon.claimQueuedRuns(`w${index}`, 3, { start: true, maxInProgress: 4 })));
    }
    assert.equal((await daemons[0]!.listRuns({ statuses: ["STARTED"], limit: 100 })).length, 4);
  });

  it("creates a schedule tick once when three daemons create it at the same moment", async () => {
    await daemons[0]!.migrate();
    for (let round = 0; round < 5; round++) {
      const tickTime = `2024-05-0${round + 1}T00:00:00.000Z`;
      const ticks = await Promise.all(
        daemons.map((daemon) => daemon.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime, status: "STARTED" })),
      );
      assert.equal(ticks.filter((tick) => tick !== null).length, 1, tickTime);
    }
  });

  it("never lets a reader following a run with afterId miss events two processes append to that run at once", async () => {
    await daemons[0]!.migrate();
    let writing = true;
    const writers = Promise.all(
      [daemons[0]!, daemons[1]!].map(async (daemon, writer) => {
        for (let batch = 0; batch < 40; batch++) {
          await daemon.appendEvents(Array.from({ length: 10 }, (_, i) => event("shared", "LOG", { message: `${writer}:${batch}:${i}` })));
        }
      }),
    ).finally(() => (writing = false));
    const seen: number[] = [];
    let cursor = 0;
    const follow = async () => {
      const page = await daemons[2]!.getRunEvents("shared", { afterId: cursor });
      for (const stored of page) seen.push(stored.id);
      if (page.length > 0) cursor = page[page.length - 1]!.id;
    };
    while (writing) await follow();
    await writers;
    await follow();
    const all = (await daemons[2]!.getRunEvents("shared")).map((stored) => stored.id);
    assert.equal(all.length, 800);
    assert.deepEqual(seen, all);
  });

  it("keeps the newest materialization when two processes append for the same asset at once", async () => {
    await daemons[0]!.migrate();
    await Promise.all(
      daemons.map((daemon, index) =>
        daemon.appendEvents(
          Array.from({ length: 50 }, (_, i) => event(`r${index}`, "ASSET_MATERIALIZATION", { data: { assetKey: "orders", metadata: { i } } })),
        ),
      ),
    );
    const [latest] = await daemons[1]!.getLatestMaterializations(["orders"]);
    const { rows } = await daemons[0]!.pool.query("SELECT MAX(id) AS id FROM events");
    assert.equal(latest?.eventId, Number(rows[0].id));
  });
});

describe("PostgreSQL storage specifics", () => {
  let storage: PostgresStorage;
  beforeEach(async () => {
    await assertTestDatabaseReachable();
    storage = await makeTestStorage();
  });
  afterEach(() => disposeTestStorage(storage));

  it("keeps each schema's rows to itself", async () => {
    const other = await makeTestStorage();
    try {
      await storage.createRun(newRun({ runId: "only-here" }));
      assert.equal(await other.getRun("only-here"), null);
      assert.deepEqual(await other.listRuns(), []);
    } finally {
      await disposeTestStorage(other);
    }
  });

  it("stores a log line and data containing NUL characters, which PostgreSQL text cannot hold, as U+FFFD", async () => {
    await storage.appendEvents([
      event("r1", "LOG", { message: "bin\u0000ary", data: { raw: "a\u0000b", escaped: "\\u0000 stays" } }),
      event("r1", "ASSET_MATERIALIZATION", { data: { assetKey: "blob", metadata: { head: "\u0000" } } }),
    ]);
    const [log] = await storage.getRunEvents("r1");
    assert.equal(log?.message, "bin\uFFFDary");
    assert.deepEqual(log?.data, { raw: "a\uFFFDb", escaped: "\\u0000 stays" });
    assert.deepEqual((await storage.getLatestMaterializations())[0]?.metadata, { head: "\uFFFD" });
  });

  it("rolls back the whole batch, events included, when updating a derived table fails", async () => {
    await storage.pool.query(`
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
      CREATE TRIGGER refuse_check BEFORE INSERT ON asset_latest_check_results FOR EACH ROW EXECUTE FUNCTION refuse();`);
    const check = event("r1", "ASSET_CHECK_EVALUATION", {
      data: { assetKey: "orders", checkName: "unique", passed: true, severity: "WARN", blocking: false, metadata: {} },
    });
    await assert.rejects(storage.appendEvents([...Array.from({ length: 600 }, () => event("r1")), check]), /refused by test/);
    assert.deepEqual(await storage.getRunEvents("r1"), []);
  });
  it("rolls back a small batch and its run's final status together when a derived row fails (the one-statement path)", async () => {
    const run = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.pool.query(`
      CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
      CREATE TRIGGER refuse_materialization BEFORE INSERT ON asset_latest_materializations FOR EACH ROW EXECUTE FUNCTION refuse();`);
    await assert.rejects(
      storage.appendEvents([event(run.runId, "ASSET_MATERIALIZATION", { data: { assetKey: "orders", metadata: {} } }), event(run.runId, "RUN_SUCCESS")], {
        runUpdate: { runId: run.runId, update: { status: "SUCCESS", endedAt: new Date().toISOString() } },
      }),
      /refused by test/,
    );
    assert.deepEqual(await storage.getRunEvents(run.runId), []);
    assert.equal((await storage.getRun(run.runId))?.status, "STARTED");
  });

  it("points each derived row at its own event when one small batch holds several", async () => {
    const run = await storage.createRun(newRun({ status: "STARTED" }));
    const materialization = (assetKey: string, partition?: string) =>
      event(run.runId, "ASSET_MATERIALIZATION", { data: { assetKey, metadata: { assetKey }, ...(partition ? { partition } : {}) } });
    const check = event(run.runId, "ASSET_CHECK_EVALUATION", {
      data: { assetKey: "orders", checkName: "unique", passed: false, severity: "ERROR", blocking: true, metadata: {} },
    });
    // Another run's events in between would interleave ids if positions were mapped naively.
    await storage.appendEvents([event("other")]);
    await storage.appendEvents(
      [event(run.runId), materialization("orders"), event(run.runId), check, materialization("customers"), materialization("daily", "2024-01-02"), event(run.runId, "RUN_SUCCESS")],
      { runUpdate: { runId: run.runId, update: { status: "SUCCESS" } } },
    );
    const stored = await storage.getRunEvents(run.runId);
    const idOf = (predicate: (e: (typeof stored)[number]) => boolean) => stored.find(predicate)!.id;
    const latest = new Map((await storage.getLatestMaterializations()).map((record) => [record.assetKey, record.eventId]));
    assert.equal(latest.get("orders"), idOf((e) => e.type === "ASSET_MATERIALIZATION" && (e.data as { assetKey: string }).assetKey === "orders"));
    assert.equal(latest.get("customers"), idOf((e) => e.type === "ASSET_MATERIALIZATION" && (e.data as { assetKey: string }).assetKey === "customers"));
    const [checkResult] = await storage.getLatestCheckResults();
    assert.equal(checkResult?.eventId, idOf((e) => e.type === "ASSET_CHECK_EVALUATION"));
    const [partition] = await storage.getAssetPartitions("daily");
    assert.equal(partition?.eventId, idOf((e) => e.type === "ASSET_MATERIALIZATION" && (e.data as { assetKey: string }).assetKey === "daily"));
    assert.equal((await storage.getRun(run.runId))?.status, "SUCCESS");
  });

  it("refuses a small batch with a final status for an unknown run, and writes none of it", async () => {
    await assert.rejects(
      storage.appendEvents([event("nobody", "RUN_SUCCESS")], { runUpdate: { runId: "nobody", update: { status: "SUCCESS" } } }),
      /Cannot update run nobody: no such run/,
    );
    assert.deepEqual(await storage.getRunEvents("nobody"), []);
  });
});

describe("PostgreSQL queued-run notifications", () => {
  let storage: PostgresStorage;
  let other: PostgresStorage;
  beforeEach(async () => {
    await assertTestDatabaseReachable();
    storage = await makeTestStorage();
    // Another process's pool on the same schema.
    other = new PostgresStorage(TEST_DATABASE_URL, { schema: storage.schema, maxConnections: 1 });
  });
  afterEach(async () => {
    await other.close();
    await disposeTestStorage(storage);
  });

  it("tells a listener when another process queues a run or gives one back, and not for other runs", async () => {
    const heard: number[] = [];
    const stop = await storage.listenForQueuedRuns(() => heard.push(Date.now()), () => undefined);
    try {
      await waitFor("the look-now call when listening starts", () => heard.length === 1);
      // Not QUEUED: no notification. Notifications arrive in commit order, so had this one notified,
      // it would arrive before the next one's.
      const started = await other.createRun(newRun({ status: "STARTED" }));
      const queuedAt = Date.now();
      await other.createRun(newRun());
      await waitFor("a notification for the queued run", () => heard.length === 2);
      assert.ok(heard[1]! - queuedAt < 1000, `heard ${heard[1]! - queuedAt} ms after the commit`);
      await other.transitionRun(started.runId, ["STARTED"], "FAILURE");
      await other.transitionRun(started.runId, ["FAILURE"], "QUEUED");
      await waitFor("a notification for the run given back to the queue", () => heard.length === 3);
    } finally {
      await stop();
    }
    await other.createRun(newRun());
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(heard.length, 3, "nothing after stop()");
  });

  it("listens again after its connection is killed, looking for runs queued meanwhile", async () => {
    const heard: string[] = [];
    const logged: string[] = [];
    const stop = await storage.listenForQueuedRuns(() => heard.push("look"), (message) => logged.push(message));
    try {
      await waitFor("listening", () => heard.length === 1);
      await other.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %tributary_queue_' || $1 || '%'", [storage.schema]);
      await waitFor("the listener reconnected", () => logged.some((line) => /listening for queued runs again/.test(line)), 10_000);
      assert.ok(logged.some((line) => /not listening for queued runs .*polling only/.test(line)), logged.join("\n"));
      const before = heard.length;
      await other.createRun(newRun());
      await waitFor("a notification on the new connection", () => heard.length > before);
    } finally {
      await stop();
    }
  });
});

describe("PostgreSQL claim frontier", () => {
  it("looks after the last claimed run, and at the whole queue first, every second, and after a short look", () => {
    const frontier = new ClaimFrontier(1000);
    assert.equal(frontier.lookAfter(0), 0, "the first look is a full one");
    frontier.claimed(0, [5, 7], 2);
    assert.equal(frontier.lookAfter(10), 7);
    frontier.claimed(7, [9], 1);
    assert.equal(frontier.lookAfter(20), 9);
    frontier.claimed(9, [], 1);
    assert.equal(frontier.lookAfter(30), 0, "a look past the frontier that found too few is followed by a full one");
    frontier.claimed(0, [], 1);
    assert.equal(frontier.lookAfter(40), 9);
    assert.equal(frontier.lookAfter(1030), 0, "a full look at least every second");
  });

  it("claims a run given back to the queue behind the frontier as soon as nothing is queued past it", async () => {
    await assertTestDatabaseReachable();
    const storage = await makeTestStorage();
    try {
      const queued = [];
      for (let index = 0; index < 3; index++) queued.push((await storage.createRun(newRun())).runId);
      assert.deepEqual((await storage.claimQueuedRuns("w", 2, { start: true })).map((run) => run.runId), queued.slice(0, 2));
      // Given back (a tag limit): it keeps its place at the front, behind the frontier.
      assert.ok(await storage.transitionRun(queued[0]!, ["STARTED"], "QUEUED", { workerId: null, startedAt: null }));
      assert.deepEqual((await storage.claimQueuedRuns("w", 1, { start: true })).map((run) => run.runId), [queued[2]]);
      assert.deepEqual((await storage.claimQueuedRuns("w", 1, { start: true })).map((run) => run.runId), [queued[0]]);
    } finally {
      await disposeTestStorage(storage);
    }
  });
});

describe("PostgreSQL prepared statements", () => {
  let storages: PostgresStorage[] = [];
  const open = async (options: { preparedStatements?: boolean } = {}) => {
    // One connection, so the session the test inspects is the one the storage used.
    const storage = new PostgresStorage(TEST_DATABASE_URL, { schema: uniqueSchemaName(), maxConnections: 1, ...options });
    await storage.migrate();
    storages.push(storage);
    return storage;
  };
  const preparedCount = async (storage: PostgresStorage) =>
    Number((await storage.pool.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE name LIKE 'tributary_s%'")).rows[0].n);
  beforeEach(() => assertTestDatabaseReachable());
  afterEach(async () => {
    await Promise.all(storages.map((storage) => disposeTestStorage(storage)));
    storages = [];
  });

  it("prepares a statement once per connection and reuses it", async () => {
    const storage = await open();
    const run = await storage.createRun(newRun());
    const before = await preparedCount(storage);
    for (let index = 0; index < 5; index++) await storage.getRun(run.runId);
    assert.ok(before >= 1, "createRun was prepared");
    assert.equal(await preparedCount(storage), before + 1, "five getRun calls prepared one statement");
  });

  it("prepares nothing with preparedStatements: false (for poolers that cannot keep them)", async () => {
    const storage = await open({ preparedStatements: false });
    const run = await storage.createRun(newRun());
    await storage.getRun(run.runId);
    await storage.appendEvents([event(run.runId, "RUN_SUCCESS")], { runUpdate: { runId: run.runId, update: { status: "SUCCESS" } } });
    assert.equal(await preparedCount(storage), 0);
    assert.equal((await storage.getRun(run.runId))?.status, "SUCCESS");
  });

  it("keeps working when another process adds a column to a table a prepared statement selects * from", async () => {
    const storage = await open();
    const run = await storage.createRun(newRun());
    await storage.getRun(run.runId);
    const other = new PostgresStorage(TEST_DATABASE_URL, { schema: storage.schema, maxConnections: 1 });
    try {
      await other.pool.query("ALTER TABLE runs ADD COLUMN added_by_a_newer_version TEXT");
    } finally {
      await other.close();
    }
    assert.equal((await storage.getRun(run.runId))?.runId, run.runId);
    assert.equal((await storage.getRun(run.runId))?.runId, run.runId);
  });
});
