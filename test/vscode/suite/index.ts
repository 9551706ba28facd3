/**
 * The extension test suite's entry, as `extensionTestsPath` expects (the same for
 * @vscode/test-electron and for code-server's `payload` route): `run()` runs mocha over the suite
 * inside the real extension host and rejects when a test fails. Bundled by client/scripts/build.mjs
 * into client/dist/test/index.js; mocha 11 (CommonJS) comes from the repo's node_modules.
 */
import * as path from "node:path";
import Mocha from "mocha";

/** Runs the suite files next to this file. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 60_000, reporter: "spec" });
  mocha.addFile(path.join(__dirname, "extension.suite.js"));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
