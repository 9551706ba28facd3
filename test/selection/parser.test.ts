import assert from "node:assert/strict";
import { parseSelection, type SelectionAst } from "../../runtime/src/selection";

/** A compact, offset-free picture of a tree: `(or a (and b c))`. */
function shape(ast: SelectionAst): string {
  switch (ast.type) {
    case "all":
      return "*";
    case "key":
      return ast.key;
    case "group":
      return `group=${ast.group}`;
    case "tag":
      return ast.value === null ? `tag=${ast.tagKey}` : `tag=${ast.tagKey}:${ast.value}`;
    case "owner":
      return `owner=${ast.owner}`;
    case "kind":
      return `kind=${ast.kind}`;
    case "job":
      return `job=${ast.job}`;
    case "traversal":
      return `(${ast.up ?? "-"}+ ${shape(ast.operand)} +${ast.down ?? "-"})`;
    case "function":
      return `(${ast.name} ${shape(ast.operand)})`;
    case "not":
      return `(not ${shape(ast.operand)})`;
    case "and":
    case "or":
      return `(${ast.type} ${ast.operands.map(shape).join(" ")})`;
  }
}

const parsed = (text: string) => shape(parseSelection(text));

describe("selection parser", () => {
  describe("precedence", () => {
    it("binds and tighter than or", () => {
      assert.equal(parsed("a or b and c"), "(or a (and b c))");
      assert.equal(parsed("a and b or c"), "(or (and a b) c)");
    });

    it("binds not tighter than and", () => {
      assert.equal(parsed("not a and b"), "(and (not a) b)");
      assert.equal(parsed("a or not b and c"), "(or a (and (not b) c))");
    });

    it("binds traversals tighter than not", () => {
      assert.equal(parsed("not +a"), "(not (all+ a +-))");
      assert.equal(parsed("not a+ and b"), "(and (not (-+ a +all)) b)");
    });

    it("keeps a chain of one operator as one node with every operand", () => {
      assert.equal(parsed("a or b or c or d"), "(or a b c d)");
      assert.equal(parsed("a and b and c"), "(and a b c)");
    });

    it("allows not to repeat", () => {
      assert.equal(parsed("not not a"), "(not (not a))");
    });
  });

  describe("parentheses", () => {
    it("override precedence", () => {
      assert.equal(parsed("(a or b) and c"), "(and (or a b) c)");
      assert.equal(parsed("not (a or b)"), "(not (or a b))");
    });

    it("keep an explicitly grouped chain as its own node", () => {
      assert.equal(parsed("a or (b or c)"), "(or a (or b c))");
      assert.equal(parsed("(a or b) or c"), "(or (or a b) c)");
    });

    it("can nest and be redundant", () => {
      assert.equal(parsed("((a))"), "a");
      assert.equal(parsed("((a and (b or (c))))"), "(and a (or b c))");
    });

    it("can be traversed as a whole", () => {
      assert.equal(parsed("+(a or b)+1"), "(all+ (or a b) +1)");
    });
  });

  describe("attributes", () => {
    it("reads bare keys, key: keys and paths", () => {
      assert.equal(parsed("raw_orders"), "raw_orders");
      assert.equal(parsed("key:raw_orders"), "raw_orders");
      assert.equal(parsed("warehouse/customers"), "warehouse/customers");
      assert.equal(parsed("key:warehouse/customers"), "warehouse/customers");
    });

    it("reads wildcards in keys", () => {
      assert.equal(parsed("key:stg_*"), "stg_*");
      assert.equal(parsed("stg_*"), "stg_*");
      assert.equal(parsed("key:warehouse/*"), "warehouse/*");
      assert.equal(parsed("key:*"), "*");
      assert.deepEqual(parseSelection("key:*").type, "key");
    });

    it("reads * alone as every asset", () => {
      assert.deepEqual(parseSelection("*"), { type: "all", start: 0, end: 1 });
    });

    it("reads group, tag, owner and kind", () => {
      assert.equal(parsed("group:staging"), "group=staging");
      assert.equal(parsed("tag:pii"), "tag=pii");
      assert.equal(parsed("tag:tier=gold"), "tag=tier:gold");
      assert.equal(parsed("owner:team:finance"), "owner=team:finance");
      assert.equal(parsed("owner:alice@example.com"), "owner=alice@example.com");
      assert.equal(parsed("kind:sql"), "kind=sql");
    });

    it("splits a tag value at the first =", () => {
      assert.deepEqual(pickTag("tag:a=b=c"), { tagKey: "a", value: "b=c" });
    });

    it("accepts attribute names in any case", () => {
      assert.equal(parsed("GROUP:staging"), "group=staging");
      assert.equal(parsed("Key:Raw_Orders"), "Raw_Orders");
    });

    it("reads unicode keys", () => {
      assert.equal(parsed("commandes_été"), "commandes_été");
    });
  });

  describe("quoting", () => {
    it("reads quoted values with spaces and special characters", () => {
      assert.equal(parsed('key:"my asset"'), "my asset");
      assert.equal(parsed('"my asset"'), "my asset");
      assert.equal(parsed('group:"my group"'), "group=my group");
      assert.equal(parsed('key:"a(b)+c or d"'), "a(b)+c or d");
      assert.equal(parsed('owner:"Alice Smith"'), "owner=Alice Smith");
    });

    it("splits a single quoted tag at its first = (tag:\"team=data eng\")", () => {
      assert.deepEqual(pickTag('tag:"team=data eng"'), { tagKey: "team", value: "data eng" });
    });

    it("quotes tag names and values separately", () => {
      assert.deepEqual(pickTag('tag:tier="gold tier"'), { tagKey: "tier", value: "gold tier" });
      assert.deepEqual(pickTag('tag:"data team"="a b"'), { tagKey: "data team", value: "a b" });
      assert.deepEqual(pickTag('tag:"a=b"=c'), { tagKey: "a=b", value: "c" });
      assert.deepEqual(pickTag('tag:pii=""'), { tagKey: "pii", value: "" });
      assert.deepEqual(pickTag('tag:"my tag"'), { tagKey: "my tag", value: null });
    });

    it("resolves \\\" and \\\\ escapes inside quotes", () => {
      assert.equal(parsed('key:"say \\"hi\\" \\\\ bye"'), 'say "hi" \\ bye');
    });

    it("treats keywords inside values as values", () => {
      assert.equal(parsed("key:and or group:not"), "(or and group=not)");
    });
  });

  describe("traversals", () => {
    it("reads every form of + with and without depths", () => {
      assert.equal(parsed("+a"), "(all+ a +-)");
      assert.equal(parsed("2+a"), "(2+ a +-)");
      assert.equal(parsed("a+"), "(-+ a +all)");
      assert.equal(parsed("a+1"), "(-+ a +1)");
      assert.equal(parsed("1+a+2"), "(1+ a +2)");
      assert.equal(parsed("+a+"), "(all+ a +all)");
      assert.equal(parsed("+group:staging+"), "(all+ group=staging +all)");
      assert.equal(parsed("+roots(a)"), "(all+ (roots a) +-)");
    });

    it("tells a depth from a key made of digits", () => {
      assert.equal(parsed("2024"), "2024");
      assert.equal(parsed("2024+"), "(-+ 2024 +all)");
      assert.equal(parsed("2+2024"), "(2+ 2024 +-)");
      assert.equal(parsed("2024_orders+1"), "(-+ 2024_orders +1)");
      assert.equal(parsed("10+ and b"), "(and (-+ 10 +all) b)");
    });

    it("keeps a traversal of a traversal (it means something else than both sides at once)", () => {
      assert.equal(parsed("(+a)+"), "(-+ (all+ a +-) +all)");
    });
  });

  describe("functions", () => {
    it("reads roots and sinks in any case", () => {
      assert.equal(parsed("roots(a or b)"), "(roots (or a b))");
      assert.equal(parsed("SINKS(group:staging)"), "(sinks group=staging)");
      assert.equal(parsed("roots(sinks(*))"), "(roots (sinks *))");
    });

    it("reads roots and sinks without parentheses as keys", () => {
      assert.equal(parsed("roots or sinks"), "(or roots sinks)");
    });
  });

  describe("whitespace and keywords", () => {
    it("ignores whitespace between tokens", () => {
      assert.equal(parsed("  a   or\tb\nand  c  "), "(or a (and b c))");
      assert.equal(parsed("( a or b )and c"), "(and (or a b) c)");
      assert.equal(parsed("2 + a + 1"), "(2+ a +1)");
      assert.equal(parsed("group : staging"), "group=staging");
      assert.equal(parsed("roots ( a )"), "(roots a)");
    });

    it("reads keywords in any case", () => {
      assert.equal(parsed("a OR b AnD NOT c"), "(or a (and b (not c)))");
    });
  });

  describe("offsets", () => {
    it("gives every node its exact source range", () => {
      const text = "not +group:staging and (tag:pii or roots(a+1))";
      const ast = parseSelection(text);
      const ranges: string[] = [];
      const visit = (node: SelectionAst): void => {
        ranges.push(text.slice(node.start, node.end));
        if ("operand" in node) visit(node.operand);
        if ("operands" in node) node.operands.forEach(visit);
      };
      visit(ast);
      assert.deepEqual(ranges, [
        text,
        "not +group:staging",
        "+group:staging",
        "group:staging",
        "tag:pii or roots(a+1)",
        "tag:pii",
        "roots(a+1)",
        "a+1",
        "a",
      ]);
    });

    it("covers quotes in a quoted value's range", () => {
      const ast = parseSelection(' key:"my asset" ');
      assert.deepEqual([ast.start, ast.end], [1, 15]);
    });
  });
});

function pickTag(text: string): { tagKey: string; value: string | null } {
  const ast = parseSelection(text);
  assert.equal(ast.type, "tag");
  return { tagKey: ast.tagKey, value: ast.value };
}
