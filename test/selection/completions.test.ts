import assert from "node:assert/strict";
import { completionsAt, type SelectionCompletion } from "../../runtime/src/selection";

/** Completions at the `|` marker of a fixture such as `group:sta|`. */
function at(fixture: string): SelectionCompletion {
  const offset = fixture.indexOf("|");
  assert.ok(offset >= 0, "fixture needs a | cursor marker");
  return completionsAt(fixture.slice(0, offset) + fixture.slice(offset + 1), offset);
}

/** The fields most tests are about. */
function summary(fixture: string): Pick<SelectionCompletion, "kind" | "prefix" | "replaceStart"> {
  const { kind, prefix, replaceStart } = at(fixture);
  return { kind, prefix, replaceStart };
}

describe("selection completions", () => {
  it("offers keys, attributes and keywords where a selection may start", () => {
    for (const fixture of ["|", "a and |", "a or |", "not |", "(|", "roots(|", "+|", "2+|", "(a or |)"]) {
      const completion = at(fixture);
      assert.equal(completion.kind, "key", fixture);
      assert.equal(completion.prefix, "", fixture);
      assert.equal(completion.replaceStart, fixture.indexOf("|"), fixture);
      assert.deepEqual(completion.alsoValid, ["attribute", "keyword"], fixture);
      assert.ok(completion.syntax.includes("group:") && completion.syntax.includes("not") && completion.syntax.includes("roots("), fixture);
    }
  });

  it("reports the word being typed as a key prefix", () => {
    assert.deepEqual(summary("raw_|"), { kind: "key", prefix: "raw_", replaceStart: 0 });
    assert.deepEqual(summary("a or warehouse/cu|"), { kind: "key", prefix: "warehouse/cu", replaceStart: 5 });
    assert.deepEqual(summary("+stg|"), { kind: "key", prefix: "stg", replaceStart: 1 });
    assert.deepEqual(summary("gro|"), { kind: "key", prefix: "gro", replaceStart: 0 });
  });

  it("offers operators after a complete selection", () => {
    for (const fixture of ["a |", "(a or b) |", "a+ |", "group:staging |", 'key:"my asset" |', "roots(a) |"]) {
      const completion = at(fixture);
      assert.equal(completion.kind, "keyword", fixture);
      assert.deepEqual(completion.syntax, ["and", "or"], fixture);
    }
    assert.deepEqual(summary("a an|"), { kind: "keyword", prefix: "an", replaceStart: 2 });
    assert.deepEqual(summary("a OR b O|"), { kind: "keyword", prefix: "O", replaceStart: 7 });
  });

  it("reports the attribute whose value is being typed", () => {
    assert.deepEqual(summary("group:|"), { kind: "group", prefix: "", replaceStart: 6 });
    assert.deepEqual(summary("group:sta|"), { kind: "group", prefix: "sta", replaceStart: 6 });
    assert.deepEqual(summary("a and key:stg_|"), { kind: "key", prefix: "stg_", replaceStart: 10 });
    assert.deepEqual(summary("tag:|"), { kind: "tag", prefix: "", replaceStart: 4 });
    assert.deepEqual(summary("tag:tier=go|"), { kind: "tag", prefix: "tier=go", replaceStart: 4 });
    assert.deepEqual(summary("owner:team:|"), { kind: "owner", prefix: "team:", replaceStart: 6 });
    assert.deepEqual(summary("not kind:s|"), { kind: "kind", prefix: "s", replaceStart: 9 });
    assert.deepEqual(summary("(GROUP:raw|)"), { kind: "group", prefix: "raw", replaceStart: 7 });
  });

  it("reports quoted values without their quote, replacing from the quote", () => {
    const completion = at('key:"my as|');
    assert.deepEqual([completion.kind, completion.prefix, completion.replaceStart, completion.quoted], ["key", "my as", 4, true]);
    const bare = at('a or "my|');
    assert.deepEqual([bare.kind, bare.prefix, bare.replaceStart, bare.quoted], ["key", "my", 5, true]);
  });

  it("reports the attribute name when the cursor is inside it", () => {
    const completion = at("gr|oup:staging");
    assert.deepEqual([completion.kind, completion.prefix, completion.replaceStart], ["attribute", "gr", 0]);
    assert.ok(completion.syntax.includes("group:"));
  });

  it("gives the end of the word under the cursor, so a completion can replace all of it", () => {
    const completion = at("a or sta|ging and b");
    assert.deepEqual([completion.replaceStart, completion.replaceEnd, completion.prefix], [5, 12, "sta"]);
    const value = at("group:sta|ging");
    assert.deepEqual([value.replaceStart, value.replaceEnd], [6, 13]);
  });

  it("clamps offsets outside the text and never throws on broken input", () => {
    assert.equal(completionsAt("a and", 999).kind, "keyword");
    assert.equal(completionsAt("a and ", -5).kind, "key");
    for (const broken of ["((", "a &&", 'key:"', "tag:=", ")))", "+ + +", "a b c"]) {
      for (let offset = 0; offset <= broken.length; offset++) completionsAt(broken, offset);
    }
  });
});
