// `npm run package`: builds the .vsix with vsce from the bundles in client/dist (see build.mjs).
// --no-dependencies: nothing from node_modules is shipped except what build.mjs copied. The
// package is platform-specific (better-sqlite3's .node and esbuild's binary in the bundled
// runtime), so it is targeted at this machine's platform; fails when over the 15 MB budget.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = `${process.platform === "win32" ? "win32" : process.platform}-${process.arch}`;
const out = process.env.TRIBUTARY_VSIX ?? join(root, `tributary-vscode-${target}.vsix`);
const BUDGET = 15 * 1024 * 1024;

execFileSync(process.execPath, [
  join(root, "node_modules", "@vscode", "vsce", "vsce"), "package",
  "--no-dependencies", "--skip-license", "--target", target, "--out", out,
], { cwd: root, stdio: "inherit" });

const size = statSync(out).size;
console.log(`package: ${out} (${(size / 1024 / 1024).toFixed(2)} MB, budget 15 MB)`);
if (size > BUDGET) {
  console.error(`package: ${out} is over the 15 MB budget; check .vscodeignore and client/scripts/build.mjs`);
  process.exit(1);
}
