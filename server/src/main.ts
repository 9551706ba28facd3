#!/usr/bin/env node
/**
 * `tributary-language-server --stdio`: the Tributary language server for any LSP client.
 * Starts as soon as this file is executed (it is also the bundle's entry point, and the entry point
 * of the parse workers that help the cold index: see ParseWorkerPool).
 */
import { isMainThread, workerData } from "node:worker_threads";
import { PARSE_WORKER_FLAG, ParseWorkerPool } from "./analysis/parseWorkers";

// Modules are required, not imported, so that the parse workers start loading TypeScript before
// this thread does (both load at once on two cores) and so that a worker loads no LSP code.
if (!isMainThread && (workerData as Record<string, unknown> | undefined)?.[PARSE_WORKER_FLAG]) {
  (require("./analysis/parseWorkerMain") as typeof import("./analysis/parseWorkerMain")).parseWorkerMain();
} else if (process.argv.includes("--version")) {
  process.stdout.write("tributary-language-server 0.1.0\n");
} else if (isMainThread) {
  // Parse workers are opt-in (TRIBUTARY_PARSE_WORKERS; see defaultParseWorkerCount): none, no pool.
  const pool = ParseWorkerPool.start(__filename);
  const parseWorkers = pool.size() > 0 ? pool : undefined;
  const { createConnection, ProposedFeatures } = require("vscode-languageserver/node") as typeof import("vscode-languageserver/node");
  const { TributaryServer } = require("./lsp/server") as typeof import("./lsp/server");
  // createConnection reads the transport (--stdio, --node-ipc, --socket=N) from the command line.
  const connection = createConnection(ProposedFeatures.all);
  new TributaryServer(connection, parseWorkers).listen();
}
