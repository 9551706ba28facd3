/**
 * Finds the parts of a selection that select nothing, with did-you-mean suggestions, so the CLI can
 * warn "selects nothing" and the language server can squiggle "unknown asset x — did you mean y?".
 * Evaluation itself never fails on them: a missing key simply selects nothing.
 */
import { walkAst, type SelectionAst, type SelectionAttribute } from "./ast";
import { isKeyPattern, keyMatcher } from "./evaluate";
import { globMatcher, isPattern } from "./glob";
import type { SelectableGraph } from "./graph";
import { suggest } from "./suggest";

/** A leaf of a selection that matches no asset of the graph. */
export interface UnmatchedTerm {
  attribute: SelectionAttribute;
  /** The value as written: the key or pattern, group, owner, kind, job, or tag as `name` / `name=value`. */
  value: string;
  /** True for a key or group pattern with `*`. */
  wildcard: boolean;
  /** Offsets of the leaf in the parsed string (0-based, `end` exclusive). */
  start: number;
  end: number;
  /** The closest existing value, for a "did you mean ...?" hint (never for wildcards). */
  suggestion?: string;
}

/**
 * The `key:` leaves (bare keys included) that match no asset: exact keys missing from the graph,
 * and wildcard patterns that match nothing.
 *
 * @example
 * unknownKeys(parseSelection("raw_ordrs or stg_*"), graph)
 * // [{ attribute: "key", value: "raw_ordrs", wildcard: false, start: 0, end: 9, suggestion: "raw_orders" }]
 */
export function unknownKeys(ast: SelectionAst, graph: SelectableGraph): UnmatchedTerm[] {
  return unmatchedTerms(ast, graph).filter((term) => term.attribute === "key");
}

/**
 * Every leaf (key, group, tag, owner, kind, job) that matches no asset of the graph (for `job:`, that
 * names no job of the graph), in source order, each with the closest existing value when one is close
 * enough.
 */
export function unmatchedTerms(ast: SelectionAst, graph: SelectableGraph): UnmatchedTerm[] {
  const terms: UnmatchedTerm[] = [];
  const vocabulary = new Vocabulary(graph);
  walkAst(ast, (node) => {
    const range = { start: node.start, end: node.end };
    switch (node.type) {
      case "key": {
        if (isKeyPattern(node.key)) {
          const matches = keyMatcher(node.key);
          if (![...graph.assets.keys()].some(matches)) terms.push({ attribute: "key", value: node.key, wildcard: true, ...range });
        } else if (!graph.assets.has(node.key)) {
          terms.push(withSuggestion({ attribute: "key", value: node.key, wildcard: false, ...range }, graph.assets.keys()));
        }
        break;
      }
      case "group":
        if (isPattern(node.group)) {
          const matches = globMatcher(node.group);
          if (![...vocabulary.groups].some(matches)) terms.push({ attribute: "group", value: node.group, wildcard: true, ...range });
        } else if (!vocabulary.groups.has(node.group)) {
          terms.push(withSuggestion({ attribute: "group", value: node.group, wildcard: false, ...range }, vocabulary.groups));
        }
        break;
      case "job":
        if (!graph.jobs?.has(node.job)) {
          terms.push(withSuggestion({ attribute: "job", value: node.job, wildcard: false, ...range }, graph.jobs?.keys() ?? []));
        }
        break;
      case "owner":
        if (!vocabulary.owners.has(node.owner)) {
          terms.push(withSuggestion({ attribute: "owner", value: node.owner, wildcard: false, ...range }, vocabulary.owners));
        }
        break;
      case "kind":
        if (!vocabulary.kinds.has(node.kind)) {
          terms.push(withSuggestion({ attribute: "kind", value: node.kind, wildcard: false, ...range }, vocabulary.kinds));
        }
        break;
      case "tag": {
        const written = node.value === null ? node.tagKey : `${node.tagKey}=${node.value}`;
        const values = vocabulary.tags.get(node.tagKey);
        if (values === undefined) {
          terms.push(withSuggestion({ attribute: "tag", value: written, wildcard: false, ...range }, vocabulary.tags.keys()));
        } else if (node.value !== null && !values.has(node.value)) {
          const close = suggest(node.value, values);
          terms.push({ attribute: "tag", value: written, wildcard: false, ...range, ...(close === undefined ? {} : { suggestion: `${node.tagKey}=${close}` }) });
        }
        break;
      }
      default:
        break;
    }
  });
  return terms.sort((a, b) => a.start - b.start);
}

function withSuggestion(term: UnmatchedTerm, candidates: Iterable<string>): UnmatchedTerm {
  const close = suggest(term.value, candidates);
  return close === undefined ? term : { ...term, suggestion: close };
}

/** The groups, owners, kinds and tags present in a graph, collected once per call. */
class Vocabulary {
  readonly groups = new Set<string>();
  readonly owners = new Set<string>();
  readonly kinds = new Set<string>();
  readonly tags = new Map<string, Set<string>>();

  constructor(graph: SelectableGraph) {
    for (const asset of graph.assets.values()) {
      this.groups.add(asset.group);
      for (const owner of asset.owners) this.owners.add(owner);
      for (const kind of asset.kinds) this.kinds.add(kind);
      for (const [name, value] of Object.entries(asset.tags)) {
        let values = this.tags.get(name);
        if (!values) this.tags.set(name, (values = new Set()));
        values.add(value);
      }
    }
  }
}
