/**
 * `materialize` says what its checks found: how many passed and failed, each failure with the value
 * observed ("row count 5 not in [1, 2]"), and plainly when a run succeeded with failed checks.
 */
import assert from "node:assert/strict";
import { tempProject } from "../loader/fixtures";
import { runMain } from "./helpers";

const PROJECT = `import { acceptedValues, asset, definitions, freshness, notNull, rowCountBetween, rowsSatisfy, unique } from "tributary-ts";

const rows = [
  { id: 1, status: "placed", at: "2020-01-01T00:00:00Z" },
  { id: 2, status: "lost", at: "2020-01-02T00:00:00Z" },
  { id: 2, status: "placed", at: null },
  { id: null, status: "placed", at: null },
  { id: 5, status: "lost", at: null },
];

export const orders = asset({
  key: "orders",
  checks: [
    rowCountBetween({ min: 1, max: 2 }, { severity: "WARN" }),
    notNull("status"),
    notNull("id"),
    unique("id", { severity: "WARN" }),
    acceptedValues("status", ["placed", "shipped"]),
    freshness({ column: "at", maxAgeHours: 12, now: () => new Date("2020-01-03T00:00:00Z") }),
    rowsSatisfy("has_id", (row) => row.id !== null),
  ],
}, async () => rows);

export default definitions({ assets: [orders] });
`;

describe("materialize: check outcomes", function () {
  this.timeout(60_000);
  let project: { dir: string; cleanup: () => void };
  before(() => (project = tempProject({ "definitions.ts": PROJECT })));
  after(() => project.cleanup());

  it("counts the checks and gives each failure with its observed value, and says the run succeeded with failed checks", async () => {
    const outcome = await runMain(["materialize", "--select", "*", "--in-process"], project.dir);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /\nSUCCESS with 6 failed checks in .*: 1 succeeded, 0 failed, 0 skipped\n/);
    assert.match(outcome.stdout, /\nChecks: 1 passed, 6 failed\n/);
    const summary = outcome.stdout.slice(outcome.stdout.indexOf("\nChecks:"));
    assert.match(summary, /\n  row_count on orders \(warning\): row count 5 not in \[1, 2\]\n/);
    assert.match(summary, /\n  not_null_id on orders \(error\): 1 of 5 rows have a null id\n/);
    assert.match(summary, /\n  unique_id on orders \(warning\): 1 duplicate id \(e\.g\. 2\)\n/);
    assert.match(summary, /\n  accepted_values_status on orders \(error\): status has values not in \[placed, shipped\]: "lost" \(2 rows\)\n/);
    assert.match(summary, /\n  freshness_at on orders \(error\): newest at is 24 h old, over 12 h\n/);
    assert.match(summary, /\n  has_id on orders \(error\): 1 of 5 rows do not satisfy has_id\n/);
    assert.doesNotMatch(summary, /not_null_status/, "a passing check is only counted");
  });
});
