/**
 * Compiles a project's entry file with esbuild into one CommonJS file under `.tributary/build/`.
 *
 * Why bundle the user's files but keep every bare import (`pg`, `lodash`, `tributary-ts`) external:
 * the user's TypeScript needs compiling, but packages must run exactly as installed (native
 * modules, package singletons, their own `require` of data files).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { CodeLoadError } from "../errors";

/** What one compilation produced. */
export interface CompiledEntry {
  /** The bundle to `require` (content-addressed, so concurrent processes never read a half-written file). */
  bundleFile: string;
  /** The bundle's content hash (16 hex digits of its SHA-256, also in its file name). */
  hash: string;
  /** The bundle's bytes: {@link ensureBundle} writes them again if the file was cleaned up since. */
  contents: Uint8Array;
  /** Absolute paths of the source files the bundle was built from: the entry's import graph, as esbuild read it. */
  inputs: string[];
  buildMs: number;
}

/** Options of {@link EntryCompiler}. */
export interface EntryCompilerOptions {
  entryFile: string;
  projectDir: string;
  /** Folder the bundles are written to, usually `.tributary/build`. */
  buildDir: string;
  /**
   * Keep an esbuild context between builds, so rebuilds after an edit only redo what changed
   * (the dev server's reloads). Call {@link EntryCompiler.dispose} when done.
   * @defaultValue false
   */
  incremental?: boolean;
}

/** Old bundles are deleted once they are this old (a process started earlier may still read its own). */
const STALE_BUNDLE_MS = 10 * 60 * 1000;

/** Compiles an entry file, once or repeatedly (incremental). */
export class EntryCompiler {
  private context: esbuild.BuildContext<{ write: false; metafile: true }> | undefined;

  constructor(private readonly options: EntryCompilerOptions) {}

  /** The entry file it compiles. */
  get entryFile(): string {
    return this.options.entryFile;
  }

  /** Compiles the entry; throws {@link CodeLoadError} with the user's file:line:column on a build error. */
  async compile(): Promise<CompiledEntry> {
    const started = performance.now();
    let result: esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      if (this.options.incremental) {
        this.context ??= await esbuild.context(this.buildOptions());
        result = await this.context.rebuild();
      } else {
        result = await esbuild.build(this.buildOptions());
      }
    } catch (error) {
      throw buildFailure(error, this.options.projectDir);
    }
    const output = result.outputFiles[0];
    if (!output) throw new CodeLoadError(`esbuild produced no output for ${this.options.entryFile}`);
    const hash = contentHash(output.contents);
    const bundleFile = writeContentAddressed(this.options.buildDir, hash, output.contents);
    removeStaleBundles(this.options.buildDir, bundleFile);
    // Inputs outside the file namespace ("ns:path") have no file to watch.
    const inputs = Object.keys(result.metafile?.inputs ?? {})
      .filter((input) => !/^[a-z-]+:/.test(input))
      .map((input) => resolve(this.options.projectDir, input));
    return { bundleFile, hash, contents: output.contents, inputs, buildMs: performance.now() - started };
  }

  async dispose(): Promise<void> {
    await this.context?.dispose();
    this.context = undefined;
  }

  private buildOptions(): esbuild.BuildOptions & { write: false; metafile: true } {
    return {
      entryPoints: [this.options.entryFile],
      absWorkingDir: this.options.projectDir,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      // Inline maps: Node maps stack frames of the bundle back to the user's .ts files.
      sourcemap: "inline",
      sourcesContent: false,
      packages: "external",
      // The bundle's name is chosen after the build, but its folder fixes the maps' relative paths.
      outfile: join(this.options.buildDir, "definitions.js"),
      write: false,
      // Which files the bundle is built from: the dev server watches those, and nothing else.
      metafile: true,
      logLevel: "silent",
      plugins: [tributaryResolver(this.options.projectDir)],
    };
  }
}

/**
 * Decides what the bundle's `require("tributary-ts")` loads.
 *
 * A project that installed `tributary-ts` gets its own copy, like any other dependency. A project
 * that did not (a fresh `tributary init` before `npm install`, a global CLI, `npx tributary`) gets
 * the runtime that is loading it: without this, it could not load at all. Both work
 * because definitions are recognized by a registered symbol, not by `instanceof`.
 */
function tributaryResolver(projectDir: string): esbuild.Plugin {
  return {
    name: "tributary-runtime",
    setup(build) {
      build.onResolve({ filter: /^tributary-ts(\/.*)?$/ }, (args) => {
        if (resolvableFrom(args.path, projectDir)) return { path: args.path, external: true };
        return { path: runtimeModulePath(args.path), external: true };
      });
    },
  };
}

function resolvableFrom(specifier: string, dir: string): boolean {
  try {
    // Not require.resolve(..., { paths }): that also tries a self-reference to *our* package.json.
    createRequire(join(dir, "__tributary_resolve__.js")).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** The running runtime's own module for `tributary-ts` or `tributary-ts/sub`, by package self-reference. */
export function runtimeModulePath(specifier: string): string {
  try {
    return require.resolve(specifier);
  } catch {
    // No self-reference possible (a repackaged runtime): the package root still has a `main`.
    return resolve(__dirname, "..", "..");
  }
}

function contentHash(contents: Uint8Array): string {
  return createHash("sha256").update(contents).digest("hex").slice(0, 16);
}

function writeContentAddressed(buildDir: string, hash: string, contents: Uint8Array): string {
  const bundleFile = join(buildDir, `definitions-${hash}.js`);
  if (!existsSync(bundleFile)) {
    mkdirSync(buildDir, { recursive: true });
    const temporary = `${bundleFile}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, bundleFile);
  }
  return bundleFile;
}

/**
 * Makes sure a compiled bundle is on disk before a process loads it, and fresh for
 * {@link STALE_BUNDLE_MS}: a daemon keeps running one version of the code for days, while every
 * compile in the project (`tributary materialize`) removes bundles older than that.
 */
export function ensureBundle(compiled: Pick<CompiledEntry, "bundleFile" | "hash" | "contents">): string {
  try {
    const now = new Date();
    utimesSync(compiled.bundleFile, now, now);
  } catch {
    writeContentAddressed(dirname(compiled.bundleFile), compiled.hash, compiled.contents);
  }
  return compiled.bundleFile;
}

function removeStaleBundles(buildDir: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(buildDir)) {
    const file = join(buildDir, name);
    if (file === keep || !name.startsWith("definitions-")) continue;
    try {
      if (now - statSync(file).mtimeMs > STALE_BUNDLE_MS) unlinkSync(file);
    } catch {
      // Another process removed it first.
    }
  }
}

/** Turns esbuild's failure into a CodeLoadError pointing at the first error's source position. */
function buildFailure(error: unknown, projectDir: string): CodeLoadError {
  const errors = (error as { errors?: esbuild.Message[] }).errors;
  const first = errors?.[0];
  if (!first) return new CodeLoadError(`Compiling the project failed: ${(error as Error).message}`, { cause: error });
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
  const location = first.location
    ? { file: resolve(projectDir, first.location.file), line: first.location.line, column: first.location.column + 1 }
    : undefined;
  const frame = first.location?.lineText
    ? `\n    ${first.location.lineText}\n    ${" ".repeat(first.location.column)}^`
    : "";
  const unresolved = /^Could not resolve "(.*)"/.exec(first.text);
  const hint = unresolved
    ? `Check the path of the import "${unresolved[1]}" (relative to ${location ? dirname(location.file) : "the importing file"}); relative imports start with ./ or ../.`
    : "Fix the syntax error and run the command again (`npx tsc --noEmit` also reports type errors).";
  return new CodeLoadError(`${first.text}${more}${frame}`, location ? { location, hint, cause: error } : { hint, cause: error });
}
