/**
 * SQL assets as users run them: `tributary materialize` in a child process (the run in a worker of
 * its own), on a project with no warehouse resource, so the embedded warehouse under .tributary/ is
 * created, used, closed at the run's end and opened again by the next run's process.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runBin } from "../cli/helpers";

describe("SQL assets through the CLI on the embedded warehouse", function () {
  this.timeout(120_000);
  let project: string;

  before(() => {
    assert.ok(existsSync(resolve(__dirname, "..", "..", "runtime", "dist", "cli", "main.js")), "build first: npx tsc -b runtime");
    project = join(realpathSync(mkdtempSync(join(tmpdir(), "tributary-sql-cli-"))), "numbers");
    cpSync(join(__dirname, "fixtures", "numbers"), project, { recursive: true });
  });
  after(() => rmSync(resolve(project, ".."), { recursive: true, force: true }));

  it("materializes SQL assets and a TypeScript asset reading their table, twice in two processes", async () => {
    for (let round = 1; round <= 2; round++) {
      const outcome = await runBin(["materialize", "--select", "not group:broken", "--json"], project);
      assert.equal(outcome.code, 0, `round ${round}: ${outcome.stdout}${outcome.stderr}`);
      const result = JSON.parse(outcome.stdout) as { status: string; steps: { key: string; status: string }[] };
      assert.deepEqual(result.steps.map((step) => `${step.key} ${step.status}`), ["raw_numbers SUCCESS", "doubled SUCCESS", "total SUCCESS"]);
    }
    assert.ok(existsSync(join(project, ".tributary", "storage", "warehouse.duckdb")));
    assert.equal(JSON.parse(readFileSync(join(project, ".tributary", "storage", "total.json"), "utf8")), 12);
  });

  it("names the asset, its file:line and DuckDB's message when the query is wrong", async () => {
    const outcome = await runBin(["materialize", "--select", "broken", "--json"], project);
    assert.equal(outcome.code, 1);
    const result = JSON.parse(outcome.stdout) as { steps: { key: string; error?: string }[] };
    const error = result.steps[0]!.error ?? "";
    assert.match(error, /definitions\.ts:13: sqlAsset "broken": the embedded warehouse at .* says: .*no_such_column/);
  });
});
