// `npm run build:client`: bundles everything the extension runs into client/dist/ with esbuild, so
// the .vsix needs no node_modules (vsce --no-dependencies):
//   extension.js   the client (vscode external)
//   server.js      the language server (server/src/main.ts, typescript bundled in)
//   ui/            the lineage UI bundle, copied from runtime/dist/ui
//   runtime/       the `tributary` runtime for the local daemon when the workspace has none:
//                  tributary/ (its compiled dist, bundled per entry so __dirname-relative paths hold)
//                  plus the dependencies that cannot be bundled: better-sqlite3 (native .node),
//                  esbuild (native binary).
//   test/          the extension test suite (mocha), for the extension host
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dist = join(root, "client", "dist");
const started = Date.now();
const production = process.argv.includes("--production");

mkdirSync(dist, { recursive: true });
const common = { bundle: true, platform: "node", format: "cjs", target: "node20", logLevel: "warning", minify: production, sourcemap: !production };

await build({ ...common, entryPoints: [join(root, "client", "src", "extension.ts")], outfile: join(dist, "extension.js"), external: ["vscode"] });
await build({
  ...common,
  entryPoints: [join(root, "server", "src", "main.ts")],
  outfile: join(dist, "server.js"),
  minify: true,
  sourcemap: false,
  alias: { "tributary/selection": join(root, "runtime", "dist", "selection", "index.js") },
});

// Extension tests: one file per suite so mocha can load them in the extension host.
const suiteDir = join(root, "test", "vscode", "suite");
if (existsSync(suiteDir)) {
  const entries = readdirSync(suiteDir).filter((f) => f.endsWith(".ts")).map((f) => join(suiteDir, f));
  rmSync(join(dist, "test"), { recursive: true, force: true });
  await build({ ...common, entryPoints: entries, outdir: join(dist, "test"), external: ["vscode", "mocha"], minify: false });
}

// The lineage UI: copied as built by the UI's own build into runtime/dist/ui.
const uiSource = join(root, "runtime", "dist", "ui");
rmSync(join(dist, "ui"), { recursive: true, force: true });
if (existsSync(uiSource)) cpSync(uiSource, join(dist, "ui"), { recursive: true, filter: (src) => !src.endsWith(".map") });
else console.warn(`build:client: ${uiSource} is missing; the lineage panel will say so until the UI is built`);

// The bundled runtime (see the header). Each runtime entry is bundled to the same relative path
// as in runtime/dist, and the worker entry next to every bundle that forks it (worker.ts forks
// `${__dirname}/workerMain.js`).
const runtimeOut = join(dist, "runtime");
rmSync(runtimeOut, { recursive: true, force: true });
const runtimeDist = join(root, "runtime", "dist");
const pkgOut = join(runtimeOut, "tributary");
const runtimeExternal = ["better-sqlite3", "esbuild", "pg-native", "tributary", "tributary/*", "typescript"];
await build({
  ...common,
  minify: true,
  sourcemap: false,
  entryPoints: [
    { in: join(runtimeDist, "index.js"), out: "index" },
    { in: join(runtimeDist, "selection", "index.js"), out: "selection/index" },
    { in: join(runtimeDist, "cli", "main.js"), out: "cli/main" },
    { in: join(runtimeDist, "execution", "workerMain.js"), out: "cli/workerMain" },
    { in: join(runtimeDist, "execution", "workerMain.js"), out: "workerMain" },
    { in: join(runtimeDist, "execution", "workerMain.js"), out: "execution/workerMain" },
  ],
  outdir: join(pkgOut, "dist"),
  external: runtimeExternal,
});
const runtimePkg = JSON.parse(readFileSync(join(root, "runtime", "package.json"), "utf8"));
writeFileSync(join(pkgOut, "package.json"), JSON.stringify({
  name: "tributary", version: runtimePkg.version, license: runtimePkg.license, main: "dist/index.js",
  exports: { ".": "./dist/index.js", "./package.json": "./package.json", "./selection": "./dist/selection/index.js" },
}, null, 2));
mkdirSync(join(pkgOut, "bin"), { recursive: true });
cpSync(join(root, "runtime", "bin", "tributary.js"), join(pkgOut, "bin", "tributary.js"));
if (existsSync(join(root, "runtime", "migrations"))) cpSync(join(root, "runtime", "migrations"), join(pkgOut, "migrations"), { recursive: true });
if (existsSync(uiSource)) cpSync(uiSource, join(pkgOut, "dist", "ui"), { recursive: true, filter: (src) => !src.endsWith(".map") });

/** Copies an installed package (only `keep` paths inside it) to runtime/<name>. */
function copyPackage(name, keep) {
  // Not require.resolve: some packages do not export ./package.json.
  const from = [join(root, "runtime"), root].map((d) => join(d, "node_modules", name)).find((d) => existsSync(join(d, "package.json")));
  if (!from) throw new Error(`build:client: ${name} is not installed; run npm install`);
  const to = join(runtimeOut, name);
  for (const item of ["package.json", ...keep]) {
    if (existsSync(join(from, item))) cpSync(join(from, item), join(to, item), { recursive: true, filter: (src) => !/\.(map|ts|cts|mts)$/.test(src) });
  }
}
copyPackage("better-sqlite3", ["lib", "build/Release/better_sqlite3.node", "LICENSE"]);
copyPackage("bindings", ["bindings.js", "LICENSE.md"]);
copyPackage("file-uri-to-path", ["index.js", "LICENSE"]);
copyPackage("esbuild", ["lib/main.js", "LICENSE.md"]);
const platformPkg = `@esbuild/${process.platform}-${process.arch}`;
copyPackage(platformPkg, ["bin"]);

function size(path) {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + size(join(path, f)), 0) : s.size;
}
console.log(`build:client: client/dist (${(size(dist) / 1e6).toFixed(1)} MB unpacked) in ${Date.now() - started} ms`);
