/**
 * bench/queue: runs/s through Tributary's run queue with 2 coordinators, side by side with
 * graphile-worker's no-op job rate on the same PostgreSQL (the anchor); launch latency from the
 * request to RUN_START (p50/p99); schedule tick lateness from the cron instant to the run being
 * queued (p50/p99). Writes docs/performance.md "## Run queue (bench/queue)".
 *
 *   npx tsx bench/queue/run.ts            (TRIBUTARY_BENCH_DATABASE_URL, default the test database)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Logger as GraphileLogger, run as runGraphile, makeWorkerUtils } from "graphile-worker";
import { Client } from "pg";
import { enqueueRun, runEvent } from "../../runtime/src/daemon/runLifecycle";
import { RunCoordinator, type RunLauncher } from "../../runtime/src/daemon/runQueue";
import { Scheduler } from "../../runtime/src/daemon/scheduler";
import { DEFAULT_DAEMON_SETTINGS } from "../../runtime/src/daemon/settings";
import { launchRunInWorker } from "../../runtime/src/execution/worker";
import { WorkerPool } from "../../runtime/src/execution/workerPool";
import { loadProject } from "../../runtime/src/loader";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { writePerformanceSection } from "../docs";
import { silentLogger } from "../../runtime/src/daemon/logger";

const URL = process.env.TRIBUTARY_BENCH_DATABASE_URL ?? process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const QUEUE_RUNS = Number(process.env.QUEUE_RUNS ?? 10_000);
/** Rounds of the queue-only comparison, alternating which side goes first; medians are reported. */
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PROCESS_RUNS = Number(process.env.PROCESS_RUNS ?? 20);
const POOL_RUNS = Number(process.env.POOL_RUNS ?? 3000);
/** Worker processes per coordinator (and its maxConcurrentRuns): 4 x 2 keeps 2 cores busy. */
const POOL_SIZE = Number(process.env.POOL_SIZE ?? 4);
const LATENCY_SAMPLES = Number(process.env.LATENCY_SAMPLES ?? 200);
const TICK_SECONDS = Number(process.env.TICK_SECONDS ?? 10);
const suffix = Math.random().toString(16).slice(2, 8);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => percentile(values, 50);
const waitUntil = async (condition: () => Promise<boolean> | boolean) => {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 2));
};

/** A launcher that does what a worker does to storage for an empty run, without the process. */
const noopLauncher: RunLauncher = async (options) => {
  const storage = options.storage;
  const runId = options.runId!;
  // As a worker does for a run its coordinator claimed straight into STARTED: nothing before the run.
  // As the executor does: the final events and the final status in one transaction.
  const events = [runEvent(runId, "RUN_START", "Run started"), runEvent(runId, "RUN_SUCCESS", "Run succeeded")];
  const runUpdate = { runId, update: { status: "SUCCESS" as const, endedAt: new Date().toISOString() }, from: ["STARTED" as const, "CANCELING" as const] };
  // As a worker does: the last batch goes to the parent, whose coordinator writes it (and refills the slot).
  await (options.endRun ? options.endRun(events, runUpdate) : storage.appendEvents(events, { runUpdate }));
  return { runId, status: "SUCCESS", steps: [] };
};

async function freshStorage(name: string): Promise<PostgresStorage> {
  const storage = new PostgresStorage(URL, { schema: `bench_queue_${name}_${suffix}`, maxConnections: 10 });
  await storage.migrate();
  return storage;
}

/** The launcher of coordinator 1 or 2 (each may have its own warm pool). */
type LauncherSource = (coordinatorIndex: number) => RunLauncher;
const same = (launcher: RunLauncher): LauncherSource => () => launcher;

/** Connection pools of the coordinators, closed by closeCoordinatorStorages(). */
const coordinatorStorages: PostgresStorage[] = [];
async function closeCoordinatorStorages(): Promise<void> {
  await Promise.all(coordinatorStorages.splice(0).map((storage) => storage.close()));
}

/**
 * Two coordinators, each with a connection pool of its own, as two `tributary worker` processes have
 * (graphile-worker's two runners likewise have a pool each).
 */
function coordinators(storage: PostgresStorage, projectDir: string, source: LauncherSource, maxConcurrentRuns: number, queuePollMs = 10): RunCoordinator[] {
  const settings = { ...DEFAULT_DAEMON_SETTINGS, maxConcurrentRuns, queuePollMs, heartbeatMs: 1000 };
  return [1, 2].map((index) => {
    const own = new PostgresStorage(URL, { schema: storage.schema, maxConnections: 10 });
    coordinatorStorages.push(own);
    return new RunCoordinator({
        storage: own,
        storageConfig: { kind: "postgres", url: URL, schema: storage.schema },
        projectDir,
        workerId: `bench-${index}`,
        settings,
        launcher: source(index),
        logger: silentLogger(),
      });
  });
}

let graphileRound = 0;

/**
 * graphile-worker's no-op job rate with two runners, and (with `latencySamples`) its add->start
 * latency one job at a time. The clock starts before the runners do, as it does before the
 * coordinators start below.
 */
async function graphileRate(latencySamples = 0): Promise<{ rate: number; p50: number; p99: number }> {
  const schema = `bench_graphile_${suffix}_${++graphileRound}`;
  const utils = await makeWorkerUtils({ connectionString: URL, schema, logger: new GraphileLogger(() => () => undefined) });
  await utils.migrate();
  let done = 0;
  const latencies: number[] = [];
  const taskList = {
    noop: async (payload: unknown) => {
      const sent = (payload as { sent?: number }).sent;
      if (sent) latencies.push(performance.now() - sent);
      done++;
    },
  };
  const options = { connectionString: URL, schema, concurrency: 10, noHandleSignals: true, pollInterval: 1000, taskList, logger: new GraphileLogger(() => () => undefined) };
  const client = new Client({ connectionString: URL });
  await client.connect();
  await client.query(`SELECT ${schema}.add_job('noop', '{}'::json) FROM generate_series(1, $1)`, [QUEUE_RUNS]);
  const start = performance.now();
  const runners = await Promise.all([runGraphile(options), runGraphile(options)]);
  await waitUntil(() => done >= QUEUE_RUNS);
  const rate = QUEUE_RUNS / ((performance.now() - start) / 1000);
  // Latency: one job at a time, from add_job to the task starting.
  for (let i = 0; i < latencySamples; i++) {
    const before = latencies.length;
    await utils.addJob("noop", { sent: performance.now() });
    await waitUntil(() => latencies.length > before);
  }
  await Promise.all(runners.map((runner) => runner.stop()));
  await utils.release();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
  return { rate, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Warm pools, one per coordinator as in a daemon: the storage config points the workers at the
 * bench schema. Resolves once every process has loaded the project, so the clock measures runs.
 */
async function warmPools(storage: PostgresStorage, projectDir: string): Promise<{ source: (index: number) => RunLauncher; pools: WorkerPool[] }> {
  const pools: WorkerPool[] = [];
  for (let i = 0; i < 2; i++) {
    const pool = new WorkerPool({ projectDir, storageConfig: { kind: "postgres", url: URL, schema: storage.schema }, size: POOL_SIZE, spare: POOL_SIZE, echoStderr: true });
    pool.warmUp();
    pools.push(pool);
  }
  await waitUntil(() => pools.every((pool) => pool.stats().ready === POOL_SIZE));
  return { source: (index) => (options) => pools[index - 1]!.launch(options), pools };
}

async function tributaryRate(launcher: RunLauncher | "pool", runs: number, maxConcurrentRuns: number, projectDir: string): Promise<number> {
  const storage = await freshStorage(launcher === noopLauncher ? "noop" : launcher === "pool" ? "pool" : "proc");
  const warm = launcher === "pool" ? await warmPools(storage, projectDir) : undefined;
  for (let i = 0; i < runs; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, runs - i) }, () => enqueueRun(storage, { selection: "noop", assetKeys: ["noop"] })));
  }
  // Counted as the launchers resolve (a run's final status is durable by then), as graphile-worker's
  // jobs are counted in their task: polling the database would load the very thing being measured.
  let succeeded = 0;
  const source: LauncherSource = (index) => {
    const launch = warm ? warm.source(index) : (launcher as RunLauncher);
    return async (options) => {
      const result = await launch(options);
      if (result.status === "SUCCESS") succeeded++;
      return result;
    };
  };
  const pool = coordinators(storage, projectDir, source, maxConcurrentRuns);
  const start = performance.now();
  pool.forEach((coordinator) => coordinator.start());
  await waitUntil(() => succeeded >= runs);
  const rate = runs / ((performance.now() - start) / 1000);
  const { rows } = await storage.pool.query(`SELECT count(*) AS n FROM "${storage.schema}".runs WHERE status = 'SUCCESS'`);
  if (Number(rows[0].n) !== runs) throw new Error(`${runs} runs reported SUCCESS but ${rows[0].n} are stored as SUCCESS`);
  await Promise.all(pool.map((coordinator) => coordinator.stop()));
  await Promise.all((warm?.pools ?? []).map((p) => p.close()));
  await closeCoordinatorStorages();
  await storage.pool.query(`DROP SCHEMA "${storage.schema}" CASCADE`);
  await storage.close();
  return rate;
}

/**
 * Request -> RUN_START, one run at a time. The request is made on a connection pool of its own, as
 * another process (a daemon's HTTP API) would: the coordinators hear of it by LISTEN/NOTIFY, with
 * their poll at the default 1 s.
 */
async function launchLatency(launcher: RunLauncher | "pool", samples: number, projectDir: string): Promise<{ p50: number; p99: number }> {
  const storage = await freshStorage("lat");
  const warm = launcher === "pool" ? await warmPools(storage, projectDir) : undefined;
  const pool = coordinators(storage, projectDir, warm ? warm.source : same(launcher as RunLauncher), 2, DEFAULT_DAEMON_SETTINGS.queuePollMs);
  pool.forEach((coordinator) => coordinator.start());
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const requested = Date.now();
    const run = await enqueueRun(storage, { selection: "noop", assetKeys: ["noop"] });
    await waitUntil(async () => (await storage.getRun(run.runId))?.status === "SUCCESS");
    const start = (await storage.getRunEvents(run.runId)).find((event) => event.type === "RUN_START")!;
    latencies.push(Date.parse(start.timestamp) - requested);
  }
  await Promise.all(pool.map((coordinator) => coordinator.stop()));
  await Promise.all((warm?.pools ?? []).map((p) => p.close()));
  await closeCoordinatorStorages();
  await storage.pool.query(`DROP SCHEMA "${storage.schema}" CASCADE`);
  await storage.close();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function tickLateness(projectDir: string): Promise<{ p50: number; p99: number; ticks: number }> {
  const storage = await freshStorage("tick");
  const project = await loadProject(projectDir);
  const scheduler = new Scheduler({
    storage,
    project: () => project,
    submit: (request) => enqueueRun(storage, { ...request, assetKeys: ["noop"] }),
    pollMs: 1000,
    logger: silentLogger(),
  });
  await storage.setInstigatorState({ name: "every_second", type: "schedule", status: "RUNNING" });
  scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, TICK_SECONDS * 1000));
  await scheduler.stop();
  const runs = await storage.listRuns({ instigatorName: "every_second", limit: 1000 });
  const lateness = runs.map((run) => Date.parse(run.createdAt) - Date.parse(run.instigator!.tickTime!));
  await storage.pool.query(`DROP SCHEMA "${storage.schema}" CASCADE`);
  await storage.close();
  return { p50: percentile(lateness, 50), p99: percentile(lateness, 99), ticks: runs.length };
}

async function main(): Promise<void> {
  const projectDir = mkdtempSync(path.join(os.tmpdir(), "bench-queue-"));
  writeFileSync(
    path.join(projectDir, "definitions.ts"),
    `import { asset, definitions, schedule } from "tributary-ts";
export const noop = asset({ key: "noop" }, () => null);
export const everySecond = schedule({ name: "every_second", cron: "*/1 * * * * *", selection: "noop" });
export default definitions({ assets: [noop], schedules: [everySecond] });
`,
  );
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const graphileRates: number[] = [];
  const queueRates: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternating which goes first cancels what one leaves behind for the other (dead rows, WAL, cache).
    const graphileFirst = round % 2 === 1;
    if (graphileFirst) graphileRates.push((await graphileRate()).rate);
    queueRates.push(await tributaryRate(noopLauncher, QUEUE_RUNS, 10, projectDir));
    if (!graphileFirst) graphileRates.push((await graphileRate()).rate);
    log(`round ${round}: graphile-worker ${graphileRates.at(-1)!.toFixed(0)} jobs/s, tributary queue (no-op launcher) ${queueRates.at(-1)!.toFixed(0)} runs/s`);
  }
  const graphileLatency = await graphileRate(LATENCY_SAMPLES);
  const graphile = { rate: median(graphileRates), p50: graphileLatency.p50, p99: graphileLatency.p99 };
  const queueRate = median(queueRates);
  const roundRatios = queueRates.map((rate, index) => rate / graphileRates[index]!);
  log(`medians: graphile-worker ${graphile.rate.toFixed(0)} jobs/s, tributary ${queueRate.toFixed(0)} runs/s; add->start p50 ${ms(graphile.p50)} p99 ${ms(graphile.p99)}`);
  const pooledRate = await tributaryRate("pool", POOL_RUNS, POOL_SIZE, projectDir);
  log(`tributary queue (warm worker pools, real runs): ${pooledRate.toFixed(0)} runs/s`);
  const processRate = await tributaryRate(launchRunInWorker, PROCESS_RUNS, 2, projectDir);
  log(`tributary queue (cold worker process per run): ${processRate.toFixed(1)} runs/s`);
  const queueLatency = await launchLatency(noopLauncher, LATENCY_SAMPLES, projectDir);
  log(`launch latency (no-op launcher): p50 ${ms(queueLatency.p50)} p99 ${ms(queueLatency.p99)}`);
  const pooledLatency = await launchLatency("pool", LATENCY_SAMPLES, projectDir);
  log(`launch latency (warm worker pool, real runs): p50 ${ms(pooledLatency.p50)} p99 ${ms(pooledLatency.p99)}`);
  const processLatency = await launchLatency(launchRunInWorker, Math.min(20, LATENCY_SAMPLES), projectDir);
  log(`launch latency (cold worker process): p50 ${ms(processLatency.p50)} p99 ${ms(processLatency.p99)}`);
  const ticks = await tickLateness(projectDir);
  log(`tick lateness: p50 ${ms(ticks.p50)} p99 ${ms(ticks.p99)} over ${ticks.ticks} ticks`);

  const load = os.loadavg()[0]!.toFixed(1);
  const verdict = (ok: boolean) => (ok ? "met" : "**not met**");
  writePerformanceSection(
    "Run queue (bench/queue)",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), load average ${load} at the end (the machine is shared), PostgreSQL at 127.0.0.1. \`npx tsx bench/queue/run.ts\`.

Two coordinators (the run queue of two \`tributary worker\`s) claim from one PostgreSQL with \`FOR UPDATE SKIP LOCKED\`; graphile-worker 0.17.3 runs two runners (concurrency 10 each) on the same server.

| Measure | Tributary | graphile-worker | Ratio | Goal |
| --- | ---: | ---: | ---: | --- |
| Throughput, queue only (no-op runs, ${QUEUE_RUNS} per round; median of ${ROUNDS} rounds, per-round ratios ${roundRatios.map((ratio) => ratio.toFixed(2)).join(", ")}) | ${queueRate.toFixed(0)} runs/s | ${graphile.rate.toFixed(0)} jobs/s | ${(queueRate / graphile.rate).toFixed(2)}x | >= 1x: ${verdict(queueRate >= graphile.rate)} |
| **Throughput, real runs on warm worker pools** (${POOL_RUNS} runs, ${POOL_SIZE} processes per coordinator) | ${pooledRate.toFixed(0)} runs/s | ${graphile.rate.toFixed(0)} jobs/s | ${(pooledRate / graphile.rate).toFixed(2)}x | context, not the goal's measure: a run executed in a worker process against an in-process no-op job |
| Throughput, a cold worker process per run (\`warmWorkers: 0\`; ${PROCESS_RUNS} runs, 2 per coordinator) | ${processRate.toFixed(1)} runs/s | ${graphile.rate.toFixed(0)} jobs/s | ${(processRate / graphile.rate).toFixed(3)}x | context: the opt-out from warm workers |
| Launch latency request -> RUN_START, queue only | p50 ${ms(queueLatency.p50)}, p99 ${ms(queueLatency.p99)} | p50 ${ms(graphile.p50)}, p99 ${ms(graphile.p99)} | ${(queueLatency.p50 / graphile.p50).toFixed(1)}x (p50) | p50 <= 50 ms, p99 <= 200 ms: ${verdict(queueLatency.p50 <= 50 && queueLatency.p99 <= 200)} |
| **Launch latency request -> RUN_START, real runs on a warm pool** | p50 ${ms(pooledLatency.p50)}, p99 ${ms(pooledLatency.p99)} | p50 ${ms(graphile.p50)}, p99 ${ms(graphile.p99)} | ${(pooledLatency.p50 / graphile.p50).toFixed(1)}x (p50) | p50 <= 50 ms, p99 <= 200 ms: ${verdict(pooledLatency.p50 <= 50 && pooledLatency.p99 <= 200)} |
| Launch latency request -> RUN_START, cold worker process (\`warmWorkers: 0\`) | p50 ${ms(processLatency.p50)}, p99 ${ms(processLatency.p99)} | p50 ${ms(graphile.p50)} | ${(processLatency.p50 / graphile.p50).toFixed(0)}x (p50) | p50 <= 50 ms, p99 <= 200 ms: ${verdict(processLatency.p50 <= 50 && processLatency.p99 <= 200)} (only with warm workers turned off) |
| Schedule tick lateness (cron instant -> run QUEUED, ${ticks.ticks} ticks) | p50 ${ms(ticks.p50)}, p99 ${ms(ticks.p99)} | | | p99 <= 50 ms: ${verdict(ticks.p99 <= 50)} |

Reading. The queue-only line is the like-for-like comparison: a no-op run through the queue against
a no-op job. Its launcher does to the database exactly what a worker does for an empty run: it
hands the run's last events and final status to its coordinator, which writes them and claims the
next queued runs. Each round runs ${QUEUE_RUNS} of each, alternating which side goes first; the table
gives the medians.

Both sides are bound by PostgreSQL's CPU on this machine (2 cores shared by the server and both
clients). graphile-worker spends two statements per job (take it, delete it). A Tributary
coordinator ends the runs that finished while its previous write was in flight, and claims runs
for the slots they free, in one statement (group commit; each end is still a compare-and-set of
its own), so in a busy queue a run costs a fraction of a statement, though a run is a row that stays,
updated twice, and its events go to an indexed log. What else it took (from 0.7x): prepared
statements with generic plans (planning was half the server's work, and it probed the queue index
past every claimed run), claims that start after the last run claimed instead of walking past every
claimed run left in the index, and one statement for a batch and everything derived from it.

The bold lines are what a daemon does by default: each coordinator keeps a pool of worker processes
that have loaded the project and opened storage (\`daemon: { warmWorkers }\`), so a real run costs
an IPC message each way, its executor, its output file (written atomically, with an fsync) and one
statement at its end; user code runs outside the daemon, one run per process at a time. That
isolation is what a real run pays for against an in-process no-op job. A cold process per run
(\`warmWorkers: 0\`) pays a fork, an esbuild compile and an import before RUN_START.

Launch latency is measured across processes: the run is queued on a connection pool of its own and
the coordinators, polling only every second, hear of it through LISTEN/NOTIFY.`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
