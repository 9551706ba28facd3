/**
 * bench/console/runPage.ts: the run page in a real browser (issue #15 Performance), headless
 * Chromium (playwright-core, the system chromium) against the daemon's real HTTP server serving the
 * built console bundle, on PostgreSQL seeded with generate_series (two schemas, side by side):
 *
 * - first paint of the log: navigation start -> the first `.log-row` in the DOM (a MutationObserver
 *   installed before the page's scripts records `performance.now()`), run of 1,000,000 events ÷
 *   run of 100 events, median of rounds that alternate small and big (fresh page each);
 * - event written -> visible: a writer in this process appends 1,000 events a second (20 every
 *   20 ms) through the storage, each carrying `Date.now()` at write in its message, to a run open in
 *   the page; the page records when each event id first shows in a row (MutationObserver); measured
 *   twice: the writer wakes the daemon's stream (as a worker of this daemon does, its coordinator's
 *   onEvent) and it does not (the stream finds the events by polling, as for another daemon's worker);
 * - the tab's memory on the 1,000,000-event run page after scrolling 20 pages back and jumping to
 *   the first error: Chromium's JS heap (CDP `Performance.getMetrics`, after a collection).
 *
 *   npm run build (or node ui/build.mjs) first; npx tsx bench/console/runPage.ts [--events 1000000] [--rounds 9] [--write-docs]
 *
 * Goals (issue #15): first paint ratio <= 2; p99 written -> visible <= 500 ms; JS heap <= 300 MB.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { startHttpServer, type HttpServer } from "../../runtime/src/daemon/http/server";
import { TypedEmitter, type DaemonEvents } from "../../runtime/src/daemon/events";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { launchChromium } from "../../test/ui/support/browser";
import { writePerformanceSection } from "../docs";
import { goalVerdict } from "../verdict";
import { disposeSides, readOnlyServices } from "./services";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "9" },
    seconds: { type: "string", default: "5" },
    "write-docs": { type: "boolean", default: false },
  },
});
const BIG = Number(values.events);
const SMALL = 100;
const ROUNDS = Number(values.rounds);
const LIVE_SECONDS = Number(values.seconds);
const pgUrl = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const daemonEvents = new TypedEmitter<DaemonEvents>();


/** A schema with one run, `run-log`, of `events` events (an error every 100,000th and last), set-based. */
async function seed(schema: string, events: number): Promise<PostgresStorage> {
  const storage = new PostgresStorage(pgUrl, { schema, maxConnections: 4 });
  await storage.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await storage.migrate();
  const iso = (expression: string) => `to_char(timestamp '2026-01-01' + (${expression}) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const query = (sql: string) => storage.pool.query(`SET search_path TO "${schema}"; ${sql}`);
  await query(`INSERT INTO runs (run_id, status, selection, asset_keys, tags, attempt, created_at, started_at, ended_at)
    VALUES ('run-log', 'FAILURE', 'raw', '["raw"]'::jsonb, '{}'::jsonb, 1, ${iso("0")}, ${iso("0")}, ${iso(String(events / 1000 + 1))})`);
  await query(`INSERT INTO events (run_id, timestamp, type, step_key, level, message, data)
    SELECT 'run-log', ${iso("g / 1000.0")}, CASE WHEN g = ${events} THEN 'RUN_FAILURE' ELSE 'LOG' END, CASE WHEN g = ${events} THEN NULL ELSE 'raw' END,
      CASE WHEN g % 100000 = 0 OR g = ${events} THEN 'error' WHEN g % 1000 = 0 THEN 'warn' ELSE 'info' END,
      'row batch ' || g || ' loaded into raw (5000 rows, 1.2 MB)', NULL
    FROM generate_series(1, ${events}) AS g`);
  await query(`INSERT INTO run_event_counts (run_id, type, level, count, first_id, last_id)
    SELECT run_id, type, level, count(*), min(id), max(id) FROM events GROUP BY run_id, type, level`);
  await query("ANALYZE");
  return storage;
}

interface Side {
  name: string;
  storage: PostgresStorage;
  server: HttpServer;
}

async function side(name: string, schema: string, events: number): Promise<Side> {
  const started = performance.now();
  const storage = await seed(schema, events);
  const server = await startHttpServer(readOnlyServices(storage, "bench:console-page", daemonEvents), { port: 0, log: () => undefined });
  console.log(`seeded ${schema}: a run of ${events} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { name, storage, server };
}

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const MB = 1024 * 1024;

/** Installed before the page's own scripts: the instant (performance.now) the first log row enters the DOM. */
const FIRST_ROW_MARKER = `(() => {
  const observer = new MutationObserver(() => {
    if (document.querySelector(".log-row")) { window.__firstLogRow = performance.now(); observer.disconnect(); }
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

/** Opens `run-log` of `s` in a fresh page; ms from navigation start to the first log row. */
async function firstPaint(page: Page, s: Side): Promise<number> {
  await page.goto(`${s.server.url}/runs/run-log`);
  await page.waitForFunction(() => typeof (window as unknown as { __firstLogRow?: number }).__firstLogRow === "number", undefined, { timeout: 60_000 });
  return page.evaluate(() => (window as unknown as { __firstLogRow: number }).__firstLogRow);
}

/** Starts recording, in the page, when each event id first shows in a row, with the write time its message carries. */
async function watchRows(page: Page): Promise<void> {
  // A string, not a function: tsx would wrap the function's named closures in a helper the page lacks.
  await page.evaluate(`(() => {
    const seen = new Map();
    const reached = [];
    window.__seen = seen;
    window.__reached = reached;
    let top = -1;
    const scan = () => {
      const now = Date.now();
      for (const row of document.querySelectorAll(".log-row[data-event-id]")) {
        const id = Number(row.dataset.eventId);
        if (!seen.has(id)) seen.set(id, [now, Number(row.querySelector(".log-message")?.textContent)]);
        if (id > top) { top = id; reached.push([now, id]); }
      }
    };
    new MutationObserver(scan).observe(document.querySelector("[data-testid=virtual-list]"), { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["data-event-id"] });
  })()`);
}

interface Live {
  written: number;
  /** Events whose own row entered the DOM. */
  shown: number;
  /** Over every written event, from its write to the list first reaching it. */
  p50: number;
  p99: number;
  max: number;
  /** Over the events whose own row entered the DOM. */
  rows: { p50: number; p99: number; max: number };
  /** Written events the list never reached. */
  missing: number;
}

/** A writer appends 1,000 events/s to a live run open in `page`; latency written -> row in the DOM, per event. */
async function liveLatency(page: Page, s: Side, wake: boolean): Promise<Live> {
  const runId = `run-live-${wake ? "woken" : "polled"}`;
  await s.storage.createRun({ runId, status: "STARTED", selection: "raw", assetKeys: ["raw"] });
  await s.storage.appendEvents([{ runId, timestamp: new Date().toISOString(), type: "LOG", stepKey: null, level: "info", message: "the run opens" }]);
  await page.goto(`${s.server.url}/runs/${runId}`);
  await page.waitForSelector(".log-row");
  // The stream opens after the tail page: give it a moment, then record.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await watchRows(page);
  const total = LIVE_SECONDS * 1000;
  const started = performance.now();
  for (let written = 0; written < total; written += 20) {
    const at = String(Date.now());
    await s.storage.appendEvents(Array.from({ length: 20 }, () => ({ runId, timestamp: new Date().toISOString(), type: "LOG" as const, stepKey: null, level: "info" as const, message: at })));
    if (wake) daemonEvents.emit("runEvent", { runId });
    // Keep to 1,000 a second on average (a slow append is caught up, not added to).
    const due = started + ((written + 20) / 1000) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const pairs = await page.evaluate(() => [...(window as unknown as { __seen: Map<number, [number, number]> }).__seen.values()]);
  const reached = await page.evaluate(() => (window as unknown as { __reached: [number, number][] }).__reached);
  const stats = (sorted: number[]) => ({ p50: sorted[Math.floor(sorted.length * 0.5)] ?? NaN, p99: sorted[Math.floor(sorted.length * 0.99)] ?? NaN, max: sorted[sorted.length - 1] ?? NaN });
  const seen = pairs.filter(([, at]) => Number.isFinite(at)).map(([shown, at]) => shown - at).sort((a, b) => a - b);
  // Every written event: shown when the list first reached it (its row, or a later one: at 1,000 a
  // second a frame can bring more rows than the list holds, and follow scrolls past some).
  const written = await s.storage.pool.query(`SELECT id, message FROM "${s.storage.schema}".events WHERE run_id = $1 AND message ~ '^[0-9]+$' ORDER BY id`, [runId]);
  const all: number[] = [];
  let cursor = 0;
  for (const row of written.rows as { id: string; message: string }[]) {
    while (cursor < reached.length && reached[cursor]![1] < Number(row.id)) cursor++;
    all.push(cursor < reached.length ? reached[cursor]![0] - Number(row.message) : Infinity);
  }
  all.sort((a, b) => a - b);
  return { written: total, shown: seen.length, ...stats(all), rows: stats(seen), missing: all.filter((v) => v === Infinity).length };
}

interface Memory {
  loaded: number;
  /** JS heap used on the opened page (its tail page of 500 events), after a collection. */
  openedHeapUsed: number;
  heapUsed: number;
  heapTotal: number;
  nodes: number;
  heapTotalBeforeGc: number;
}

/** The big run page: 20 pages scrolled back, then jump to the first error; the tab's JS heap. */
async function memory(page: Page, s: Side, pages: number): Promise<Memory> {
  const stats = (await (await fetch(`${s.server.url}/api/runs/run-log/events/stats`)).json()) as { firstErrorId: number };
  await page.goto(`${s.server.url}/runs/run-log`);
  await page.waitForSelector(".log-row");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metric = async (name: string) => ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === name)?.value ?? NaN);
  await cdp.send("HeapProfiler.collectGarbage");
  const openedHeapUsed = await metric("JSHeapUsedSize");
  const loadedCount = () => page.evaluate(() => Number(/^(\d+)/.exec(document.querySelector("[data-testid=log-count]")!.textContent!.trim())![1]));
  for (let i = 0; i < pages; i++) {
    const before = await loadedCount();
    await page.evaluate(() => {
      const list = document.querySelector<HTMLElement>("[data-testid=virtual-list]")!;
      list.scrollTop = 1;
      list.scrollTop = 0;
      list.dispatchEvent(new Event("scroll"));
    });
    await page.waitForFunction((n) => Number(/^(\d+)/.exec(document.querySelector("[data-testid=log-count]")!.textContent!.trim())![1]) > n, before, { timeout: 30_000 });
  }
  const loaded = await loadedCount();
  await page.click("[data-testid=jump-error]");
  await page.waitForSelector(`.log-row[data-event-id="${stats.firstErrorId}"]`, { timeout: 60_000 });
  const heapTotalBeforeGc = await metric("JSHeapTotalSize");
  await cdp.send("HeapProfiler.collectGarbage");
  const result = { loaded, openedHeapUsed, heapUsed: await metric("JSHeapUsedSize"), heapTotal: await metric("JSHeapTotalSize"), nodes: await metric("Nodes"), heapTotalBeforeGc };
  await cdp.detach();
  return result;
}

async function main(): Promise<void> {
  const suffix = `${process.pid}`;
  const small = await side("small", `bench_runpage_small_${suffix}`, SMALL);
  const big = await side("big", `bench_runpage_big_${suffix}`, BIG);
  const browser = await launchChromium({ width: 1280, height: 800 });
  await browser.addInitScript(FIRST_ROW_MARKER);
  try {
    // Warm: the bundle in the HTTP cache, the daemon's connections and plans, on both sides.
    for (const s of [small, big]) {
      const page = await browser.newPage();
      await firstPaint(page, s);
      await page.close();
    }
    const paints = { small: [] as number[], big: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 === 0 ? [small, big] : [big, small]) {
        const page = await browser.newPage();
        paints[s.name as "small" | "big"].push(await firstPaint(page, s));
        await page.close();
      }
    }
    const smallMs = median(paints.small);
    const bigMs = median(paints.big);
    const ratio = bigMs / smallMs;
    const paintLine = `first paint of the log: run of ${SMALL} events ${smallMs.toFixed(0)} ms, run of ${BIG.toLocaleString("en")} events ${bigMs.toFixed(0)} ms (medians of ${ROUNDS})`;
    const paintVerdict = goalVerdict("first paint of the log, big / small <= 2", 2, "x", [{ label: "measured", value: ratio }], 2);
    console.log(paintLine);
    console.log(paintVerdict);

    const livePage = await browser.newPage();
    const woken = await liveLatency(livePage, big, true);
    const polled = await liveLatency(livePage, big, false);
    await livePage.close();
    const liveText = (label: string, l: Live) =>
      `${label}: all ${l.written} events (the list reached each${l.missing ? `, but ${l.missing}` : ""}) p50 ${l.p50.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms, max ${l.max.toFixed(0)} ms; the ${l.shown} whose own row entered the DOM p50 ${l.rows.p50.toFixed(0)} ms, p99 ${l.rows.p99.toFixed(0)} ms`;
    const liveVerdict = goalVerdict("event written -> visible on the run page, p99 <= 500 ms", 500, "ms", [{ label: "woken (worker of this daemon)", value: woken.p99 }, { label: "polled (another daemon's worker)", value: polled.p99 }]);
    console.log(liveText("live, woken", woken));
    console.log(liveText("live, polled", polled));
    console.log(liveVerdict);

    const memPage = await browser.newPage();
    const mem = await memory(memPage, big, 20);
    await memPage.close();
    const memLine = `run page of ${BIG.toLocaleString("en")} events, ${mem.loaded.toLocaleString("en")} loaded after 20 pages back, then jump to first error: JS heap ${(mem.heapUsed / MB).toFixed(1)} MB used of ${(mem.heapTotal / MB).toFixed(1)} MB (${(mem.heapTotalBeforeGc / MB).toFixed(1)} MB before a collection), ${mem.nodes} DOM nodes`;
    const memVerdict = goalVerdict("the tab's JS heap on a 1,000,000-event run page <= 300 MB", 300, "MB", [{ label: "heap total before a collection", value: mem.heapTotalBeforeGc / MB }, { label: "after", value: mem.heapTotal / MB }], 1);
    const perEvent = (mem.heapUsed - mem.openedHeapUsed) / Math.max(1, mem.loaded - 500);
    const growthLine = `JS heap used on opening ${(mem.openedHeapUsed / MB).toFixed(1)} MB: ~${(perEvent / 1024).toFixed(2)} KB more per event paged in, so 300 MB would hold ~${Math.round((300 * MB - mem.openedHeapUsed) / perEvent).toLocaleString("en")} events scrolled back`;
    const fullMb = (mem.openedHeapUsed + perEvent * BIG) / MB;
    const fullRun = `scrolling back through all ${BIG.toLocaleString("en")} events would come to ~${fullMb.toFixed(0)} MB of JS heap, ${fullMb <= 300 ? "still under" : "over"} 300 MB`;
    console.log(memLine);
    console.log(memVerdict);
    console.log(`${growthLine}; ${fullRun}`);

    const load = os.loadavg().map((n) => n.toFixed(2)).join(" ");
    const body = `Headless Chromium (playwright-core, the system chromium, 1280×800) against the daemon's HTTP server serving the
built console bundle, on PostgreSQL 15; ${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? "?"}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version},
load average ${load} at the end (a machine shared with other work), ${new Date().toISOString().slice(0, 10)}.
A run of ${BIG.toLocaleString("en")} events and one of ${SMALL}, seeded with generate_series in two schemas (an error every 100,000th event),
side by side in one process. \`npm run build && npx tsx bench/console/runPage.ts --write-docs\`.

**First paint of the log**: from navigation start to the first \`.log-row\` in the DOM (a MutationObserver installed
before the page's scripts records \`performance.now()\`), a fresh page each time, median of ${ROUNDS} rounds alternating small and big:

${paintLine}.  
${paintVerdict}

The page asks for the run, the log's stats (\`run_event_counts\` rows) and its tail page (\`before=lastId+1&limit=500\`), and the virtual
list renders the ~40 rows on screen: none of it reads or renders more for a longer log.

**Event written -> visible**: a writer in the bench's process appends 1,000 events a second (20 every 20 ms, ${LIVE_SECONDS} s) through
the storage (\`appendEvents\`) to a new live run (in the big side's database, next to the 1,000,000-event run) open in the page, each with \`Date.now()\` at write in its message; the page records
\`Date.now()\` when each event id first shows in a row (a MutationObserver on the list), latency = shown - written, per event.
Woken: the writer emits the daemon's \`runEvent\`, as a worker of this daemon does (its coordinator's onEvent); polled: it does not,
and the stream finds the events by polling the storage (every 250 ms), as for a run on another daemon's worker.

${liveText("woken (a worker of this daemon)", woken)}.  
${liveText("polled (another daemon's worker)", polled)}.  
${liveVerdict}

With follow on, the list appends the events a frame brings (one render per animation frame) and scrolls to the end: when a
frame brings more events than the ~40 rows the list holds (a polled batch is up to 250), the older ones are scrolled past
before their row is drawn. So the figure judged is over every written event, shown when the list first reached it (its own row,
or a later one entered the DOM); the rows actually drawn are the newest of each batch, hence their lower median.

**Memory**: the ${BIG.toLocaleString("en")}-event run page, scrolled to the top 20 times (each loads 500 older events), then
"Jump to first error" (the error-level view, paged back to the first error): Chromium's JS heap from CDP \`Performance.getMetrics\`.

${memLine}.  
${memVerdict}

The tab holds the events it has paged in (500 a page), not the run, and "Jump to first error" reads the error-level view
(a page or a few) instead of the events between: the heap grows with how far one scrolls back by hand, not with the log.
${growthLine} (a linear extrapolation, not measured). The list keeps what it paged in (no window that drops far rows and
pages them in again), so the bound on a tab is that growth: ${fullRun}. The level, step, type and text filters ask the daemon,
so they need no events in the tab.`;
    if (values["write-docs"]) writePerformanceSection("Run page in the browser (bench/console/runPage.ts)", body);
  } finally {
    await browser.dispose();
    await disposeSides([small, big]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
