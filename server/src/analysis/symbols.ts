import type { ModuleResolver } from "./moduleResolver";
import type { AutomationFact, DefinitionFact, FileFacts, PartitionCallFact, RefFact } from "./model";

/** What a name in a file stands for, as far as the analysis can tell. */
export type SymbolTarget =
  | { kind: "definition"; file: string; definition: DefinitionFact }
  | { kind: "array"; file: string; refs: RefFact[] }
  /** A constant bound to a partition or mapping factory call (`const daily = dailyPartitions(...)`). */
  | { kind: "partitions"; file: string; call: PartitionCallFact }
  | { kind: "automation"; file: string; condition: AutomationFact }
  | { kind: "namespace"; file: string }
  /** A name exported by the `tributary-ts` package (e.g. `asset`). */
  | { kind: "tributary"; name: string }
  /** Declared somewhere the analysis cannot see into (another package, a computed value). */
  | { kind: "opaque" }
  /** Not declared anywhere the analysis knows. */
  | { kind: "missing" };

/**
 * Records which files a computation looked at (read, or probed for existence), so that an
 * incremental link knows whose results to recompute when a file changes. Memoized results carry
 * the files they were computed from, and a cache hit reports them to the current reader too.
 */
export class ReadTracker {
  private readonly stack: Set<string>[] = [];

  /** Starts recording for one reader; returns the set that fills up until {@link end}. */
  begin(): Set<string> {
    const reads = new Set<string>();
    this.stack.push(reads);
    return reads;
  }

  /** Stops the innermost recording; its reads also count for the enclosing one. */
  end(): void {
    const reads = this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (reads && parent) for (const file of reads) parent.add(file);
  }

  /** Records a read of `file` for every recording in progress (the innermost one; `end` propagates). */
  read(file: string): void {
    this.stack[this.stack.length - 1]?.add(file);
  }

  /** Reports reads captured earlier (a memoized result's) to the current recording. */
  replay(reads: ReadonlySet<string>): void {
    const current = this.stack[this.stack.length - 1];
    if (current) for (const file of reads) current.add(file);
  }
}

interface Memo<T> {
  value: T;
  reads: Set<string>;
}

/**
 * Resolves identifiers to definitions across files: local `const x = asset(...)`, named, default,
 * aliased and namespace imports, and barrels (`export * from`, `export { x as y } from`,
 * `export * as ns from`). Results are memoized for the lifetime of one link batch, each with the
 * files it read (see {@link ReadTracker}).
 */
export class SymbolResolver {
  private readonly localCache = new Map<string, Memo<SymbolTarget>>();
  private readonly exportCache = new Map<string, Memo<SymbolTarget>>();
  private readonly variables = new Map<string, Map<string, DefinitionFact>>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly files: ReadonlyMap<string, FileFacts>, private readonly modules: ModuleResolver,
    readonly tracker: ReadTracker = new ReadTracker()) {}

  private facts(file: string): FileFacts | undefined {
    this.tracker.read(file);
    return this.files.get(file);
  }

  /** Resolves a reference written in `file` (identifier, or namespace member). */
  resolveRef(file: string, name: string, member?: string): SymbolTarget {
    const target = this.local(file, name);
    if (member === undefined) return target;
    if (target.kind === "namespace") return this.exported(target.file, member, new Set());
    if (target.kind === "tributary" && target.name === "*") return { kind: "tributary", name: member };
    return target.kind === "missing" ? target : { kind: "opaque" };
  }

  /** What `file` exports as `name` (`default` for the default export), through re-exports. */
  resolveExport(file: string, name: string): SymbolTarget {
    return this.exported(file, name, new Set());
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
    if (map) this.tracker.read(file);
    else {
      map = new Map();
      for (const definition of this.facts(file)?.definitions ?? []) {
        if (definition.variable !== undefined) map.set(definition.variable, definition);
      }
      this.variables.set(file, map);
    }
    return map;
  }

  private local(file: string, name: string): SymbolTarget {
    const cacheKey = file + "\0" + name;
    const cached = this.localCache.get(cacheKey);
    if (cached) {
      this.tracker.replay(cached.reads);
      return cached.value;
    }
    // Cycle guard: a name that resolves through itself is opaque, and that answer is not memoized
    // (it depends on where the walk started). Names resolved *inside* such a cycle of re-exports
    // may still depend on link order; cyclic barrels are rare and resolve to nothing useful anyway.
    if (this.inProgress.has("l" + cacheKey)) return { kind: "opaque" };
    this.inProgress.add("l" + cacheKey);
    const reads = this.tracker.begin();
    let value: SymbolTarget;
    try {
      value = this.computeLocal(file, name);
    } finally {
      this.tracker.end();
      this.inProgress.delete("l" + cacheKey);
    }
    this.localCache.set(cacheKey, { value, reads });
    return value;
  }

  private computeLocal(file: string, name: string): SymbolTarget {
    const facts = this.facts(file);
    if (!facts) return { kind: "opaque" };
    const definition = this.variablesOf(file).get(name);
    if (definition) return { kind: "definition", file, definition };
    const array = facts.arrays[name];
    if (array) return { kind: "array", file, refs: array };
    const call = facts.partitionConsts?.[name];
    if (call) return { kind: "partitions", file, call };
    const condition = facts.automationConsts?.[name];
    if (condition) return { kind: "automation", file, condition };
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
    if (cached) {
      this.tracker.replay(cached.reads);
      return cached.value;
    }
    if (visiting.has(cacheKey) || this.inProgress.has("e" + cacheKey)) return { kind: "opaque" };
    visiting.add(cacheKey);
    this.inProgress.add("e" + cacheKey);
    const reads = this.tracker.begin();
    let value: SymbolTarget;
    try {
      value = this.computeExported(file, name, visiting);
    } finally {
      this.tracker.end();
      this.inProgress.delete("e" + cacheKey);
    }
    this.exportCache.set(cacheKey, { value, reads });
    return value;
  }

  private computeExported(file: string, name: string, visiting: Set<string>): SymbolTarget {
    const facts = this.facts(file);
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
    // `export * from "tributary-ts"`: any unmatched name may come from the package.
    if (sawStar) return { kind: "tributary", name };
    return sawOpaqueStar ? { kind: "opaque" } : { kind: "missing" };
  }
}
