import type { AnalysisDiagnostic, AssetNode, Span } from "./model";
import type { DependencyEdge } from "./projectModel";

/**
 * Dependency cycles over the asset graph (each key's owning node and its resolved deps): Tarjan's
 * strongly connected components; every edge inside a component is part of a cycle and reported,
 * with the other edges of its cycle as related locations.
 */
export function findCycles(assets: ReadonlyMap<string, AssetNode>, edges: Iterable<DependencyEdge>): { diagnostics: AnalysisDiagnostic[]; keys: Set<string> } {
  const model = { assets };
  const diagnostics: AnalysisDiagnostic[] = [];
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
  if (componentOf.size === 0) return { diagnostics, keys: new Set() };
  const cycleEdges = [...edges].filter((e) => componentOf.has(e.from) && componentOf.get(e.from) === componentOf.get(e.to));
  for (const edge of cycleEdges) {
    const path = cyclePath(model, edge.to, edge.from, componentOf);
    const cycle = [edge.from, ...path, edge.from].join(" -> ");
    const related = cycleEdges.filter((other) => other !== edge && componentOf.get(other.from) === componentOf.get(edge.from))
      .map((other) => ({ location: { file: other.file, span: other.span as Span }, message: `${other.from} depends on ${other.to}` }));
    diagnostics.push({
      file: edge.file, span: edge.span, severity: "error", code: "cycle",
      message: `Dependency cycle: ${cycle}; assets must form a DAG, remove one of these deps`,
      related,
    });
  }
  return { diagnostics, keys: new Set(componentOf.keys()) };
}

/** Shortest path from `from` to `to` inside one component (breadth-first), `from` included. */
function cyclePath(model: { assets: ReadonlyMap<string, AssetNode> }, from: string, to: string, componentOf: Map<string, number>): string[] {
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

