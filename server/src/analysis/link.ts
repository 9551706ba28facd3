import type { ModuleResolver } from "./moduleResolver";
import type {
  AnalysisDiagnostic,
  AssetDefinitionFact,
  AssetNode,
  AssetReference,
  DefinitionFact,
  FileFacts,
  RefFact,
  Span,
} from "./model";
import type { DependencyEdge, ProjectModel } from "./projectModel";
import { checkRules } from "./rules";
import { suggestName } from "./selection";
import { SymbolResolver } from "./symbols";

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
 * Shared state of one link: the resolver, the model being built and helpers the rules use.
 * Rules only add diagnostics and references; they never change the graph.
 */
export class LinkContext {
  readonly resolver: SymbolResolver;
  readonly model: ProjectModel;
  readonly outKeys = new Map<DefinitionFact, string[]>();
  private readonly apiCache = new Map<string, boolean>();

  constructor(root: string, readonly files: ReadonlyMap<string, FileFacts>, readonly modules: ModuleResolver) {
    this.resolver = new SymbolResolver(files, modules);
    this.model = {
      root, assets: new Map(), allAssets: [], downstream: new Map(), edges: [], groups: new Set(), checks: [], jobs: [],
      triggers: [], definitionsCalls: [], references: new Map(), diagnostics: new Map(), linkMs: 0,
    };
  }

  /** Whether a definition's API function really is Tributary's (directly or through a barrel). */
  isTributary(file: string, definition: DefinitionFact): boolean {
    if (definition.apiModule === "tributary") return true;
    const cacheKey = `${file}\0${definition.apiModule}\0${definition.api}`;
    let result = this.apiCache.get(cacheKey);
    if (result === undefined) {
      result = this.resolver.isTributaryApi(file, definition.apiModule, definition.api);
      this.apiCache.set(cacheKey, result);
    }
    return result;
  }

  report(diagnostic: AnalysisDiagnostic): void {
    const list = this.model.diagnostics.get(diagnostic.file);
    if (list) list.push(diagnostic);
    else this.model.diagnostics.set(diagnostic.file, [diagnostic]);
  }

  addReference(file: string, reference: AssetReference): void {
    const list = this.model.references.get(file);
    if (list) list.push(reference);
    else this.model.references.set(file, [reference]);
  }

  /** Resolves a reference (key string, identifier, spread of an array) to asset keys. */
  resolveAssets(file: string, ref: RefFact, depth = 0): AssetRefResolution {
    if (ref.kind === "dynamic" || depth > 16) return { kind: "opaque" };
    if (ref.kind === "key") {
      if (this.model.assets.has(ref.value)) return { kind: "keys", keys: [ref.value] };
      const suggestion = suggestName(ref.value, this.model.assets.keys());
      return suggestion === undefined ? { kind: "unknown-key" } : { kind: "unknown-key", suggestion };
    }
    const target = this.resolver.resolveRef(file, ref.name, ref.member);
    switch (target.kind) {
      case "definition": {
        const keys = this.outKeys.get(target.definition);
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

/** Links every file's facts into a {@link ProjectModel}. Pure: same facts, same model. */
export function linkProject(root: string, files: ReadonlyMap<string, FileFacts>, modules: ModuleResolver): ProjectModel {
  const started = performance.now();
  const context = new LinkContext(root, files, modules);
  const assetDefinitions: { file: string; definition: AssetDefinitionFact }[] = [];
  for (const [file, facts] of files) {
    for (const definition of facts.definitions) {
      if (!context.isTributary(file, definition)) continue;
      if (definition.api === "asset" || definition.api === "multiAsset") assetDefinitions.push({ file, definition });
    }
  }
  collectAssets(context, assetDefinitions);
  const edges = resolveDeps(context, assetDefinitions);
  reportCycles(context, edges);
  checkRules(context);
  context.model.linkMs = performance.now() - started;
  return context.model;
}

function collectAssets(context: LinkContext, definitions: { file: string; definition: AssetDefinitionFact }[]): void {
  const { model } = context;
  const byKey = new Map<string, AssetNode[]>();
  for (const { file, definition } of definitions) {
    const keys: string[] = [];
    if (definition.keyProblem) {
      const missing = definition.keyProblem.reason === "missing";
      context.report({
        file, span: definition.keyProblem.span, severity: missing ? "error" : "info",
        code: missing ? "missing-key" : "key-not-static",
        message: missing
          ? `${definition.api}() needs ${definition.api === "asset" ? "a `key`" : "`outs`"}: every asset is named by a key string such as "raw_orders"`
          : `The ${definition.api === "asset" ? "key" : "outs"} of this ${definition.api}() is not a string literal, so Tributary cannot see it without running the code; write the key as a literal (e.g. key: "raw_orders")`,
      });
    }
    for (const out of definition.outs) {
      if (!out.key) continue;
      const node: AssetNode = {
        key: out.key.value,
        ...(definition.group ? { group: definition.group.value } : {}),
        ...((out.description ?? definition.description) !== undefined ? { description: (out.description ?? definition.description) as string } : {}),
        tags: definition.tags, owners: definition.owners, kinds: definition.kinds, deps: [],
        resources: definition.resources.map((r) => r.value), inlineChecks: definition.inlineChecks,
        location: { file, span: out.key.span }, definition,
        ...(definition.api === "multiAsset" && definition.name ? { multiAsset: definition.name.value } : {}),
      };
      keys.push(node.key);
      model.allAssets.push(node);
      if (definition.group) model.groups.add(definition.group.value);
      const list = byKey.get(node.key);
      if (list) list.push(node);
      else {
        byKey.set(node.key, [node]);
        model.assets.set(node.key, node);
      }
      context.addReference(file, { key: node.key, location: node.location, kind: "declaration" });
    }
    context.outKeys.set(definition, keys);
  }
  for (const [key, nodes] of byKey) {
    if (nodes.length < 2) continue;
    for (const node of nodes) {
      context.report({
        file: node.location.file, span: node.location.span, severity: "error", code: "duplicate-key",
        message: `Asset key "${key}" is defined ${nodes.length} times; keys must be unique in a project (rename one of them)`,
        related: nodes.filter((other) => other !== node).map((other) => ({ location: other.location, message: `"${key}" is also defined here` })),
      });
    }
  }
}

function resolveDeps(context: LinkContext, definitions: { file: string; definition: AssetDefinitionFact }[]): DependencyEdge[] {
  const { model } = context;
  const edges: DependencyEdge[] = [];
  for (const { file, definition } of definitions) {
    const ownKeys = context.outKeys.get(definition) ?? [];
    const nodes = ownKeys.map((key) => model.assets.get(key)).filter((n): n is AssetNode => n?.definition === definition);
    for (const dep of definition.deps) {
      const resolution = context.resolveAssets(file, dep);
      if (resolution.kind === "keys") {
        for (const key of resolution.keys) {
          if (dep.kind === "key" || dep.kind === "ref") {
            context.addReference(file, { key, location: { file, span: dep.span }, kind: dep.kind });
          }
          if (ownKeys.includes(key)) {
            context.report({
              file, span: dep.span, severity: "error", code: "self-dependency",
              message: `Asset "${key}" depends on itself; remove it from its own deps`,
            });
            continue;
          }
          for (const node of nodes) {
            if (!node.deps.includes(key)) node.deps.push(key);
            edges.push({ from: node.key, to: key, file, span: dep.span });
          }
        }
      } else {
        reportUnknownDep(context, file, dep, resolution, "dependency");
      }
    }
  }
  for (const node of model.assets.values()) {
    for (const dep of node.deps) {
      const list = model.downstream.get(dep);
      if (list) list.push(node.key);
      else model.downstream.set(dep, [node.key]);
    }
  }
  model.edges = edges;
  return edges;
}

/** Reports a reference to assets that does not resolve; shared by deps, checks and job selections. */
export function reportUnknownDep(context: LinkContext, file: string, ref: RefFact, resolution: AssetRefResolution,
  role: "dependency" | "check target" | "selection"): void {
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

/** Tarjan's strongly connected components; every edge inside a component is part of a cycle. */
function reportCycles(context: LinkContext, edges: DependencyEdge[]): void {
  const { model } = context;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const componentOf = new Map<string, number>();
  let counter = 0;
  let components = 0;
  const strongConnect = (root: string): void => {
    // Iterative, so that a 10,000-asset chain cannot overflow the call stack.
    const work: { key: string; next: number }[] = [{ key: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { key: string; next: number };
      const deps = model.assets.get(frame.key)?.deps ?? [];
      if (frame.next < deps.length) {
        const dep = deps[frame.next++] as string;
        if (!model.assets.has(dep)) continue;
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ key: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.key, Math.min(low.get(frame.key) as number, index.get(dep) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.key, Math.min(low.get(parent.key) as number, low.get(frame.key) as number));
      if (low.get(frame.key) === index.get(frame.key)) {
        const members: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          members.push(member);
        } while (member !== frame.key);
        if (members.length > 1) for (const m of members) componentOf.set(m, components);
        components++;
      }
    }
  };
  for (const key of model.assets.keys()) if (!index.has(key)) strongConnect(key);
  if (componentOf.size === 0) return;
  const cycleEdges = edges.filter((e) => componentOf.has(e.from) && componentOf.get(e.from) === componentOf.get(e.to));
  for (const edge of cycleEdges) {
    const path = cyclePath(model, edge.to, edge.from, componentOf);
    const cycle = [edge.from, ...path, edge.from].join(" -> ");
    const related = cycleEdges.filter((other) => other !== edge && componentOf.get(other.from) === componentOf.get(edge.from))
      .map((other) => ({ location: { file: other.file, span: other.span as Span }, message: `${other.from} depends on ${other.to}` }));
    context.report({
      file: edge.file, span: edge.span, severity: "error", code: "cycle",
      message: `Dependency cycle: ${cycle}; assets must form a DAG, remove one of these deps`,
      related,
    });
  }
}

/** Shortest path from `from` to `to` inside one component (breadth-first), `from` included. */
function cyclePath(model: ProjectModel, from: string, to: string, componentOf: Map<string, number>): string[] {
  const previous = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const key = queue.shift() as string;
    if (key === to) break;
    for (const dep of model.assets.get(key)?.deps ?? []) {
      if (!previous.has(dep) && componentOf.get(dep) === componentOf.get(from)) {
        previous.set(dep, key);
        queue.push(dep);
      }
    }
  }
  const path: string[] = [];
  for (let key: string | null | undefined = previous.has(to) ? previous.get(to) : undefined; key; key = previous.get(key)) path.unshift(key);
  return path;
}

/** "an asset", "a job": for messages that name a definition kind. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}
