// Bundles the language server and `tributary validate` into the runtime package, so that
// `npm i tributary-ts` ships the `tributary-language-server` bin for any editor. The server's analysis
// library stays the single implementation; this only packages it. `typescript` stays external: it is
// a dependency of the runtime and must not be duplicated (~9 MB).
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const runtimeDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const serverSrc = join(runtimeDir, "..", "server", "src");
const outDir = join(runtimeDir, "dist", "bundled");
mkdirSync(outDir, { recursive: true });

const entries = [
  { in: join(serverSrc, "main.ts"), out: "language-server" },
  { in: join(serverSrc, "validateCli.ts"), out: "validate" },
].filter((entry) => existsSync(entry.in));

const started = Date.now();
await build({
  entryPoints: entries,
  outdir: outDir,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "linked",
  external: ["typescript", "better-sqlite3", "pg", "pg-native", "@duckdb/node-api"],
  logLevel: "warning",
  // The server imports `tributary-ts/selection`; bundle it from the compiled runtime next door.
  alias: { "tributary-ts/selection": join(runtimeDir, "dist", "selection", "index.js") },
});
// The SQL parser's WebAssembly (libpg-query): its loader looks for it next to the bundle that requires it.
copyFileSync(join(runtimeDir, "..", "node_modules", "libpg-query", "wasm", "libpg-query.wasm"), join(outDir, "libpg-query.wasm"));
console.log(`bundled ${entries.map((e) => e.out).join(", ")} into runtime/dist/bundled in ${Date.now() - started} ms`);
