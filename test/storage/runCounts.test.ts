/**
 * How `countRuns` reads (issue #15, the runs counts the console opens on): all runs' counts from the
 * counters the migration run_status_counts keeps (never the runs), a time range's by the index of
 * creation time (only the range's runs), on SQLite and PostgreSQL. The work is counted by the plans
 * of the statements countRuns actually runs, never by timing them; the counts themselves are the
 * conformance suite's (test/storage/conformance). Also: a database migrated with runs in it counts
 * them, and on PostgreSQL processes changing runs at once neither deadlock on the counters nor
 * make them drift.
 */
import assert from "node:assert/strict";
import type { Migration } from "../../runtime/src/storage/migrations";
import type { Storage } from "../../runtime/src/storage/port";
import { POSTGRES_MIGRATIONS } from "../../runtime/src/storage/postgres/migrations";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { SQLITE_MIGRATIONS } from "../../runtime/src/storage/sqlite/migrations";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { RUN_STATUSES } from "../../runtime/src/types";
import { event, newRun } from "./conformance";
import { assertTestDatabaseReachable, disposeTestStorage, TEST_DATABASE_URL, uniqueSchemaName } from "./postgresTestDatabase";

/** One table or index read by a statement's plan. */
interface Access {
  table: string;
  /** The index it walks, if any. */
  index: string | null;
  /** The bounds of that walk (PostgreSQL's Index Cond, SQLite's `(created_at>? AND ...)`); "" for none. */
  bounds: string;
}

interface Backend {
  name: string;
  /** A migrated storage at `version`, every migration when omitted. */
  open(version?: number): Promise<Storage>;
  close(storage: Storage): Promise<void>;
  migrations: readonly Migration[];
  /** The tables and indexes read by the statements `work` runs on `storage`. */
  accessesOf(storage: Storage, work: () => Promise<unknown>): Promise<Access[]>;
}

const COUNTERS_VERSION = (migrations: readonly Migration[]) => migrations.find((migration) => migration.name === "run_status_counts")!.version;

const sqlite: Backend = {
  name: "SQLite",
  migrations: SQLITE_MIGRATIONS,
  async open(version) {
    const storage = new SqliteStorage(":memory:");
    if (version === undefined) await storage.migrate();
    else {
      const db = storage.database;
      db.exec("CREATE TABLE tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
      for (const migration of SQLITE_MIGRATIONS.filter((each) => each.version <= version)) {
        db.exec(migration.sql);
        db.prepare("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(migration.version, migration.name, new Date().toISOString());
      }
    }
    return storage;
  },
  close: (storage) => storage.close(),
  async accessesOf(storage, work) {
    const db = (storage as SqliteStorage).database;
    const statements: { sql: string; values: unknown[] }[] = [];
    const prepare = db.prepare;
    db.prepare = ((sql: string) => {
      const statement = prepare.call(db, sql);
      const all = statement.all.bind(statement);
      statement.all = ((...values: unknown[]) => {
        statements.push({ sql, values });
        return (all as (...args: unknown[]) => unknown[])(...values);
      }) as typeof statement.all;
      return statement;
    }) as typeof db.prepare;
    try {
      await work();
    } finally {
      db.prepare = prepare;
    }
    return statements.flatMap(({ sql, values }) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[]).flatMap(({ detail }) => {
        const match = /^(?:SCAN|SEARCH) (\w+)(?: USING (?:COVERING )?INDEX (\w+)(?: \((.*)\))?)?/.exec(detail);
        return match ? [{ table: match[1]!, index: match[2] ?? null, bounds: match[3] ?? "" }] : [];
      }),
    );
  },
};

const postgres: Backend = {
  name: "PostgreSQL",
  migrations: POSTGRES_MIGRATIONS,
  async open(version) {
    await assertTestDatabaseReachable();
    const storage = new PostgresStorage(TEST_DATABASE_URL, { schema: uniqueSchemaName(), maxConnections: 4 });
    if (version === undefined) await storage.migrate();
    else {
      await storage.pool.query(`CREATE SCHEMA "${storage.schema}"`);
      await storage.pool.query("CREATE TABLE tributary_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
      for (const migration of POSTGRES_MIGRATIONS.filter((each) => each.version <= version)) {
        await storage.pool.query(migration.sql);
        await storage.pool.query("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [migration.version, migration.name, new Date().toISOString()]);
      }
    }
    return storage;
  },
  close: (storage) => disposeTestStorage(storage as PostgresStorage),
  async accessesOf(storage, work) {
    const pool = (storage as PostgresStorage).pool;
    const statements: { text: string; values: unknown[] }[] = [];
    const query = pool.query;
    pool.query = ((config: unknown, ...rest: unknown[]) => {
      if (typeof config === "object" && config !== null && "text" in config) {
        const { text, values } = config as { text: string; values?: unknown[] };
        statements.push({ text, values: values ?? [] });
      }
      return (query as (...args: unknown[]) => unknown).call(pool, config, ...rest);
    }) as typeof pool.query;
    try {
      await work();
    } finally {
      pool.query = query;
    }
    const client = await pool.connect();
    try {
      // A few rows make a scan the cheapest plan whatever the indexes; with scans priced out, the
      // plan shows whether an index can bound the read at all (none can for a full count of runs).
      await client.query("SET enable_seqscan = off");
      const accesses: Access[] = [];
      for (const { text, values } of statements) {
        const [row] = (await client.query(`EXPLAIN (FORMAT JSON) ${text}`, values)).rows as { "QUERY PLAN": [{ Plan: PlanNode }] }[];
        const walk = (node: PlanNode): void => {
          // A bitmap heap scan reads the table by the bitmap index scan under it.
          const bitmap = node["Node Type"] === "Bitmap Heap Scan" ? node.Plans?.find((child) => child["Node Type"] === "Bitmap Index Scan") : undefined;
          const by = bitmap ?? node;
          if (node["Relation Name"]) accesses.push({ table: node["Relation Name"], index: by["Index Name"] ?? null, bounds: by["Index Cond"] ?? "" });
          for (const child of node.Plans ?? []) walk(child);
        };
        walk(row!["QUERY PLAN"][0].Plan);
      }
      return accesses;
    } finally {
      client.release();
    }
  },
};

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

for (const backend of [sqlite, postgres]) {
  describe(`counting runs by status (${backend.name})`, function () {
    this.timeout(60_000);
    let storage: Storage;
    afterEach(async () => {
      const opened = storage;
      storage = undefined as unknown as Storage; // a test whose open failed closes nothing
      if (opened) await backend.close(opened);
    });

    it("counts all runs from the counters, reading none of the runs", async () => {
      storage = await backend.open();
      for (let index = 0; index < 5; index++) await storage.createRun(newRun({ status: index % 2 === 0 ? "SUCCESS" : "FAILURE" }));
      let counts: Awaited<ReturnType<Storage["countRuns"]>> | undefined;
      const accesses = await backend.accessesOf(storage, async () => (counts = await storage.countRuns()));
      assert.deepEqual(counts, { QUEUED: 0, STARTING: 0, STARTED: 0, CANCELING: 0, SUCCESS: 3, FAILURE: 2, CANCELED: 0 });
      assert.ok(accesses.length > 0, "the counts were read from somewhere");
      assert.deepEqual(accesses.filter((access) => access.table === "runs"), [], `reads: ${JSON.stringify(accesses)}`);
    });

    it("counts a time range's runs from the index of creation time, bounded by the range", async () => {
      storage = await backend.open();
      const runs = [];
      for (let index = 0; index < 5; index++) runs.push(await storage.createRun(newRun()));
      for (const range of [
        { createdFrom: runs[1]!.createdAt, createdTo: runs[3]!.createdAt },
        { createdFrom: runs[3]!.createdAt },
        { createdFrom: runs[1]!.createdAt, createdTo: runs[3]!.createdAt, instigator: "manual" as const },
      ]) {
        const accesses = await backend.accessesOf(storage, () => storage.countRuns(range));
        const reads = accesses.filter((access) => access.table === "runs");
        assert.ok(reads.length > 0, `${JSON.stringify(range)}: reads ${JSON.stringify(accesses)}`);
        for (const read of reads) {
          assert.ok(read.index !== null && read.bounds.includes("created_at"), `${JSON.stringify(range)}: runs read by ${read.index ?? "a scan"} bounded by "${read.bounds}"`);
        }
      }
    });

    it("counts the runs of a database migrated with runs in it (the migration counts them once)", async () => {
      const before = COUNTERS_VERSION(backend.migrations) - 1;
      storage = await backend.open(before);
      const statuses = ["QUEUED", "STARTED", "SUCCESS", "SUCCESS", "FAILURE"] as const;
      for (const status of statuses) await storage.createRun(newRun({ status }));
      await storage.migrate();
      await storage.createRun(newRun({ status: "CANCELED" }));
      const expected = Object.fromEntries(RUN_STATUSES.map((status) => [status, 0]));
      for (const status of [...statuses, "CANCELED"]) expected[status]! += 1;
      assert.deepEqual(await storage.countRuns(), expected);
    });
  });
}

describe("counting runs by status while processes change runs at once (PostgreSQL)", function () {
  this.timeout(120_000);
  let schema: string;
  let daemons: PostgresStorage[];
  beforeEach(async () => {
    await assertTestDatabaseReachable();
    schema = uniqueSchemaName();
    daemons = [0, 1, 2].map(() => new PostgresStorage(TEST_DATABASE_URL, { schema, maxConnections: 3 }));
    await daemons[0]!.migrate();
  });
  afterEach(async () => {
    await disposeTestStorage(daemons[0]!);
    await Promise.all(daemons.slice(1).map((daemon) => daemon.close()));
  });

  it("keeps exact counts and folds its deltas while three processes create, claim, give back and end 600 runs", async () => {
    // Each process: create runs, claim some (started), give one back to the queue, end the rest with
    // their last events and claim more in the same statement; all three at once, ten rounds.
    await Promise.all(
      daemons.map(async (daemon, worker) => {
        for (let round = 0; round < 10; round++) {
          for (let index = 0; index < 20; index++) await daemon.createRun(newRun());
          const claimed = await daemon.claimQueuedRuns(`w${worker}`, 6, { start: true });
          if (claimed.length > 0) await daemon.transitionRun(claimed[0]!.runId, ["STARTED"], "QUEUED", { workerId: null, startedAt: null });
          const ends = claimed.slice(1).map((run) => ({
            events: [event(run.runId, "RUN_SUCCESS")],
            runUpdate: { runId: run.runId, update: { status: "SUCCESS" as const }, from: ["STARTED" as const] },
          }));
          await daemon.endRunsAndClaim(ends, { workerId: `w${worker}`, limit: 2 });
        }
      }),
    );
    const runs = await daemons[0]!.listRuns({ limit: 1000 });
    assert.equal(runs.length, 600);
    const tally = Object.fromEntries(RUN_STATUSES.map((status) => [status, runs.filter((run) => run.status === status).length]));
    assert.deepEqual(await daemons[1]!.countRuns(), tally);
    // Every change appended deltas (well over 1,000 here); the folds every 256th run kept a few.
    const { rows } = await daemons[0]!.pool.query("SELECT count(*)::int AS rows FROM run_status_counts");
    assert.ok(rows[0].rows < 600, `${rows[0].rows} rows of deltas for 600 runs`);
  });
});
