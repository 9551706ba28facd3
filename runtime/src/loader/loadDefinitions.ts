/**
 * Loading a project's code: compile the entry (see ./compile), import it with source maps on, check
 * that its default export is `definitions(...)`, and build and validate the asset graph.
 * Every failure is a {@link CodeLoadError} or {@link DefinitionError} naming the user's file:line,
 * never a raw stack dump.
 */
import { join, relative } from "node:path";
import { kindOf } from "../definitions/brand";
import type { Definitions } from "../definitions/definitions";
import { CodeLoadError, describeThrown, formatLocation, type SourceLocation } from "../errors";
import { AssetGraph } from "../graph/assetGraph";
import { assertValidGraph } from "../graph/validate";
import { findProjectConfig, STATE_DIR_NAME, type ProjectConfig } from "./config";
import { EntryCompiler, type CompiledEntry } from "./compile";
import { firstUserFrame } from "./userFrames";

/** A loaded project: its configuration, its definitions and their validated graph. */
export interface LoadedProject {
  config: ProjectConfig;
  definitions: Definitions;
  graph: AssetGraph;
  /** Where the time went, for `--verbose` and benchmarks. */
  timings: { buildMs: number; importMs: number; graphMs: number };
}

/** Options of {@link loadProject}. */
export interface LoadProjectOptions {
  /** Environment for config discovery (when `cwd` is a path). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Reuse this compiler (incremental rebuilds); one is created and disposed otherwise. */
  compiler?: EntryCompiler;
}

/**
 * Finds (when given a folder), compiles, imports and validates a project.
 *
 * @throws ConfigError for a missing or invalid tributary.yaml.
 * @throws CodeLoadError for a syntax error, a missing import, an exception at import time or a
 *   default export that is not `definitions(...)`, with the user's file:line:column.
 * @throws DefinitionError listing every problem of the graph (unknown deps, cycles, ...).
 * @example
 * ```ts
 * const { graph } = await loadProject(process.cwd());
 * console.log([...graph.assets.keys()]);
 * ```
 */
export async function loadProject(cwdOrConfig: string | ProjectConfig, options: LoadProjectOptions = {}): Promise<LoadedProject> {
  const config = typeof cwdOrConfig === "string" ? findProjectConfig(cwdOrConfig, options.env) : cwdOrConfig;
  const compiler = options.compiler ?? createCompiler(config);
  try {
    return loadCompiledProject(config, await compiler.compile());
  } finally {
    if (!options.compiler) await compiler.dispose();
  }
}

/**
 * Imports a compiled bundle of the project (see {@link loadProject}, which compiles it first) and
 * validates its graph. Run workers load the bundle their daemon compiled, so they all run its code.
 */
export function loadCompiledProject(config: ProjectConfig, compiled: Pick<CompiledEntry, "bundleFile" | "buildMs">): LoadedProject {
  const importStarted = performance.now();
  const definitions = importDefinitions(compiled.bundleFile, config);
  const importMs = performance.now() - importStarted;
  const graphStarted = performance.now();
  const graph = new AssetGraph(definitions);
  assertValidGraph(graph);
  return { config, definitions, graph, timings: { buildMs: compiled.buildMs, importMs, graphMs: performance.now() - graphStarted } };
}

/**
 * One compiled version of a project's code. A daemon's run workers load its bundle as is, never the
 * files on disk, so every run on a version runs the same code whatever changed on disk since.
 */
export interface CodeVersion {
  /** `v<n>-<hash>`: the n-th load of the code in its process, and the bundle's content hash. Recorded on runs. */
  id: string;
  config: ProjectConfig;
  compiled: CompiledEntry;
}

/**
 * A compiler for the project's entry; pass `{ incremental: true }` to keep esbuild's state between
 * loads (reload on change), then dispose it.
 */
export function createCompiler(config: ProjectConfig, options: { incremental?: boolean } = {}): EntryCompiler {
  return new EntryCompiler({
    entryFile: config.entryFile,
    projectDir: config.projectDir,
    buildDir: join(config.projectDir, STATE_DIR_NAME, "build"),
    incremental: options.incremental ?? false,
  });
}

/** Requires a compiled bundle and returns its default export, checked to be `definitions(...)`. */
export function importDefinitions(bundleFile: string, config: ProjectConfig): Definitions {
  // Stack traces of user code (at import and in runs) must point at the user's .ts lines.
  process.setSourceMapsEnabled(true);
  let exported: unknown;
  try {
    exported = require(bundleFile) as unknown;
  } catch (thrown) {
    throw importFailure(thrown, config);
  }
  return checkDefaultExport(exported, config);
}

function importFailure(thrown: unknown, config: ProjectConfig): CodeLoadError {
  const entry = relative(config.projectDir, config.entryFile) || config.entryFile;
  const error = thrown as { stack?: unknown; hint?: unknown; location?: unknown; code?: unknown; message?: unknown };
  const declared = asLocation(error?.location);
  const frame = declared ?? firstUserFrame(typeof error?.stack === "string" ? error.stack : undefined, config.projectDir);
  const location: SourceLocation | undefined = frame ? { file: frame.file, line: frame.line, column: frame.column } : undefined;

  let message = describeThrown(thrown).split("\n")[0]!;
  // Our own errors (from the project's copy of tributary) carry the location in their message too.
  if (location) message = message.replace(`${formatLocation(location)}: `, "");
  const name = thrown instanceof Error ? `${thrown.name}: ` : "";
  let hint = typeof error?.hint === "string" ? error.hint : undefined;
  const missing = /^Cannot find module '([^']+)'/.exec(message);
  if (error?.code === "MODULE_NOT_FOUND" && missing && !missing[1]!.startsWith(".") && !missing[1]!.startsWith("/")) {
    const packageName = missing[1]!.startsWith("@") ? missing[1]!.split("/").slice(0, 2).join("/") : missing[1]!.split("/")[0]!;
    hint ??= `Install it in the project: npm install ${packageName}`;
  }
  hint ??= `Definitions must be inert: move work that runs at import time of ${entry} (connections, reads) into asset functions or resources.`;
  return new CodeLoadError(`importing ${entry} threw ${name}${message}`, location ? { location, hint, cause: thrown } : { hint, cause: thrown });
}

function asLocation(value: unknown): SourceLocation | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { file, line, column } = value as Record<string, unknown>;
  return typeof file === "string" && typeof line === "number" && typeof column === "number" ? { file, line, column } : undefined;
}

const FIX_DEFAULT_EXPORT = 'End the entry file with: export default definitions({ assets: [/* your assets */] });';

function checkDefaultExport(exported: unknown, config: ProjectConfig): Definitions {
  const entry = relative(config.projectDir, config.entryFile) || config.entryFile;
  const location = { file: config.entryFile, line: 1, column: 1 };
  if (kindOf(exported) === "definitions") return exported as Definitions; // module.exports = definitions(...)
  const moduleExports = (exported ?? {}) as Record<string, unknown>;
  if (!("default" in moduleExports) || moduleExports["default"] === undefined) {
    const named = Object.keys(moduleExports).filter((name) => name !== "__esModule");
    const definitionsExport = named.find((name) => kindOf(moduleExports[name]) === "definitions");
    throw new CodeLoadError(`${entry} has no default export${named.length > 0 ? ` (it exports ${named.map((n) => `"${n}"`).join(", ")})` : ""}`, {
      location,
      hint: definitionsExport
        ? `Export it as the default: export default ${definitionsExport};`
        : FIX_DEFAULT_EXPORT,
    });
  }
  const value = moduleExports["default"];
  const kind = kindOf(value);
  if (kind === "definitions") return value as Definitions;
  const what = kind ? `${article(kind)} ${kind} definition` : describeValue(value);
  throw new CodeLoadError(`the default export of ${entry} is ${what}, not definitions(...)`, {
    location,
    hint: kind === "asset" || kind === "multiAsset"
      ? "Collect your assets: export default definitions({ assets: [myAsset, ...] });"
      : FIX_DEFAULT_EXPORT,
  });
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "object") {
    const keys = Object.keys(value as object).slice(0, 5);
    return `a plain object${keys.length > 0 ? ` with ${keys.join(", ")}` : ""}`;
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}
