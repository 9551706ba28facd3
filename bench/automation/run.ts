/**
 * bench/automation: one declarative-automation tick over a large graph (issue 17, Performance):
 * 10,000 assets in 10 layers, 1,000 of them with a condition (eager / onCron / onMissing mix), 100
 * assets updated between ticks. Each tick goes through the real tick code
 * (services/automation/tick.ts: the facts read set-based, the evaluation, the evaluations and
 * states stored in one transaction, the launches) on a real storage; the runs it launches are
 * enqueued as run rows and "run" before the next tick (their assets materialized by them). Side by side: the same ticks on SQLite (the anchor: no network, one
 * process), and where the time goes (facts read, evaluation, the rest: storing and launching).
 *
 *   npx tsx bench/automation/run.ts [--ticks 30] [--write-docs]
 *
 * Goal (issue 17): one tick <= 250 ms on PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { asset, type AssetDefinition } from "../../runtime/src/definitions/asset";
import { AutomationCondition } from "../../runtime/src/definitions/automation";
import { definitions } from "../../runtime/src/definitions/definitions";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { evaluateAutomation, type AutomationAssetState } from "../../runtime/src/services/automation/evaluator";
import { loadAutomationFacts } from "../../runtime/src/services/automation/facts";
import { automationAssets, runAutomationTick, type AutomationRunRequest } from "../../runtime/src/services/automation/tick";
import { openStorage, type StorageConfig } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import type { RunEvent } from "../../runtime/src/types";
import { seededRandom } from "../../test/support/random";
import { writePerformanceSection } from "../docs";
import { goalVerdict } from "../verdict";

const { values } = parseArgs({
  options: {
    ticks: { type: "string", default: "30" },
    "write-docs": { type: "boolean", default: false },
  },
});
const TICKS = Number(values.ticks);
const LAYERS = 10;
const PER_LAYER = 1000;
const ASSETS = LAYERS * PER_LAYER;
const WITH_CONDITIONS = 1000;
const UPDATED_PER_TICK = 100;
const GOAL_MS = 250;
const INTERVAL_MS = 30_000;
const pgUrl = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const key = (layer: number, index: number) => `l${layer}_a${index}`;

/**
 * The graph: layer 0 are roots; every other asset reads 2 or 3 assets of the layer above. Every
 * 9th asset of layers 1..9 (1,000 in all) has a condition: 6 in 10 eager, 2 onCron (hourly), 2
 * onMissing.
 */
function syntheticGraph(): AssetGraph {
  const random = seededRandom(17);
  const definitionsByKey = new Map<string, AssetDefinition>();
  let conditioned = 0;
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let index = 0; index < PER_LAYER; index++) {
      const deps: AssetDefinition[] = [];
      if (layer > 0) {
        const count = 2 + Math.floor(random() * 2);
        const chosen = new Set<number>();
        while (chosen.size < count) chosen.add(Math.floor(random() * PER_LAYER));
        for (const dep of chosen) deps.push(definitionsByKey.get(key(layer - 1, dep))!);
      }
      let automation;
      if (layer > 0 && index % 9 === 0 && conditioned < WITH_CONDITIONS) {
        const kind = conditioned % 10;
        automation = kind < 6 ? AutomationCondition.eager() : kind < 8 ? AutomationCondition.onCron("0 * * * *") : AutomationCondition.onMissing();
        conditioned++;
      }
      definitionsByKey.set(key(layer, index), asset({ key: key(layer, index), deps, ...(automation ? { automation } : {}) }, () => null));
    }
  }
  if (conditioned !== WITH_CONDITIONS) throw new Error(`expected ${WITH_CONDITIONS} conditions, made ${conditioned}`);
  return new AssetGraph(definitions({ assets: [...definitionsByKey.values()] }));
}

/** Materializations of `keys` in one run, stamped `at`, appended set-based (1,000 events a batch). */
async function materialize(storage: Storage, keys: readonly string[], at: number, existingRunId?: string): Promise<void> {
  const runId = existingRunId ?? randomUUID();
  if (!existingRunId) await storage.createRun({ runId, status: "STARTED", selection: "bench", assetKeys: [...keys] });
  const timestamp = new Date(at).toISOString();
  for (let start = 0; start < keys.length; start += 1000) {
    const events: RunEvent[] = keys.slice(start, start + 1000).map((assetKey) => ({
      runId, timestamp, type: "ASSET_MATERIALIZATION", stepKey: assetKey, level: "info", message: `materialized ${assetKey}`, data: { assetKey, metadata: {} },
    }));
    await storage.appendEvents(events);
  }
  await storage.appendEvents([], { runUpdate: { runId, update: { status: "SUCCESS", endedAt: timestamp } } });
}

interface Figures {
  backend: string;
  tickMs: number[];
  factsMs: number[];
  evaluateMs: number[];
  requested: number[];
  launched: number[];
  stored: number[];
  /** Time in each storage method during the measured ticks, summed (concurrent calls overlap). */
  storageMs: Map<string, number>;
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/**
 * The ticks on one storage, a round at a time (a `yield` after each): the two storages' rounds are
 * interleaved, so a machine shared with others slows both alike and their ratio stays meaningful.
 */
async function* measure(backend: string, storage: Storage, graph: AssetGraph): AsyncGenerator<void, Figures> {
  const random = seededRandom(1717);
  const allKeys = [...graph.assets.keys()];
  let now = Date.parse("2026-01-05T00:00:00.000Z");
  await materialize(storage, allKeys, now - 3600_000);
  // The runs a tick launches are enqueued as a daemon enqueues them (a QUEUED run under its run
  // key); before the next tick each "ran": its assets materialized by it, then SUCCESS.
  const launched: { runId: string; assetKeys: string[] }[] = [];
  const host = {
    storage,
    async submit(request: AutomationRunRequest) {
      const runId = randomUUID();
      const assetKeys = request.selection.split(" or ");
      await timed.createRun({ runId, status: "QUEUED", selection: request.selection, assetKeys, tags: request.tags, runKey: request.runKey, instigator: request.instigator });
      launched.push({ runId, assetKeys });
      return { runId };
    },
    warn: () => {},
  };
  // The storage as the tick sees it, timing each call (summed per method, over the measured ticks).
  let timing: Map<string, number> | undefined;
  const timed = new Proxy(storage, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        const account = () => timing?.set(String(property), (timing.get(String(property)) ?? 0) + performance.now() - started);
        if (result instanceof Promise) return result.finally(account);
        account();
        return result;
      };
    },
  });
  const assets = automationAssets(graph);
  const withCondition = assets.filter((a) => a.automation).map((a) => a.key);
  const figures: Figures = { backend, tickMs: [], factsMs: [], evaluateMs: [], requested: [], launched: [], stored: [], storageMs: new Map() };
  const tick = async (record: boolean) => {
    const claimed = (await storage.createAutomationTick({ tickTime: new Date(now).toISOString(), daemonId: "bench" }))!;
    timing = record ? figures.storageMs : undefined;
    const started = performance.now();
    const outcome = await runAutomationTick({ ...host, storage: timed }, claimed, graph, now);
    timing = undefined;
    const tickMs = performance.now() - started;
    if (!record) return;
    figures.tickMs.push(tickMs);
    figures.requested.push(outcome.evaluations.filter((e) => e.requested.length > 0).length);
    figures.launched.push(outcome.launches.length);
  };
  // The first tick is the initial evaluation of every condition (and writes every state).
  await tick(false);
  yield;
  for (let round = 0; round < TICKS + 2; round++) {
    now += INTERVAL_MS;
    for (const run of launched.splice(0)) await materialize(storage, run.assetKeys, now - 2000, run.runId);
    const updated = new Set<string>();
    while (updated.size < UPDATED_PER_TICK) updated.add(allKeys[Math.floor(random() * allKeys.length)]!);
    await materialize(storage, [...updated], now - 1000);
    // Where the time goes, on the same inputs as the tick below reads (measured before it, not inside it).
    const states = new Map<string, AutomationAssetState>();
    for (const [assetKey, state] of await storage.getAutomationStates(withCondition)) states.set(assetKey, state as AutomationAssetState);
    let started = performance.now();
    const facts = await loadAutomationFacts(storage, assets, states, now);
    const factsMs = performance.now() - started;
    started = performance.now();
    evaluateAutomation({ tickId: -1, assets, graph, facts, previous: states });
    const evaluateMs = performance.now() - started;
    const warm = round >= 2; // two warm-up rounds
    if (warm) {
      figures.factsMs.push(factsMs);
      figures.evaluateMs.push(evaluateMs);
    }
    await tick(warm);
    yield;
  }
  return figures;
}

/** The storage methods the tick spends most in, per tick on average. */
function storageBreakdown(f: Figures): string {
  return [...f.storageMs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([method, ms]) => `\`${method}\` ${(ms / f.tickMs.length).toFixed(1)} ms`)
    .join(", ");
}

function row(f: Figures): string {
  const p50 = percentile(f.tickMs, 50);
  const facts = percentile(f.factsMs, 50);
  const evaluate = percentile(f.evaluateMs, 50);
  return `| ${f.backend} | ${p50.toFixed(0)} | ${percentile(f.tickMs, 99).toFixed(0)} | ${facts.toFixed(0)} | ${evaluate.toFixed(0)} | ${Math.max(0, p50 - facts - evaluate).toFixed(0)} | ${percentile(f.requested, 50)} | ${percentile(f.launched, 50)} |`;
}

async function main(): Promise<void> {
  const loadAverage = os.loadavg()[0]!;
  let started = performance.now();
  const graph = syntheticGraph();
  const buildMs = performance.now() - started;
  process.stderr.write(`graph of ${graph.assets.size} assets built in ${buildMs.toFixed(0)} ms\n`);

  const schema = `bench_automation_${process.pid}`;
  const pg = await openStorage({ kind: "postgres", url: pgUrl, schema } satisfies StorageConfig);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-automation-"));
  const sqlite = await openStorage({ kind: "sqlite", path: path.join(dir, "state.db") });
  let postgres: Figures | undefined;
  let anchor: Figures | undefined;
  try {
    started = performance.now();
    const pgRounds = measure("PostgreSQL 15", pg, graph);
    const sqliteRounds = measure("SQLite (anchor)", sqlite, graph);
    while (!postgres || !anchor) {
      if (!postgres) {
        const step = await pgRounds.next();
        if (step.done) postgres = step.value;
      }
      if (!anchor) {
        const step = await sqliteRounds.next();
        if (step.done) anchor = step.value;
      }
    }
    process.stderr.write(`both storages: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await (pg as unknown as { pool: { query(sql: string): Promise<unknown> } }).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await pg.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const pgP50 = percentile(postgres.tickMs, 50);
  const pgP99 = percentile(postgres.tickMs, 99);
  const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}, load average ${loadAverage.toFixed(1)} at the start and ${os.loadavg()[0]!.toFixed(1)} at the end (the machine is shared by several sessions: at a load above its 2 cores every figure stretches). Command: \`npx tsx bench/automation/run.ts --write-docs\`.

One automation tick through the real tick code (\`services/automation/tick.ts\`: each asset's stored state, the facts read set-based, the evaluation, the evaluations, states and launches stored in one transaction, then the launches, here enqueued as QUEUED runs under their run keys, each of which "runs" before the next tick: its assets materialized by it) over a synthetic graph of ${ASSETS.toLocaleString("en")} assets in ${LAYERS} layers (each asset reads 2 or 3 of the layer above), ${WITH_CONDITIONS.toLocaleString("en")} of them with a condition (600 \`eager()\`, 200 \`onCron("0 * * * *")\`, 200 \`onMissing()\`), every asset materialized once before the first tick, and ${UPDATED_PER_TICK} random assets materialized between ticks (one tick per 30 s of the injected clock). ${TICKS} ticks measured after the initial evaluation and two warm-up ticks, the PostgreSQL and SQLite ticks interleaved (so both see the same machine load); p50 and p99 of the tick. "facts" and "evaluate" are the two phases measured apart on the same inputs just before each tick; "rest" is the p50 tick minus both (reading the states, storing, launching).

| Storage | tick p50 ms | tick p99 ms | facts p50 ms | evaluate p50 ms | rest ms | assets requested per tick (p50) | runs launched per tick (p50) |
|---|---|---|---|---|---|---|---|
${row(postgres)}
${row(anchor)}

${goalVerdict(`One tick over ${ASSETS.toLocaleString("en")} assets (1,000 with conditions, ${UPDATED_PER_TICK} updated) on PostgreSQL <= ${GOAL_MS} ms`, GOAL_MS, "ms", [
    { label: "p50", value: pgP50 },
    { label: "p99", value: pgP99 },
  ])}. PostgreSQL / SQLite: ${(pgP50 / percentile(anchor.tickMs, 50)).toFixed(1)}× at p50.

Storage time per tick by method (mean; calls that run concurrently are each counted in full): PostgreSQL: ${storageBreakdown(postgres)}; SQLite: ${storageBreakdown(anchor)}.

Where the time goes: "facts" (a few set-based reads) and "evaluate" (pure, in this process) are alike on both storages; what PostgreSQL adds is in "rest", the tick's writes: each launched run is its own \`createRun\` transaction (a commit, so a WAL flush, and the run queue's \`pg_notify\`; four at a time), and the states of the 1,000 conditioned assets are upserted every tick in one statement. On a loaded machine each round trip also waits for the PostgreSQL backend to be scheduled, so the gap to SQLite widens with the load average. Left to do if the goal must hold under load: enqueue a tick's runs in one transaction (a \`createRuns\` in the storage port: one commit instead of one per run).

Dagster, for scale (figures its users report in issues; none is this graph, and the reports are of partitioned graphs, where Dagster's time goes): dagster-io/dagster#17429 (Dagster 1.5.5) "about 35 assets each having around 2000 daily partitions": the auto-materialize daemon "gets killed after 5 minutes constantly" (the tick outlives the daemon's 300 s heartbeat tolerance); dagster-io/dagster#13351, "Auto-materialize times out when there are many new partitions" with "<100 assets" and "7500 new partitions"; mitodl/ol-data-platform#2633 (a Dagster deployment), an automation-condition sensor tick "Checking 9 assets/checks" that takes "931.399 seconds" after an observation of ~3,500 partitions, while "Eleven of the twelve ticks each hour finish in ~1s". Not measured here: partitioned assets in the synthetic graph (the facts read the partitions of each partitioned asset a condition looks at in one query per asset, so 1,000 partitioned conditions would be 1,000 queries a tick).`;
  console.log(body);
  if (values["write-docs"]) writePerformanceSection("Automation tick (bench/automation)", body);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
