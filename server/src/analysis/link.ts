import type {
  AnalysisDiagnostic,
  AssetDefinitionFact,
  AssetNode,
  AssetReference,
  DefinitionFact,
  FileFacts,
  RefFact,
  SqlSubstitutionResolution,
} from "./model";
import { isAssetDefinition } from "./model";
import { isRuntimeSpecifier } from "./moduleResolver";
import type { DependencyEdge } from "./projectModel";
import type { SelectionChecker } from "./selection";
import type { SymbolResolver } from "./symbols";

/** What a reference to assets resolved to. */
export type AssetRefResolution =
  | { kind: "keys"; keys: string[] }
  /** Resolves to a definition that is not an asset (a job, a check...). */
  | { kind: "not-asset"; what: string }
  | { kind: "unknown-key"; suggestion?: string }
  | { kind: "missing" }
  /** Not analyzable (dynamic value, other package): never reported. */
  | { kind: "opaque" };

/**
 * What a file's link may ask about the rest of the project. Every question is recorded by the
 * implementation (the project linker), so that the file is linked again exactly when an answer
 * changes: a key appearing or disappearing, the first definition of a key moving, the job names...
 */
export interface ProjectQueries {
  /** Whether some asset has this key. */
  hasKey(key: string): boolean;
  /** Whether `node` is the asset that owns its key (the first of duplicates). */
  isFirst(node: AssetNode): boolean;
  /** The asset that owns a key (the first of duplicates), if any. */
  ownerOf(key: string): AssetNode | undefined;
  /** The closest existing key, for "did you mean" (depends on every key). */
  suggestKey(key: string): string | undefined;
  /** Keys produced by a Tributary asset definition of any file; undefined when it is not one. */
  outKeysOf(definition: DefinitionFact): string[] | undefined;
  /** The checker of selection strings against every key, group, tag, owner and kind. */
  selectionChecker(): SelectionChecker;
  hasJob(name: string): boolean;
  suggestJob(name: string): string | undefined;
}

/** What one `definitions()` call contributes to the project-wide registration rules. */
export interface DefinitionsCallSummary {
  file: string;
  definition: DefinitionFact & { api: "definitions" };
  /** False when the assets list holds something the analysis cannot resolve. */
  assetsKnown: boolean;
  registeredKeys: string[];
  /** Undefined when `resources` is not an object literal. */
  provided?: string[];
}

/**
 * One file's link: the state its rules write into (diagnostics, references, edges), with the
 * helpers they share. Rules never change another file's results.
 */
export class FileLinkContext {
  readonly diagnostics: AnalysisDiagnostic[] = [];
  readonly references: AssetReference[] = [];

  constructor(readonly file: string, readonly facts: FileFacts, readonly resolver: SymbolResolver, readonly project: ProjectQueries) {}

  report(diagnostic: AnalysisDiagnostic): void {
    this.diagnostics.push(diagnostic);
  }

  addReference(reference: AssetReference): void {
    this.references.push(reference);
  }

  /** Resolves a reference (key string, identifier, spread of an array) written in `file` to asset keys. */
  resolveAssets(file: string, ref: RefFact, depth = 0): AssetRefResolution {
    if (ref.kind === "dynamic" || depth > 16) return { kind: "opaque" };
    if (ref.kind === "key") {
      if (this.project.hasKey(ref.value)) return { kind: "keys", keys: [ref.value] };
      const suggestion = this.project.suggestKey(ref.value);
      return suggestion === undefined ? { kind: "unknown-key" } : { kind: "unknown-key", suggestion };
    }
    const target = this.resolver.resolveRef(file, ref.name, ref.member);
    switch (target.kind) {
      case "definition": {
        const keys = this.project.outKeysOf(target.definition);
        if (keys) return keys.length > 0 ? { kind: "keys", keys } : { kind: "opaque" };
        return { kind: "not-asset", what: target.definition.api };
      }
      case "array": {
        const keys: string[] = [];
        for (const element of target.refs) {
          const inner = this.resolveAssets(target.file, element, depth + 1);
          if (inner.kind === "keys") keys.push(...inner.keys);
          else if (inner.kind !== "opaque") continue;
          else return { kind: "opaque" };
        }
        return { kind: "keys", keys };
      }
      case "missing":
        return { kind: "missing" };
      default:
        return { kind: "opaque" };
    }
  }
}

/** What the first phase of a file's link found: its Tributary definitions and the assets they declare. */
export interface FileDeclarations {
  /** The definitions whose API function really is Tributary's, in source order. */
  definitions: DefinitionFact[];
  nodes: AssetNode[];
  /** Keys per Tributary asset definition (empty when the key is not readable). */
  outKeys: Map<DefinitionFact, string[]>;
  /** Names of the file's jobs. */
  jobNames: string[];
  /** Key problems (missing-key, key-not-static): they depend on nothing but the file. */
  diagnostics: AnalysisDiagnostic[];
  /** Declaration references, one per asset node. */
  references: AssetReference[];
}

/** Whether a definition's API function really is Tributary's (directly or through a barrel). */
function isTributary(resolver: SymbolResolver, file: string, definition: DefinitionFact): boolean {
  return isRuntimeSpecifier(definition.apiModule) || resolver.isTributaryApi(file, definition.apiModule, definition.api);
}

/** First phase: which definitions are Tributary's and which asset keys the file declares. */
export function declareFile(file: string, facts: FileFacts, resolver: SymbolResolver): FileDeclarations {
  const result: FileDeclarations = { definitions: [], nodes: [], outKeys: new Map(), jobNames: [], diagnostics: [], references: [] };
  for (const definition of facts.definitions) {
    if (!isTributary(resolver, file, definition)) continue;
    result.definitions.push(definition);
    if (definition.api === "defineAssetJob" && definition.name) result.jobNames.push(definition.name.value);
    if (!isAssetDefinition(definition)) continue;
    const keys: string[] = [];
    if (definition.keyProblem) {
      const missing = definition.keyProblem.reason === "missing";
      result.diagnostics.push({
        file, span: definition.keyProblem.span, severity: missing ? "error" : "info",
        code: missing ? "missing-key" : "key-not-static",
        message: missing
          ? `${definition.api}() needs ${definition.api !== "multiAsset" ? "a `key`" : "`outs`"}: every asset is named by a key string such as "raw_orders"`
          : `The ${definition.api !== "multiAsset" ? "key" : "outs"} of this ${definition.api}() is not a string literal, so Tributary cannot see it without running the code; write the key as a literal (e.g. key: "raw_orders")`,
      });
    }
    for (const out of definition.outs) {
      if (!out.key) continue;
      const description = out.description ?? definition.description;
      const node: AssetNode = {
        key: out.key.value,
        ...(definition.group ? { group: definition.group.value } : {}),
        ...(description !== undefined ? { description } : {}),
        tags: definition.tags, owners: definition.owners, kinds: definition.kinds, deps: [],
        resources: definition.resources.map((r) => r.value), inlineChecks: definition.inlineChecks,
        location: { file, span: out.key.span }, definition,
        ...(definition.api === "multiAsset" && definition.name ? { multiAsset: definition.name.value } : {}),
      };
      keys.push(node.key);
      result.nodes.push(node);
      result.references.push({ key: node.key, location: node.location, kind: "declaration" });
    }
    result.outKeys.set(definition, keys);
  }
  return result;
}

/**
 * Second phase for the file's assets: resolves deps (filling `node.deps` of every node, and
 * edges for the nodes that own their key), reports self-dependencies and unknown deps, and returns the dependency edges.
 */
export function resolveDeps(context: FileLinkContext, declarations: FileDeclarations): DependencyEdge[] {
  const { file, project } = context;
  const edges: DependencyEdge[] = [];
  for (const definition of declarations.definitions) {
    if (!isAssetDefinition(definition)) continue;
    const ownKeys = declarations.outKeys.get(definition) ?? [];
    // Every node keeps its declared deps (a duplicate's show in `validate --json` and hovers);
    // only the node that owns its key adds edges to the graph.
    const nodes = declarations.nodes.filter((n) => n.definition === definition);
    const owners = new Set(nodes.filter((n) => project.isFirst(n)));
    if (definition.sql) resolveSqlSubstitutions(context, definition, nodes, owners, ownKeys, edges);
    for (const dep of (definition as AssetDefinitionFact).deps) {
      const resolution = context.resolveAssets(file, dep);
      if (resolution.kind !== "keys") {
        reportUnknownDep(context, dep, resolution, "dependency");
        continue;
      }
      for (const key of resolution.keys) {
        if (dep.kind === "key" || dep.kind === "ref") context.addReference({ key, location: { file, span: dep.span }, kind: dep.kind });
        if (ownKeys.includes(key)) {
          context.report({
            file, span: dep.span, severity: "error", code: "self-dependency",
            message: `Asset "${key}" depends on itself; remove it from its own deps`,
          });
          continue;
        }
        for (const node of nodes) {
          if (!node.deps.includes(key)) node.deps.push(key);
          if (owners.has(node)) edges.push({ from: node.key, to: key, file, span: dep.span });
        }
      }
    }
  }
  return edges;
}

/**
 * Resolves the `${...}` of a sqlAsset's query: an asset makes an upstream (a dependency edge, like
 * `deps`); anything else is a bound parameter, unless the query reads it as a table (the SQL
 * analysis reports that as an unknown upstream, with what is recorded here).
 */
function resolveSqlSubstitutions(context: FileLinkContext, definition: AssetDefinitionFact, nodes: AssetNode[], owners: Set<AssetNode>,
  ownKeys: string[], edges: DependencyEdge[]): void {
  const { file } = context;
  const resolutions: SqlSubstitutionResolution[] = [];
  for (const substitution of definition.sql?.substitutions ?? []) {
    const ref = substitution.ref;
    if (ref.kind !== "ref") {
      resolutions.push({ kind: "value" });
      continue;
    }
    const resolution = context.resolveAssets(file, ref);
    const name = ref.member ? `${ref.name}.${ref.member}` : ref.name;
    if (resolution.kind === "keys" && resolution.keys.length === 1 && !ownKeys.includes(resolution.keys[0] as string)) {
      const key = resolution.keys[0] as string;
      resolutions.push({ kind: "asset", key });
      context.addReference({ key, location: { file, span: ref.span }, kind: "ref" });
      for (const node of nodes) {
        if (!node.deps.includes(key)) node.deps.push(key);
        if (owners.has(node)) edges.push({ from: node.key, to: key, file, span: ref.span });
      }
    } else if (resolution.kind === "missing" || resolution.kind === "not-asset") {
      resolutions.push({ kind: resolution.kind, name });
    } else resolutions.push({ kind: "value" });
  }
  for (const node of nodes) node.sqlSubstitutions = resolutions;
}

/** Reports a reference to assets that does not resolve; shared by deps, checks and job selections. */
export function reportUnknownDep(context: FileLinkContext, ref: RefFact, resolution: AssetRefResolution,
  role: "dependency" | "check target" | "selection"): void {
  const file = context.file;
  const code = role === "dependency" ? "unknown-dep" : role === "check target" ? "unknown-check-asset" : "unknown-asset";
  if (resolution.kind === "unknown-key" && ref.kind === "key") {
    const hint = resolution.suggestion !== undefined ? `; did you mean "${resolution.suggestion}"?` : "; define it with asset({ key: ... }) or fix the name";
    context.report({
      file, span: ref.span, severity: "error", code,
      message: `Unknown asset "${ref.value}" in ${role}${hint}`,
      ...(resolution.suggestion !== undefined ? { data: { replacement: resolution.suggestion } } : {}),
    });
  } else if (resolution.kind === "not-asset" && ref.kind !== "key" && ref.kind !== "dynamic") {
    context.report({
      file, span: ref.span, severity: "error", code,
      message: `\`${ref.member ? `${ref.name}.${ref.member}` : ref.name}\` is ${article(resolution.what)} ${resolution.what}() definition, not an asset; use an asset (or its key string) here`,
    });
  } else if (resolution.kind === "missing" && ref.kind !== "key" && ref.kind !== "dynamic") {
    context.report({
      file, span: ref.span, severity: "error", code,
      message: `\`${ref.member ? `${ref.name}.${ref.member}` : ref.name}\` is not an asset Tributary can find: import it or use its key string`,
    });
  }
}

/** "an asset", "a job": for messages that name a definition kind. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}
