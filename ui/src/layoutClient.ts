/**
 * Main-thread side of the layout: sends graphs to the worker, caches results by shape hash (a
 * status change, a theme change or returning to a previous filter costs no layout at all), and lays
 * out on the main thread when no worker can be started (a host whose CSP forbids workers).
 */
import { layoutGraph, layoutShapeHash, type LayoutInput, type LayoutResult } from "./layout/layout";

/** A layout and how it was obtained. */
export interface LayoutOutcome {
  result: LayoutResult;
  hash: string;
  cached: boolean;
  /** Wall time from request to result, transfer included (0 when cached). */
  ms: number;
}

const CACHE_SIZE = 8;

/** Lays out graphs in a web worker, with a small LRU cache keyed by the graph's shape. */
export class LayoutClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: LayoutResult) => void; reject: (e: Error) => void }>();
  private readonly cache = new Map<string, LayoutResult>();
  /** How layouts run: "worker", or "main thread" when the worker could not start. */
  mode: "worker" | "main thread" = "main thread";

  constructor(workerUrl: string | null) {
    if (workerUrl) void this.startWorker(workerUrl);
  }

  private workerReady: Promise<void> = Promise.resolve();

  private startWorker(url: string): Promise<void> {
    this.workerReady = (async () => {
      try {
        this.attach(new Worker(url));
      } catch {
        // A VS Code webview serves scripts from another origin, which `new Worker` refuses:
        // load the same script as a blob instead (the CSP allows `worker-src blob:`).
        try {
          const source = await (await fetch(url)).text();
          this.attach(new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" }))));
        } catch {
          this.worker = null;
          this.mode = "main thread";
        }
      }
    })();
    return this.workerReady;
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    this.mode = "worker";
    worker.onmessage = (event: MessageEvent<{ id: number; result?: LayoutResult; error?: string }>) => {
      const entry = this.pending.get(event.data.id);
      if (!entry) return;
      this.pending.delete(event.data.id);
      if (event.data.result) entry.resolve(event.data.result);
      else entry.reject(new Error(`layout failed: ${event.data.error ?? "unknown error"}`));
    };
    worker.onerror = (event) => {
      // A worker that dies (e.g. blocked by a CSP at load time) must not leave layouts hanging.
      event.preventDefault();
      this.worker = null;
      this.mode = "main thread";
      for (const [id, entry] of this.pending) {
        this.pending.delete(id);
        entry.reject(new Error("layout worker failed"));
      }
    };
  }

  /** Lays out `input`, from the cache when its shape was laid out before. */
  async layout(input: LayoutInput): Promise<LayoutOutcome> {
    const hash = layoutShapeHash(input);
    const hit = this.cache.get(hash);
    if (hit) {
      this.cache.delete(hash);
      this.cache.set(hash, hit);
      return { result: hit, hash, cached: true, ms: 0 };
    }
    const started = performance.now();
    await this.workerReady;
    let result: LayoutResult;
    try {
      result = this.worker ? await this.inWorker(input) : layoutGraph(input);
    } catch {
      result = layoutGraph(input);
    }
    this.cache.set(hash, result);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return { result, hash, cached: false, ms: performance.now() - started };
  }

  private inWorker(input: LayoutInput): Promise<LayoutResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, input });
    });
  }
}
