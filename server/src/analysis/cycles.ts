import type { AnalysisDiagnostic, AssetNode, Span } from "./model";
import type { DependencyEdge } from "./projectModel";

/**
 * How many steps a cycle message names after its asset and before coming back to it; the rest is
 * counted, not listed, so that a cycle through thousands of assets still makes short diagnostics.
 */
const stepsShownAtStart = 2;
const stepsShownAtEnd = 1;
/** A cycle of at most this many steps is named in full. */
const namedInFull = 6;

/**
 * Dependency cycles over the asset graph (the dependency edges as written in code, between known
 * assets): Tarjan's strongly connected components, then per component two breadth-first trees
 * rooted at its first asset (paths from the root, paths to the root). Every asset of a component
 * gets one diagnostic, on its dep that leads back to it, whose message is a chain of deps from the
 * asset back to itself with the middle elided: everything is linear in the size of the graph, and
 * each diagnostic is bounded whatever the cycle's length. (In a tangled component the chain may
 * pass through another asset twice; every step is still a dep written in code.)
 */
export function findCycles(assets: ReadonlyMap<string, AssetNode>, edges: Iterable<DependencyEdge>): { diagnostics: AnalysisDiagnostic[]; keys: Set<string> } {
  const graph = DependencyGraph.of(assets, edges);
  const component = graph.stronglyConnectedComponents();
  const diagnostics: AnalysisDiagnostic[] = [];
  const keys = new Set<string>();
  const members = new Map<number, number[]>();
  for (let node = 0; node < graph.size; node++) {
    const list = members.get(component[node] as number);
    if (list) list.push(node);
    else members.set(component[node] as number, [node]);
  }
  // Components in the order of their first asset (code order), so that the result does not depend
  // on the order in which an incremental link happened to add the assets.
  for (const nodes of [...members.values()].sort((a, b) => (a[0] as number) - (b[0] as number))) {
    if (nodes.length < 2) continue;
    for (const node of nodes) keys.add(graph.keys[node] as string);
    for (const diagnostic of cycleDiagnostics(graph, nodes, component)) diagnostics.push(diagnostic);
  }
  return { diagnostics, keys };
}

/** The dependency graph with assets numbered in the order their edges appear in code. */
class DependencyGraph {
  readonly keys: string[] = [];
  /** Per node, its edges to its deps, in code order. */
  readonly out: DependencyEdge[][] = [];
  private readonly numbers = new Map<string, number>();

  static of(assets: ReadonlyMap<string, AssetNode>, edges: Iterable<DependencyEdge>): DependencyGraph {
    const graph = new DependencyGraph();
    for (const edge of edges) {
      // A self-dependency has its own diagnostic; an unknown dep is no edge of the graph.
      if (edge.from === edge.to || !assets.has(edge.from) || !assets.has(edge.to)) continue;
      (graph.out[graph.number(edge.from)] as DependencyEdge[]).push(edge);
      graph.number(edge.to);
    }
    return graph;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The number of a key, numbering it when it is new. */
  number(key: string): number {
    let node = this.numbers.get(key);
    if (node === undefined) {
      node = this.keys.length;
      this.numbers.set(key, node);
      this.keys.push(key);
      this.out.push([]);
    }
    return node;
  }

  /** The component of every node (Tarjan's algorithm, iterative so that a long chain cannot overflow the stack). */
  stronglyConnectedComponents(): Int32Array {
    const index = new Int32Array(this.size).fill(-1);
    const low = new Int32Array(this.size);
    const component = new Int32Array(this.size).fill(-1);
    const stack: number[] = [];
    let counter = 0;
    let components = 0;
    for (let root = 0; root < this.size; root++) {
      if (index[root] !== -1) continue;
      const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
      index[root] = low[root] = counter++;
      stack.push(root);
      while (work.length > 0) {
        const frame = work[work.length - 1] as { node: number; next: number };
        const deps = this.out[frame.node] as DependencyEdge[];
        if (frame.next < deps.length) {
          const dep = this.number((deps[frame.next++] as DependencyEdge).to);
          if (index[dep] === -1) {
            index[dep] = low[dep] = counter++;
            stack.push(dep);
            work.push({ node: dep, next: 0 });
          } else if (component[dep] === -1) {
            // Still on the stack: part of the component being built.
            low[frame.node] = Math.min(low[frame.node] as number, index[dep] as number);
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
        if (low[frame.node] === index[frame.node]) {
          let member: number;
          do {
            member = stack.pop() as number;
            component[member] = components;
          } while (member !== frame.node);
          components++;
        }
      }
    }
    return component;
  }
}

/**
 * One diagnostic per asset of a component. With `root` its first asset, every asset reaches the
 * root by a shortest chain of deps (`towardRoot`) and the root reaches every asset by another
 * (`fromRoot`): an asset's own cycle is the first followed by the second. The start of the
 * message follows `towardRoot` forwards and its end follows `fromRoot` backwards, a bounded
 * number of steps each; the length is the sum of the two distances. The root's own chain is
 * walked once in full.
 */
function cycleDiagnostics(graph: DependencyGraph, nodes: number[], component: Int32Array): AnalysisDiagnostic[] {
  const root = nodes[0] as number;
  const inComponent = (edge: DependencyEdge): boolean => component[graph.number(edge.to)] === component[root];
  // Breadth-first from the root along deps: fromRoot[x] is the edge by which the root reaches x.
  const fromRoot = new Map<number, DependencyEdge>();
  const distanceFromRoot = new Map<number, number>([[root, 0]]);
  // The first steps of the root's way to each asset (shared arrays, at most stepsShownAtStart long):
  // an asset next to the root starts its message with them.
  const firstStepsFromRoot = new Map<number, DependencyEdge[]>([[root, []]]);
  for (let queue = [root], head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    for (const edge of graph.out[node] as DependencyEdge[]) {
      const dep = graph.number(edge.to);
      if (!inComponent(edge) || distanceFromRoot.has(dep)) continue;
      distanceFromRoot.set(dep, (distanceFromRoot.get(node) as number) + 1);
      fromRoot.set(dep, edge);
      const before = firstStepsFromRoot.get(node) as DependencyEdge[];
      firstStepsFromRoot.set(dep, before.length < stepsShownAtStart ? [...before, edge] : before);
      queue.push(dep);
    }
  }
  // Breadth-first from the root against deps: towardRoot[x] is x's first step toward the root.
  const dependents = new Map<number, DependencyEdge[]>();
  for (const node of nodes) {
    for (const edge of graph.out[node] as DependencyEdge[]) {
      if (!inComponent(edge)) continue;
      const dep = graph.number(edge.to);
      const list = dependents.get(dep);
      if (list) list.push(edge);
      else dependents.set(dep, [edge]);
    }
  }
  const towardRoot = new Map<number, DependencyEdge>();
  const distanceToRoot = new Map<number, number>([[root, 0]]);
  for (let queue = [root], head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    for (const edge of dependents.get(node) ?? []) {
      const dependent = graph.number(edge.from);
      if (distanceToRoot.has(dependent)) continue;
      distanceToRoot.set(dependent, (distanceToRoot.get(node) as number) + 1);
      towardRoot.set(dependent, edge);
      queue.push(dependent);
    }
  }

  const diagnostics: AnalysisDiagnostic[] = [];
  for (const node of nodes) {
    let chain: DependencyEdge[] | undefined;
    let length: number;
    if (node === root) {
      // The root's cycle: its dep nearest to the way back, then that dep's chain back.
      const first = (graph.out[root] as DependencyEdge[]).filter(inComponent).reduce((best, edge) =>
        (distanceToRoot.get(graph.number(edge.to)) as number) < (distanceToRoot.get(graph.number(best.to)) as number) ? edge : best);
      chain = [first, ...stepsToRoot(graph, towardRoot, graph.number(first.to), Infinity)];
      length = chain.length;
    } else {
      length = (distanceToRoot.get(node) as number) + (distanceFromRoot.get(node) as number);
      if (length <= namedInFull) chain = [...stepsToRoot(graph, towardRoot, node, Infinity), ...stepsFromRoot(graph, fromRoot, node, Infinity)];
    }
    if (chain && length <= namedInFull) diagnostics.push(cycleDiagnostic(chain, [], length));
    else if (chain) diagnostics.push(cycleDiagnostic(chain.slice(0, stepsShownAtStart), chain.slice(length - stepsShownAtEnd), length));
    else {
      const start = stepsToRoot(graph, towardRoot, node, stepsShownAtStart);
      // Long enough not to be named in full, so the start and the end cannot overlap.
      start.push(...(firstStepsFromRoot.get(node) as DependencyEdge[]).slice(0, stepsShownAtStart - start.length));
      diagnostics.push(cycleDiagnostic(start, stepsFromRoot(graph, fromRoot, node, stepsShownAtEnd), length));
    }
  }
  return diagnostics;
}

/** The first `limit` steps from `node` toward the root, in order. */
function stepsToRoot(graph: DependencyGraph, towardRoot: Map<number, DependencyEdge>, node: number, limit: number): DependencyEdge[] {
  const steps: DependencyEdge[] = [];
  for (let edge = towardRoot.get(node); edge && steps.length < limit; edge = towardRoot.get(graph.number(edge.to))) steps.push(edge);
  return steps;
}

/** The last `limit` steps of the root's way to `node`, in order. */
function stepsFromRoot(graph: DependencyGraph, fromRoot: Map<number, DependencyEdge>, node: number, limit: number): DependencyEdge[] {
  const steps: DependencyEdge[] = [];
  for (let edge = fromRoot.get(node); edge && steps.length < limit; edge = fromRoot.get(graph.number(edge.from))) steps.push(edge);
  return steps.reverse();
}

/**
 * The diagnostic of one asset: on the first dep of its cycle, naming the first and last steps and
 * counting the assets in between; the steps it names are its related locations.
 */
function cycleDiagnostic(start: DependencyEdge[], end: DependencyEdge[], length: number): AnalysisDiagnostic {
  const first = start[0] as DependencyEdge;
  // The start names its asset and the assets its steps reach; the end, the asset its first step
  // leaves from and what its steps reach (the asset again). Between them `between` assets.
  const names = [first.from, ...start.map((e) => e.to)];
  const between = length - start.length - end.length - 1;
  if (between > 0) names.push(`... (${between} more)`);
  if (end.length > 0 && between >= 0) names.push((end[0] as DependencyEdge).from);
  names.push(...end.map((e) => e.to));
  const related = [...start.slice(1), ...end]
    .map((edge) => ({ location: { file: edge.file, span: edge.span as Span }, message: `${edge.from} depends on ${edge.to}` }));
  return {
    file: first.file, span: first.span, severity: "error", code: "cycle",
    message: `Dependency cycle: ${names.join(" -> ")}; assets must form a DAG, remove one of these deps`,
    related,
  };
}
