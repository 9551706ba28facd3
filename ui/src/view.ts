/**
 * What is on screen: the assets the filter and the focus keep, with groups collapsed to one node
 * each when the graph is too large to read. Produces the layout input plus the mapping back to
 * assets and groups.
 */
import { evaluateSelection, parseSelection, SelectionSyntaxError, type SelectionAst } from "tributary-ts/selection";
import type { LayoutInput } from "./layout/types";
import type { LineageModel } from "./model";

/** Above this many assets in view (and no focus), groups start collapsed. */
export const COLLAPSE_THRESHOLD = 1000;
/** Asset card size in layout units (CSS pixels at zoom 1). */
export const ASSET_SIZE = { width: 200, height: 48 };
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
}

/** One box on screen: an asset, or a collapsed group. */
export type ViewItem =
  | { kind: "asset"; key: string; group: string }
  | { kind: "group"; group: string; keys: string[] };

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

/** Builds the view of `model` for `state`. */
export function buildView(model: LineageModel, state: ViewState): ViewGraph {
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
      items.push({ kind: "asset", key, group });
      input.nodes.push({ id: key, ...ASSET_SIZE, group });
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
