/**
 * bench/console: the console's two reads that must not grow with the history (issue #15), through
 * the daemon's real HTTP server on PostgreSQL, side by side in one process, big against small:
 *
 * - the runs list's first page (`GET /api/runs?limit=50`, and filtered by status) with 1,000,000
 *   runs ÷ with 100 runs;
 * - the runs counted by status (`GET /api/runs/counts`), all of them (the runs page) and those of a
 *   time range holding the newest 100 runs on both sides (the overview's window), 1,000,000 ÷ 100;
 * - the tail page of a run's log (`GET /api/runs/:id/events?before=…&limit=200`, what the run page
 *   opens on) and its event stats of a 1,000,000-event run ÷ of a 100-event run.
 *
 * The data is seeded with set-based SQL (generate_series), not one insert per row, into two
 * schemas; rounds alternate small and big so both see the same machine. Each figure is the median
 * of the rounds; EXPLAIN shows the plan of the big queries (an index, never a scan of the table).
 *
 *   npx tsx bench/console/run.ts [--runs 1000000] [--events 1000000] [--rounds 40] [--write-docs]
 *
 * Goals (issue #15): each ratio <= 2.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { startHttpServer, type HttpServer } from "../../runtime/src/daemon/http/server";
import { TypedEmitter, type DaemonEvents } from "../../runtime/src/daemon/events";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { writePerformanceSection } from "../docs";
import { goalVerdict } from "../verdict";
import { disposeSides, readOnlyServices } from "./services";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000000" },
    events: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "40" },
    "write-docs": { type: "boolean", default: false },
  },
});
const BIG_RUNS = Number(values.runs);
const BIG_EVENTS = Number(values.events);
const SMALL = 100;
const ROUNDS = Number(values.rounds);
const pgUrl = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The services' typed events: what a daemon emits when its workers report events. */
const daemonEvents = new TypedEmitter<DaemonEvents>();


/** A schema with `runs` runs (the last, `run-log`, with `events` events), seeded set-based. */
async function seed(schema: string, runs: number, events: number): Promise<PostgresStorage> {
  const storage = new PostgresStorage(pgUrl, { schema, maxConnections: 4 });
  await storage.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await storage.migrate();
  const iso = (expression: string) => `to_char(timestamp '2026-01-01' + (${expression}) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const query = (sql: string) => storage.pool.query(`SET search_path TO "${schema}"; ${sql}`);
  // Every tenth run failed, one in three from a schedule, all with a team tag: a history as a
  // daemon writes it (the statuses and instigators the filters look at).
  await query(`INSERT INTO runs (run_id, status, selection, asset_keys, tags, instigator, instigator_name, attempt, created_at, started_at, ended_at)
    SELECT 'run-' || g, CASE WHEN g % 10 = 0 THEN 'FAILURE' ELSE 'SUCCESS' END, 'job:nightly', '["raw", "stg", "mart"]'::jsonb,
      '{"team": "data"}'::jsonb,
      CASE WHEN g % 3 = 0 THEN '{"type": "schedule", "name": "nightly"}'::jsonb END, CASE WHEN g % 3 = 0 THEN 'nightly' END,
      1, ${iso("g")}, ${iso("g")}, ${iso("g + 1")}
    FROM generate_series(1, ${runs - 1}) AS g`);
  await query(`INSERT INTO runs (run_id, status, selection, asset_keys, tags, attempt, created_at, started_at, ended_at)
    VALUES ('run-log', 'FAILURE', 'raw', '["raw"]'::jsonb, '{}'::jsonb, 1, ${iso(String(runs))}, ${iso(String(runs))}, ${iso(String(runs + 1))})`);
  await query(`INSERT INTO events (run_id, timestamp, type, step_key, level, message, data)
    SELECT 'run-log', ${iso("g / 1000.0")}, CASE WHEN g = ${events} THEN 'RUN_FAILURE' ELSE 'LOG' END, CASE WHEN g = ${events} THEN NULL ELSE 'raw' END,
      CASE WHEN g % 100000 = 0 OR g = ${events} THEN 'error' WHEN g % 1000 = 0 THEN 'warn' ELSE 'info' END,
      'row batch ' || g || ' loaded into raw (5000 rows, 1.2 MB)', NULL
    FROM generate_series(1, ${events}) AS g`);
  // Newer runs' events after the big run's, a fifth as many: a tail page must find the run's own
  // events by its index, not by walking the whole log back past everybody else's.
  await query(`INSERT INTO events (run_id, timestamp, type, step_key, level, message, data)
    SELECT 'run-' || (g % ${Math.max(1, runs - 1)} + 1), ${iso(`${events / 1000} + g / 1000.0`)}, 'LOG', 'raw', 'info', 'another run, line ' || g, NULL
    FROM generate_series(1, ${Math.ceil(events / 5)}) AS g`);
  await query(`INSERT INTO run_event_counts (run_id, type, level, count, first_id, last_id)
    SELECT run_id, type, level, count(*), min(id), max(id) FROM events GROUP BY run_id, type, level`);
  await query("ANALYZE");
  return storage;
}

/** The median of `samples`. */
function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  return elapsed;
}

/** The plan of `sql` in one line per node, for the report. */
async function plan(storage: PostgresStorage, sql: string, params: unknown[]): Promise<string> {
  const client = await storage.pool.connect();
  try {
    await client.query(`SET search_path TO "${storage.schema}"`);
    const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${sql}`, params);
    return result.rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n");
  } finally {
    client.release();
  }
}

interface Side {
  storage: PostgresStorage;
  server: HttpServer;
  lastId: number;
  /** Runs seeded: run g was created g seconds after 2026-01-01 (see seed). */
  runs: number;
}

/** `?from=&to=` of a window holding the newest 100 runs of a side (its runs g seconds after 2026-01-01). */
function newestHundredWindow(side: Side): string {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();
  return `from=${at(side.runs - 99)}&to=${at(side.runs + 1)}`;
}

async function side(schema: string, runs: number, events: number): Promise<Side> {
  const started = performance.now();
  const storage = await seed(schema, runs, events);
  const server = await startHttpServer(readOnlyServices(storage, "bench:console", daemonEvents), { port: 0, log: () => undefined });
  const stats = await storage.getRunEventStats("run-log");
  console.log(`seeded ${schema}: ${runs} runs, a run of ${stats.total} events, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { storage, server, lastId: stats.lastId, runs };
}

/**
 * Event written -> received by a client following the run's stream, while a writer appends 1,000
 * events a second (20 every 20 ms) for `seconds`: each event carries its write instant. `wake`:
 * the writer tells the daemon, as a worker of this daemon does (its coordinator's onEvent); without,
 * the stream finds the events by polling, as for a run on another daemon's worker.
 */
async function liveLatency(side: Side, wake: boolean, seconds: number): Promise<{ p50: number; p99: number; events: number }> {
  const runId = `run-live-${wake ? "woken" : "polled"}-${process.pid}`;
  await side.storage.createRun({ runId, status: "STARTED", selection: "raw", assetKeys: ["raw"] });
  const latencies: number[] = [];
  const total = seconds * 1000;
  const controller = new AbortController();
  const response = await fetch(`${side.server.url}/api/runs/${runId}/events`, { headers: { Accept: "text/event-stream" }, signal: controller.signal });
  const reading = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop()!;
      const now = performance.timeOrigin + performance.now();
      for (const block of blocks) {
        const data = block.split("\n").find((line) => line.startsWith("data: "));
        if (!block.includes("event: run-event") || !data) continue;
        const event = JSON.parse(data.slice(6)) as { message: string; type: string };
        latencies.push(now - Number(event.message));
        if (event.type === "RUN_SUCCESS") return;
      }
    }
  })();
  for (let written = 0; written < total; written += 20) {
    const at = String(performance.timeOrigin + performance.now());
    const batch = Array.from({ length: 20 }, (_, index) => {
      const final = written + index === total - 1;
      return { runId, timestamp: new Date().toISOString(), type: final ? ("RUN_SUCCESS" as const) : ("LOG" as const), stepKey: null, level: "info" as const, message: at };
    });
    await side.storage.appendEvents(batch);
    if (wake) daemonEvents.emit("runEvent", { runId });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await reading;
  controller.abort();
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p99: sorted[Math.floor(sorted.length * 0.99)]!, events: sorted.length };
}

async function main(): Promise<void> {
  // Other work on the machine slows both sides alike (the ratios hold) but not the absolute figures.
  const loadAtStart = os.loadavg()[0]!;
  const suffix = `${process.pid}`;
  const small = await side(`bench_console_small_${suffix}`, SMALL, SMALL);
  const big = await side(`bench_console_big_${suffix}`, BIG_RUNS, BIG_EVENTS);
  const reads: { name: string; path: (side: Side) => string }[] = [
    { name: "runs list, first page (limit 50)", path: () => "/api/runs?limit=50" },
    { name: "runs list, first page of failed runs", path: () => "/api/runs?limit=50&status=FAILURE" },
    { name: "runs list, first page of a schedule's runs", path: () => "/api/runs?limit=50&instigator=schedule:nightly" },
    { name: "runs counts by status, all runs", path: () => "/api/runs/counts" },
    { name: "runs counts by status, a window of the newest 100 runs", path: (s) => `/api/runs/counts?${newestHundredWindow(s)}` },
    { name: "run page, the run with its steps", path: () => "/api/runs/run-log" },
    { name: "run log, tail page (limit 200)", path: (s) => `/api/runs/run-log/events?before=${s.lastId + 1}&limit=200` },
    { name: "run log, event stats", path: () => "/api/runs/run-log/events/stats" },
    { name: "run log, warnings and errors, tail page", path: (s) => `/api/runs/run-log/events?before=${s.lastId + 1}&limit=200&level=warn` },
  ];
  const samples = new Map<string, { small: number[]; big: number[] }>(reads.map((read) => [read.name, { small: [], big: [] }]));
  try {
    // Warm both (connections, prepared plans, caches), then alternate small and big in every round.
    for (const read of reads) for (const s of [small, big]) await timedGet(`${s.server.url}${read.path(s)}`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const read of reads) {
        const entry = samples.get(read.name)!;
        const order = round % 2 === 0 ? [small, big] : [big, small];
        for (const s of order) (s === small ? entry.small : entry.big).push(await timedGet(`${s.server.url}${read.path(s)}`));
      }
    }
    const rows: string[] = [];
    const verdicts: string[] = [];
    for (const read of reads) {
      const entry = samples.get(read.name)!;
      const smallMs = median(entry.small);
      const bigMs = median(entry.big);
      const ratio = bigMs / smallMs;
      rows.push(`| ${read.name} | ${smallMs.toFixed(2)} ms | ${bigMs.toFixed(2)} ms | ${ratio.toFixed(2)}x |`);
      console.log(`${read.name}: small ${smallMs.toFixed(2)} ms, big ${bigMs.toFixed(2)} ms, ratio ${ratio.toFixed(2)}x`);
      if (read.name.startsWith("runs list, first page (") || read.name.startsWith("runs counts") || read.name.startsWith("run log, tail page")) {
        const verdict = goalVerdict(`${read.name}: big / small <= 2`, 2, "x", [{ label: "measured", value: ratio }], 2);
        console.log(verdict);
        verdicts.push(verdict);
      }
    }
    const woken = await liveLatency(big, true, 5);
    const polled = await liveLatency(big, false, 5);
    const liveLine = (label: string, figures: { p50: number; p99: number; events: number }) =>
      `| ${label} | ${figures.events} | ${figures.p50.toFixed(0)} ms | ${figures.p99.toFixed(0)} ms |`;
    console.log(`live, worker of this daemon: p50 ${woken.p50.toFixed(0)} ms, p99 ${woken.p99.toFixed(0)} ms over ${woken.events} events`);
    const liveVerdict = goalVerdict("event written -> received on the stream, p99 <= 500 ms", 500, "ms", [{ label: "worker of this daemon", value: woken.p99 }, { label: "another daemon's worker (polled)", value: polled.p99 }]);
    console.log(`live, another daemon's worker (polled): p50 ${polled.p50.toFixed(0)} ms, p99 ${polled.p99.toFixed(0)} ms over ${polled.events} events`);
    console.log(liveVerdict);
    const runsPlan = await plan(big.storage, "SELECT * FROM runs ORDER BY seq DESC LIMIT $1", [51]);
    const allCountsPlan = await plan(big.storage, "SELECT status, sum(count) AS count FROM run_status_counts GROUP BY status", []);
    const window = new URLSearchParams(newestHundredWindow(big));
    const windowCountsPlan = await plan(big.storage, "SELECT status, count(*) AS count FROM runs WHERE created_at >= $1 AND created_at < $2 GROUP BY status", [
      new Date(window.get("from")!).toISOString(),
      new Date(window.get("to")!).toISOString(),
    ]);
    console.log(`\nEXPLAIN counts of all runs (1M runs):\n${allCountsPlan}\n\nEXPLAIN counts of a window (1M runs):\n${windowCountsPlan}`);
    const tailPlan = await plan(
      big.storage,
      "SELECT * FROM (SELECT * FROM events WHERE run_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3) AS page ORDER BY id",
      ["run-log", big.lastId + 1, 200],
    );
    const problemsPlan = await plan(
      big.storage,
      "SELECT * FROM (SELECT * FROM events WHERE run_id = $1 AND id < $2 AND level IN ('warn', 'error') ORDER BY id DESC LIMIT $3) AS page ORDER BY id",
      ["run-log", big.lastId + 1, 200],
    );
    console.log(`\nEXPLAIN warnings and errors tail page (1M events):\n${problemsPlan}`);
    console.log(`\nEXPLAIN runs first page (1M runs):\n${runsPlan}\n\nEXPLAIN events tail page (1M events):\n${tailPlan}`);
    const body = `Through the daemon's HTTP server on PostgreSQL 15 (${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}, load average ${loadAtStart.toFixed(1)} when it started), ${new Date().toISOString().slice(0, 10)}:
${BIG_RUNS.toLocaleString("en")} runs and a run of ${BIG_EVENTS.toLocaleString("en")} events against ${SMALL} runs and a run of ${SMALL} events, seeded with
generate_series in two schemas, side by side in one process; median of ${ROUNDS} rounds that alternate small and big.
\`npx tsx bench/console/run.ts --write-docs\`.

| read (HTTP, JSON) | ${SMALL} runs / ${SMALL} events | ${BIG_RUNS.toLocaleString("en")} runs / events | big ÷ small |
|---|---|---|---|
${rows.join("\n")}

${verdicts.join("  \n")}

Live: a client follows a run's stream (\`GET /api/runs/:id/events\`, text/event-stream) on the big side
while a writer appends 1,000 events a second (20 every 20 ms) for 5 s; latency = received - written:

| writer | events | p50 | p99 |
|---|---|---|---|
${liveLine("a worker of this daemon (its events wake the stream, as the coordinator's onEvent does)", woken)}
${liveLine("another daemon's worker (the stream finds them by polling, every 250 ms)", polled)}

${liveVerdict}

The runs page walks \`runs.seq\` backwards and stops at the page; the tail page walks an index of the events
backwards from \`before\` (the planner takes the primary key bounded by \`id < before\` here, or \`events (run_id, id)\`
where other runs' events interleave more); the stats read the run's few \`run_event_counts\` rows (kept with each batch of
events), never its events. Plans on the big side:

\`\`\`
${runsPlan}
\`\`\`
\`\`\`
${tailPlan}
\`\`\`

The run page's own reads have partial indexes of their own, which only the events they hold pay for on
append: a run's lifecycle events (\`GET /api/runs/:id\` reads its steps from them, not from its million log lines)
and its warnings and errors (\`?level=warn\`, here one event in 1,000):

\`\`\`
${problemsPlan}
\`\`\`

Another filter that few events match (a step, a text) reads past those that do not, up to a page.

\`GET /api/runs/counts\` without filters sums \`run_status_counts\` (deltas that triggers append as runs are created and
change status, folded into a row per status every 256th run), never the runs; with a time range it reads the range's
entries of \`runs (created_at, status)\`, as many as the range holds runs, however long the history. Other filters
without a time range still count every run they match. Plans on the big side:

\`\`\`
${allCountsPlan}
\`\`\`
\`\`\`
${windowCountsPlan}
\`\`\``;
    if (values["write-docs"]) writePerformanceSection("Console reads (bench/console)", body);
  } finally {
    await disposeSides([small, big]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
