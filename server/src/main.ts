#!/usr/bin/env node
/**
 * `tributary-language-server --stdio`: the Tributary language server for any LSP client.
 * Starts as soon as this file is executed (it is also the bundle's entry point).
 */
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { TributaryServer } from "./lsp/server";

if (process.argv.includes("--version")) {
  process.stdout.write("tributary-language-server 0.1.0\n");
} else {
  // createConnection reads the transport (--stdio, --node-ipc, --socket=N) from the command line.
  const connection = createConnection(ProposedFeatures.all);
  new TributaryServer(connection).listen();
}
