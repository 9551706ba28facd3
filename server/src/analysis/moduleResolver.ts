import * as fs from "node:fs";
import * as path from "node:path";
// `import =` rather than `import * as`: bundled with typescript external, a namespace import goes
// through a getter per property access, which cost ~10% of a cold index of 1,000 files.
import ts = require("typescript");

/**
 * The npm package users import the API from (`asset`, `definitions`, ...), and its subpaths.
 *
 * Only `tributary-ts`: the npm name `tributary` belongs to an unrelated package ("Insert one stream
 * into another"), so an import of it is that package's, never ours, and is not read as definitions.
 */
export const RUNTIME_PACKAGE = "tributary-ts";

/** Whether an import specifier names the runtime package or one of its subpaths (`tributary-ts/partitions`). */
export function isRuntimeSpecifier(specifier: string): boolean {
  return specifier === RUNTIME_PACKAGE || specifier.startsWith(`${RUNTIME_PACKAGE}/`);
}

/** The result of resolving an import specifier. */
export type ResolvedModule =
  | { kind: "file"; file: string }
  /** The `tributary-ts` package itself: where the API functions come from. */
  | { kind: "tributary" }
  /** Another package, or a file the analysis does not know: never guessed. */
  | { kind: "external" };

interface PathsConfig {
  /** Absolute directory `paths` entries are relative to. */
  base: string;
  paths: Record<string, string[]>;
  baseUrl?: string;
}

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".d.ts", ".js", ".jsx", ".mjs", ".cjs"];

/**
 * Resolves import specifiers the way TypeScript would for the cases that matter to the analysis:
 * relative paths (with or without extension, `.js` written for a `.ts` file), `index` files,
 * tsconfig `paths` and `baseUrl` (with `extends` chains). It only answers with files it has been
 * told exist (`hasFile`), so open, unsaved documents and files on disk agree.
 */
export class ModuleResolver {
  private readonly configByDirectory = new Map<string, PathsConfig | null>();

  /**
   * @param root the workspace folder: tsconfig files are looked up from a file's folder up to it.
   * @param hasFile whether the analysis knows a source file at this absolute path.
   */
  constructor(private readonly root: string, private readonly hasFile: (file: string) => boolean) {}

  /** Forgets cached tsconfig files (call when one changes). */
  reset(): void {
    this.configByDirectory.clear();
  }

  /** Resolves `specifier` imported from `fromFile`. */
  resolve(fromFile: string, specifier: string): ResolvedModule {
    if (isRuntimeSpecifier(specifier)) return { kind: "tributary" };
    if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
      return this.asFile(path.resolve(path.dirname(fromFile), specifier));
    }
    const config = this.configFor(path.dirname(fromFile));
    if (config) {
      for (const [pattern, targets] of Object.entries(config.paths)) {
        const star = matchPattern(pattern, specifier);
        if (star === undefined) continue;
        for (const target of targets) {
          const resolved = this.asFile(path.resolve(config.base, target.replace("*", star)));
          if (resolved.kind === "file") return resolved;
        }
      }
      if (config.baseUrl) {
        const resolved = this.asFile(path.resolve(config.baseUrl, specifier));
        if (resolved.kind === "file") return resolved;
      }
    }
    return { kind: "external" };
  }

  private asFile(candidate: string): ResolvedModule {
    if (this.hasFile(candidate)) return { kind: "file", file: candidate };
    // Node16 style: `./orders.js` written for `./orders.ts`.
    const withoutJs = candidate.replace(/\.(m|c)?jsx?$/, "");
    for (const base of withoutJs === candidate ? [candidate] : [withoutJs, candidate]) {
      for (const extension of EXTENSIONS) {
        if (this.hasFile(base + extension)) return { kind: "file", file: base + extension };
      }
      for (const extension of EXTENSIONS) {
        const index = path.join(base, "index" + extension);
        if (this.hasFile(index)) return { kind: "file", file: index };
      }
    }
    return { kind: "external" };
  }

  private configFor(directory: string): PathsConfig | null {
    const cached = this.configByDirectory.get(directory);
    if (cached !== undefined) return cached;
    let result: PathsConfig | null = null;
    const tsconfig = path.join(directory, "tsconfig.json");
    if (fs.existsSync(tsconfig)) result = readPathsConfig(tsconfig, 0);
    else {
      const parent = path.dirname(directory);
      const insideRoot = directory !== this.root && parent !== directory && directory.startsWith(this.root);
      result = insideRoot ? this.configFor(parent) : null;
    }
    this.configByDirectory.set(directory, result);
    return result;
  }
}

/** Returns what `*` matched, "" for an exact match, or undefined. */
function matchPattern(pattern: string, specifier: string): string | undefined {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === specifier ? "" : undefined;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  if (specifier.length < prefix.length + suffix.length || !specifier.startsWith(prefix) || !specifier.endsWith(suffix)) {
    return undefined;
  }
  return specifier.slice(prefix.length, specifier.length - suffix.length);
}

/** Reads `paths`/`baseUrl` from a tsconfig (comments allowed), following relative `extends`. */
function readPathsConfig(file: string, depth: number): PathsConfig | null {
  if (depth > 8) return null;
  let json: { extends?: unknown; compilerOptions?: { paths?: Record<string, string[]>; baseUrl?: string } };
  try {
    const parsed = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8"));
    if (parsed.error || !parsed.config) return null;
    json = parsed.config;
  } catch {
    return null;
  }
  const directory = path.dirname(file);
  let inherited: PathsConfig | null = null;
  const parents = Array.isArray(json.extends) ? json.extends : json.extends ? [json.extends] : [];
  for (const parent of parents) {
    if (typeof parent !== "string" || !parent.startsWith(".")) continue;
    const parentFile = path.resolve(directory, parent.endsWith(".json") ? parent : parent + ".json");
    inherited = readPathsConfig(parentFile, depth + 1) ?? inherited;
  }
  const options = json.compilerOptions ?? {};
  const baseUrl = typeof options.baseUrl === "string" ? path.resolve(directory, options.baseUrl) : inherited?.baseUrl;
  if (options.paths && typeof options.paths === "object") {
    return { base: baseUrl ?? directory, paths: options.paths, ...(baseUrl ? { baseUrl } : {}) };
  }
  if (inherited) return { ...inherited, ...(baseUrl ? { baseUrl } : {}) };
  return baseUrl ? { base: baseUrl, paths: {}, baseUrl } : null;
}
