/**
 * Start-up: `tributary --version` and `--help` load no command, no database driver and no compiler.
 * Counted on the built CLI (runtime/dist, what the bin runs) in a fresh process.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

const MAIN = resolve(__dirname, "..", "..", "runtime", "dist", "cli", "main.js");

/** The packages from node_modules and the number of modules a fresh process loads for `argv`. */
function loadedFor(argv: string[]): { packages: string[]; modules: number } {
  const script = `
    const { main } = require(${JSON.stringify(MAIN)});
    main(${JSON.stringify(argv)}, { stdout: { write() {} }, stderr: { write() {} } }).then(() => {
      const modules = Object.keys(require.cache);
      const packages = [...new Set(modules.filter((m) => m.includes("node_modules")).map((m) => {
        const parts = m.split(/node_modules[\\\\/]/).pop().split(/[\\\\/]/);
        return parts[0].startsWith("@") ? parts[0] + "/" + parts[1] : parts[0];
      }))].sort();
      process.stdout.write(JSON.stringify({ packages, modules: modules.length }));
    });`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: join(__dirname, "..", "..") })) as { packages: string[]; modules: number };
}

describe("CLI start-up", () => {
  it("loads no package and only a handful of its own modules for --version", () => {
    const loaded = loadedFor(["--version"]);
    assert.deepEqual(loaded.packages, []);
    assert.ok(loaded.modules <= 10, `${loaded.modules} modules loaded`);
  });

  it("loads no database driver, yaml or esbuild for --help", () => {
    assert.deepEqual(loadedFor(["--help"]).packages, []);
  });

  it("loads a command's modules when that command's help is asked for", () => {
    const loaded = loadedFor(["schedules", "--help"]);
    assert.ok(loaded.modules > 5, `${loaded.modules} modules loaded`);
  });
});
