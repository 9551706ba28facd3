/**
 * `npm run test:vscode`: the same extension suite (test/vscode/suite) under @vscode/test-electron,
 * for machines that can download VS Code. @vscode/test-electron 2.5 is a dev dependency (3.x
 * declares Node >= 22); offline it fails at "Resolving version...", which is why the CI here runs
 * the same suite through code-server from `npm test` (test/vscode/e2e.test.ts).
 */
import * as path from "node:path";
import { ROOT, copySample, freePort } from "./codeServer";

async function main(): Promise<void> {
  let runTests: (options: Record<string, unknown>) => Promise<number>;
  try {
    // Loaded only here, and only if present: a missing package is a message, not a crash.
    ({ runTests } = require("@vscode/test-electron") as { runTests: typeof runTests });
  } catch {
    console.error("test:vscode needs @vscode/test-electron (a dev dependency: run `npm ci`), which downloads VS Code and so needs internet access.\nOffline, `npm test` runs the same suite in code-server (test/vscode/e2e.test.ts).");
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
