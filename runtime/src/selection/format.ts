/**
 * Writes a selection tree back as its canonical string: lower-case keywords, single spaces, bare
 * keys where unambiguous, quotes only where needed, parentheses only where precedence requires
 * them. `parseSelection(formatSelection(ast))` is structurally equal to `ast` (see `astEquals`).
 * Runs store selections as strings, so this is also how builder selections are persisted.
 */
import { TributaryError } from "../errors";
import type { SelectionAst, TraversalDepth } from "./ast";
import { isBareValue, isBareWord, quote } from "./lexer";

/** Binding strength, higher binds tighter. */
const PRECEDENCE = { or: 1, and: 2, not: 3, traversal: 4, primary: 5 } as const;

function precedenceOf(ast: SelectionAst): number {
  switch (ast.type) {
    case "or":
    case "and":
    case "not":
    case "traversal":
      return PRECEDENCE[ast.type];
    default:
      return PRECEDENCE.primary;
  }
}

const KEYWORDS = new Set(["and", "or", "not"]);

/**
 * The canonical selection string for a tree.
 *
 * @throws TributaryError for a tree no string can express (a tag name containing "=" with no
 * value), which only code can build.
 * @example
 * formatSelection(parseSelection("( A  OR b ) AND  +Group:staging")) // "(A or b) and +group:staging"
 */
export function formatSelection(ast: SelectionAst): string {
  switch (ast.type) {
    case "all":
      return "*";
    case "key":
      if (isBareWord(ast.key) && ast.key !== "*" && !KEYWORDS.has(ast.key.toLowerCase()) && !/^[0-9]+$/.test(ast.key)) {
        return ast.key;
      }
      return `key:${value(ast.key)}`;
    case "group":
      return `group:${value(ast.group)}`;
    case "owner":
      return `owner:${value(ast.owner)}`;
    case "kind":
      return `kind:${value(ast.kind)}`;
    case "job":
      return `job:${value(ast.job)}`;
    case "tag":
      return `tag:${tagValue(ast.tagKey, ast.value)}`;
    case "traversal": {
      const operand = wrap(ast.operand, PRECEDENCE.primary);
      return `${depthPrefix(ast.up)}${operand}${depthSuffix(ast.down)}`;
    }
    case "function":
      return `${ast.name}(${formatSelection(ast.operand)})`;
    case "not":
      return `not ${wrap(ast.operand, PRECEDENCE.not)}`;
    case "and":
    case "or":
      // An operand of the same operator needs parentheses: an unparenthesized chain is one node.
      return ast.operands.map((operand) => wrap(operand, PRECEDENCE[ast.type] + 1)).join(` ${ast.type} `);
  }
}

/** Formats `ast`, in parentheses when it binds looser than `minimum`. */
function wrap(ast: SelectionAst, minimum: number): string {
  const text = formatSelection(ast);
  return precedenceOf(ast) < minimum ? `(${text})` : text;
}

function depthPrefix(depth: TraversalDepth | null): string {
  return depth === null ? "" : depth === "all" ? "+" : `${depth}+`;
}

function depthSuffix(depth: TraversalDepth | null): string {
  return depth === null ? "" : depth === "all" ? "+" : `+${depth}`;
}

/** A value, bare where it can be; an empty one is `""`. */
function value(text: string): string {
  return isBareValue(text) ? text : quote(text);
}

function tagValue(tagKey: string, tagValue: string | null): string {
  if (tagValue === null) {
    if (tagKey.includes("=")) throw unformattable(`the tag name "${tagKey}" (it contains "=") without a value`);
    return isBareValue(tagKey) ? tagKey : quote(tagKey);
  }
  const name = isBareValue(tagKey) && !tagKey.includes("=") ? tagKey : quote(tagKey);
  // A lone quoted name followed by "=" keeps its own "=" characters; a bare one must not have any.
  return `${name}=${tagValue !== "" && isBareValue(tagValue) ? tagValue : quote(tagValue)}`;
}

function unformattable(what: string): TributaryError {
  return new TributaryError(`A selection cannot express ${what}`, {
    hint: "tag names containing \"=\" can only be selected with a value, e.g. tag:\"a=b\"=c",
  });
}
