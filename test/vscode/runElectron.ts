/**
 * `npm run test:vscode`: the same extension suite (test/vscode/suite) under @vscode/test-electron,
 * for machines that can download VS Code. The CI here cannot (no internet: it fails at "Resolving
 * version..."), so @vscode/test-electron is not a dependency of the project; install it where you
 * run this (`npm i --no-save @vscode/test-electron`). Here the suite runs through code-server from
 * `npm test` (test/vscode/e2e.test.ts).
 */
import * as path from "node:path";
import { ROOT, copySample, freePort } from "./codeServer";

async function main(): Promise<void> {
  let runTests: (options: Record<string, unknown>) => Promise<number>;
  try {
    // Loaded only here, and only if present: a missing package is a message, not a crash.
    ({ runTests } = require("@vscode/test-electron") as { runTests: typeof runTests });
  } catch {
    console.error("test:vscode needs @vscode/test-electron, which downloads VS Code: run `npm i --no-save @vscode/test-electron` on a machine with internet access.\nOffline, `npm test` runs the same suite in code-server (test/vscode/e2e.test.ts).");
    process.exit(2);
  }
  const folder = copySample("extension-tests-electron", {
    "tributary.daemonUrl": `http://127.0.0.1:${await freePort()}`,
    "tributary.localDaemon.autoStart": "never",
  });
  const code = await runTests({
    version: process.env["VSCODE_VERSION"] ?? "stable",
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, "client", "dist", "test", "index.js"),
    launchArgs: [folder, "--disable-extensions", "--disable-workspace-trust", "--skip-welcome"],
  });
  process.exit(code);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
