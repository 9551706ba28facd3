// `npm run package`: builds the .vsix with vsce from the bundles in client/dist (see build.mjs).
// One universal package for every platform: it holds no native code (the local daemon runs the
// workspace's own `tributary-ts`), so there is no --target. --no-dependencies: nothing from
// node_modules is shipped. The Marketplace listing is client/README.md and client/CHANGELOG.md
// (the repository's README.md is the project's); their relative links point into the repository.
// Fails when the package is over 5 MB, holds native code or misses a listing file (vsixContents.mjs).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspectVsix, VSIX_BUDGET_BYTES } from "./vsixContents.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = process.env.TRIBUTARY_VSIX ?? join(root, "tributary-vscode.vsix");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const repository = manifest.repository.url.replace(/\.git$/, "");

execFileSync(process.execPath, [
  join(root, "node_modules", "@vscode", "vsce", "vsce"), "package",
  "--no-dependencies", "--out", out,
  "--readme-path", join("client", "README.md"),
  "--changelog-path", join("client", "CHANGELOG.md"),
  "--baseContentUrl", `${repository}/blob/HEAD/client`,
  "--baseImagesUrl", `${repository}/raw/HEAD/client`,
], { cwd: root, stdio: "inherit" });

const { bytes, entries, problems } = inspectVsix(out);
console.log(`package: ${out} (${entries.length} files, ${(bytes / 1024 / 1024).toFixed(2)} MB, budget ${VSIX_BUDGET_BYTES / 1024 / 1024} MB, universal)`);
if (problems.length > 0) {
  console.error(`package: ${out} cannot be published:\n  ${problems.join("\n  ")}\nCheck .vscodeignore and client/scripts/build.mjs.`);
  process.exit(1);
}
