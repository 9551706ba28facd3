/**
 * What is on screen: the assets the filter and the focus keep, with groups collapsed to one node
 * each when the graph is too large to read. Produces the layout input plus the mapping back to
 * assets and groups.
 */
import { evaluateSelection, parseSelection, SelectionSyntaxError, type SelectionAst } from "tributary-ts/selection";
import type { ColumnLineage } from "./columns";
import type { LayoutInput } from "./layout/types";
import type { LineageModel } from "./model";

/** Above this many assets in view (and no focus), groups start collapsed. */
export const COLLAPSE_THRESHOLD = 1000;
/** Asset card size in layout units (CSS pixels at zoom 1). */
export const ASSET_SIZE = { width: 200, height: 48 };
/** Height of one column row of an expanded asset card, and the padding under the last row. */
export const COLUMN_ROW_HEIGHT = 20;
export const COLUMN_LIST_PADDING = 8;
/** Collapsed group card size. */
export const GROUP_SIZE = { width: 220, height: 64 };

/** The user's view settings. */
export interface ViewState {
  /** Selection string of the filter box ("" = everything). */
  filter: string;
  /** Asset the view is focused on, or null. */
  focus: string | null;
  /** Levels up and down shown around the focus. @defaultValue 2 */
  depth: number;
  /** "auto": collapse groups above {@link COLLAPSE_THRESHOLD}; "expanded" / "collapsed": as the user chose. */
  grouping: "auto" | "expanded" | "collapsed";
  /** Groups the user expanded while the others stay collapsed. */
  expandedGroups: Set<string>;
  /** Assets whose cards list their columns (they grow in height). */
  expandedAssets?: Set<string>;
}

/** One box on screen: an asset, or a collapsed group. */
export type ViewItem =
  | { kind: "asset"; key: string; group: string; columns?: ColumnRow[] }
  | { kind: "group"; group: string; keys: string[] };

/** One row of an expanded card: a column, or the note that none is known. */
export type ColumnRow = { name: string; type?: string; inferred: boolean } | { name: null };

/** Height of an asset card listing `rows` column rows (0: not expanded). */
export function assetHeight(rows: number): number {
  return rows === 0 ? ASSET_SIZE.height : ASSET_SIZE.height + rows * COLUMN_ROW_HEIGHT + COLUMN_LIST_PADDING;
}

/** A view ready for layout. `itemOf` maps asset keys (and `group:NAME`) to item indices. */
export interface ViewGraph {
  items: ViewItem[];
  input: LayoutInput;
  itemOf: Map<string, number>;
  /** Parse error of the filter, shown under the filter box (the view then ignores the filter). */
  filterError: { message: string; offset: number } | null;
  /** Assets kept by filter + focus, before collapsing. */
  assetCount: number;
  collapsed: boolean;
}

/** Parses a filter; returns the AST or the parser's error. */
export function parseFilter(text: string): { ast: SelectionAst | null; error: { message: string; offset: number } | null } {
  if (text.trim() === "") return { ast: null, error: null };
  try {
    return { ast: parseSelection(text), error: null };
  } catch (error) {
    if (error instanceof SelectionSyntaxError) return { ast: null, error: { message: error.message, offset: error.offset } };
    return { ast: null, error: { message: error instanceof Error ? error.message : String(error), offset: 0 } };
  }
}

/**
 * Builds the view of `model` for `state`. Expanded assets (`state.expandedAssets`) list the
 * columns `columns` knows for them, one row each (a row saying none is known otherwise).
 */
export function buildView(model: LineageModel, state: ViewState, columns?: ColumnLineage): ViewGraph {
  const { ast, error } = parseFilter(state.filter);
  let keys: Set<string> = ast ? evaluateSelection(ast, model.selectableGraph()) : new Set(model.keys);
  if (state.focus && model.assets.has(state.focus)) {
    const near = neighbourhood(model, state.focus, state.depth);
    const kept = new Set<string>();
    for (const key of near) if (keys.has(key) || key === state.focus) kept.add(key);
    keys = kept;
  }
  const collapsed =
    state.grouping === "collapsed" || (state.grouping === "auto" && !state.focus && keys.size > COLLAPSE_THRESHOLD);

  const items: ViewItem[] = [];
  const itemOf = new Map<string, number>();
  const input: LayoutInput = { nodes: [], edges: [] };
  // Keep the model's order so layouts are stable across filters.
  for (const key of model.keys) {
    if (!keys.has(key)) continue;
    const group = model.assets.get(key)!.group;
    if (collapsed && !state.expandedGroups.has(group)) {
      const groupId = `group:${group}`;
      let index = itemOf.get(groupId);
      if (index === undefined) {
        index = items.length;
        items.push({ kind: "group", group, keys: [] });
        itemOf.set(groupId, index);
        input.nodes.push({ id: groupId, ...GROUP_SIZE, group: null });
      }
      (items[index] as { keys: string[] }).keys.push(key);
      itemOf.set(key, index);
    } else {
      itemOf.set(key, items.length);
      if (state.expandedAssets?.has(key)) {
        const known = columns?.columnsOf(key) ?? [];
        const rows: ColumnRow[] = known.length > 0 ? known.map((c) => ({ ...c })) : [{ name: null }];
        items.push({ kind: "asset", key, group, columns: rows });
        input.nodes.push({ id: key, width: ASSET_SIZE.width, height: assetHeight(rows.length), group });
      } else {
        items.push({ kind: "asset", key, group });
        input.nodes.push({ id: key, ...ASSET_SIZE, group });
      }
    }
  }
  const seen = new Set<number>();
  for (const key of model.keys) {
    const to = itemOf.get(key);
    if (to === undefined) continue;
    for (const dep of model.parentsOf(key)) {
      const from = itemOf.get(dep);
      if (from === undefined || from === to) continue;
      const pair = from * items.length + to;
      if (seen.has(pair)) continue;
      seen.add(pair);
      input.edges.push([from, to]);
    }
  }
  return { items, input, itemOf, filterError: error, assetCount: keys.size, collapsed };
}

/** `key` plus its ancestors up to `depth` levels and descendants down to `depth` levels. */
export function neighbourhood(model: LineageModel, key: string, depth: number): Set<string> {
  const result = new Set([key]);
  for (const next of [(k: string) => model.parentsOf(k), (k: string) => model.childrenOf(k)]) {
    let frontier = [key];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const following: string[] = [];
      for (const k of frontier)
        for (const n of next(k))
          if (!result.has(n)) {
            result.add(n);
            following.push(n);
          }
      frontier = following;
    }
  }
  return result;
}
