import * as fs from "node:fs";
import * as path from "node:path";
import { allDiagnostics, loadDiagnostics, loadSqlParser, ProjectIndex } from "./analysis";
import type { AnalysisDiagnostic, ProjectModel } from "./analysis";

/** Where `runValidate` writes (the CLI passes process streams; tests capture). */
export interface ValidateOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The `--json` document of `tributary validate` (DESIGN.md §3). */
export interface ValidateReport {
  /**
   * `columns` is set on SQL assets only: their output columns with the upstream columns each is
   * computed from (`"<asset key>.<column>"`), or null when they are not statically knowable.
   */
  assets: { key: string; group: string | null; deps: string[]; file: string; line: number; columns?: { name: string; from: string[] }[] | null }[];
  diagnostics: { file: string; line: number; column: number; severity: "error" | "warning" | "info"; code: string; message: string }[];
}

/**
 * What the runtime's project discovery found for DIR (tributary.yaml and the entry file). The
 * runtime's CLI passes it: the discovery is the loader's own (one implementation), which this
 * package does not import.
 */
export interface ProjectDiscovery {
  /** The entry file (absolute), when discovery found one. */
  entryFile?: string;
  /** Why the project cannot load before any code runs (absolute files, 1-based lines and columns). */
  problems: { file: string; line: number; column: number; code: string; message: string }[];
}

/** Options of {@link runValidate}. */
export interface ValidateOptions {
  /** Discovers the project of a folder; without it the entry and tributary.yaml are not checked. */
  discover?(directory: string): ProjectDiscovery;
}

const USAGE = "Usage: tributary validate [DIR] [--json]\n";

/**
 * `tributary validate [DIR] [--json]`: static analysis of the project in DIR (default: the current
 * folder), nothing executed. Exit code 0 when there is no error, 1 when there is any, 2 for bad usage.
 * Human output is one `file:line:col severity code message` line per diagnostic, then a summary.
 *
 * @example
 * const code = await runValidate(["samples/warehouse", "--json"], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
 */
export async function runValidate(argv: string[], out: ValidateOutput, options: ValidateOptions = {}): Promise<number> {
  let json = false;
  const positional: string[] = [];
  for (const argument of argv) {
    if (argument === "--json") json = true;
    else if (argument === "--help" || argument === "-h") {
      out.stdout(USAGE);
      return 0;
    } else if (argument.startsWith("-")) {
      out.stderr(`Unknown option ${argument}\n${USAGE}`);
      return 2;
    } else positional.push(argument);
  }
  if (positional.length > 1) {
    out.stderr(`Expected at most one folder, got ${positional.length}\n${USAGE}`);
    return 2;
  }
  const directory = path.resolve(positional[0] ?? ".");
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
    out.stderr(`${positional[0] ?? "."} is not a folder: pass the project folder (the one holding tributary.yaml or definitions.ts)\n${USAGE}`);
    return 2;
  }
  const discovery = options.discover?.(directory);
  await loadSqlParser();
  const project = new ProjectIndex(directory);
  project.indexFromDisk();
  const report = buildReport(directory, project, discovery);
  const errors = report.diagnostics.filter((d) => d.severity === "error").length;
  if (json) {
    out.stdout(JSON.stringify(report, null, 2) + "\n");
  } else {
    for (const d of report.diagnostics) out.stdout(`${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}\n`);
    const warnings = report.diagnostics.filter((d) => d.severity === "warning").length;
    const infos = report.diagnostics.length - errors - warnings;
    out.stdout(`${report.assets.length} asset${report.assets.length === 1 ? "" : "s"} checked: `
      + `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}, ${infos} info\n`);
  }
  return errors > 0 ? 1 : 0;
}

/**
 * The JSON report for a project (files relative to `directory`, 1-based lines and columns): the
 * analysis' diagnostics, the load-time problems it can find statically (loadChecks.ts) and the
 * discovery's problems.
 */
export function buildReport(directory: string, project: ProjectIndex, discovery?: ProjectDiscovery): ValidateReport {
  const model = project.model();
  const relative = (file: string): string => path.relative(directory, file).split(path.sep).join("/");
  const assets = model.allAssets.map((asset) => {
    const sql = asset.definition.api === "sqlAsset" ? model.sql.asset(asset.key) : undefined;
    return {
      key: asset.key,
      group: asset.group ?? null,
      deps: [...asset.deps],
      file: relative(asset.location.file),
      line: asset.location.span.start.line + 1,
      ...(asset.definition.api === "sqlAsset" ? { columns: sql?.columns?.map((c) => ({ name: c.name, from: c.from })) ?? null } : {}),
    };
  }).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const found = [...allDiagnostics(model), ...loadDiagnostics(project, discovery?.entryFile ? { entryFile: discovery.entryFile } : {})];
  const diagnostics = found.map((d: AnalysisDiagnostic) => ({
    file: relative(d.file),
    line: d.span.start.line + 1,
    column: d.span.start.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  })).concat((discovery?.problems ?? []).map((problem) => ({
    file: relative(problem.file) || ".",
    line: problem.line,
    column: problem.column,
    severity: "error" as const,
    code: problem.code,
    message: problem.message,
  }))).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
  return { assets, diagnostics };
}

/**
 * The column lineage of a project: every asset with its output columns (`name`, `type` when known,
 * `from`: the upstream columns it is computed from as `"<asset key>.<column>"`), or `columns: null`
 * when the analysis cannot know them (a TypeScript asset, a `*` over unknown columns). The same
 * analysis and the same columns as `validate --json`; the daemon's `GET /api/lineage/columns`
 * answers with it (the runtime loads this bundle, so the daemon never runs a parser of its own).
 *
 * @example
 * const { assets } = await columnLineageReport("samples/warehouse");
 * assets.find((a) => a.key === "stg_payments")?.columns; // [{ name: "amount", type: "numeric", from: ["raw_payments.amount"] }, ...]
 */
export async function columnLineageReport(directory: string): Promise<ColumnLineageReport> {
  await loadSqlParser();
  const project = new ProjectIndex(path.resolve(directory));
  project.indexFromDisk();
  return { assets: projectColumns(project.model()) };
}

/** The answer of {@link columnLineageReport} (the wire contract's `GET /api/lineage/columns`). */
export interface ColumnLineageReport {
  assets: { key: string; columns: { name: string; type?: string; from: string[] }[] | null }[];
}

/** Every asset of `model` (the first definition of each key) with its statically known columns. */
export function projectColumns(model: ProjectModel): ColumnLineageReport["assets"] {
  return [...model.assets.values()].map((asset) => {
    const columns = asset.definition.api === "sqlAsset" ? model.sql.asset(asset.key)?.columns : undefined;
    return {
      key: asset.key,
      columns: columns ? columns.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}), from: [...c.from] })) : null,
    };
  });
}
