import { Worker } from "node:worker_threads";
import type { FileFacts } from "./model";

/**
 * `workerData` key that tells the server's entry point it runs as a parse worker (the worker loads
 * the same file as the main thread: the bundle, or main.ts from source).
 */
export const PARSE_WORKER_FLAG = "tributaryParseWorker";

/**
 * A slot's state in the shared `states` array, whether its worker took part in a batch: Idle (it
 * has not looked at the batch yet), Working (it claimed the slot: the main thread waits for its
 * reply), Closed (the main thread finished first: the worker must not parse).
 */
export const SlotState = { Idle: 0, Working: 1, Closed: 2 } as const;

/** Main thread -> worker: parse `files`, claiming them one at a time through `counter`. */
export interface ParseRequest {
  batch: number;
  slot: number;
  files: string[];
  /** Int32Array(1): the next index to claim, shared by the main thread and every worker. */
  counter: SharedArrayBuffer;
  /** Int32Array(slots): {@link SlotState} per worker. */
  states: SharedArrayBuffer;
}

/** Worker -> main thread: the facts of the files it claimed, as JSON (null: not indexed). */
export interface ParseReply {
  batch: number;
  indexes: number[];
  facts: (string | null)[];
}

/** Worker -> main thread, once, when it has loaded TypeScript and listens for requests. */
export interface ReadyMessage {
  ready: true;
}

/** How the last {@link ParseWorkerPool.parseAll} shared the work. */
export interface ParseStats {
  files: number;
  /** Files parsed by the workers. */
  workerFiles: number;
  /** Main-thread time parsing its share, waiting for the last worker and reading the workers' JSON, ms. */
  mainMs: number;
  waitMs: number;
  jsonMs: number;
}

/** Environment variable overriding the number of parse workers (0 parses on the main thread only). */
export const PARSE_WORKERS_ENV = "TRIBUTARY_PARSE_WORKERS";

/**
 * How many workers help the main thread parse: none unless `TRIBUTARY_PARSE_WORKERS` asks for
 * some. Measured on the bench's 2-core machine, a worker made the cold index of 1,000 files slower
 * (median 1.6 s against 1.25 s alone; 3,000 files: no gain either): each thread pays its own JIT
 * warm-up of the TypeScript parser, which is most of a cold parse, and both compete with V8's
 * background compiler for the same two cores. Machines with more cores may differ: measure with
 * `TRIBUTARY_PARSE_WORKERS=2 npx tsx bench/analysis/run.ts`.
 *
 * @defaultValue 0, or `TRIBUTARY_PARSE_WORKERS` when set to a whole number (at most 8)
 */
export function defaultParseWorkerCount(): number {
  const configured = Number(process.env[PARSE_WORKERS_ENV]);
  return Number.isInteger(configured) && configured > 0 ? Math.min(8, configured) : 0;
}

/**
 * The worker's script: it requires the entry point. From source (tests, `tsx`), the loader hooks
 * that run TypeScript do not reach worker threads on Node 20, so the worker registers tsx's.
 */
function workerScript(entry: string): string {
  const load = `require(${JSON.stringify(entry)});`;
  if (!/\.[mc]?ts$/.test(entry)) return load;
  const tsx = "tsx/cjs"; // a variable: bundlers must not try to resolve it (bundles run compiled JavaScript)
  return `require(${JSON.stringify(require.resolve(tsx))}); ${load}`;
}

/** Fewer files than this are parsed on the main thread alone: a reply's round trip would cost more. */
const MIN_FILES_FOR_WORKERS = 64;

/**
 * Worker threads that parse files for a cold index, side by side with the main thread (opt-in: see
 * {@link defaultParseWorkerCount}). Started as early as possible (before the main thread loads TypeScript, so both load it at once) and
 * terminated after the cold index: edits re-parse one file on the main thread.
 *
 * The main thread and the workers claim files one at a time from a shared counter, so a worker
 * that is still loading TypeScript, or gets no core on a busy machine, simply parses fewer files;
 * one that never joins, or dies, costs nothing but its files parsed on the main thread. Workers
 * reply with JSON per file: plain data, cheaper to parse than a structured clone of the same graph.
 *
 * @example
 * const pool = ParseWorkerPool.start(__filename); // the entry point runs parseWorkerMain() in workers
 * const facts = await pool.parseAll(files, readFileFacts);
 * pool.close();
 */
export class ParseWorkerPool {
  private readonly workers: (Worker | undefined)[];
  private readonly exits: Promise<void>[] = [];
  private readonly readies: Promise<void>[] = [];
  private batch = 0;
  /** How the last {@link parseAll} shared the work (for benchmarks and tests). */
  lastStats: ParseStats | undefined;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    for (const [slot, worker] of workers.entries()) {
      // A worker that fails (cannot load, crashes) leaves the pool: its files fall back to the main thread.
      this.exits.push(new Promise((resolve) => worker.once("exit", () => {
        this.workers[slot] = undefined;
        resolve();
      })));
      worker.on("error", () => undefined);
      this.readies.push(Promise.race([this.exits[slot] as Promise<void>, new Promise<void>((resolve) => {
        const onReady = (message: Partial<ReadyMessage>): void => {
          if (message.ready !== true) return;
          worker.off("message", onReady);
          resolve();
        };
        worker.on("message", onReady);
      })]));
      // Anything a worker prints must not reach the main thread's stdout: that is the LSP channel.
      worker.stdout.resume();
      worker.stderr.resume();
      // Idle workers must not keep the process alive.
      worker.unref();
    }
  }

  /**
   * Starts `count` workers running `entry` (a file that calls {@link parseWorkerMain} when
   * `workerData[PARSE_WORKER_FLAG]` is set). A worker that cannot start is left out.
   */
  static start(entry: string, count = defaultParseWorkerCount()): ParseWorkerPool {
    const workers: Worker[] = [];
    for (let i = 0; i < count; i++) {
      try {
        workers.push(new Worker(workerScript(entry), { eval: true, workerData: { [PARSE_WORKER_FLAG]: true }, stdout: true, stderr: true }));
      } catch {
        break;
      }
    }
    return new ParseWorkerPool(workers);
  }

  /** Resolves when every worker has loaded TypeScript (or died). */
  async ready(): Promise<void> {
    await Promise.all(this.readies);
  }

  /** Workers still alive. */
  size(): number {
    return this.workers.filter((w) => w !== undefined).length;
  }

  /**
   * The facts of every file, in the order given (undefined: not indexed), parsed by the main
   * thread with `parseOnMain` and by the workers at once.
   */
  async parseAll(files: readonly string[], parseOnMain: (file: string) => FileFacts | undefined): Promise<(FileFacts | undefined)[]> {
    const results: (FileFacts | undefined)[] = new Array(files.length);
    const done = new Uint8Array(files.length);
    const live = this.workers.map((w, slot) => ({ worker: w, slot })).filter((w): w is { worker: Worker; slot: number } => w.worker !== undefined);
    if (files.length < MIN_FILES_FOR_WORKERS || live.length === 0) {
      const started = performance.now();
      for (let i = 0; i < files.length; i++) results[i] = parseOnMain(files[i] as string);
      this.lastStats = { files: files.length, workerFiles: 0, mainMs: performance.now() - started, waitMs: 0, jsonMs: 0 };
      return results;
    }
    const batch = ++this.batch;
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const states = new Int32Array(new SharedArrayBuffer(4 * this.workers.length));
    const replies = live.map(({ worker, slot }) => {
      const reply = new Promise<ParseReply | undefined>((resolve) => {
        const onMessage = (message: ParseReply): void => {
          if (message.batch !== batch) return;
          worker.off("message", onMessage);
          resolve(message);
        };
        worker.on("message", onMessage);
        void this.exits[slot]?.then(() => resolve(undefined));
      });
      const request: ParseRequest = { batch, slot, files: [...files], counter: counter.buffer as SharedArrayBuffer, states: states.buffer as SharedArrayBuffer };
      worker.postMessage(request);
      return { slot, reply };
    });
    const started = performance.now();
    for (let i = Atomics.add(counter, 0, 1); i < files.length; i = Atomics.add(counter, 0, 1)) {
      results[i] = parseOnMain(files[i] as string);
      done[i] = 1;
    }
    const mainMs = performance.now() - started;
    let waitMs = 0;
    let jsonMs = 0;
    let workerFiles = 0;
    for (const { slot, reply } of replies) {
      // A worker that never claimed its slot (still loading TypeScript) is not waited for.
      if (Atomics.compareExchange(states, slot, SlotState.Idle, SlotState.Closed) === SlotState.Idle) continue;
      const w0 = performance.now();
      const message = await reply;
      waitMs += performance.now() - w0;
      if (!message) continue;
      workerFiles += message.indexes.length;
      const j0 = performance.now();
      for (let k = 0; k < message.indexes.length; k++) {
        const index = message.indexes[k] as number;
        const json = message.facts[k];
        results[index] = json === null || json === undefined ? undefined : JSON.parse(json) as FileFacts;
        done[index] = 1;
      }
      jsonMs += performance.now() - j0;
    }
    this.lastStats = { files: files.length, workerFiles, mainMs, waitMs, jsonMs };
    // Files claimed by a worker that died before replying.
    for (let i = 0; i < files.length; i++) if (!done[i]) results[i] = parseOnMain(files[i] as string);
    return results;
  }

  /** Terminates every worker (after the cold index: their memory goes back). */
  async close(): Promise<void> {
    const workers = this.workers.filter((w): w is Worker => w !== undefined);
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }
}
