// `npm run build:client`: bundles everything the extension runs into client/dist/ with esbuild, so
// the .vsix needs no node_modules (vsce --no-dependencies):
//   extension.js   the client (vscode external)
//   server.js      the language server (server/src/main.ts, typescript bundled in)
//   ui/            the lineage UI bundle, copied from runtime/dist/ui
//   test/          the extension test suite (mocha), for the extension host
// No runtime and no native code: the local daemon runs the workspace's own `tributary-ts` (its
// better-sqlite3 built for the user's machine by npm), so one .vsix serves every platform.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, rmSync, statSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dist = join(root, "client", "dist");
const started = Date.now();
const production = process.argv.includes("--production");

mkdirSync(dist, { recursive: true });
// The wire contract from its ES module source, so that esbuild keeps only the valibot functions it
// uses (runtime/dist/wire is CommonJS, which would bring all of valibot).
const wireSource = { "tributary-ts/wire": join(root, "runtime", "src", "wire", "index.ts") };
const common = { bundle: true, platform: "node", format: "cjs", target: "node20", logLevel: "warning", minify: production, sourcemap: !production, alias: wireSource };

await build({ ...common, entryPoints: [join(root, "client", "src", "extension.ts")], outfile: join(dist, "extension.js"), external: ["vscode"] });
await build({
  ...common,
  entryPoints: [join(root, "server", "src", "main.ts")],
  outfile: join(dist, "server.js"),
  minify: true,
  sourcemap: false,
  alias: { ...wireSource, "tributary-ts/selection": join(root, "runtime", "dist", "selection", "index.js") },
});

// The SQL parser's WebAssembly (libpg-query): its loader looks for it next to the bundle that requires it.
cpSync(join(root, "node_modules", "libpg-query", "wasm", "libpg-query.wasm"), join(dist, "libpg-query.wasm"));

// Extension tests: one file per suite so mocha can load them in the extension host.
const suiteDir = join(root, "test", "vscode", "suite");
if (existsSync(suiteDir)) {
  const entries = readdirSync(suiteDir).filter((f) => f.endsWith(".ts")).map((f) => join(suiteDir, f));
  rmSync(join(dist, "test"), { recursive: true, force: true });
  await build({ ...common, entryPoints: entries, outdir: join(dist, "test"), external: ["vscode", "mocha"], minify: false });
}

// Earlier builds bundled a runtime here; it must not linger into the package.
rmSync(join(dist, "runtime"), { recursive: true, force: true });

// The lineage UI: copied as built by the UI's own build into runtime/dist/ui.
const uiSource = join(root, "runtime", "dist", "ui");
rmSync(join(dist, "ui"), { recursive: true, force: true });
if (existsSync(uiSource)) cpSync(uiSource, join(dist, "ui"), { recursive: true, filter: (src) => !src.endsWith(".map") });
else console.warn(`build:client: ${uiSource} is missing; the lineage panel will say so until the UI is built`);

function size(path) {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + size(join(path, f)), 0) : s.size;
}
console.log(`build:client: client/dist (${(size(dist) / 1e6).toFixed(1)} MB unpacked) in ${Date.now() - started} ms`);
