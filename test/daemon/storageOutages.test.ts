/**
 * How a daemon's parts take an unreachable database: the StorageWatch that logs an outage once,
 * the poll loops that leave it to the watch and wake when it ends, and the run monitor that does not
 * count the outage against live workers. A real SQLite storage stands in for the database; being
 * unreachable is what the storage reports (a StorageConnectionError), made on demand. The real
 * thing, a PostgreSQL stopped under a daemon, is in databaseOutage.test.ts.
 */
import assert from "node:assert/strict";
import { RunMonitor } from "../../runtime/src/daemon/monitor";
import { PollLoop } from "../../runtime/src/daemon/pollLoop";
import { DEFAULT_DAEMON_SETTINGS } from "../../runtime/src/daemon/settings";
import { StorageWatch } from "../../runtime/src/daemon/storageWatch";
import { StorageConnectionError } from "../../runtime/src/storage/errors";
import type { Storage } from "../../runtime/src/storage/port";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { waitFor } from "../support/waitFor";
import { createLogger, silentLogger } from "../../runtime/src/daemon/logger";

const unreachable = () => new StorageConnectionError("Cannot connect to PostgreSQL at postgres://db/prod: connect ECONNREFUSED");

/** A real storage whose calls fail as an unreachable database's do while `down` is set. */
function switchable(storage: Storage): { storage: Storage; down: boolean } {
  const state = { down: false, storage: storage };
  state.storage = new Proxy(storage, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => (state.down ? Promise.reject(unreachable()) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return state;
}

describe("a daemon while its database is unreachable", () => {
  let sqlite: SqliteStorage;
  beforeEach(async () => {
    sqlite = new SqliteStorage(":memory:");
    await sqlite.migrate();
  });
  afterEach(() => sqlite.close());

  describe("StorageWatch", () => {
    it("logs an outage once when it starts and once when it ends, whatever the number of failing calls", async () => {
      const lines: string[] = [];
      let now = 1_000_000;
      const watch = new StorageWatch(createLogger({ write: (line) => lines.push(line) }), () => now);
      const database = switchable(sqlite);
      const storage = watch.watch(database.storage);
      await storage.listRuns();
      database.down = true;
      for (let call = 0; call < 20; call++) await assert.rejects(storage.listRuns(), StorageConnectionError);
      assert.equal(watch.down, true);
      assert.equal(watch.outage?.since, new Date(1_000_000).toISOString());
      assert.match(watch.outage?.error.message ?? "", /ECONNREFUSED/);
      now += 15_000;
      database.down = false;
      await storage.listRuns();
      await storage.listRuns();
      assert.equal(watch.down, false);
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.match(lines[0]!, /^\[storage\] the database is unreachable: Cannot connect to PostgreSQL at postgres:\/\/db\/prod: connect ECONNREFUSED\. Retrying/);
      assert.match(lines[1]!, /^\[storage\] the database is reachable again after 15\.0 s/);
    });

    it("takes neither a call that started before the outage and succeeded late for its end, nor one that failed late for a new one", () => {
      const lines: string[] = [];
      let now = 100;
      const watch = new StorageWatch(createLogger({ write: (line) => lines.push(line) }), () => now);
      watch.absorb(unreachable(), 90);
      assert.equal(watch.down, true);
      now = 110;
      watch.reachable(95); // started before the first failure was seen (at 100): it proves nothing
      assert.equal(watch.down, true);
      watch.reachable(105);
      assert.equal(watch.down, false, "a call made during the outage got through");
      now = 120;
      assert.equal(watch.absorb(unreachable(), 108), true, "a straggler of the outage that just ended is absorbed");
      assert.equal(watch.down, false, "and starts no new one");
      assert.equal(lines.length, 2, lines.join("\n"));
    });

    it("absorbs only unreachable-database errors, so other failures are still the caller's to log", () => {
      const watch = new StorageWatch(silentLogger());
      assert.equal(watch.absorb(new Error("syntax error at or near SELEC")), false);
      assert.equal(watch.absorb(unreachable()), true);
    });
  });

  it("leaves a poll loop's unreachable-database errors to the watch and wakes the loop as soon as the database is back", async () => {
    const lines: string[] = [];
    const watch = new StorageWatch(createLogger({ write: (line) => lines.push(line) }));
    const database = switchable(sqlite);
    const storage = watch.watch(database.storage);
    const errors: unknown[] = [];
    let passes = 0;
    const loop = new PollLoop({
      pass: async () => {
        passes++;
        await storage.listRuns();
      },
      // Nothing but a wake makes a second pass.
      pollMs: () => 60_000,
      onError: (error) => errors.push(error),
      outages: watch,
    });
    database.down = true;
    loop.start();
    await waitFor("the first pass found the database away", () => watch.down);
    database.down = false;
    await storage.getRun("any"); // another part of the daemon gets through
    await waitFor("the loop passed again at once", () => passes === 2);
    await loop.stop();
    assert.deepEqual(errors, [], "the loop's own error log stayed quiet");
    assert.equal(lines.length, 2, lines.join("\n"));
  });

  it("does not fail a run whose heartbeats stopped because the database was away, and fails it if they do not resume", async () => {
    const database = switchable(sqlite);
    const watch = new StorageWatch(silentLogger());
    const storage = watch.watch(database.storage);
    const settings = { ...DEFAULT_DAEMON_SETTINGS, heartbeatTimeoutMs: 300, monitorIntervalMs: 60_000 };
    const monitor = new RunMonitor({ storage, settings, logger: silentLogger(), outages: watch });
    const staleSince = new Date(Date.now() - 60_000).toISOString();
    await sqlite.createRun({ runId: "live", status: "STARTED", selection: "*", assetKeys: ["a"] });
    await sqlite.updateRun("live", { startedAt: staleSince, heartbeatAt: staleSince, workerId: "worker-1" });
    database.down = true;
    await monitor.checkNow();
    database.down = false;
    // Back: the run's last heartbeat is a minute old, but only because nobody could write one.
    await monitor.checkNow();
    assert.equal((await sqlite.getRun("live"))?.status, "STARTED", "not declared dead for the outage");
    const back = Date.now();
    // No heartbeat comes within the timeout after the outage: its worker is gone after all.
    await waitFor("the heartbeat timeout passed since the outage", () => Date.now() - back > settings.heartbeatTimeoutMs);
    await monitor.checkNow();
    const run = await sqlite.getRun("live");
    assert.equal(run?.status, "FAILURE");
    assert.match(run?.error ?? "", /stopped sending heartbeats \d+ s ago/);
  });
});
