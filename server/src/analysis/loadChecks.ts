/**
 * The problems that stop a project from loading (`tributary assets list`, `materialize`, the
 * daemon) and that can be found without running its code: syntax errors, imports that resolve to
 * nothing, an entry file without `export default definitions(...)`, two jobs (schedules, sensors)
 * of one name. `tributary validate` reports them so that CI fails where the load would; the
 * language server does not publish the first two, which TypeScript's own language service already
 * shows in the editor.
 */
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import type { AnalysisDiagnostic, FileFacts, Span } from "./model";
import type { ProjectIndex } from "./projectIndex";
import type { ProjectModel } from "./projectModel";

/** What the load checks need to know beyond the files. */
export interface LoadCheckOptions {
  /** The project's entry file (tributary.yaml's `entry`, or the default one), when known. */
  entryFile?: string;
}

/** Extensions the loader's compiler (esbuild) tries for an import without one, and index files. */
const LOADABLE_EXTENSIONS = [".tsx", ".ts", ".jsx", ".js", ".css", ".json", ".mts", ".cts", ".mjs", ".cjs"];

const BUILTINS: ReadonlySet<string> = new Set(builtinModules);

const START: Span = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Every load-time problem of `project` that can be found statically (see the file comment). */
export function loadDiagnostics(project: ProjectIndex, options: LoadCheckOptions = {}): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  for (const file of project.fileNames()) {
    const facts = project.facts(file);
    if (!facts) continue;
    for (const error of facts.syntaxErrors ?? []) {
      diagnostics.push({ file, span: error.span, severity: "error", code: "syntax-error", message: `Syntax error: ${error.message}` });
    }
    diagnostics.push(...importDiagnostics(project, facts));
  }
  if (options.entryFile) diagnostics.push(...entryDiagnostics(project, options.entryFile));
  diagnostics.push(...duplicateNameDiagnostics(project.model()));
  return diagnostics;
}

/** `unresolved-import` for relative imports that name no file, `missing-package` for packages not installed. */
function importDiagnostics(project: ProjectIndex, facts: FileFacts): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  const file = facts.file;
  for (const request of facts.moduleRequests ?? []) {
    const specifier = request.module;
    const resolved = project.resolveModule(file, specifier);
    if (resolved.kind !== "external") continue; // a source file the analysis knows, or tributary itself
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
      if (loadableFile(path.resolve(path.dirname(file), specifier))) continue;
      diagnostics.push({
        file, span: request.span, severity: "error", code: "unresolved-import",
        message: `Cannot find "${specifier}" from ${path.basename(file)}: no such file (tried ${LOADABLE_EXTENSIONS.slice(0, 4).join(", ")} and index files); fix the path`,
      });
      continue;
    }
    const name = packageName(specifier);
    if (specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(name)) continue;
    if (installed(path.dirname(file), name)) continue;
    diagnostics.push({
      file, span: request.span, severity: "error", code: "missing-package",
      message: `Package "${name}" is not installed (no node_modules/${name} from this file's folder up); run npm install ${name}`,
    });
  }
  return diagnostics;
}

/** Whether an import of `candidate` (absolute, as written) finds something the compiler can load. */
function loadableFile(candidate: string): boolean {
  if (isFile(candidate)) return true;
  // `./orders.js` written for `./orders.ts` (Node16 style), as TypeScript and esbuild accept.
  const bases = [candidate, candidate.replace(/\.(m|c)?jsx?$/, "")];
  for (const base of bases) {
    if (LOADABLE_EXTENSIONS.some((extension) => isFile(base + extension))) return true;
  }
  if (isDirectory(candidate)) {
    if (isFile(path.join(candidate, "package.json"))) return true;
    return LOADABLE_EXTENSIONS.some((extension) => isFile(path.join(candidate, `index${extension}`)));
  }
  return false;
}

/** `pg` of `pg/lib/x`, `@scope/pkg` of `@scope/pkg/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

/** Node's lookup: `node_modules/<name>` in the folder or any parent (its @types counts too: type-only uses are erased). */
function installed(from: string, name: string): boolean {
  const types = `@types/${name.startsWith("@") ? name.slice(1).replace("/", "__") : name}`;
  for (let directory = from; ; directory = path.dirname(directory)) {
    const modules = path.join(directory, "node_modules");
    if (fs.existsSync(path.join(modules, name)) || fs.existsSync(path.join(modules, types))) return true;
    if (path.dirname(directory) === directory) return false;
  }
}

/** `no-definitions-export`: the entry file must export `definitions(...)` as its default. */
function entryDiagnostics(project: ProjectIndex, entryFile: string): AnalysisDiagnostic[] {
  const facts = project.facts(entryFile);
  // Not a source file the analysis reads (outside DIR, or not TypeScript); or one that does not
  // parse, whose recovered tree says nothing reliable about its exports.
  if (!facts || facts.syntaxErrors) return [];
  const entry = path.basename(entryFile);
  const target = project.resolveExport(entryFile, "default");
  if (target.kind === "definition") {
    if (target.definition.api === "definitions") return [];
    const api = target.definition.api;
    return [{
      file: target.file, span: target.definition.nameSpan, severity: "error", code: "no-definitions-export",
      message: `The default export of ${entry} is ${/^[aeiou]/i.test(api) ? "an" : "a"} ${api}() definition, not definitions(...); export default definitions({ assets: [...] }) instead`,
    }];
  }
  const hasDefault = facts.exports["default"] !== undefined || facts.exportAssigned === true
    || facts.reexports.some((reexport) => reexport.names?.["default"] !== undefined);
  if (target.kind !== "missing" || hasDefault) return []; // exported, but not statically readable: not guessed
  const exported = facts.definitions.find((d) => d.api === "definitions" && d.variable !== undefined && facts.exports[d.variable] !== undefined);
  return [{
    file: entryFile, span: START, severity: "error", code: "no-definitions-export",
    message: `${entry} has no default export, so Tributary finds no definitions in it; ${exported?.variable !== undefined
      ? `export it as the default: export default ${exported.variable};`
      : "end it with export default definitions({ assets: [/* your assets */] });"}`,
  }];
}

/** `duplicate-name`: two jobs, two schedules or two sensors of one name (the loader refuses them). */
function duplicateNameDiagnostics(model: ProjectModel): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  const first = new Map<string, { file: string; span: Span }>();
  const named = [
    ...model.jobs.map((job) => ({ kind: "job", file: job.file, name: job.definition.name })),
    ...model.triggers.map((trigger) => ({ kind: trigger.definition.api, file: trigger.file, name: trigger.definition.name })),
  ];
  for (const { kind, file, name } of named) {
    if (!name) continue;
    const id = `${kind}\0${name.value}`;
    const earlier = first.get(id);
    if (!earlier) {
      first.set(id, { file, span: name.span });
      continue;
    }
    diagnostics.push({
      file, span: name.span, severity: "error", code: "duplicate-name",
      message: `Two ${kind}s are named "${name.value}"; give each ${kind} its own name`,
      related: [{ location: { file: earlier.file, span: earlier.span }, message: `the other ${kind} named "${name.value}"` }],
    });
  }
  return diagnostics;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(directory: string): boolean {
  try {
    return fs.statSync(directory).isDirectory();
  } catch {
    return false;
  }
}
