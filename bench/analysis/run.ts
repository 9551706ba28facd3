/**
 * Language server benchmark (issue 3): a generated workspace of 1,000 files / 10,000 assets, measured
 * side by side with `tsc --noEmit` on the same workspace in one run.
 *
 *   npx tsx bench/analysis/run.ts [--files 1000] [--edits 200] [--no-tsc] [--write]
 *
 * Reports cold index time, server RSS, edit-to-published-diagnostics p50/p99 over the real server
 * (stdio, bundled like the shipped bin), and tsc's wall time and peak RSS, with ratios. `--write`
 * replaces the "Language server (bench/analysis)" section of docs/performance.md.
 *
 * The machine is shared, so wall times scale with its load. CPU times (the server's, from
 * /proc/PID/stat, and tsc's) scale much less, and the tsc ratio carries the load with it: tsc took
 * 18.4 s idle here (shared/recipes/versions.md), so `wall × 18.4 s / tsc wall` estimates idle time.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LspTestClient, uri } from "../../test/server/lspClient";
import { generateWorkspace } from "./generate";
import { goalVerdict } from "../verdict";

const repository = path.resolve(__dirname, "../..");
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const FILES = option("--files", 1000);
const EDITS = option("--edits", 200);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function procStatus(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** User + system CPU time of a process so far, in ms (from /proc: clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of a process' main thread alone (its thread id is the process id), ms. */
function mainThreadCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** tsc --noEmit on this workspace on an idle machine of this kind (shared/recipes/versions.md). */
const TSC_IDLE_MS = 18_400;

function bundleServer(): string {
  const out = path.join(__dirname, "out/language-server.js");
  const result = spawnSync(path.join(repository, "node_modules/.bin/esbuild"), [
    path.join(repository, "server/src/main.ts"), "--bundle", "--platform=node", "--target=node20", "--external:typescript", `--outfile=${out}`, "--log-level=warning",
  ], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`esbuild failed: ${result.stderr}`);
  return out;
}

interface ServerResults {
  indexMs: number;
  readyMs: number;
  rssMb: number;
  peakRssMb: number;
  p50: number;
  p99: number;
  edits: number;
  /** CPU time from spawn to ready (includes loading TypeScript), ms. */
  readyCpuMs: number;
  /** Mean CPU time per edit (parse, link, publish), ms. */
  editCpuMs: number;
  /** CPU time of the cold index (from initialized to the "ready" status): all threads, and the main thread alone, ms. */
  indexCpuMs: number;
  indexMainThreadCpuMs: number;
  /** Files the parse workers parsed (of `files`). */
  parsedByWorkers: number;
  files: number;
}

async function benchServer(root: string, editFile: string): Promise<ServerResults> {
  process.env.TRIBUTARY_LANGUAGE_SERVER = bundleServer();
  const started = performance.now();
  const samples0 = { cpu: 0, main: 0 };
  const samples1 = { cpu: 0, main: 0 };
  const client = await LspTestClient.start([root], {
    settings: { daemonPollIntervalMs: 0 }, readyTimeoutMs: 120_000,
    // The server is idle between its answer to initialize and the initialized notification, which starts the index.
    beforeInitialized: (pid) => Object.assign(samples0, { cpu: cpuMs(pid), main: mainThreadCpuMs(pid) }),
    onStatus: (s, pid) => {
      if (s.state === "ready" && samples1.cpu === 0) Object.assign(samples1, { cpu: cpuMs(pid), main: mainThreadCpuMs(pid) });
    },
  });
  const readyMs = performance.now() - started;
  const status = client.statuses.findLast((s) => s.state === "ready") as { indexMs: number; parsedByWorkers?: number; projects: { assets: number; files: number }[] };
  if (status.projects[0]?.assets !== FILES * 10) throw new Error(`expected ${FILES * 10} assets, the server saw ${status.projects[0]?.assets}`);
  const rssMb = procStatus(client.pid, "VmRSS");
  const readyCpuMs = cpuMs(client.pid);
  const original = await client.open(editFile);
  const broken = original.replace(/deps: \[([^\]]*)\]/, 'deps: [$1, "no_such_asset"]');
  const target = uri(editFile);
  const samples: number[] = [];
  const cpuBefore = cpuMs(client.pid);
  for (let i = 0; i < EDITS; i++) {
    const breaking = i % 2 === 0;
    const published = new Promise<number>((resolve) => {
      client.publishListeners.splice(0, client.publishListeners.length, (params) => {
        const hasError = params.diagnostics.some((d) => d.code === "unknown-dep");
        if (params.uri === target && hasError === breaking) resolve(performance.now());
      });
    });
    const sent = performance.now();
    await client.change(editFile, breaking ? broken : original);
    samples.push((await published) - sent);
  }
  const editCpuMs = (cpuMs(client.pid) - cpuBefore) / samples.length;
  const peakRssMb = procStatus(client.pid, "VmHWM");
  await client.stop();
  return {
    indexMs: status.indexMs, readyMs, rssMb, peakRssMb, p50: percentile(samples, 50), p99: percentile(samples, 99), edits: samples.length, readyCpuMs, editCpuMs,
    indexCpuMs: samples1.cpu - samples0.cpu, indexMainThreadCpuMs: samples1.main - samples0.main,
    parsedByWorkers: status.parsedByWorkers ?? 0, files: status.projects[0]?.files ?? 0,
  };
}

function benchTsc(root: string): { ms: number; peakRssMb: number; errors: number; cpuMs: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ["-r", path.join(__dirname, "reportRss.cjs"), path.join(repository, "node_modules/typescript/bin/tsc"), "-p", root, "--noEmit"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  const rss = /TRIBUTARY_BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr);
  const errors = (result.stdout.match(/error TS/g) ?? []).length;
  const cpu = /TRIBUTARY_BENCH_CPU_US=(\d+)/.exec(result.stderr);
  return { ms, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN, errors, cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN };
}

async function main(): Promise<void> {
  const root = path.join(os.tmpdir(), `tributary-bench-analysis-${FILES}`);
  const workspace = generateWorkspace(root, FILES);
  process.stdout.write(`workspace: ${workspace.files} files, ${workspace.assets} assets in ${root}\n`);
  const server = await benchServer(root, workspace.editFile);
  process.stdout.write(`server: cold index ${server.indexMs} ms (${server.indexCpuMs} ms CPU in all threads, ${server.indexMainThreadCpuMs} ms on the main thread; workers parsed ${server.parsedByWorkers} of ${server.files} files; initialize -> ready ${server.readyMs.toFixed(0)} ms, ${server.readyCpuMs.toFixed(0)} ms CPU), RSS ${server.rssMb.toFixed(0)} MB (peak ${server.peakRssMb.toFixed(0)} MB), edit -> diagnostics p50 ${server.p50.toFixed(1)} ms, p99 ${server.p99.toFixed(1)} ms over ${server.edits} edits (${server.editCpuMs.toFixed(1)} ms CPU per edit)\n`);
  const tsc = args.includes("--no-tsc") ? undefined : benchTsc(root);
  const idle = tsc ? TSC_IDLE_MS / tsc.ms : undefined;
  if (tsc && idle) {
    process.stdout.write(`tsc --noEmit: ${tsc.ms.toFixed(0)} ms (${tsc.cpuMs.toFixed(0)} ms CPU), peak RSS ${tsc.peakRssMb.toFixed(0)} MB (${tsc.errors} type errors)\n`);
    process.stdout.write(`ratios: tsc / cold index = ${(tsc.ms / server.indexMs).toFixed(1)}x time, tsc / server = ${(tsc.peakRssMb / server.peakRssMb).toFixed(1)}x peak memory; load factor (tsc now / tsc idle) = ${(1 / idle).toFixed(1)}x\n`);
    process.stdout.write(`idle estimate (x ${idle.toFixed(2)}): cold index ${(server.indexMs * idle).toFixed(0)} ms, edit p50 ${(server.p50 * idle).toFixed(1)} ms, p99 ${(server.p99 * idle).toFixed(1)} ms\n`);
  }
  // Each figure gets its own verdict: the measured one under this machine's load, and the estimate for an idle one.
  const judged = (ms: number) => [{ label: "measured", value: ms }, idle ? { label: "idle estimate", value: ms * idle } : undefined];
  const goals = [
    goalVerdict("cold index <= 1500 ms", 1500, "ms", judged(server.indexMs)),
    goalVerdict("edit-to-diagnostics p99 <= 30 ms", 30, "ms", judged(server.p99), 1),
    goalVerdict("RSS <= 300 MB", 300, "MB", [{ label: "peak", value: server.peakRssMb }]),
  ];
  process.stdout.write(goals.join("\n") + "\n");
  if (args.includes("--write")) writeSection(workspace, server, tsc, goals);
  fs.rmSync(root, { recursive: true, force: true });
}

function writeSection(workspace: ReturnType<typeof generateWorkspace>, server: ServerResults, tsc: ReturnType<typeof benchTsc> | undefined, goals: string[]): void {
  const file = path.join(repository, "docs/performance.md");
  const heading = "## Language server (bench/analysis)";
  const load = os.loadavg()[0]?.toFixed(1);
  const section = [
    heading,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${load} at the start of the run (the machine is shared). Command: \`npx tsx bench/analysis/run.ts --write\`.`,
    `Workspace: ${workspace.files} generated files, ${workspace.assets} assets (each with a cross-file identifier dep and a key-string dep), plus checks, jobs and schedules; the server runs bundled (as shipped) over stdio.`,
    "",
    "| Measure | Language server | tsc --noEmit (same workspace) | Ratio |",
    "|---|---|---|---|",
    `| Cold index / full check | ${server.indexMs} ms (${server.indexCpuMs} ms CPU in all threads, ${server.indexMainThreadCpuMs} ms on the main thread; parse workers: ${server.parsedByWorkers} of ${server.files} files; initialize to ready: ${server.readyMs.toFixed(0)} ms, ${server.readyCpuMs.toFixed(0)} ms CPU incl. loading TypeScript) | ${tsc ? `${tsc.ms.toFixed(0)} ms (${tsc.cpuMs.toFixed(0)} ms CPU)` : "not run"} | ${tsc ? `${(tsc.ms / server.indexMs).toFixed(1)}× faster` : ""} |`,
    `| Memory | RSS ${server.rssMb.toFixed(0)} MB after indexing, peak ${server.peakRssMb.toFixed(0)} MB | peak ${tsc ? tsc.peakRssMb.toFixed(0) : "?"} MB | ${tsc ? `${(tsc.peakRssMb / server.peakRssMb).toFixed(1)}× less` : ""} |`,
    `| One-file edit to published diagnostics | p50 ${server.p50.toFixed(1)} ms, p99 ${server.p99.toFixed(1)} ms (${server.edits} edits; ${server.editCpuMs.toFixed(1)} ms CPU per edit) | (a re-check is a full run) | |`,
    ...(tsc ? [`| Load factor (tsc now / tsc idle ${TSC_IDLE_MS} ms) | ${(tsc.ms / TSC_IDLE_MS).toFixed(1)}× | idle estimates: cold index ${(server.indexMs * TSC_IDLE_MS / tsc.ms).toFixed(0)} ms, edit p50 ${(server.p50 * TSC_IDLE_MS / tsc.ms).toFixed(1)} ms, p99 ${(server.p99 * TSC_IDLE_MS / tsc.ms).toFixed(1)} ms | |`] : []),
    "",
    "Goals: " + goals.join("; ") + ".",
    "",
    "How edits stay fast: the linker keeps each file's link results with what it read (other files through the",
    "resolver, keys, the owner of each key, job names, the selection vocabulary) and, on an edit, relinks only the",
    "files whose reads changed; other files see a file through its *surface* (exports, imports, definitions' keys and",
    "names, never spans), so typing inside a file relinks that file alone. Duplicates, registration and cycles are",
    "recomputed only for the keys and files concerned (cycles only when edges change), and the server publishes only",
    "the files whose diagnostics changed, the edited file first. test/server/incremental.test.ts proves the result equals",
    "a link from scratch after each of 900 random edits. The cost of an edit that adds an unknown key is dominated by",
    "\"did you mean\" over 10,000 keys.",
    "",
    "Before this design (same bench, load ~5.8): cold index 6415 ms, peak RSS 387 MB, edit p50 496 ms / p99 1093 ms",
    "(every edit relinked the whole project). Wall times vary by up to 2× between runs under the shared load; the",
    "main-thread CPU column varies less and is the cold index's critical path on an idle machine.",
    "",
    "Cold index work (issue 3's 1.5 s goal), measured with the server bundled over stdio in alternating runs:",
    "",
    "- Extraction walks only the syntax nodes whose text mentions a local name of an API function or a Tributary",
    "  namespace (a call names its callee inside its own text; unicode escapes, more than 8 names or 4,096 mentions",
    "  fall back to the full walk): the walk cost 0.55 of the parse before, 0.43 after; extraction as a whole 0.65 → 0.58.",
    "  Side by side with the code before (alternating runs, load ~4.8): cold index median 2.0 s against 2.3 s; at load",
    "  ~1.6-3 the new code's median was 1.25 s (1.19-2.11 s over 6 runs), within the goal on a quiet machine.",
    "- Parsing in worker threads beside the main thread (files claimed from a shared counter, facts back as JSON,",
    "  workers started before the main thread loads TypeScript and terminated after the cold index) halves the",
    "  main thread's parse CPU but made the cold index *slower* here: median 1.6 s against 1.25 s alone for 1,000",
    "  files, no gain at 3,000 files. A cold parse is mostly the JIT warming up the TypeScript parser, which every",
    "  thread pays again, and the threads compete with V8's background compiler for the two cores. The workers are",
    "  therefore off by default; `TRIBUTARY_PARSE_WORKERS=N` turns them on (for machines with more cores: measure).",
    "- Tried and dropped (no measurable change): resolver caches keyed by file then name instead of built key",
    "  strings; a Map instead of a WeakMap for the keys of each definition. In-process, single-threaded, the",
    "  cold link is ~0.6 s CPU and the parse of 1,001 files ~1.0 s cold against ~0.33 s warm (JIT warm-up).",
    "",
    "What remains: the goal is not met by the bench's own estimate (the main thread alone spends ~1.7 s CPU on",
    "the cold index over stdio). The next levers are on the main thread: a cheaper first link (it allocates read",
    "sets and memos per name for the incremental design; GC was ~25% of the link in a profile) and a smaller",
    "per-span representation (every span is three objects, allocated by extraction and kept).",
    "",
  ].join("\n");
  let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Performance\n\n";
  const start = text.indexOf(heading);
  if (start >= 0) {
    const next = text.indexOf("\n## ", start + heading.length);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : "");
  } else {
    text = text.replace(/\n*$/, "\n\n") + section;
  }
  fs.writeFileSync(file, text);
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
