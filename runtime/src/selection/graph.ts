/**
 * The asset graph as selections see it: only what selection attributes and traversals need, so the
 * runtime, the daemon, the language server and the lineage UI can each adapt their own graph.
 */

/** One asset, as far as selections are concerned. */
export interface SelectableAsset {
  key: string;
  group: string;
  tags: Record<string, string>;
  owners: string[];
  kinds: string[];
  /** Upstream keys. Keys that are not in the graph are ignored by traversals. */
  deps: string[];
}

/** A graph that selections can be evaluated against. Treated as immutable once built. */
export interface SelectableGraph {
  readonly assets: ReadonlyMap<string, SelectableAsset>;
  /** Direct upstream keys of `key` (empty for an unknown key). */
  parentsOf(key: string): readonly string[];
  /** Direct downstream keys of `key` (empty for an unknown key). */
  childrenOf(key: string): readonly string[];
  /**
   * The selection string of each job, by job name, for `job:NAME`. A graph without jobs (or a name
   * missing here) makes `job:NAME` select nothing.
   */
  readonly jobs?: ReadonlyMap<string, string>;
}

/** A job as selections see it: its name and its selection string. */
export interface SelectableJob {
  name: string;
  selection: string;
}

const NONE: readonly string[] = Object.freeze([]);

/** The graph built by {@link graphFromAssets}; caches its topological order. */
class AssetGraph implements SelectableGraph {
  readonly assets: ReadonlyMap<string, SelectableAsset>;
  private readonly parents = new Map<string, string[]>();
  private readonly children = new Map<string, string[]>();
  private order: readonly string[] | undefined;
  readonly jobs: ReadonlyMap<string, string>;

  constructor(assets: Iterable<SelectableAsset>, jobs: Iterable<SelectableJob>) {
    this.jobs = new Map([...jobs].map((job) => [job.name, job.selection]));
    const byKey = new Map<string, SelectableAsset>();
    for (const asset of assets) byKey.set(asset.key, asset);
    this.assets = byKey;
    for (const asset of byKey.values()) {
      // Dependencies on assets outside the graph (or listed twice) would only confuse traversals.
      const parents = [...new Set(asset.deps)].filter((dep) => byKey.has(dep));
      this.parents.set(asset.key, parents);
      for (const parent of parents) {
        let list = this.children.get(parent);
        if (!list) this.children.set(parent, (list = []));
        list.push(asset.key);
      }
    }
  }

  parentsOf(key: string): readonly string[] {
    return this.parents.get(key) ?? NONE;
  }

  childrenOf(key: string): readonly string[] {
    return this.children.get(key) ?? NONE;
  }

  topologicalOrder(): readonly string[] {
    return (this.order ??= computeTopologicalOrder(this));
  }
}

/**
 * Builds a {@link SelectableGraph} from assets (and the jobs `job:NAME` can name). A later asset with
 * the same key replaces an earlier one; deps on keys outside the graph are dropped.
 *
 * @example
 * const graph = graphFromAssets([
 *   { key: "raw_orders", group: "raw", tags: {}, owners: [], kinds: ["csv"], deps: [] },
 *   { key: "stg_orders", group: "staging", tags: { pii: "" }, owners: ["team:data"], kinds: ["sql"], deps: ["raw_orders"] },
 * ], { jobs: [{ name: "nightly", selection: "group:staging+" }] });
 */
export function graphFromAssets(assets: Iterable<SelectableAsset>, options: { jobs?: Iterable<SelectableJob> } = {}): SelectableGraph {
  return new AssetGraph(assets, options.jobs ?? []);
}

/**
 * The graph's keys in topological order: parents before children; assets the graph does not order
 * keep insertion order as far as Kahn's algorithm (seeded in insertion order) allows. Assets on a
 * cycle cannot be ordered and come last, in insertion order. Linear in the size of the graph, and
 * cached for graphs built by {@link graphFromAssets}.
 */
export function topologicalOrder(graph: SelectableGraph): readonly string[] {
  return graph instanceof AssetGraph ? graph.topologicalOrder() : computeTopologicalOrder(graph);
}

function computeTopologicalOrder(graph: SelectableGraph): string[] {
  const pendingParents = new Map<string, number>();
  const order: string[] = [];
  for (const key of graph.assets.keys()) {
    const count = graph.parentsOf(key).filter((parent) => graph.assets.has(parent)).length;
    pendingParents.set(key, count);
    if (count === 0) order.push(key);
  }
  // `order` doubles as the queue: everything before `head` has been expanded.
  for (let head = 0; head < order.length; head++) {
    for (const child of graph.childrenOf(order[head]!)) {
      const remaining = pendingParents.get(child);
      if (remaining === undefined) continue;
      pendingParents.set(child, remaining - 1);
      if (remaining === 1) order.push(child);
    }
  }
  if (order.length < graph.assets.size) {
    const placed = new Set(order);
    for (const key of graph.assets.keys()) if (!placed.has(key)) order.push(key);
  }
  return order;
}
