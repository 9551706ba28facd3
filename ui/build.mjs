// Builds the lineage UI into runtime/dist/ui/: main.js (the app), layout.worker.js (the layout web
// worker), main.css and index.html (a template: the host fills {{nonce}}, {{cspSource}} and {{base}};
// see docs/lineage-ui.md); and the operations console (docs/console.md): console.js (Preact,
// preact-iso, @tanstack/virtual-core, uPlot), console.css and console.html. Runs as part of the root `npm run build`. Nothing is loaded from the
// network at run time: everything the page needs is in this folder.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const uiDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(uiDir, "..", "runtime", "dist", "ui");
mkdirSync(outDir, { recursive: true });

const started = Date.now();
await build({
  entryPoints: [
    { in: join(uiDir, "src", "main.ts"), out: "main" },
    { in: join(uiDir, "src", "layout.worker.ts"), out: "layout.worker" },
    { in: join(uiDir, "src", "main.css"), out: "main" },
    { in: join(uiDir, "console", "main.tsx"), out: "console" },
    { in: join(uiDir, "console", "console.css"), out: "console" },
  ],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: outDir,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["chrome114", "firefox115", "safari16"],
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  // The filter box uses the runtime's own selection parser (it imports only errors.ts).
  // The wire contract gives the API's types and the one event-stream reader (it imports only valibot).
  alias: {
    "tributary-ts/selection": join(uiDir, "..", "runtime", "src", "selection", "index.ts"),
    "tributary-ts/wire": join(uiDir, "..", "runtime", "src", "wire", "index.ts"),
  },
});
copyFileSync(join(uiDir, "index.html"), join(outDir, "index.html"));
copyFileSync(join(uiDir, "console", "console.html"), join(outDir, "console.html"));
console.log(`built the lineage UI and the console into runtime/dist/ui in ${Date.now() - started} ms`);
