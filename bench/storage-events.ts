/**
 * Event-append throughput of both storages, shaped like the executor benchmark: 10,000 assets,
 * three events each (STEP_START, ASSET_MATERIALIZATION, STEP_SUCCESS), written through the
 * BufferedEventWriter with its default batching and then flushed, and with appendEvents(500).
 *
 * The anchor of each backend is the bare driver inserting the same rows into a bare table, 500 per
 * transaction (no validation, no derived tables): the ratio says what the storage layer costs,
 * independent of how busy the machine is.
 *
 *   npx tsx bench/storage-events.ts            (PostgreSQL at TRIBUTARY_TEST_DATABASE_URL or localhost/test)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BufferedEventWriter } from "../runtime/src/storage/eventWriter";
import type { Storage } from "../runtime/src/storage/port";
import { PostgresStorage } from "../runtime/src/storage/postgres/storage";
import { SqliteStorage } from "../runtime/src/storage/sqlite/storage";
import type { RunEvent } from "../runtime/src/types";
import Database from "better-sqlite3";

const ASSETS = 10_000;
const url = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function eventsOfRun(runId: string): RunEvent[] {
  const events: RunEvent[] = [];
  const timestamp = new Date().toISOString();
  for (let index = 0; index < ASSETS; index++) {
    const stepKey = `group_${index % 50}/asset_${index}`;
    const base = { runId, timestamp, stepKey, level: "info" as const };
    events.push({ ...base, type: "STEP_START", message: `Started ${stepKey}` });
    events.push({ ...base, type: "ASSET_MATERIALIZATION", message: `Materialized ${stepKey}`, data: { assetKey: stepKey, metadata: { rows: index, path: `/data/${stepKey}.parquet` } } });
    events.push({ ...base, type: "STEP_SUCCESS", message: `Succeeded ${stepKey}`, data: { durationMs: 3 } });
  }
  return events;
}

function report(name: string, mode: string, events: number, seconds: number, anchorPerSecond?: number): number {
  const perSecond = events / seconds;
  const ratio = anchorPerSecond === undefined ? "" : `  (${((perSecond / anchorPerSecond) * 100).toFixed(0)}% of the bare driver)`;
  console.log(`${name.padEnd(10)} ${mode.padEnd(22)} ${events} events in ${seconds.toFixed(2)} s = ${Math.round(perSecond).toLocaleString("en-US")} events/s${ratio}`);
  return perSecond;
}

function elapsedSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function rowsOf(events: RunEvent[]): unknown[][] {
  return events.map((event) => [event.runId, event.timestamp, event.type, event.stepKey, event.level, event.message, JSON.stringify(event.data ?? null)]);
}

const BARE_TABLE = `CREATE TABLE bare_events (id INTEGER PRIMARY KEY, run_id TEXT, timestamp TEXT, type TEXT, step_key TEXT, level TEXT, message TEXT, data TEXT)`;

function sqliteAnchor(path: string): number {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(BARE_TABLE);
  db.exec("CREATE INDEX bare_events_run_id ON bare_events (run_id, id)");
  const insert = db.prepare("INSERT INTO bare_events (run_id, timestamp, type, step_key, level, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const writeChunk = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(...row);
  });
  const rows = rowsOf(eventsOfRun("anchor"));
  const start = process.hrtime.bigint();
  for (let offset = 0; offset < rows.length; offset += 500) writeChunk(rows.slice(offset, offset + 500));
  db.close();
  return report("sqlite", "bare driver (anchor)", rows.length, elapsedSince(start));
}

async function postgresAnchor(storage: PostgresStorage): Promise<number> {
  await storage.pool.query(BARE_TABLE.replace("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY").replace("data TEXT", "data JSON"));
  await storage.pool.query("CREATE INDEX bare_events_run_id ON bare_events (run_id, id)");
  const rows = rowsOf(eventsOfRun("anchor"));
  const start = process.hrtime.bigint();
  for (let offset = 0; offset < rows.length; offset += 500) {
    const chunk = rows.slice(offset, offset + 500);
    const client = await storage.pool.connect();
    await client.query("BEGIN");
    await client.query(
      "INSERT INTO bare_events (run_id, timestamp, type, step_key, level, message, data) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::json[]) RETURNING id",
      Array.from({ length: 7 }, (_, column) => chunk.map((row) => row[column])),
    );
    await client.query("COMMIT");
    client.release();
  }
  return report("postgres", "bare driver (anchor)", rows.length, elapsedSince(start));
}

async function measure(name: string, storage: Storage, anchorPerSecond: number): Promise<void> {
  // Warm-up run so statements are prepared and the pool is connected.
  await storage.appendEvents(eventsOfRun("warm-up").slice(0, 600));
  for (const mode of ["writer (200 / 50 ms)", "appendEvents(500)"] as const) {
    const events = eventsOfRun(`${name}-${mode}`);
    const start = process.hrtime.bigint();
    if (mode === "writer (200 / 50 ms)") {
      const writer = new BufferedEventWriter(storage);
      for (const event of events) writer.write(event);
      await writer.close();
    } else {
      for (let offset = 0; offset < events.length; offset += 500) await storage.appendEvents(events.slice(offset, offset + 500));
    }
    report(name, mode, events.length, elapsedSince(start), anchorPerSecond);
  }
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "tributary-bench-"));
  const sqlite = new SqliteStorage(join(folder, "bench.db"));
  await sqlite.migrate();
  try {
    await measure("sqlite", sqlite, sqliteAnchor(join(folder, "anchor.db")));
  } finally {
    await sqlite.close();
    rmSync(folder, { recursive: true, force: true });
  }
  const schema = `tributary_bench_${process.pid}`;
  const postgres = new PostgresStorage(url, { schema });
  await postgres.migrate();
  try {
    await measure("postgres", postgres, await postgresAnchor(postgres));
  } finally {
    await postgres.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await postgres.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
