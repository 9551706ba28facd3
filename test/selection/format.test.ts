import assert from "node:assert/strict";
import { astEquals, formatSelection, parseSelection, type SelectionAst } from "../../runtime/src/selection";

const ROUND_TRIP_INPUTS = [
  "*",
  "raw_orders",
  "key:raw_orders",
  "warehouse/customers",
  "key:stg_*",
  "key:warehouse/*",
  "key:*",
  'group:"team_*"',
  "job:nightly",
  'job:"my job"',
  'tag:""',
  '"my asset"',
  'key:"my asset"',
  'key:"say \\"hi\\""',
  'key:"back\\\\slash"',
  "key:and",
  "key:OR",
  "key:2024",
  "2024_orders",
  "key:a=b",
  "key:a:b",
  "commandes_été",
  "group:staging",
  'group:"my group"',
  "tag:pii",
  "tag:tier=gold",
  'tag:"team=data eng"',
  'tag:tier="gold tier"',
  'tag:"data team"=x',
  'tag:"a=b"=c',
  "tag:a=b=c",
  'tag:pii=""',
  "owner:team:finance",
  "owner:alice@example.com",
  'owner:"Alice Smith"',
  "kind:sql",
  "+a",
  "2+a",
  "a+",
  "a+1",
  "1+a+2",
  "+a+",
  "0+a+0",
  "2+2024",
  "key:2024+3",
  "+(a or b)",
  "(+a)+",
  "+(not a)",
  "+roots(a)+",
  "roots(a)",
  "sinks(group:staging and tag:pii)",
  "roots(sinks(*))",
  "a or b and c",
  "(a or b) and c",
  "a and b or c",
  "a or (b or c)",
  "(a or b) or c",
  "a and (b and c)",
  "not a and b",
  "not (a and b)",
  "not not a",
  "not +a",
  "a or not b and c",
  "A OR b AND NOT c",
  "  ( a   or b )  and\tnot  c ",
  "+group:staging and not tag:manual or owner:team:finance+1",
  "(((a)))",
];

describe("selection formatting", () => {
  for (const input of ROUND_TRIP_INPUTS) {
    it(`round-trips ${JSON.stringify(input)} through format and parse`, () => {
      const ast = parseSelection(input);
      const formatted = formatSelection(ast);
      const reparsed = parseSelection(formatted);
      assert.ok(astEquals(reparsed, ast), `${JSON.stringify(input)} formatted as ${JSON.stringify(formatted)} parses differently`);
      assert.equal(formatSelection(reparsed), formatted, "formatting is idempotent");
    });
  }

  it("writes canonical strings: lower-case keywords, single spaces, minimal quotes and parentheses", () => {
    assert.equal(formatSelection(parseSelection("  ( A  OR b ) AND  +Group:staging")), "(A or b) and +group:staging");
    assert.equal(formatSelection(parseSelection("((a)) or ((b and c))")), "a or b and c");
    assert.equal(formatSelection(parseSelection('key:"plain"')), "plain");
    assert.equal(formatSelection(parseSelection('tag:"team=data eng"')), 'tag:team="data eng"');
    assert.equal(formatSelection(parseSelection("2 + key:warehouse/* + 1")), "2+warehouse/*+1");
    assert.equal(formatSelection(parseSelection("ROOTS ( a )")), "roots(a)");
  });

  it("round-trips trees built in code, including ones that need parentheses", () => {
    const zero = { start: 0, end: 0 };
    const key = (name: string): SelectionAst => ({ type: "key", key: name, ...zero });
    const trees: SelectionAst[] = [
      { type: "and", operands: [key("a"), { type: "and", operands: [key("b"), key("c")], ...zero }], ...zero },
      { type: "not", operand: { type: "or", operands: [key("a"), key("b")], ...zero }, ...zero },
      { type: "traversal", operand: { type: "not", operand: key("a"), ...zero }, up: 2, down: null, ...zero },
      { type: "traversal", operand: { type: "traversal", operand: key("a"), up: "all", down: null, ...zero }, up: null, down: 1, ...zero },
      { type: "tag", tagKey: "a b", value: "c=d", ...zero },
      { type: "key", key: "roots", ...zero },
    ];
    for (const tree of trees) {
      const text = formatSelection(tree);
      assert.ok(astEquals(parseSelection(text), tree), `${text} should parse back to the tree it came from`);
    }
  });

  it("writes empty values as \"\", which parse back to the same tree", () => {
    const zero = { start: 0, end: 0 };
    const trees: SelectionAst[] = [
      { type: "key", key: "", ...zero },
      { type: "group", group: "", ...zero },
      { type: "tag", tagKey: "", value: null, ...zero },
      { type: "tag", tagKey: "", value: "", ...zero },
      { type: "job", job: "", ...zero },
    ];
    assert.deepEqual(trees.map((tree) => formatSelection(tree)), ['key:""', 'group:""', 'tag:""', 'tag:""=""', 'job:""']);
    for (const tree of trees) assert.ok(astEquals(parseSelection(formatSelection(tree)), tree), formatSelection(tree));
  });

  it("refuses trees no string can express, with a hint", () => {
    const zero = { start: 0, end: 0 };
    assert.throws(() => formatSelection({ type: "tag", tagKey: "a=b", value: null, ...zero }), /contains "="/);
  });
});
