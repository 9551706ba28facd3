/**
 * The static analysis the runtime ships: the language server's analysis library, bundled next to
 * the compiled runtime as dist/bundled/validate.js (runtime/scripts/bundle.mjs). `tributary
 * validate` and the daemon's `GET /api/lineage/columns` both load it from here, so the project is
 * read by one implementation (the editor's) and the runtime has no SQL parser of its own.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { TributaryError } from "../errors";
import type { AssetColumnsJson } from "../wire/responses";

/** What the loader's discovery found for a folder (server/src/validateCli.ts `ProjectDiscovery`). */
export interface ProjectDiscovery {
  entryFile?: string;
  problems: { file: string; line: number; column: number; code: string; message: string }[];
}

/** The analysis writes through functions; `.write` also lets stream-style code use them. */
export type OutputFunction = ((text: string) => void) & { write(text: string): void };

/** The functions the bundle exports (server/src/validateCli.ts). */
export interface BundledAnalysis {
  runValidate(
    argv: string[],
    io: { stdout: OutputFunction; stderr: OutputFunction },
    options?: { discover?(directory: string): ProjectDiscovery },
  ): Promise<number>;
  /** Every asset of the project in `directory` with its statically known columns and their lineage. */
  columnLineageReport(directory: string): Promise<{ assets: AssetColumnsJson[] }>;
}

/** Where the bundled analysis lives, relative to this compiled file (dist/loader -> dist/bundled). */
export function bundledAnalysisPath(): string {
  return join(__dirname, "..", "bundled", "validate.js");
}

/**
 * Loads the bundled analysis from `file` (default: the package's own), checking that it exports
 * `name`.
 *
 * @throws TributaryError naming the missing file or function and how to rebuild it.
 */
export function loadBundledAnalysis<N extends keyof BundledAnalysis>(name: N, file = bundledAnalysisPath()): Pick<BundledAnalysis, N> {
  if (!existsSync(file)) {
    throw new TributaryError(`the static analysis is not available in this build: ${file} is missing`, {
      hint: "Build it with `npm run build` at the repository root (it bundles the language server's analysis).",
    });
  }
  const bundled = require(file) as Partial<BundledAnalysis>;
  if (typeof bundled[name] !== "function") {
    throw new TributaryError(`${file} does not export ${name}(): it was built from an older language server`, { hint: "Rebuild with `npm run build`." });
  }
  return bundled as Pick<BundledAnalysis, N>;
}

/**
 * {@link BundledAnalysis.columnLineageReport} in a worker thread: reading and parsing a large
 * project takes seconds (2,000 SQL assets: 0.5 s on an idle machine, several on a busy one), which
 * must not stall the daemon's loops and API. Checks the bundle first, in this thread, so a missing
 * one is the same error as for `validate`.
 *
 * @throws TributaryError when the bundle is missing or old, or the analysis fails (its message).
 */
export function columnLineageInWorker(directory: string, file = bundledAnalysisPath()): Promise<{ assets: AssetColumnsJson[] }> {
  loadBundledAnalysis("columnLineageReport", file);
  const source = `const { parentPort, workerData } = require("node:worker_threads");
require(workerData.file).columnLineageReport(workerData.directory).then(
  (report) => parentPort.postMessage({ report }),
  (error) => parentPort.postMessage({ error: error && error.message ? error.message : String(error) }));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { file, directory } });
    let settled = false;
    worker.once("message", (message: { report?: { assets: AssetColumnsJson[] }; error?: string }) => {
      settled = true;
      if (message.report) resolve(message.report);
      else reject(new TributaryError(`the static analysis of ${directory} failed: ${message.error ?? "no answer"}`, { hint: "Run `tributary validate` in the project to see the problem." }));
      void worker.terminate();
    });
    worker.once("error", (error) => {
      settled = true;
      reject(new TributaryError(`the static analysis of ${directory} failed: ${error.message}`, { hint: "Run `tributary validate` in the project to see the problem." }));
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new TributaryError(`the static analysis of ${directory} stopped (exit code ${code}) before answering`));
    });
  });
}
