/**
 * Dagster's own asset selection tests, translated: each case is a selection string run against the
 * graph of the Dagster test it comes from, with the assets Dagster selects. A selection string means
 * in Tributary what it means in Dagster (DESIGN.md); where it does not, the case says what Tributary
 * answers instead and names the entry of "Differences from Dagster" in docs/selection.md that says
 * why, and the last test checks that every such entry is there.
 *
 * Dagster builds selections in Python (`AssetSelection.assets("a").upstream(1)`); those cases are
 * written here as the selection string Dagster's own `to_selection_str()` gives (`1+key:a`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { graphFromAssets, resolveSelection, type SelectableGraph } from "../../runtime/src/selection";
import { dagsterGraphs, type DagsterGraph, type DagsterGraphName } from "./dagsterGraphs";
import { DAGSTER_CASES, type Answer } from "./dagsterCases";

const graphs: Record<DagsterGraphName, SelectableGraph> = Object.fromEntries(
  Object.entries(dagsterGraphs as Record<DagsterGraphName, DagsterGraph>).map(([name, spec]) => [name, graphFromAssets(spec.assets, { jobs: spec.jobs ?? [] })]),
) as Record<DagsterGraphName, SelectableGraph>;

/** What Tributary answers: the selected keys, sorted, or "error" when the string does not parse. */
function answer(selection: string, graph: SelectableGraph): Answer {
  try {
    return [...resolveSelection(selection, graph)].sort();
  } catch (error) {
    if ((error as Error).name === "SelectionSyntaxError") return "error";
    throw error;
  }
}

function describeAnswer(value: Answer): string {
  return value === "error" ? "is a syntax error" : `selects {${value.join(", ")}}`;
}

/** The "Differences from Dagster" section of docs/selection.md. */
function differencesSection(): string {
  const docs = readFileSync(path.join(__dirname, "..", "..", "docs", "selection.md"), "utf8");
  const start = docs.indexOf("## Differences from Dagster");
  assert.ok(start >= 0, 'docs/selection.md has a "## Differences from Dagster" section');
  const next = docs.indexOf("\n## ", start + 1);
  return docs.slice(start, next === -1 ? undefined : next);
}

describe("Dagster's asset selection cases", () => {
  for (const testCase of DAGSTER_CASES) {
    const expected = testCase.differs?.tributary ?? testCase.dagster;
    const label = testCase.differs
      ? `${testCase.source}: ${testCase.selection} ${describeAnswer(expected)} (Dagster: ${describeAnswer(testCase.dagster)}; see "${testCase.differs.documented}")`
      : `${testCase.source}: ${testCase.selection} ${describeAnswer(expected)} on the ${testCase.graph} graph, as in Dagster`;
    it(label, () => {
      const sorted = expected === "error" ? expected : [...expected].sort();
      assert.deepEqual(answer(testCase.selection, graphs[testCase.graph]), sorted);
    });
  }

  it("lists in docs/selection.md every difference the cases show, each with its reason", () => {
    const section = differencesSection();
    const missing = [...new Set(DAGSTER_CASES.flatMap((c) => (c.differs ? [c.differs.documented] : [])))].filter((entry) => !section.includes(entry));
    assert.deepEqual(missing, [], `entries missing from "Differences from Dagster": ${missing.join(" | ")}`);
  });

  it("names the Dagster file of every case", () => {
    for (const testCase of DAGSTER_CASES) assert.match(testCase.source, /^(python_modules|docs)\/.+\.(py|g4|md)(::\w+)?$/, testCase.selection);
  });
});
