/**
 * Event-append throughput of both storages, shaped like the executor benchmark: 10,000 assets,
 * three events each (STEP_START, ASSET_MATERIALIZATION, STEP_SUCCESS), written through the
 * BufferedEventWriter with its default batching and then flushed.
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

async function measure(name: string, storage: Storage): Promise<void> {
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
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(`${name.padEnd(10)} ${mode.padEnd(22)} ${events.length} events in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds).toLocaleString("en-US")} events/s`);
  }
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "tributary-bench-"));
  const sqlite = new SqliteStorage(join(folder, "bench.db"));
  await sqlite.migrate();
  try {
    await measure("sqlite", sqlite);
  } finally {
    await sqlite.close();
    rmSync(folder, { recursive: true, force: true });
  }
  const schema = `tributary_bench_${process.pid}`;
  const postgres = new PostgresStorage(url, { schema });
  await postgres.migrate();
  try {
    await measure("postgres", postgres);
  } finally {
    await postgres.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await postgres.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
