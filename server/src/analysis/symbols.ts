import type { ModuleResolver } from "./moduleResolver";
import type { DefinitionFact, FileFacts, RefFact } from "./model";

/** What a name in a file stands for, as far as the analysis can tell. */
export type SymbolTarget =
  | { kind: "definition"; file: string; definition: DefinitionFact }
  | { kind: "array"; file: string; refs: RefFact[] }
  | { kind: "namespace"; file: string }
  /** A name exported by the `tributary` package (e.g. `asset`). */
  | { kind: "tributary"; name: string }
  /** Declared somewhere the analysis cannot see into (another package, a computed value). */
  | { kind: "opaque" }
  /** Not declared anywhere the analysis knows. */
  | { kind: "missing" };

/**
 * Resolves identifiers to definitions across files: local `const x = asset(...)`, named, default,
 * aliased and namespace imports, and barrels (`export * from`, `export { x as y } from`,
 * `export * as ns from`). Results are memoized for the lifetime of one link.
 */
export class SymbolResolver {
  private readonly localCache = new Map<string, SymbolTarget>();
  private readonly exportCache = new Map<string, SymbolTarget>();
  private readonly variables = new Map<string, Map<string, DefinitionFact>>();

  constructor(private readonly files: ReadonlyMap<string, FileFacts>, private readonly modules: ModuleResolver) {}

  /** Resolves a reference written in `file` (identifier, or namespace member). */
  resolveRef(file: string, name: string, member?: string): SymbolTarget {
    const target = this.local(file, name);
    if (member === undefined) return target;
    if (target.kind === "namespace") return this.exported(target.file, member, new Set());
    if (target.kind === "tributary" && target.name === "*") return { kind: "tributary", name: member };
    return target.kind === "missing" ? target : { kind: "opaque" };
  }

  /** What `name` (an API function imported from `module`) is in `file`: true when it is Tributary's. */
  isTributaryApi(file: string, module: string, apiName: string): boolean {
    const resolved = this.modules.resolve(file, module);
    if (resolved.kind === "tributary") return true;
    if (resolved.kind !== "file") return false;
    const target = this.exported(resolved.file, apiName, new Set());
    return target.kind === "tributary";
  }

  /** The definition bound to variable `name` in `file`, if any. */
  definitionOf(file: string, name: string): DefinitionFact | undefined {
    return this.variablesOf(file).get(name);
  }

  private variablesOf(file: string): Map<string, DefinitionFact> {
    let map = this.variables.get(file);
    if (!map) {
      map = new Map();
      for (const definition of this.files.get(file)?.definitions ?? []) {
        if (definition.variable !== undefined) map.set(definition.variable, definition);
      }
      this.variables.set(file, map);
    }
    return map;
  }

  private local(file: string, name: string): SymbolTarget {
    const cacheKey = file + "\0" + name;
    const cached = this.localCache.get(cacheKey);
    if (cached) return cached;
    this.localCache.set(cacheKey, { kind: "opaque" }); // cycle guard
    const result = this.computeLocal(file, name);
    this.localCache.set(cacheKey, result);
    return result;
  }

  private computeLocal(file: string, name: string): SymbolTarget {
    const facts = this.files.get(file);
    if (!facts) return { kind: "opaque" };
    const definition = this.variablesOf(file).get(name);
    if (definition) return { kind: "definition", file, definition };
    const array = facts.arrays[name];
    if (array) return { kind: "array", file, refs: array };
    for (const entry of facts.imports) {
      if (entry.local !== name) continue;
      const resolved = this.modules.resolve(file, entry.module);
      if (resolved.kind === "tributary") return { kind: "tributary", name: entry.imported };
      if (resolved.kind === "external") return { kind: "opaque" };
      if (entry.imported === "*") return { kind: "namespace", file: resolved.file };
      return this.exported(resolved.file, entry.imported, new Set());
    }
    return { kind: "missing" };
  }

  private exported(file: string, name: string, visiting: Set<string>): SymbolTarget {
    const cacheKey = file + "\0" + name;
    const cached = this.exportCache.get(cacheKey);
    if (cached) return cached;
    if (visiting.has(cacheKey)) return { kind: "opaque" };
    visiting.add(cacheKey);
    const result = this.computeExported(file, name, visiting);
    this.exportCache.set(cacheKey, result);
    return result;
  }

  private computeExported(file: string, name: string, visiting: Set<string>): SymbolTarget {
    const facts = this.files.get(file);
    if (!facts) return { kind: "opaque" };
    const local = facts.exports[name];
    if (local !== undefined) return this.local(file, local);
    let sawStar = false;
    let sawOpaqueStar = false;
    for (const reexport of facts.reexports) {
      if (reexport.names && reexport.names[name] === undefined) continue;
      if (reexport.namespace !== undefined && reexport.namespace !== name) continue;
      const resolved = this.modules.resolve(file, reexport.module);
      if (reexport.namespace !== undefined) {
        if (resolved.kind === "file") return { kind: "namespace", file: resolved.file };
        return resolved.kind === "tributary" ? { kind: "tributary", name: "*" } : { kind: "opaque" };
      }
      const importedName = reexport.names ? (reexport.names[name] as string) : name;
      if (resolved.kind === "tributary") {
        if (reexport.names) return { kind: "tributary", name: importedName };
        sawStar = true;
        continue;
      }
      if (resolved.kind !== "file") {
        if (reexport.names) return { kind: "opaque" };
        sawOpaqueStar = true;
        continue;
      }
      if (name === "default" && !reexport.names) continue;
      const target = this.exported(resolved.file, importedName, visiting);
      if (target.kind !== "missing") return target;
    }
    // `export * from "tributary"`: any unmatched name may come from the package.
    if (sawStar) return { kind: "tributary", name };
    return sawOpaqueStar ? { kind: "opaque" } : { kind: "missing" };
  }
}
