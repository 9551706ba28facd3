import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { editDistance, parseSelection, suggest, unknownKeys, unmatchedTerms } from "../../runtime/src/selection";
import { warehouseGraph } from "./fixtures";

describe("unknown keys and did-you-mean", () => {
  const warehouse = warehouseGraph();

  it("reports a misspelt key with its offsets and the closest existing key", () => {
    const text = "+raw_ordrs or stg_orders";
    const [unknown, ...rest] = unknownKeys(parseSelection(text), warehouse);
    assert.deepEqual(rest, []);
    assert.deepEqual(unknown, { attribute: "key", value: "raw_ordrs", wildcard: false, start: 1, end: 10, suggestion: "raw_orders" });
  });

  it("reports wildcards that match nothing, without a suggestion", () => {
    assert.deepEqual(unknownKeys(parseSelection("key:mart_*"), warehouse), [
      { attribute: "key", value: "mart_*", wildcard: true, start: 0, end: 10 },
    ]);
    assert.deepEqual(unknownKeys(parseSelection("key:stg_*"), warehouse), []);
  });

  it("reports nothing for keys that exist, and no suggestion when nothing is close", () => {
    assert.deepEqual(unknownKeys(parseSelection('raw_orders and key:"my asset"'), warehouse), []);
    const [far] = unknownKeys(parseSelection("zzzzzzzz"), warehouse);
    assert.equal(far?.suggestion, undefined);
  });

  it("reports groups, tags, owners and kinds that match nothing, in source order", () => {
    const text = "group:stagin or tag:tier=gld or tag:pi or owner:team:financ or kind:sqll or group:raw";
    const terms = unmatchedTerms(parseSelection(text), warehouse);
    assert.deepEqual(
      terms.map((term) => [term.attribute, term.value, term.suggestion, text.slice(term.start, term.end)]),
      [
        ["group", "stagin", "staging", "group:stagin"],
        ["tag", "tier=gld", "tier=gold", "tag:tier=gld"],
        ["tag", "pi", undefined, "tag:pi"],
        ["owner", "team:financ", "team:finance", "owner:team:financ"],
        ["kind", "sqll", "sql", "kind:sqll"],
      ],
    );
  });
});

describe("suggest", () => {
  it("suggests the closest candidate within a few edits, ignoring case", () => {
    assert.equal(suggest("grop", ["key", "group", "tag"]), "group");
    assert.equal(suggest("Raw_Orders", ["raw_orders"]), "raw_orders");
    assert.equal(suggest("stg_ordres", ["stg_customers", "stg_orders"]), "stg_orders");
    assert.equal(suggest("warehouse/ordrs", ["warehouse/orders", "warehouse/customers"]), "warehouse/orders");
  });

  it("suggests nothing when nothing is close, and never the name itself", () => {
    assert.equal(suggest("zzzz", ["group", "key"]), undefined);
    assert.equal(suggest("ab", ["cd", "ab"]), undefined);
    assert.equal(suggest("x", ["y"]), undefined);
    assert.equal(suggest("anything", []), undefined);
  });

  it("prefers the nearest candidate, and the earlier one on ties", () => {
    assert.equal(suggest("orders", ["orderz", "order"]), "orderz");
    assert.equal(suggest("abcdefg", ["abcdefx", "abcdefy"]), "abcdefx");
    assert.equal(suggest("abcdefg", ["abcxxfg", "abcdefx"]), "abcdefx");
  });

  it("accepts an explicit maximum distance", () => {
    assert.equal(suggest("ab", ["ax"], 1), "ax");
    assert.equal(suggest("abcdef", ["abxxef"], 1), undefined);
  });

  it("counts swaps of adjacent characters as one edit", () => {
    assert.equal(editDistance("ab", "ba"), 1);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("same", "same"), 0);
    assert.equal(editDistance("abcdef", "uvwxyz", 2), 3);
  });

  it("picks the closest of ten thousand candidates", () => {
    const candidates = Array.from({ length: 10_000 }, (_, i) => `asset_number_${i}`);
    assert.equal(suggest("asset_numbr_9999", candidates), "asset_number_9999");
  });
});

describe("selection module boundary", () => {
  it("imports nothing outside runtime/src/selection except runtime/src/errors.ts (the language server bundles it)", () => {
    const folder = join(__dirname, "../../runtime/src/selection");
    const offenders: string[] = [];
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".ts"))) {
      const source = readFileSync(join(folder, file), "utf8");
      for (const match of source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"|\bimport\(\s*"([^"]+)"/gm)) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith("./") || specifier === "../errors") continue;
        offenders.push(`${file} imports ${specifier}`);
      }
      if (/\brequire\s*\(/.test(source)) offenders.push(`${file} calls require()`);
    }
    assert.deepEqual(offenders, []);
  });
});
