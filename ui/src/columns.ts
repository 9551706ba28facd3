/**
 * Column-level lineage as the UI holds it: each asset's columns and, across the whole graph, which
 * columns each column is computed from and which are computed from it. Built from the hosts'
 * `columns` message (the static analysis: `GET /api/lineage/columns` or the language server's
 * `tributary/columnLineage`); pure, no DOM, so it is tested in Node.
 *
 * Terminology: a *column* is `{ key, column }` (shown `key.column`); its *sources* are the columns
 * it is computed from (one step upstream), its *consumers* the columns computed from it (one step
 * downstream); its *lineage* is both, followed transitively.
 */
import type { LineageAssetColumns } from "./protocol";

/** One column of one asset. */
export interface ColumnRef {
  key: string;
  column: string;
}

/** A column as an asset's expanded card lists it. */
export interface ColumnEntry {
  name: string;
  type?: string;
  /**
   * True when the analysis does not know the asset's columns (a TypeScript asset) and this one is
   * listed because a downstream SQL asset reads it.
   */
  inferred: boolean;
}

/** One step of a lineage: `to` is computed from `from`. */
export interface ColumnEdge {
  from: ColumnRef;
  to: ColumnRef;
}

/** The lineage of one column: what it comes from, what comes from it, and everything on the way. */
export interface ColumnPath {
  column: ColumnRef;
  /** Edges upstream of the column, nearest first (breadth first). */
  upstream: ColumnEdge[];
  /** Edges downstream of the column, nearest first. */
  downstream: ColumnEdge[];
  /** Ids ({@link columnId}) of the column and of every column on its lineage. */
  columns: Set<string>;
  /** Keys of the assets holding those columns. */
  assets: Set<string>;
}

/** The id of a column in sets and maps (keys and column names may hold dots, never a newline). */
export function columnId(ref: ColumnRef): string {
  return `${ref.key}\n${ref.column}`;
}

/** `key.column`, as the analysis and the details pane write it. */
export function columnLabel(ref: ColumnRef): string {
  return `${ref.key}.${ref.column}`;
}

const NONE: readonly ColumnRef[] = [];

/** The column graph of a project. */
export class ColumnLineage {
  private readonly declared = new Map<string, ColumnEntry[]>();
  private readonly inferred = new Map<string, Map<string, ColumnEntry>>();
  private readonly sources = new Map<string, ColumnRef[]>();
  private readonly consumers = new Map<string, ColumnRef[]>();

  /**
   * @param assets the hosts' column lists.
   * @param knownKeys the graph's asset keys: an upstream written `a.b.c` is split after the
   *   longest known key (`a.b` + `c`), else at its last dot.
   */
  constructor(assets: readonly LineageAssetColumns[] = [], knownKeys: Iterable<string> = []) {
    const keys = new Set(knownKeys);
    for (const asset of assets) keys.add(asset.key);
    for (const asset of assets) {
      if (asset.columns) this.declared.set(asset.key, asset.columns.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}), inferred: false })));
    }
    for (const asset of assets) {
      for (const column of asset.columns ?? []) {
        const to: ColumnRef = { key: asset.key, column: column.name };
        for (const text of new Set(column.from)) {
          const from = splitColumn(text, keys);
          if (!from) continue;
          push(this.sources, columnId(to), from);
          push(this.consumers, columnId(from), to);
          if (!this.declared.has(from.key)) {
            let list = this.inferred.get(from.key);
            if (!list) this.inferred.set(from.key, (list = new Map()));
            list.set(from.column, { name: from.column, inferred: true });
          }
        }
      }
    }
  }

  /** Whether any asset has columns (a host without column lineage sends none). */
  get isEmpty(): boolean {
    return this.declared.size === 0 && this.inferred.size === 0;
  }

  /**
   * The columns an expanded card lists: the asset's own when the analysis knows them, else those
   * downstream assets read from it (sorted by name), else none.
   */
  columnsOf(key: string): readonly ColumnEntry[] {
    const own = this.declared.get(key);
    if (own) return own;
    const read = this.inferred.get(key);
    return read ? [...read.values()].sort((a, b) => a.name.localeCompare(b.name)) : [];
  }

  /** Whether the analysis knows the asset's own columns (not only those read downstream). */
  knowsColumnsOf(key: string): boolean {
    return this.declared.has(key);
  }

  /** The columns `ref` is computed from (one step upstream). */
  sourcesOf(ref: ColumnRef): readonly ColumnRef[] {
    return this.sources.get(columnId(ref)) ?? NONE;
  }

  /** The columns computed from `ref` (one step downstream). */
  consumersOf(ref: ColumnRef): readonly ColumnRef[] {
    return this.consumers.get(columnId(ref)) ?? NONE;
  }

  /** Whether `ref` is a column the graph knows (listed by its asset, or read by a downstream). */
  has(ref: ColumnRef): boolean {
    return this.columnsOf(ref.key).some((c) => c.name === ref.column) || this.sources.has(columnId(ref)) || this.consumers.has(columnId(ref));
  }

  /** The lineage of `ref`: transitively upstream and downstream, breadth first (a cycle is walked once). */
  pathOf(ref: ColumnRef): ColumnPath {
    const columns = new Set([columnId(ref)]);
    const assets = new Set([ref.key]);
    const walk = (next: (r: ColumnRef) => readonly ColumnRef[], edge: (near: ColumnRef, far: ColumnRef) => ColumnEdge): ColumnEdge[] => {
      const edges: ColumnEdge[] = [];
      const seen = new Set([columnId(ref)]);
      let frontier = [ref];
      while (frontier.length > 0) {
        const following: ColumnRef[] = [];
        for (const near of frontier) {
          for (const far of next(near)) {
            edges.push(edge(near, far));
            const id = columnId(far);
            if (seen.has(id)) continue;
            seen.add(id);
            columns.add(id);
            assets.add(far.key);
            following.push(far);
          }
        }
        frontier = following;
      }
      return edges;
    };
    const upstream = walk((r) => this.sourcesOf(r), (near, far) => ({ from: far, to: near }));
    const downstream = walk((r) => this.consumersOf(r), (near, far) => ({ from: near, to: far }));
    return { column: ref, upstream, downstream, columns, assets };
  }
}

/** `"orders.amount"` as `{ key: "orders", column: "amount" }`, splitting after the longest known key. */
export function splitColumn(text: string, keys: ReadonlySet<string>): ColumnRef | undefined {
  let best: ColumnRef | undefined;
  for (let dot = text.indexOf("."); dot > 0; dot = text.indexOf(".", dot + 1)) {
    const key = text.slice(0, dot);
    if (keys.has(key) && dot < text.length - 1) best = { key, column: text.slice(dot + 1) };
  }
  if (best) return best;
  const last = text.lastIndexOf(".");
  return last > 0 && last < text.length - 1 ? { key: text.slice(0, last), column: text.slice(last + 1) } : undefined;
}

function push(map: Map<string, ColumnRef[]>, id: string, ref: ColumnRef): void {
  const list = map.get(id);
  if (!list) map.set(id, [ref]);
  else if (!list.some((r) => r.key === ref.key && r.column === ref.column)) list.push(ref);
}
