import assert from "node:assert/strict";
import { SelectionSyntaxError } from "../../runtime/src/errors";
import { parseSelection } from "../../runtime/src/selection";

/** What a bad input must report: the message (without the position suffix), offset and a hint fragment. */
interface BadInput {
  text: string;
  message: string;
  offset: number;
  hint: string;
}

const BAD_INPUTS: BadInput[] = [
  { text: "", message: "empty selection", offset: 0, hint: '"*"' },
  { text: "   ", message: "empty selection", offset: 0, hint: '"*"' },
  { text: "a and", message: 'expected a selection after "and"', offset: 5, hint: "add a selection" },
  { text: "a or ", message: 'expected a selection after "or"', offset: 5, hint: "add a selection" },
  { text: "not", message: 'expected a selection after "not"', offset: 3, hint: "add a selection" },
  { text: "a and or b", message: 'expected a selection after "and", found "or"', offset: 6, hint: "between" },
  { text: "and a", message: 'expected a selection, found "and"', offset: 0, hint: "joins two selections" },
  { text: "(a or b", message: 'unclosed "("', offset: 0, hint: 'add ")"' },
  { text: "x and ((a or b)", message: 'unclosed "("', offset: 6, hint: 'add ")"' },
  { text: "roots(a", message: 'unclosed "("', offset: 5, hint: 'add ")"' },
  { text: "a or b)", message: 'unexpected ")"', offset: 6, hint: 'no "(" matches it' },
  { text: "()", message: 'expected a selection after "(", found ")"', offset: 1, hint: "add a selection" },
  { text: "roots()", message: 'expected a selection after "roots(", found ")"', offset: 6, hint: "add a selection" },
  { text: "grop:staging", message: 'unknown attribute "grop" — did you mean "group"?', offset: 0, hint: "key:, group:" },
  { text: "a or tga:pii", message: 'unknown attribute "tga" — did you mean "tag"?', offset: 5, hint: "key:, group:" },
  { text: "colour:red", message: 'unknown attribute "colour"', offset: 0, hint: "key:, group:" },
  { text: "root(a)", message: 'unknown function "root" — did you mean "roots"?', offset: 0, hint: "roots(...) and sinks(...)" },
  { text: "a (b)", message: 'unknown function "a"', offset: 0, hint: '"and" or "or"' },
  { text: "a b", message: 'expected "and", "or" or the end after a selection, found "b"', offset: 2, hint: "a or b" },
  { text: "(a b)", message: 'expected "and", "or" or ")" after a selection, found "b"', offset: 3, hint: '"and" or "or"' },
  { text: "a+b", message: 'expected "and", "or" or the end after a selection, found "b"', offset: 2, hint: '"and" or "or"' },
  { text: "a && b", message: 'unexpected "&&"', offset: 2, hint: 'write "and"' },
  { text: "a || b", message: 'unexpected "||"', offset: 2, hint: 'write "or"' },
  { text: "!a", message: 'unexpected "!"', offset: 0, hint: 'write "not"' },
  { text: "a, b", message: 'unexpected ","', offset: 1, hint: '"or"' },
  { text: "+", message: 'expected a selection after "+"', offset: 1, hint: "add a selection" },
  { text: "++a", message: 'unexpected "+"', offset: 1, hint: 'one "+" on each side' },
  { text: "a++", message: 'unexpected "+"', offset: 2, hint: 'one "+" on each side' },
  { text: "+not a", message: 'expected a selection after "+", found "not"', offset: 1, hint: "+(not ...)" },
  { text: "group:", message: 'expected a value after "group:"', offset: 6, hint: "group:staging" },
  { text: "tag: ", message: 'expected a value after "tag:"', offset: 5, hint: "tag:tier=gold" },
  { text: "key:'my asset'", message: 'expected a value after "key:"', offset: 4, hint: "double quotes" },
  { text: 'key:"my asset', message: "unclosed quote", offset: 4, hint: 'closing "' },
  { text: 'a or "b', message: "unclosed quote", offset: 5, hint: 'closing "' },
  { text: "tag:tier=", message: 'expected a tag value after "="', offset: 9, hint: 'tag:tier=""' },
  { text: "tag:=gold", message: "expected a tag name", offset: 4, hint: 'tag:""=gold' },
  { text: ":staging", message: 'unexpected ":"', offset: 0, hint: "attribute name" },
  { text: "a $ b", message: 'unexpected "$"', offset: 2, hint: "quote values" },
];

describe("selection syntax errors", () => {
  for (const bad of BAD_INPUTS) {
    it(`reports ${JSON.stringify(bad.text)} as "${bad.message}" at offset ${bad.offset}`, () => {
      assert.throws(() => parseSelection(bad.text), (error: unknown) => {
        assert.ok(error instanceof SelectionSyntaxError, `expected a SelectionSyntaxError, got ${String(error)}`);
        assert.equal(error.message, `${bad.message} at position ${bad.offset + 1} of "${bad.text}"`);
        assert.equal(error.offset, bad.offset);
        assert.equal(error.selection, bad.text);
        assert.ok(error.hint?.includes(bad.hint), `hint ${JSON.stringify(error.hint)} should mention ${JSON.stringify(bad.hint)}`);
        return true;
      });
    });
  }

  it("refuses nesting deep enough to risk the stack, with a syntax error rather than a crash", () => {
    const deep = "(".repeat(5000) + "a" + ")".repeat(5000);
    assert.throws(() => parseSelection(deep), (error: unknown) => error instanceof SelectionSyntaxError && /nested too deeply/.test(error.message));
    const deepNot = "not ".repeat(5000) + "a";
    assert.throws(() => parseSelection(deepNot), SelectionSyntaxError);
  });

  it("reports a selection that is not a string (from JSON or YAML) as a syntax error", () => {
    for (const notAString of [5, null, undefined, { select: "a" }]) {
      assert.throws(() => parseSelection(notAString as unknown as string), (error: unknown) =>
        error instanceof SelectionSyntaxError && /expected a selection string/.test(error.message));
    }
  });

  it("accepts nesting as deep as people write by hand", () => {
    assert.equal(parseSelection("(".repeat(50) + "a" + ")".repeat(50)).type, "key");
  });
});
