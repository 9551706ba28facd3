import { strict as assert } from "node:assert";
import * as path from "node:path";
import { type AnalysisDiagnostic, loadSqlParser, ProjectIndex } from "../../server/src/analysis";
import { cursor } from "./lspClient";

const root = path.join(path.sep, "sql-project");
const file = (name: string): string => path.join(root, name);
const header = 'import { asset, sql, sqlAsset } from "tributary-ts";\n';

/** A project held in memory: each entry is a file's text (the header import is prepended). */
function project(files: Record<string, string>): ProjectIndex {
  const index = new ProjectIndex(root);
  for (const [name, text] of Object.entries(files)) index.update(file(name), header + text);
  return index;
}

function diagnostics(index: ProjectIndex, name: string): AnalysisDiagnostic[] {
  return index.model().diagnostics.get(file(name)) ?? [];
}

const numbers = 'export const rawNumbers = sqlAsset({ key: "raw_numbers", query: sql`select 1::integer as n, \'one\' as label` });\n';

describe("static analysis of SQL assets", () => {
  before(() => loadSqlParser());

  it("gives each output column the upstream columns it is computed from, through CTEs, subqueries, joins and unions", () => {
    const index = project({
      "raw.ts": numbers + 'export const rawCustomers = sqlAsset({ key: "raw_customers", query: sql`select 1 as id, \'Ada\' as name` });\n',
      "staging.ts": 'import { rawNumbers, rawCustomers } from "./raw";\n'
        + 'export const a = sqlAsset({ key: "a", query: sql`with t as (select n + 1 as m, label from ${rawNumbers}) '
        + 'select c.id, upper(t.label) as shout, s.x, t.m * c.id as product from t join ${rawCustomers} c on c.id = t.m '
        + 'cross join (select n as x from ${rawNumbers}) s` });\n'
        + 'export const u = sqlAsset({ key: "u", query: sql`select n as v from ${rawNumbers} union all select id from ${rawCustomers}` });\n',
    });
    const sql = index.model().sql;
    assert.deepEqual(sql.asset("a")?.columns?.map((c) => [c.name, c.from]), [
      ["id", ["raw_customers.id"]],
      ["shout", ["raw_numbers.label"]],
      ["x", ["raw_numbers.n"]],
      ["product", ["raw_customers.id", "raw_numbers.n"]],
    ]);
    assert.deepEqual(sql.asset("u")?.columns?.map((c) => [c.name, c.from]), [["v", ["raw_customers.id", "raw_numbers.n"]]]);
    assert.deepEqual(index.model().assets.get("a")?.deps, ["raw_numbers", "raw_customers"]);
    assert.deepEqual(diagnostics(index, "staging.ts"), []);
  });

  it("expands select * when the upstream's columns are known, and passes their types through", () => {
    const index = project({
      "raw.ts": numbers,
      "copy.ts": 'import { rawNumbers } from "./raw";\nexport const copy = sqlAsset({ key: "copy", query: sql`select * from ${rawNumbers}` });\n',
    });
    assert.deepEqual(index.model().sql.asset("copy")?.columns?.map((c) => [c.name, c.type, c.from]), [
      ["n", "integer", ["raw_numbers.n"]],
      ["label", "text", ["raw_numbers.label"]],
    ]);
  });

  it("never guesses the columns of a TypeScript upstream: no unknown-column, * leaves the columns unknown, lineage still names it", () => {
    const index = project({
      "raw.ts": 'export const events = asset({ key: "events" }, async () => []);\n'
        + 'export const star = sqlAsset({ key: "star", query: sql`select * from ${events}` });\n'
        + 'export const picked = sqlAsset({ key: "picked", query: sql`select whatever_column as w from ${events}` });\n',
    });
    const sql = index.model().sql;
    assert.equal(sql.asset("star")?.columns, undefined);
    assert.deepEqual(sql.asset("picked")?.columns?.map((c) => [c.name, c.from]), [["w", ["events.whatever_column"]]]);
    assert.deepEqual(diagnostics(index, "raw.ts"), []);
  });

  it("reports an unknown column at its exact position with a did-you-mean replacement", () => {
    const text = header + 'import { rawNumbers } from "./raw";\nexport const bad = sqlAsset({ key: "bad", query: sql`select lable from ${rawNumbers}` });\n';
    const index = project({ "raw.ts": numbers });
    index.update(file("bad.ts"), text);
    const [problem] = diagnostics(index, "bad.ts");
    assert.equal(problem?.code, "unknown-column");
    assert.deepEqual(problem?.span, { start: cursor(text, "select |lable"), end: cursor(text, "select lable| from") });
    assert.deepEqual(problem?.data, { replacement: "label" });
    assert.equal(problem?.message, 'Column "lable" does not exist in "raw_numbers"; did you mean "label"?');
  });

  it("reports an unqualified column two upstreams share as ambiguous, but not one joined with USING", () => {
    const index = project({
      "raw.ts": numbers + 'export const other = sqlAsset({ key: "other", query: sql`select 2 as n` });\n',
      "q.ts": 'import { rawNumbers, other } from "./raw";\n'
        + 'export const amb = sqlAsset({ key: "amb", query: sql`select n from ${rawNumbers} a join ${other} b on a.n = b.n` });\n'
        + 'export const fine = sqlAsset({ key: "fine", query: sql`select n from ${rawNumbers} join ${other} using (n)` });\n',
    });
    assert.deepEqual(diagnostics(index, "q.ts").map((d) => [d.code, d.span.start.character]), [["ambiguous-column", "export const amb = sqlAsset({ key: \"amb\", query: sql`select ".length]]);
  });

  it("reports a syntax error at PostgreSQL's position inside the template, past a substitution", () => {
    const text = header + 'import { rawNumbers } from "./raw";\nexport const broken = sqlAsset({ key: "broken", query: sql`select n from ${rawNumbers} wher n > 1` });\n';
    const index = project({ "raw.ts": numbers });
    index.update(file("broken.ts"), text);
    const [problem] = diagnostics(index, "broken.ts");
    assert.equal(problem?.code, "sql-syntax");
    assert.deepEqual(problem?.span.start, cursor(text, "wher |n > 1"));
    assert.match(problem?.message ?? "", /syntax error at or near "n"/);
  });

  it("reports an unknown upstream where a table is read, and treats other interpolations as bound parameters", () => {
    const text = header + 'import { rawNumbers } from "./raw";\nconst limit = 3;\n'
      + 'export const q = sqlAsset({ key: "q", query: sql`select n from ${rawNumber} where n > ${limit} and label = ${"x"}` });\n';
    const index = project({ "raw.ts": numbers });
    index.update(file("q.ts"), text);
    const problems = diagnostics(index, "q.ts");
    assert.deepEqual(problems.map((d) => d.code), ["unknown-upstream"]);
    assert.deepEqual(problems[0]?.span.start, cursor(text, "${|rawNumber}"));
    assert.deepEqual(problems[0]?.data, { replacement: "rawNumbers" });
  });

  it("re-resolves only the assets downstream of an edit whose columns changed", () => {
    const index = project({
      "raw.ts": numbers,
      "a.ts": 'import { rawNumbers } from "./raw";\nexport const a = sqlAsset({ key: "a", query: sql`select label from ${rawNumbers}` });\n',
      "b.ts": 'import { a } from "./a";\nexport const b = sqlAsset({ key: "b", query: sql`select label from ${a}` });\n',
      "c.ts": 'import { rawNumbers } from "./raw";\nexport const c = sqlAsset({ key: "c", query: sql`select n from ${rawNumbers}` });\n',
    });
    const sql = index.model().sql;
    assert.equal(sql.resolvedLastUpdate, 4);
    // A new column of raw_numbers: its two readers resolve again, b (reading a, whose columns stay) does not.
    index.update(file("raw.ts"), header + numbers.replace("as label", "as label, 2 as extra"));
    assert.equal(index.model().sql.resolvedLastUpdate, 3);
    // Renaming raw_numbers.label breaks a, which reads a column that is gone.
    index.update(file("raw.ts"), header + numbers.replace("as label", "as title"));
    assert.deepEqual(diagnostics(index, "a.ts").map((d) => d.code), ["unknown-column"]);
    index.update(file("c.ts"), header + 'import { rawNumbers } from "./raw";\nexport const c = sqlAsset({ key: "c", query: sql`select n as m from ${rawNumbers}` });\n');
    assert.equal(index.model().sql.resolvedLastUpdate, 1);
    assert.deepEqual(index.model().sql.asset("c")?.columns?.map((col) => col.name), ["m"]);
  });

  it("reads a sqlAsset imported through a barrel and named by a namespace like asset()", () => {
    const index = project({
      "api.ts": 'export * from "tributary-ts";\n',
      "raw.ts": 'import * as tb from "./api";\nexport const n = tb.sqlAsset({ key: "n", query: tb.sql`select 1 as one` });\n',
    });
    assert.deepEqual(index.model().sql.asset("n")?.columns?.map((c) => c.name), ["one"]);
  });
});
