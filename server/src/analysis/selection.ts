import * as selection from "tributary-ts/selection";
import type { AssetNode } from "./model";

/** What the analysis needs to know about one selection string. */
export interface SelectionCheck {
  /** The parse error, with its 0-based offset in the string. */
  syntaxError?: { offset: number; message: string };
  /** `key:` leaves naming no asset (no wildcard), with the offsets of the key in the string. */
  unknownKeys: { key: string; start: number; end: number; suggestion?: string }[];
  /** Other leaves matching nothing (`group:stagng`, a key wildcard matching nothing). */
  unmatched: { what: string; start: number; end: number; suggestion?: string }[];
  /**
   * True when the selection certainly selects nothing: every term matches nothing (and no `not`
   * or `*` could select something anyway).
   */
  selectsNothing: boolean;
  /** Every literal key leaf (no wildcard), with the offsets of the key itself in the string. */
  keyLeaves: { key: string; start: number; end: number }[];
}

/** The names a selection string can match, for {@link SelectionChecker}. */
export interface SelectionVocabulary {
  keys: Iterable<string>;
  /** Group names, "default" included when some asset has no group. */
  groups: Iterable<string>;
  owners: Iterable<string>;
  kinds: Iterable<string>;
  tags: Iterable<[string, Iterable<string>]>;
  /** Job names (defineAssetJob), for `job:NAME`. */
  jobs?: Iterable<string>;
}

function isIterable(value: Iterable<AssetNode> | SelectionVocabulary): value is Iterable<AssetNode> {
  return typeof (value as Iterable<AssetNode>)[Symbol.iterator] === "function";
}

/** What can be typed at a cursor in a selection string (the runtime's answer). */
export type SelectionCompletion = selection.SelectionCompletion;

type Parsed = { ast: selection.SelectionAst } | { error: { offset: number; message: string } };

/** Parse results by text: job selections rarely change between two edits, so most links reuse them. */
const parseCache = new Map<string, Parsed>();

function parse(text: string): Parsed {
  let parsed = parseCache.get(text);
  if (!parsed) {
    try {
      parsed = { ast: selection.parseSelection(text) };
    } catch (error) {
      const offset = typeof (error as { offset?: unknown }).offset === "number" ? (error as { offset: number }).offset : 0;
      parsed = { error: { offset, message: error instanceof Error ? error.message : String(error) } };
    }
    if (parseCache.size > 10_000) parseCache.clear();
    parseCache.set(text, parsed);
  }
  return parsed;
}

/**
 * Checks selection strings against one project's assets with the runtime's parser (the one parser
 * of the project). It never evaluates a selection: on a 10,000-asset graph an upstream/downstream
 * traversal per job would cost more than the rest of the analysis. It looks at the terms instead,
 * against sets of keys, groups, tags, owners and kinds built once per link.
 */
export class SelectionChecker {
  private readonly keys = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly owners = new Set<string>();
  private readonly kinds = new Set<string>();
  private readonly tags = new Map<string, Set<string>>();
  private readonly jobs = new Set<string>();

  /**
   * Builds the sets from every asset, or takes them ready-made (the incremental linker keeps them
   * counted; it passes them sorted, so that "did you mean" answers never depend on edit history).
   */
  constructor(assets: Iterable<AssetNode> | SelectionVocabulary) {
    if (!isIterable(assets)) {
      for (const key of assets.keys) this.keys.add(key);
      for (const group of assets.groups) this.groups.add(group);
      for (const owner of assets.owners) this.owners.add(owner);
      for (const kind of assets.kinds) this.kinds.add(kind);
      for (const [name, values] of assets.tags) this.tags.set(name, new Set(values));
      for (const job of assets.jobs ?? []) this.jobs.add(job);
      return;
    }
    for (const asset of assets) {
      this.keys.add(asset.key);
      this.groups.add(asset.group ?? "default");
      for (const owner of asset.owners) this.owners.add(owner);
      for (const kind of asset.kinds) this.kinds.add(kind);
      for (const [name, value] of Object.entries(asset.tags)) {
        let values = this.tags.get(name);
        if (!values) this.tags.set(name, (values = new Set()));
        values.add(value);
      }
    }
  }

  check(text: string): SelectionCheck {
    const parsed = parse(text);
    if ("error" in parsed) return { syntaxError: parsed.error, unknownKeys: [], unmatched: [], selectsNothing: false, keyLeaves: [] };
    const result: SelectionCheck = { unknownKeys: [], unmatched: [], selectsNothing: false, keyLeaves: [] };
    let leaves = 0;
    let matchedLeaves = 0;
    let canSelectWithoutTerms = false;
    selection.walkAst(parsed.ast, (node) => {
      const miss = (what: string, value: string, candidates: Iterable<string>): void => {
        const suggestion = selection.suggest(value, candidates);
        result.unmatched.push({ what, start: node.start, end: node.end, ...(suggestion !== undefined ? { suggestion } : {}) });
      };
      switch (node.type) {
        case "all":
        case "not":
          canSelectWithoutTerms = true;
          return;
        case "key": {
          leaves++;
          if (node.key.includes("*")) {
            const matches = selection.keyMatcher(node.key);
            let any = false;
            for (const key of this.keys) if (matches(key)) { any = true; break; }
            if (any) matchedLeaves++;
            else result.unmatched.push({ what: `key:${node.key}`, start: node.start, end: node.end });
            return;
          }
          const range = keyRange(text, node);
          result.keyLeaves.push(range);
          if (this.keys.has(node.key)) matchedLeaves++;
          else {
            const suggestion = selection.suggest(node.key, this.keys);
            result.unknownKeys.push({ ...range, ...(suggestion !== undefined ? { suggestion } : {}) });
          }
          return;
        }
        case "group":
          leaves++;
          if (node.group.includes("*")) {
            const matches = selection.globMatcher(node.group);
            if ([...this.groups].some(matches)) matchedLeaves++;
            else result.unmatched.push({ what: `group:${node.group}`, start: node.start, end: node.end });
          } else if (this.groups.has(node.group)) matchedLeaves++;
          else miss(`group:${node.group}`, node.group, this.groups);
          return;
        case "job":
          // A job's own selection is checked where the job is defined; here only its name.
          leaves++;
          if (this.jobs.has(node.job)) matchedLeaves++;
          else miss(`job:${node.job}`, node.job, this.jobs);
          return;
        case "owner":
          leaves++;
          if (this.owners.has(node.owner)) matchedLeaves++;
          else miss(`owner:${node.owner}`, node.owner, this.owners);
          return;
        case "kind":
          leaves++;
          if (this.kinds.has(node.kind)) matchedLeaves++;
          else miss(`kind:${node.kind}`, node.kind, this.kinds);
          return;
        case "tag": {
          leaves++;
          const values = this.tags.get(node.tagKey);
          if (values && (node.value === null || values.has(node.value))) matchedLeaves++;
          else miss(`tag:${node.tagKey}${node.value === null ? "" : `=${node.value}`}`, node.tagKey, this.tags.keys());
          return;
        }
        default:
          return;
      }
    });
    result.selectsNothing = leaves > 0 && matchedLeaves === 0 && !canSelectWithoutTerms;
    return result;
  }
}

/** The range of the key itself in a key leaf (`key:raw_orders` -> `raw_orders`). */
function keyRange(text: string, node: { key: string; start: number; end: number }): { key: string; start: number; end: number } {
  const written = text.slice(node.start, node.end);
  const at = written.lastIndexOf(node.key);
  return at < 0 ? { key: node.key, start: node.start, end: node.end }
    : { key: node.key, start: node.start + at, end: node.start + at + node.key.length };
}

/** The closest candidate to `name`, for "did you mean" (undefined when nothing is close). */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  return selection.suggest(name, candidates);
}

/** What can be typed at `offset` of `text` (an attribute value, an attribute, a keyword), from the runtime. */
export function selectionCompletionsAt(text: string, offset: number): SelectionCompletion {
  return selection.completionsAt(text, offset);
}
