/**
 * Column lineage benchmark: what following one column costs on the 2,000-SQL-asset project of
 * bench/sql-analysis (7,996 columns, every one with lineage), at each of the three places it runs.
 *
 *   npx tsx bench/lineage/columns.ts [--write]      (after `npm run build`: it loads the shipped bundle)
 *
 * - Daemon: `columnLineageReport` from runtime/dist/bundled/validate.js, what the first
 *   `GET /api/lineage/columns` of a code version runs in a worker thread (later requests are
 *   served from its cache).
 * - VS Code host: `columnsFromServer`, one `tributary/columnLineage` per asset to the shipped
 *   language server bundle over stdio, as the panel does each time it sends the graph.
 * - UI: building the column graph (`ColumnLineage`) and the lineage of the column with the longest
 *   path (every column of the project is upstream of the last asset's).
 * `--write` replaces the "Column lineage (bench/lineage/columns.ts)" section of docs/performance.md.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { columnsFromServer } from "../../client/src/columnLineage";
import type { ColumnLineageResult } from "../../server/src/protocol";
import { LspTestClient } from "../../test/server/lspClient";
import { ColumnLineage } from "../../ui/src/columns";
import { generate } from "../sql-analysis/run";

const repository = path.resolve(__dirname, "../..");
const bundled = path.join(repository, "runtime/dist/bundled");

function best<T>(runs: number, fn: () => T): { ms: number; value: T } {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    value = fn();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, value };
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(bundled, "validate.js"))) throw new Error("build first: npm run build (this bench loads runtime/dist/bundled)");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-columns-bench-"));
  generate(root, true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const analysis = require(path.join(bundled, "validate.js")) as typeof import("../../server/src/validateCli");
  let started = performance.now();
  const report = await analysis.columnLineageReport(root);
  const daemonColdMs = performance.now() - started;
  started = performance.now();
  await analysis.columnLineageReport(root);
  const daemonAgainMs = performance.now() - started;
  const json = JSON.stringify(report);
  const columnCount = report.assets.reduce((n, a) => n + (a.columns?.length ?? 0), 0);

  process.env.TRIBUTARY_LANGUAGE_SERVER ??= path.join(bundled, "language-server.js");
  const client = await LspTestClient.start([root], { readyTimeoutMs: 120_000 });
  const keys = report.assets.map((a) => a.key);
  const hostRuns: number[] = [];
  let fromServer = await columnsFromServer((params) => client.request<ColumnLineageResult>("tributary/columnLineage", params), keys);
  for (let i = 0; i < 5; i++) {
    started = performance.now();
    fromServer = await columnsFromServer((params) => client.request<ColumnLineageResult>("tributary/columnLineage", params), keys);
    hostRuns.push(performance.now() - started);
  }
  await client.stop();
  const sameAsDaemon = JSON.stringify(fromServer.map((a) => [a.key, a.columns?.map((c) => [c.name, c.from])]))
    === JSON.stringify(report.assets.map((a) => [a.key, a.columns?.map((c) => [c.name, c.from])]));

  const graph = best(5, () => new ColumnLineage(report.assets, keys));
  // The generator's last asset (m<files-1>_a9): every earlier module is upstream of it.
  const last = `m${Math.ceil(keys.length / 10) - 1}_a9`;
  const deepest = best(5, () => graph.value.pathOf({ key: last, column: "amount" }));
  fs.rmSync(root, { recursive: true, force: true });

  const median = [...hostRuns].sort((a, b) => a - b)[Math.floor(hostRuns.length / 2)]!;
  const lines = [
    "## Column lineage (bench/lineage/columns.ts)",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0]?.model.split(" ")[0] ?? "CPU"}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the start (the machine is shared). Command: \`npx tsx bench/lineage/columns.ts --write\`.`,
    `Project: bench/sql-analysis's ${keys.length} SQL assets, ${columnCount} columns with lineage.`,
    "",
    "| Where | Measure | Time |",
    "|---|---|---|",
    `| Daemon | first \`GET /api/lineage/columns\` of a code version: the shipped analysis, cold (read, parse, link, SQL columns; in a worker thread, the daemon's loop stays free) | ${daemonColdMs.toFixed(0)} ms |`,
    `| Daemon | the same analysis again in the process (warm JIT; the route itself answers later requests from its cache) | ${daemonAgainMs.toFixed(0)} ms |`,
    `| Daemon | answer size | ${(json.length / 1024).toFixed(0)} KiB |`,
    `| VS Code host | ${keys.length} \`tributary/columnLineage\` requests to the shipped server over stdio (median of 5) | ${median.toFixed(0)} ms |`,
    `| UI | column graph built from the answer (best of 5) | ${graph.ms.toFixed(1)} ms |`,
    `| UI | lineage of \`${last}.amount\`: ${deepest.value.columns.size} columns, ${deepest.value.upstream.length} steps (best of 5) | ${deepest.ms.toFixed(1)} ms |`,
    "",
    `- The language server's answers equal the daemon's: ${sameAsDaemon ? "yes" : "NO"} (one analysis).`,
    "- The VS Code panel asks for the columns 150 ms after the last graph it sends (typing sends one per edit), so a burst of edits costs one round of requests.",
    "- Wall times grow with the machine's load (load average above).",
    "",
  ];
  const section = lines.join("\n");
  console.log(section);
  if (process.argv.includes("--write")) {
    const docs = path.join(repository, "docs/performance.md");
    const text = fs.readFileSync(docs, "utf8");
    const start = text.indexOf("## Column lineage (bench/lineage/columns.ts)");
    const next = start >= 0 ? text.indexOf("\n## ", start + 3) : -1;
    const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : text.slice(0, start) + section + (next >= 0 ? "\n" + text.slice(next + 1) : "");
    fs.writeFileSync(docs, updated);
  }
}

void main();
