/**
 * What can be typed at a cursor in a (possibly half-typed) selection string. Works on text that
 * does not parse yet: it reuses the never-throwing lexer and a small state machine instead of the
 * parser. It knows the syntax; the asset values (keys, groups, tags...) are the caller's to offer.
 */
import { SELECTION_ATTRIBUTES, type SelectionAttribute } from "./ast";
import { tokenize, type Token } from "./lexer";

/** The kind of thing being typed at the cursor. */
export type SelectionCompletionKind = SelectionAttribute | "attribute" | "keyword";

/** The answer of {@link completionsAt}. */
export interface SelectionCompletion {
  /**
   * What is being typed: an attribute value (`"key"`, `"group"`, `"tag"`, `"owner"`, `"kind"`), an
   * attribute name (`"attribute"`), or an operator (`"keyword"`). Where a selection may start, this
   * is `"key"` and {@link SelectionCompletion.alsoValid} lists attribute names and keywords too.
   */
  kind: SelectionCompletionKind;
  /** The text already typed, from `replaceStart` to the cursor (without an opening quote). For tags it may hold `name=`. */
  prefix: string;
  /** Where a chosen completion starts replacing (0-based; an opening quote included). */
  replaceStart: number;
  /** Where the typed word ends, at or after the cursor (so a completion can replace a whole word). */
  replaceEnd: number;
  /** True when the value being typed opened with a double quote: completions should be quoted. */
  quoted: boolean;
  /** Other kinds that are valid at the same place. */
  alsoValid: SelectionCompletionKind[];
  /**
   * Syntax that fits here, unfiltered: attribute names with their colon (`"group:"`), keywords,
   * function names with their parenthesis (`"roots("`), `"*"`.
   */
  syntax: string[];
}

const OPERAND_SYNTAX = [...SELECTION_ATTRIBUTES.map((name) => `${name}:`), "not", "roots(", "sinks(", "*"];
const OPERATOR_SYNTAX = ["and", "or"];

/**
 * What can be typed at `offset` (0-based, clamped to the text) in `text`.
 *
 * @example
 * completionsAt("group:sta", 9) // { kind: "group", prefix: "sta", replaceStart: 6, ... }
 * completionsAt("raw_orders an", 13) // { kind: "keyword", prefix: "an", syntax: ["and", "or"], ... }
 * completionsAt("raw_orders and ", 15) // { kind: "key", prefix: "", alsoValid: ["attribute", "keyword"], ... }
 */
export function completionsAt(text: string, offset: number): SelectionCompletion {
  const cursor = Math.max(0, Math.min(offset, text.length));
  const tokens = tokenize(text);
  const current = tokens.find((token) => isPartial(token) && token.start < cursor && cursor <= token.end);
  const expectOperand = operandExpected(tokens, current ?? cursor);

  if (current?.type === "attribute") {
    const name = current.name.toLowerCase();
    if (cursor <= current.nameEnd || !(SELECTION_ATTRIBUTES as readonly string[]).includes(name)) {
      return {
        kind: "attribute", prefix: text.slice(current.start, Math.min(cursor, current.nameEnd)), replaceStart: current.start,
        replaceEnd: current.valueStart, quoted: false, alsoValid: [], syntax: OPERAND_SYNTAX.slice(0, SELECTION_ATTRIBUTES.length),
      };
    }
    const quoted = text[current.valueStart] === '"';
    return {
      kind: name as SelectionAttribute, prefix: unescape(text.slice(current.valueStart + (quoted ? 1 : 0), cursor)),
      replaceStart: current.valueStart, replaceEnd: Math.max(cursor, current.end), quoted, alsoValid: [], syntax: [],
    };
  }
  if (current?.type === "string" && expectOperand) {
    return operand(unescape(text.slice(current.start + 1, cursor)), current.start, Math.max(cursor, current.end), true);
  }
  if (current?.type === "word") {
    const prefix = text.slice(current.start, cursor);
    return expectOperand ? operand(prefix, current.start, current.end, false) : operator(prefix, current.start, current.end);
  }
  return expectOperand ? operand("", cursor, cursor, false) : operator("", cursor, cursor);
}

function operand(prefix: string, replaceStart: number, replaceEnd: number, quoted: boolean): SelectionCompletion {
  return { kind: "key", prefix, replaceStart, replaceEnd, quoted, alsoValid: quoted ? [] : ["attribute", "keyword"], syntax: quoted ? [] : OPERAND_SYNTAX };
}

function operator(prefix: string, replaceStart: number, replaceEnd: number): SelectionCompletion {
  return { kind: "keyword", prefix, replaceStart, replaceEnd, quoted: false, alsoValid: [], syntax: OPERATOR_SYNTAX };
}

/** Tokens the cursor can be in the middle of. */
function isPartial(token: Token): boolean {
  return token.type === "word" || token.type === "attribute" || token.type === "string";
}

/**
 * Replays the tokens before `until` (a token, or a cursor offset) and tells whether a selection may
 * start there (true) or an operator is expected after a complete selection (false).
 */
function operandExpected(tokens: Token[], until: Token | number): boolean {
  let expect = true;
  let digitsAtOperand = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === until || token.type === "eof" || (typeof until === "number" && token.end > until)) break;
    const wasDigitsAtOperand = digitsAtOperand;
    digitsAtOperand = false;
    switch (token.type) {
      case "word": {
        const lower = token.text.toLowerCase();
        if (lower === "and" || lower === "or" || lower === "not") {
          expect = true;
        } else {
          digitsAtOperand = expect && /^[0-9]+$/.test(token.text);
          expect = false;
        }
        break;
      }
      case "string":
      case "attribute":
      case "rparen":
        expect = false;
        break;
      case "lparen":
        expect = true;
        break;
      case "plus":
        // "2+" may go on with the selection the depth applies to; "x+" is complete.
        if (wasDigitsAtOperand) expect = true;
        break;
      default:
        break;
    }
  }
  return expect;
}

function unescape(raw: string): string {
  return raw.replace(/\\(["\\])/g, "$1");
}
