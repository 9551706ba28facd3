/**
 * The evaluator against Dagster's scenarios. Each test cites the Dagster test it translates, in
 * dagster_tests/definitions_tests/declarative_automation_tests/automation_condition_tests/builtins/.
 * Dagster's `with_runs(run_request("A"))` is `materialize(["A"])` here; its
 * `with_current_time_advanced` is `advance()`.
 */
import assert from "node:assert/strict";
import { AutomationCondition } from "../../runtime/src/definitions/automation";
import { DefinitionError } from "../../runtime/src/errors";
import { dynamicPartitions } from "../../runtime/src/partitions/dynamic";
import { staticPartitions } from "../../runtime/src/partitions/static";
import { hourlyPartitions } from "../../runtime/src/partitions/timeWindowFactories";
import { AutomationScenario, HOUR, MINUTE } from "./scenario";

/** Dagster's `two_assets_in_sequence`: A -> B, the condition on B. */
function twoInSequence(condition: AutomationCondition, partitions?: ReturnType<typeof hourlyPartitions>, start?: string) {
  return new AutomationScenario(
    [
      { key: "A", ...(partitions ? { partitions } : {}) },
      { key: "B", deps: ["A"], automation: condition, ...(partitions ? { partitions } : {}) },
    ],
    start,
  );
}

const hourly = hourlyPartitions({ start: "2019-01-01-00:00" });

describe("automation evaluator: eager (test_eager_condition.py)", () => {
  it("requests B once after A updates, not while requested, and not again after B fails (test_eager_unpartitioned)", () => {
    const s = twoInSequence(AutomationCondition.eager());
    assert.deepEqual(s.requested("B"), [], "parent hasn't updated yet");
    s.materialize(["A"]);
    assert.deepEqual(s.requested("B"), [""], "parent updated, now can execute");
    assert.deepEqual(s.requested("B"), [], "requested already, so not again");
    assert.deepEqual(s.requested("B"), [], "same as above");
    s.materialize(["B"]);
    assert.deepEqual(s.requested("B"), [], "B materialized, nothing to do");
    s.materialize(["A"]);
    assert.deepEqual(s.requested("B"), [""], "A updated again, execute B again");
    s.fail("B");
    assert.deepEqual(s.requested("B"), [], "B failed: not immediately requested again");
  });

  it("looks only at the latest hourly partition (test_eager_hourly_partitioned)", () => {
    const s = twoInSequence(AutomationCondition.eager(), hourly, "2020-02-02T01:05:00Z");
    assert.deepEqual(s.requested("B"), []);
    s.materialize(["A:2019-07-05-00:00"]);
    assert.deepEqual(s.requested("B"), [], "a historical parent partition does not matter");
    s.materialize(["A:2020-02-02-00:00"]);
    assert.deepEqual(s.requested("B"), ["2020-02-02-00:00"], "latest parent partition updated");
    s.materialize(["B:2020-02-02-00:00"]);
    assert.deepEqual(s.requested("B"), []);
    s.advance(HOUR);
    assert.deepEqual(s.requested("B"), [], "a new partition, its parent not materialized yet");
    s.materialize(["A:2020-02-02-01:00"]);
    assert.deepEqual(s.requested("B"), ["2020-02-02-01:00"]);
    s.fail("B", "2020-02-02-01:00");
    assert.deepEqual(s.requested("B"), [], "failed: not immediately requested again");
  });

  it("fills partitions added after its first evaluation, no surprise backfill (test_eager_static_partitioned)", () => {
    const two = staticPartitions(["a", "b"]);
    const four = staticPartitions(["a", "b", "c", "d"]);
    const assets = (partitions: typeof two) => [
      { key: "A", partitions, automation: AutomationCondition.eager() },
      { key: "B", partitions, automation: AutomationCondition.eager() },
    ];
    const s = new AutomationScenario(assets(two));
    let evaluations = s.evaluate();
    assert.deepEqual([...evaluations.values()].flatMap((e) => e.requested), [], "no surprise backfill");
    s.withAssets(assets(four));
    evaluations = s.evaluate();
    assert.deepEqual(evaluations.get("A")!.requested, ["c", "d"]);
    assert.deepEqual(evaluations.get("B")!.requested, ["c", "d"]);
    evaluations = s.evaluate();
    assert.deepEqual([...evaluations.values()].flatMap((e) => e.requested), [], "already requested, no more");
  });

  it("requests a chain together, and a dep updated by the run that planned its child does not re-trigger it (test_eager_partial_run, b_result=fail)", () => {
    const s = new AutomationScenario([
      { key: "root" },
      { key: "A", deps: ["root"], automation: AutomationCondition.eager() },
      { key: "B", deps: ["A"], automation: AutomationCondition.eager() },
      { key: "C", deps: ["B"], automation: AutomationCondition.eager() },
    ]);
    s.materialize(["root", "A", "B", "C"]);
    assert.equal(total(s.evaluate()), 0, "nothing updated since the first evaluation");
    s.materialize(["root"]);
    assert.equal(total(s.evaluate()), 3, "root updated: A, B and C requested on one tick");
    assert.equal(total(s.evaluate()), 0, "don't keep requesting");
    // The run of A, B, C: A materializes, B fails, so C does not run.
    s.materialize(["A"], ["A", "B", "C"]).fail("B");
    assert.equal(total(s.evaluate()), 0, "A updated by the run that planned B: B is not triggered");
    s.materialize(["A"]);
    assert.equal(total(s.evaluate()), 2, "A materialized on its own: B and C requested");
  });

  it("does not lose a dep update that lands between the asset's request and the next evaluation (differs from Dagster on purpose)", () => {
    const s = twoInSequence(AutomationCondition.eager());
    s.evaluate();
    s.advance(MINUTE).materialize(["A"]);
    assert.deepEqual(s.requested("B"), [""]);
    s.advance(MINUTE).materialize(["B"]);
    s.advance(MINUTE).materialize(["A"]);
    // newly_requested (the reset) is true on this evaluation, but A's update is later than the request.
    assert.deepEqual(s.requested("B"), [""]);
    assert.deepEqual(s.requested("B"), [], "and handled once");
  });

  it("counts a dep update whose event commits after one with a higher id (PostgreSQL's sequence), once", () => {
    const s = new AutomationScenario([{ key: "A" }, { key: "X" }, { key: "B", deps: ["A"], automation: AutomationCondition.eager() }]);
    s.materialize(["A", "B"]);
    assert.deepEqual(s.requested("B"), [], "initial evaluation: nothing new");
    const commitA = s.materializeLater("A");
    s.materialize(["X"]);
    assert.deepEqual(s.requested("B"), [], "A's update is not visible yet; X's higher id is");
    s.advance(2_000);
    commitA();
    assert.deepEqual(s.requested("B"), [""], "A's update became visible behind the cursor: still newly updated");
    assert.deepEqual(s.requested("B"), [], "and only once");
    s.advance(HOUR);
    s.materialize(["X"]);
    assert.deepEqual(s.requested("B"), [], "an old update is never counted again");
  });

  it("counts a dep that will be requested only when it can share the run (test_will_be_requested_condition.py)", () => {
    const days = staticPartitions(["a", "b"]);
    const s = new AutomationScenario([
      { key: "root" },
      { key: "P", deps: ["root"], partitions: days, automation: AutomationCondition.eager() },
      { key: "U", deps: ["P"], automation: AutomationCondition.eager() },
      { key: "Q", deps: ["P"], partitions: days, automation: AutomationCondition.eager() },
    ]);
    s.materialize(["root", "P:a", "P:b", "U", "Q:a", "Q:b"]);
    s.evaluate();
    s.materialize(["root"]);
    const evaluations = s.evaluate();
    assert.deepEqual(evaluations.get("P")!.requested, ["a", "b"]);
    assert.deepEqual(evaluations.get("Q")!.requested, ["a", "b"], "same partitions: runs with P");
    assert.deepEqual(evaluations.get("U")!.requested, [], "unpartitioned below partitioned: waits for P's runs");
  });

  it("waits while a dep or the asset itself is in progress", () => {
    const s = twoInSequence(AutomationCondition.eager());
    s.evaluate();
    s.materialize(["A"]).setInProgress("A");
    const evaluation = s.evaluate().get("B")!;
    assert.deepEqual(evaluation.requested, []);
    assert.match(evaluation.reason, /dep A is in progress/);
    s.setInProgress("A", "", false);
    const next = s.evaluate().get("B")!;
    assert.deepEqual(next.requested, [""], "the update is remembered until handled");
    assert.match(next.reason, /dep A was updated at 00:55 UTC and nothing is in progress/);
  });

  it("does not request while a dep is missing, and says which", () => {
    const s = new AutomationScenario([{ key: "A" }, { key: "X" }, { key: "B", deps: ["A", "X"], automation: AutomationCondition.eager() }]);
    s.evaluate();
    s.materialize(["A"]);
    const evaluation = s.evaluate().get("B")!;
    assert.deepEqual(evaluation.requested, []);
    assert.match(evaluation.reason, /dep X is missing/);
  });
});

describe("automation evaluator: onCron (test_on_cron_condition.py)", () => {
  it("fires once per cron tick after the parent updates since the tick (test_on_cron_unpartitioned)", () => {
    const s = twoInSequence(AutomationCondition.onCron("0 * * * *"));
    assert.deepEqual(s.requested("B"), [], "no cron boundary crossed");
    s.advance(10 * MINUTE);
    const waiting = s.evaluate().get("B")!;
    assert.deepEqual(waiting.requested, [], "crossed a cron boundary, parent hasn't updated yet");
    assert.match(waiting.reason, /waiting for dep A to be updated since the latest cron tick/);
    s.materialize(["A"]);
    assert.deepEqual(s.requested("B"), [""], "parent updated, now can execute");
    s.materialize(["B"]);
    assert.deepEqual(s.requested("B"), [], "B materialized, don't execute again");
    s.materialize(["A"]);
    assert.deepEqual(s.requested("B"), [], "A updated again before the hour: not again");
    s.advance(HOUR);
    assert.deepEqual(s.requested("B"), [], "a new tick, but A not materialized since");
    s.materialize(["A"]);
    assert.deepEqual(s.requested("B"), [""], "A updated after the hour: execute B again");
  });

  it("considers only the latest hourly partition of the parent (test_on_cron_hourly_partitioned)", () => {
    const s = twoInSequence(AutomationCondition.onCron("0 * * * *"), hourly, "2020-02-02T00:55:00Z");
    assert.deepEqual(s.requested("B"), []);
    s.advance(10 * MINUTE);
    assert.deepEqual(s.requested("B"), []);
    s.materialize(["A:2019-07-05-00:00"]);
    assert.deepEqual(s.requested("B"), [], "a historical parent partition does not matter");
    s.materialize(["A:2020-02-02-00:00"]);
    assert.deepEqual(s.requested("B"), ["2020-02-02-00:00"]);
    s.materialize(["B:2020-02-02-00:00"]);
    assert.deepEqual(s.requested("B"), []);
    s.advance(HOUR);
    assert.deepEqual(s.requested("B"), []);
    s.materialize(["A:2020-02-02-00:00"]);
    assert.deepEqual(s.requested("B"), [], "the previous partition of A does not count");
    s.materialize(["A:2020-02-02-01:00"]);
    assert.deepEqual(s.requested("B"), ["2020-02-02-01:00"]);
  });

  it("rejects an invalid cron where the condition is built, naming this file", () => {
    assert.throws(
      () => AutomationCondition.onCron("61 * * * *"),
      (error: unknown) => error instanceof DefinitionError && /evaluator\.test\.ts:\d+/.test(error.message) && /minute/.test(error.message),
    );
    assert.throws(() => AutomationCondition.onCron("0 * * * *", { timezone: "Mars/Olympus" }), /unknown time zone/);
  });
});

describe("automation evaluator: onMissing (test_on_missing_condition.py)", () => {
  it("requests the new latest hourly partition once its parent is there, once (test_on_missing_hourly_partitioned, from the new partition on)", () => {
    const s = twoInSequence(AutomationCondition.onMissing(), hourly, "2020-02-02T01:05:00Z");
    assert.deepEqual(s.requested("B"), []);
    s.advance(HOUR);
    assert.deepEqual(s.requested("B"), [], "new partition comes into being, parent not materialized yet");
    s.materialize(["A:2020-02-02-01:00"]);
    assert.deepEqual(s.requested("B"), ["2020-02-02-01:00"], "latest parent updated, now can execute");
    s.materialize(["A:2020-02-02-01:00"]);
    assert.deepEqual(s.requested("B"), [], "parent updated again: don't re-execute");
  });

  it("fills dynamic partitions added after the first evaluation, each once", () => {
    const regions = dynamicPartitions({ name: "regions" });
    const s = new AutomationScenario([{ key: "R", partitions: regions, automation: AutomationCondition.onMissing() }]);
    s.dynamicKeys.set("regions", ["eu"]);
    assert.deepEqual(s.requested("R"), [], "partitions present at the first evaluation are not backfilled");
    s.dynamicKeys.set("regions", ["eu", "us", "apac"]);
    assert.deepEqual(s.requested("R"), ["us", "apac"]);
    assert.deepEqual(s.requested("R"), [], "requested once");
  });
});

describe("automation evaluator: operands and operators", () => {
  it("newlyTrue is true on the evaluation where its operand becomes true (test_newly_true_condition.py)", () => {
    const s = new AutomationScenario([{ key: "A", automation: AutomationCondition.inProgress().newlyTrue() }]);
    assert.deepEqual(s.requested("A"), []);
    s.setInProgress("A");
    assert.deepEqual(s.requested("A"), [""]);
    assert.deepEqual(s.requested("A"), [], "still in progress, no longer newly");
  });

  it("since stays true from its trigger until its reset (test_since_condition.py)", () => {
    const condition = AutomationCondition.codeVersionChanged().since(AutomationCondition.newlyUpdated());
    const s = new AutomationScenario([{ key: "A", codeVersion: "1", automation: condition }]);
    assert.deepEqual(s.requested("A"), []);
    s.withAssets([{ key: "A", codeVersion: "2", automation: condition }]);
    assert.deepEqual(s.requested("A"), [""], "code version changed");
    assert.deepEqual(s.requested("A"), [""], "still true: not reset");
    s.materialize(["A"]);
    assert.deepEqual(s.requested("A"), [], "reset by the update");
  });

  it("cronTickPassed is false on an initial evaluation and true once per crossed tick", () => {
    const s = new AutomationScenario([{ key: "A", automation: AutomationCondition.cronTickPassed("0 * * * *") }]);
    assert.deepEqual(s.requested("A"), []);
    s.advance(2 * MINUTE);
    assert.deepEqual(s.requested("A"), [], "00:57: no tick passed");
    s.advance(10 * MINUTE);
    assert.deepEqual(s.requested("A"), [""], "01:00 passed");
    assert.deepEqual(s.requested("A"), []);
  });

  it("ignore() leaves a dep out of dep conditions (test_dep_condition.py)", () => {
    const condition = AutomationCondition.eager().ignore("X");
    const s = new AutomationScenario([{ key: "A" }, { key: "X" }, { key: "B", deps: ["A", "X"], automation: condition }]);
    s.evaluate();
    s.materialize(["A"]);
    assert.deepEqual(s.evaluate().get("B")!.requested, [""], "X is missing but ignored");
    const allowOnlyX = AutomationCondition.anyDepsMatch(AutomationCondition.missing()).allow("X");
    const t = new AutomationScenario([{ key: "A" }, { key: "X" }, { key: "B", deps: ["A", "X"], automation: allowOnlyX }]);
    t.materialize(["X"]);
    assert.deepEqual(t.requested("B"), [], "A is missing but only X is allowed");
  });

  it("rejects a dep filter that is not a selection where it is written", () => {
    assert.throws(() => AutomationCondition.eager().allow("not ("), (error: unknown) => error instanceof DefinitionError && /evaluator\.test\.ts:\d+/.test(error.message));
  });

  it("a condition that throws is reported and the other assets are still evaluated", () => {
    // The keys of dynamic partitions "never_loaded" are not in the facts: evaluating B throws.
    const s = new AutomationScenario([
      { key: "A" },
      { key: "B", deps: ["A"], partitions: dynamicPartitions({ name: "never_loaded" }), automation: AutomationCondition.missing() },
      { key: "C", automation: AutomationCondition.missing() },
    ]);
    const evaluations = s.evaluate();
    assert.ok(evaluations.get("B")!.error);
    assert.match(evaluations.get("B")!.reason, /could not be evaluated/);
    assert.deepEqual(evaluations.get("C")!.requested, [""]);
  });

  it("eager(), onCron() and onMissing() have Dagster's shapes", () => {
    assert.equal(
      AutomationCondition.eager().describe(),
      "eager",
    );
    assert.equal(
      JSON.stringify(AutomationCondition.eager().toJSON().children!.map((child) => child.label ?? child.kind)),
      JSON.stringify(["inLatestTimeWindow", "since_last_handled", "not", "not", "not"]),
    );
    assert.equal(AutomationCondition.onCron("0 * * * *").describe(), "on_cron(0 * * * *, UTC)");
    assert.equal(AutomationCondition.onMissing().children[1]!.label, "missing_since_last_handled");
    assert.equal(AutomationCondition.eager().without(AutomationCondition.inLatestTimeWindow()).children.length, 4);
  });
});

function total(evaluations: Map<string, { requested: string[] }>): number {
  return [...evaluations.values()].reduce((sum, evaluation) => sum + evaluation.requested.length, 0);
}
