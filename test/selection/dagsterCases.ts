/**
 * Dagster's asset selection test cases, translated to selection strings (see
 * dagsterConformance.test.ts). Each case names the Dagster file (and test function) it comes from,
 * the graph of that test (dagsterGraphs.ts), and Dagster's answer. `differs` marks a case where
 * Tributary answers otherwise on purpose, with the entry of docs/selection.md that says why.
 */
import type { DagsterGraphName } from "./dagsterGraphs";

/** Selected keys, or "error" for a string that does not parse. */
export type Answer = string[] | "error";

export interface DagsterCase {
  /** The Dagster file, from the root of its repository, and the test function. */
  source: string;
  graph: DagsterGraphName;
  selection: string;
  /** What Dagster selects. */
  dagster: Answer;
  /** Where Tributary answers otherwise: its answer, and the words that open the docs entry saying why. */
  differs?: { tributary: Answer; documented: string };
}

const TESTS = "python_modules/dagster/dagster_tests/asset_defs_tests";
const ANTLR = `${TESTS}/test_antlr_asset_selection.py`;
const SELECTION = `${TESTS}/test_asset_selection.py`;
const VISITOR = "python_modules/dagster/dagster/_core/definitions/antlr_asset_selection/antlr_asset_selection.py";
const GRAMMAR = "python_modules/dagster/dagster/_core/definitions/antlr_asset_selection/AssetSelection.g4";
const REFERENCE = "docs/docs/guides/build/assets/asset-selection-syntax/reference.md";

/** The entries of "Differences from Dagster" in docs/selection.md, by the words that open them. */
export const DIFFERENCES = {
  tagAnyValue: "`tag:NAME` matches any value",
  legacyClauses: "Dagster's older clause syntax",
  acceptsMore: "Tributary accepts some strings Dagster rejects",
  keySubstring: "`key_substring:`",
  codeLocation: "`code_location:`",
  nullValue: "`<null>`",
} as const;

const PEOPLE = ["alice", "bob", "candace", "danny", "edgar", "fiona", "george", "rosie", "r2d2", "walle", "zorg", "zapp", "zort", "animals/zebra"];

function visitBasic(selection: string, dagster: Answer, differs?: DagsterCase["differs"]): DagsterCase {
  return { source: `${ANTLR}::test_antlr_visit_basic`, graph: "abc", selection, dagster, ...(differs ? { differs } : {}) };
}

function invalid(selection: string, differs?: DagsterCase["differs"]): DagsterCase {
  return { source: `${ANTLR}::test_antlr_tree_invalid`, graph: "abc", selection, dagster: "error", ...(differs ? { differs } : {}) };
}

function visitor(test: string, selection: string, dagster: Answer): DagsterCase {
  return { source: `${VISITOR}::${test}`, graph: "people", selection, dagster };
}

function people(test: string, selection: string, dagster: Answer, differs?: DagsterCase["differs"]): DagsterCase {
  return { source: `${SELECTION}::${test}`, graph: "people", selection, dagster, ...(differs ? { differs } : {}) };
}

export const DAGSTER_CASES: DagsterCase[] = [
  // The grammar's cases on a -> b -> c.
  visitBasic("key:a", ["a"]),
  visitBasic('key:"*/a+"', []),
  visitBasic("key_substring:a", ["a"], { tributary: "error", documented: DIFFERENCES.keySubstring }),
  visitBasic("not key:a", ["b", "c"]),
  visitBasic("key:a and key:b", []),
  visitBasic("key:a or key:b", ["a", "b"]),
  visitBasic("1+key:a", ["a"]),
  visitBasic("2+key:a", ["a"]),
  visitBasic("key:a+1", ["a", "b"]),
  visitBasic("key:a+2", ["a", "b", "c"]),
  visitBasic("1+key:a+1", ["a", "b"]),
  visitBasic("+key:a", ["a"]),
  visitBasic("key:a+", ["a", "b", "c"]),
  visitBasic("+key:a+", ["a", "b", "c"]),
  visitBasic("key:a+ and +key:b", ["a", "b"]),
  visitBasic("+key:a and key:b+ and +key:c+", []),
  visitBasic("sinks(key:a)", ["a"]),
  visitBasic("roots(key:c)", ["c"]),
  visitBasic("tag:foo", [], { tributary: ["a"], documented: DIFFERENCES.tagAnyValue }),
  visitBasic("tag:foo=bar", ["a"]),
  visitBasic('owner:"owner@owner.com"', []),
  visitBasic('owner:"team:billing"', ["a"]),
  visitBasic("group:my_group", ["c"]),
  visitBasic("kind:my_kind", []),
  visitBasic("kind:python", ["b"]),
  visitBasic("code_location:my_location", ["a", "b", "c"], { tributary: "error", documented: DIFFERENCES.codeLocation }),
  { source: `${ANTLR}::test_antlr_tree`, graph: "abc", selection: "*", dagster: ["a", "b", "c"] },
  { source: `${ANTLR}::test_antlr_tree`, graph: "abc", selection: "(((key:a)))", dagster: ["a"] },
  { source: `${ANTLR}::test_antlr_tree`, graph: "abc", selection: 'group:"my_group"', dagster: ["c"] },

  // Strings Dagster refuses.
  invalid("+"),
  invalid("*+", { tributary: ["a", "b", "c"], documented: DIFFERENCES.acceptsMore }),
  invalid("**key:a"),
  invalid("not"),
  invalid("key:a key:b"),
  invalid("key:a and and"),
  invalid("key:a and"),
  invalid("sinks", { tributary: [], documented: DIFFERENCES.acceptsMore }),
  invalid("owner", { tributary: [], documented: DIFFERENCES.acceptsMore }),
  invalid("tag:foo="),
  invalid("owner:owner@owner.com", { tributary: [], documented: DIFFERENCES.acceptsMore }),

  // AssetSelection's operations on Dagster's "people" graph, as selection strings.
  people("test_asset_selection_all", "*", PEOPLE),
  people("test_asset_selection_and", "(key:alice or key:bob) and (key:bob or key:candace)", ["bob"]),
  people("test_asset_selection_downstream", "key:candace+", ["candace", "danny", "edgar", "fiona", "george"]),
  people("test_asset_selection_downstream", "key:candace+1", ["candace", "danny"]),
  people("test_asset_selection_groups", "group:ladies or group:planets", ["alice", "candace", "fiona"]),
  people("test_asset_selection_keys", "key:alice or key:bob", ["alice", "bob"]),
  people("test_asset_selection_keys", 'key:"alice" or key:"bob"', ["alice", "bob"]),
  people("test_asset_selection_keys", "key:animals/zebra", ["animals/zebra"]),
  people("test_asset_selection_key_prefixes", 'key:"animals/*"', ["animals/zebra"]),
  people("test_asset_selection_key_prefixes", 'key:"plants/*"', []),
  people("test_asset_selection_key_substring", 'key:"*alice*"', ["alice"]),
  people("test_asset_selection_key_substring", 'key:"*ls/ze*"', ["animals/zebra"]),
  people("test_asset_selection_or", "key:alice or key:bob or key:bob or key:candace", ["alice", "bob", "candace"]),
  people("test_asset_selection_subtraction", "(key:alice or key:bob) and not (key:bob or key:candace)", ["alice"]),
  people("test_asset_selection_subtraction", "group:ladies and not group:gentlemen", ["alice", "candace", "fiona"]),
  people("test_asset_selection_subtraction", "(group:ladies or key:bob) and not group:ladies", ["bob"]),
  people("test_asset_selection_nothing", "group:ladies and not group:ladies", []),
  people("test_asset_selection_nothing", "(key:alice or key:bob) and not (key:alice or key:bob)", []),
  people("test_asset_selection_sinks", "sinks(key:alice or key:bob)", ["bob"]),
  people("test_asset_selection_sinks", "sinks(*)", ["edgar", "george", "rosie", "r2d2", "walle", "zorg", "zapp", "zort", "animals/zebra"]),
  // fiona is a sink of the group; candace is not, as she reaches fiona through danny (a gentleman).
  people("test_asset_selection_sinks", "sinks(group:ladies)", ["fiona"]),
  people("test_asset_selection_upstream", "+key:george", ["alice", "bob", "candace", "danny", "fiona", "george"]),
  people("test_asset_selection_upstream", "1+key:george", ["bob", "fiona", "george"]),
  { source: REFERENCE, graph: "people", selection: "roots(*)", dagster: ["alice", "rosie", "r2d2", "walle", "zorg", "zapp", "zort", "animals/zebra"] },

  // roots() on a -> b -> c, through the asset left out of the selection.
  { source: `${SELECTION}::test_roots`, graph: "chain", selection: "roots(key:a or key:b or key:c)", dagster: ["a"] },
  { source: `${SELECTION}::test_roots`, graph: "chain", selection: "roots(key:a or key:c)", dagster: ["a"] },
  { source: `${SELECTION}::test_roots`, graph: "chain", selection: "roots(key:b or key:c)", dagster: ["b"] },
  { source: `${SELECTION}::test_roots`, graph: "chain", selection: "roots(key:c)", dagster: ["c"] },
  { source: `${SELECTION}::test_sources`, graph: "chain", selection: "roots(key:a or key:b or key:c)", dagster: ["a"] },

  // An asset that depends on itself is its own root and sink.
  { source: `${SELECTION}::test_self_dep`, graph: "selfDep", selection: "key:a", dagster: ["a"] },
  { source: `${SELECTION}::test_self_dep`, graph: "selfDep", selection: "+key:a", dagster: ["a"] },
  { source: `${SELECTION}::test_self_dep`, graph: "selfDep", selection: "roots(key:a)", dagster: ["a"] },
  { source: `${SELECTION}::test_self_dep`, graph: "selfDep", selection: "sinks(key:a)", dagster: ["a"] },

  // AssetSelection.from_string: the current syntax, then the older clause syntax for bare names.
  people("test_from_string", "*", PEOPLE),
  people("test_from_string", "alice", ["alice"]),
  people("test_from_string", "*danny", ["alice", "candace", "danny"], { tributary: ["danny"], documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "+danny", ["candace", "danny"], { tributary: ["alice", "candace", "danny"], documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "++danny", ["alice", "candace", "danny"], { tributary: "error", documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "danny*", ["danny", "edgar", "fiona", "george"], { tributary: ["danny"], documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "candace+", ["candace", "danny"], { tributary: ["candace", "danny", "edgar", "fiona", "george"], documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "candace++", ["candace", "danny", "edgar", "fiona"], { tributary: "error", documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "+danny+", ["candace", "danny", "edgar", "fiona"], { tributary: ["alice", "candace", "danny", "edgar", "fiona", "george"], documented: DIFFERENCES.legacyClauses }),
  people("test_from_string", "*danny*", ["alice", "candace", "danny", "edgar", "fiona", "george"], { tributary: ["danny"], documented: DIFFERENCES.legacyClauses }),
  { source: `${SELECTION}::test_from_string`, graph: "wildcards", selection: "key:prefix/asset1", dagster: ["prefix/asset1"] },
  { source: `${SELECTION}::test_from_string`, graph: "wildcards", selection: 'key:"prefix/asset*"', dagster: ["prefix/asset1", "prefix/asset2", "prefix/asset3"] },

  // Tags.
  { source: `${SELECTION}::test_tag`, graph: "tags", selection: "tag:foo=fooval", dagster: ["asset1", "asset3"] },
  { source: `${SELECTION}::test_tag`, graph: "tags", selection: 'tag:foo=""', dagster: [] },
  { source: `${SELECTION}::test_tag_string`, graph: "tags", selection: "tag:foo", dagster: [], differs: { tributary: ["asset1", "asset2", "asset3"], documented: DIFFERENCES.tagAnyValue } },
  { source: `${SELECTION}::test_tag_string`, graph: "tags", selection: "tag:baz", dagster: ["asset5", "asset6"] },
  { source: `${SELECTION}::test_to_string_basic`, graph: "tags", selection: 'tag:"bar"="barval"', dagster: ["asset3", "asset4", "asset6"] },
  { source: `${SELECTION}::test_to_string_basic`, graph: "tags", selection: 'tag:""', dagster: [] },

  // Key wildcards.
  { source: `${SELECTION}::test_key_wildcard`, graph: "wildcards", selection: "key:asset", dagster: [] },
  { source: `${SELECTION}::test_key_wildcard`, graph: "wildcards", selection: "key:asset1", dagster: ["asset1"] },
  { source: `${SELECTION}::test_key_wildcard`, graph: "wildcards", selection: "key:prefix/*", dagster: ["prefix/asset1", "prefix/asset2", "prefix/asset3"] },
  { source: `${SELECTION}::test_key_wildcard`, graph: "wildcards", selection: 'key:"*/asset*"', dagster: ["prefix/asset1", "prefix/asset2", "prefix/asset3"] },
  { source: GRAMMAR, graph: "wildcards", selection: "key:*1", dagster: ["asset1", "prefix/asset1"] },
  { source: GRAMMAR, graph: "wildcards", selection: "key:asset*", dagster: ["asset1", "asset2", "asset3", "asset4"] },
  { source: REFERENCE, graph: "wildcards", selection: 'key:"pre*_*set*"', dagster: [] },
  { source: REFERENCE, graph: "wildcards", selection: 'key:"pre*/*set*"', dagster: ["prefix/asset1", "prefix/asset2", "prefix/asset3"] },

  // Owners and kinds.
  { source: `${SELECTION}::test_owner`, graph: "owners", selection: 'owner:"owner1@owner.com"', dagster: ["asset1", "asset3"] },
  { source: `${SELECTION}::test_kind`, graph: "kinds", selection: "kind:my_kind", dagster: ["asset1"] },
  { source: `${SELECTION}::test_kind`, graph: "kinds", selection: 'kind:""', dagster: ["asset2"] },
  { source: `${SELECTION}::test_kind`, graph: "kinds", selection: "kind:<null>", dagster: ["asset3"], differs: { tributary: "error", documented: DIFFERENCES.nullValue } },

  // Group wildcards and empty values, as Dagster's visitor reads them.
  visitor("visitGroupAttributeExpr", 'group:"*"', PEOPLE),
  visitor("visitGroupAttributeExpr", 'group:"*ies"', ["alice", "candace", "fiona"]),
  visitor("visitGroupAttributeExpr", 'group:"gentle*" and key:"*d*"', ["danny", "edgar"]),
  visitor("visitGroupAttributeExpr", 'group:"r*s" or group:"a*s"', ["rosie", "r2d2", "walle", "zorg", "zapp", "zort"]),
  visitor("visitGroupAttributeExpr", 'group:"x*"', []),
  visitor("visitGroupAttributeExpr", 'group:""', []),
  visitor("visitGroupAttributeExpr", 'roots(group:"*ies")', ["alice"]),

  // job: selects the assets of a job, a job naming another included.
  visitor("visitJobAttributeExpr", "job:ladies_job", ["alice", "candace", "fiona"]),
  visitor("visitJobAttributeExpr", "job:ladies_job+1", ["alice", "bob", "candace", "danny", "fiona", "george"]),
  visitor("visitJobAttributeExpr", "job:downstream_job and group:gentlemen", ["bob", "danny", "george"]),
  visitor("visitJobAttributeExpr", 'job:"ladies_job" and not key:alice', ["candace", "fiona"]),
  visitor("visitJobAttributeExpr", "job:no_such_job", []),
];
