/**
 * The lineage page served by the real daemon for a scratch copy of samples/warehouse: a `Daemon` in
 * mode "dev" (code location with its file watcher, run queue, warm worker pool, monitor, scheduler
 * and sensors) behind `startHttpServer`, as `tributary dev` wires them, on the copy's own embedded
 * SQLite. Runs execute in real worker processes; nothing in the runtime knows it is under test.
 *
 * To make the RUNNING colour observable without test hooks in the runtime, the copy's `raw_orders`
 * asset waits until a release file appears (see {@link WarehouseDaemon.release}); every other step
 * runs as soon as the graph allows. On request (`failing`), the copy's `raw_customers` throws on the
 * first attempt of each run and succeeds on its retry, or throws on every attempt while told to (see
 * {@link WarehouseDaemon.failEveryAttempt}). The original sample is never written to.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Daemon } from "../../../runtime/src/daemon/daemon";
import { startHttpServer, type HttpServer } from "../../../runtime/src/daemon/http/server";
import { findProjectConfig } from "../../../runtime/src/loader";
import { UI_DIST } from "./staticServer";

const REPO = resolve(__dirname, "..", "..", "..");
/** The bundled static analysis (runtime/dist/bundled, built by `npm run build`). */
const ANALYSIS_BUNDLE = join(REPO, "runtime", "dist", "bundled", "validate.js");
/** Path of the sample project (read only). */
export const SAMPLE_DIR = join(REPO, "samples", "warehouse");

/** The asset held until the release file exists, and the source text its body starts with. */
export const HELD_ASSET = "raw_orders";
const HELD_BODY = `(ctx) => {\n    const rows = readCsvTable(join(dataDir(), "raw_orders.csv")`;

/** The asset that `failing` makes throw, and the source texts of its spec and body that the copy rewrites. */
export const FAILING_ASSET = "raw_customers";
const FAILING_SPEC = `key: "raw_customers",`;
const FAILING_BODY = `(ctx) => {\n    const rows = readCsvTable(join(dataDir(), "raw_customers.csv")`;
/** The message of what the copy's `raw_customers` throws. */
export const FAILING_MESSAGE = "the shop export raw_customers.csv is not there yet";

/** Small intervals so queued runs start and statuses move within milliseconds, not seconds. */
const FAST_SETTINGS = {
  queuePollMs: 25,
  heartbeatMs: 200,
  monitorIntervalMs: 500,
  schedulerPollMs: 200,
  sensorPollMs: 200,
  daemonHeartbeatMs: 1000,
  maxConcurrentRuns: 2,
  warmWorkers: 1,
};

/** A running daemon page for the scratch sample. */
export interface WarehouseDaemon {
  /** The page's URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** The scratch copy of the sample. */
  projectDir: string;
  daemon: Daemon;
  /** What the daemon and its HTTP server logged so far, oldest first (a failed test prints the tail). */
  logs: readonly string[];
  /** Lets the held `raw_orders` step go on (creates its release file). */
  release(): void;
  /** Holds `raw_orders` again: its next step waits for {@link WarehouseDaemon.release}. */
  hold(): void;
  /** With `failing`: whether `raw_customers` fails every attempt (true) or only its first (false, at start). */
  failEveryAttempt(on: boolean): void;
  /** Stops the HTTP server only (the page sees the daemon go away). */
  stopHttp(): Promise<void>;
  /** Starts the HTTP server again on the same port. */
  startHttp(): Promise<void>;
  /**
   * Runs one automation tick now (the eager staging and marts evaluate; their runs launch). The
   * automation clock runs a day behind until the first call, so the daemon's own tick at start
   * (which requests nothing) is "yesterday's" and this one is today's, at the real time.
   */
  tickAutomation(): void;
  /** Releases any held step, stops the server and the daemon, removes the scratch copy. */
  dispose(): Promise<void>;
}

/**
 * Copies samples/warehouse (without its state) into a scratch folder whose `node_modules` links to
 * the repository's, so the sample's bare imports (`tributary-ts`, `better-sqlite3`) resolve as in a
 * real project; makes `raw_orders` wait for `releaseFile`; given `failFile`, makes `raw_customers`
 * fail its first attempt, and every attempt while `failFile` exists.
 */
function copySample(releaseFile: string, failFile: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), "tributary-ui-warehouse-"));
  cpSync(SAMPLE_DIR, dir, { recursive: true, filter: (source) => !/[\\/](\.tributary|node_modules|dist)$/.test(source) });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  // The sample's tsconfig extends the repository's by a relative path: keep it pointing there.
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(tsconfig, readFileSync(tsconfig, "utf8").replace(/"extends"\s*:\s*"(\.[^"]+)"/, (_m, rel: string) => `"extends": ${JSON.stringify(resolve(SAMPLE_DIR, rel))}`));

  const rawFile = join(dir, "assets", "raw.ts");
  const source = readFileSync(rawFile, "utf8");
  if (!source.includes(HELD_BODY)) {
    throw new Error(`samples/warehouse/assets/raw.ts changed: the UI tests hold ${HELD_ASSET} by rewriting a body starting with ${JSON.stringify(HELD_BODY)}; update test/ui/support/warehouseDaemon.ts`);
  }
  // Polls a condition (the file the test creates), bounded so a failed test never leaves a worker hanging.
  const held = source.replace(HELD_BODY, `async (ctx) => {\n    await untilReleased();\n    const rows = readCsvTable(join(dataDir(), "raw_orders.csv")`);
  writeFileSync(
    rawFile,
    `${failFile ? failingCustomers(held, failFile) : held}
/** Test copy only: waits until the UI test creates the release file (at most 30 s). */
async function untilReleased(): Promise<void> {
  const { existsSync } = await import("node:fs");
  const deadline = Date.now() + 30_000;
  while (!existsSync(${JSON.stringify(releaseFile)})) {
    if (Date.now() > deadline) throw new Error("the UI test never released ${HELD_ASSET}");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
`,
  );
  return dir;
}

/**
 * The raw assets' source with `raw_customers` throwing from a function of the user's file (so that
 * its stack starts with user frames): on its first attempt, retried once 300 ms later, and on every
 * attempt while `failFile` exists.
 */
function failingCustomers(source: string, failFile: string): string {
  if (!source.includes(FAILING_SPEC) || !source.includes(FAILING_BODY)) {
    throw new Error(`samples/warehouse/assets/raw.ts changed: the UI tests make ${FAILING_ASSET} fail by rewriting ${JSON.stringify(FAILING_SPEC)} and a body starting with ${JSON.stringify(FAILING_BODY)}; update test/ui/support/warehouseDaemon.ts`);
  }
  return `${source
    .replace(FAILING_SPEC, `${FAILING_SPEC} retry: { maxRetries: 1, delayMs: 300 },`)
    .replace(FAILING_BODY, FAILING_BODY.replace("(ctx) => {\n", "(ctx) => {\n    checkExport(ctx.attempt);\n"))}
// Synchronous, so that the stack also holds the runtime's frames that called the asset.
import { existsSync as exportFileExists } from "node:fs";
/** Test copy only: the export is missing on the first attempt, and on every one while the UI test says so. */
function checkExport(attempt: number): void {
  if (attempt === 1 || exportFileExists(${JSON.stringify(failFile)})) throw new Error(${JSON.stringify(FAILING_MESSAGE)});
}
`;
}

/**
 * Starts a dev-mode daemon and its HTTP server (page + API) on a free port for a scratch sample, on
 * the copy's SQLite or, given `databaseUrl`, on that PostgreSQL database (a `?schema=` of its own).
 * With `failing`, the copy's `raw_customers` ({@link FAILING_ASSET}) throws {@link FAILING_MESSAGE}
 * on its first attempt (then succeeds on its retry), or on every attempt while
 * {@link WarehouseDaemon.failEveryAttempt} says so.
 */
export async function startWarehouseDaemon(options: { databaseUrl?: string; failing?: boolean } = {}): Promise<WarehouseDaemon> {
  const scratch = mkdtempSync(join(tmpdir(), "tributary-ui-release-"));
  const releaseFile = join(scratch, "release");
  const failFile = join(scratch, "fail");
  const projectDir = copySample(releaseFile, options.failing ? failFile : undefined);
  const logs: string[] = [];
  // The copy's own SQLite, whatever the environment says; the marts default to the copy's .tributary/ too.
  const config = findProjectConfig(projectDir, { ...process.env, TRIBUTARY_DATABASE_URL: options.databaseUrl ?? "" });
  // The sample's staging and marts are eager: no automation tick during a UI test (its initial
  // evaluation at start requests nothing, the raw tables being missing), so the runs a test makes are its own.
  const day = 24 * 3600_000;
  let automationLag = day;
  const daemon = new Daemon({ config, mode: "dev", settings: FAST_SETTINGS, automation: { intervalMs: day }, automationClock: () => Date.now() - automationLag, log: (line) => logs.push(line) });
  let server: HttpServer | undefined;
  try {
    await daemon.start();
    const state = daemon.project();
    if (!state.ok) throw new Error(`the scratch sample does not load: ${state.error.message}\n${logs.join("\n")}`);
    // The page also reads the column lineage, from the analysis `npm run build` bundles (as for the page itself).
    server = await startHttpServer(daemon, { port: 0, uiDir: UI_DIST, analysisModule: ANALYSIS_BUNDLE, log: (line) => logs.push(line), pollMs: 100 });
  } catch (error) {
    await daemon.stop({ cancelRunning: true, timeoutMs: 5000 });
    rmSync(projectDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  const release = () => {
    if (!existsSync(releaseFile)) writeFileSync(releaseFile, "go\n");
  };
  const port = Number(new URL(server.url).port);
  return {
    url: server.url,
    projectDir,
    daemon,
    logs,
    release,
    hold: () => rmSync(releaseFile, { force: true }),
    failEveryAttempt: (on) => (on ? writeFileSync(failFile, "fail\n") : rmSync(failFile, { force: true })),
    tickAutomation() {
      automationLag = 0;
      daemon.automationLoop?.wake();
    },
    async stopHttp() {
      await server?.close();
      server = undefined;
    },
    async startHttp() {
      server = await startHttpServer(daemon, { port, uiDir: UI_DIST, log: (line) => logs.push(line), pollMs: 100 });
    },
    async dispose() {
      release();
      await server?.close();
      await daemon.stop({ cancelRunning: true, timeoutMs: 10_000 });
      rmSync(projectDir, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
