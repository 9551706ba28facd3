/**
 * A run's steps as `GET /api/runs/:id` shows them, derived from the run's events: each attempt of a
 * retried step with its own times and outcome (the run page's timeline), as the executor writes
 * them (STEP_START once, STEP_RETRY with the delay before the next attempt, then the step's end).
 */
import assert from "node:assert/strict";
import { RunStepTracker } from "../../../runtime/src/daemon/http/runSteps";
import { SqliteStorage } from "../../../runtime/src/storage/sqlite/storage";
import type { RunEvent } from "../../../runtime/src/types";
import { event, newRun } from "../../storage/conformance";

/** An instant `ms` after a fixed start, as events stamp them. */
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 12) + ms).toISOString();

function stepEvent(runId: string, type: RunEvent["type"], stepKey: string, ms: number, data: Record<string, unknown> | null = null): RunEvent {
  return event(runId, type, { stepKey, timestamp: at(ms), data, level: type === "STEP_FAILURE" ? "error" : "info" });
}

const failure = (message: string) => ({ name: "UserCodeError", message, stack: `UserCodeError: ${message}` });

describe("a run's steps and their attempts", () => {
  let storage: SqliteStorage;
  let tracker: RunStepTracker;
  beforeEach(async () => {
    storage = new SqliteStorage(":memory:");
    await storage.migrate();
    tracker = new RunStepTracker(storage);
  });
  afterEach(() => storage.close());

  it("gives a retried step one attempt per try: the failed one ends at its retry, the next starts after the retry's delay", async () => {
    const run = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.appendEvents([
      stepEvent(run.runId, "STEP_START", "raw_orders", 0),
      stepEvent(run.runId, "STEP_RETRY", "raw_orders", 40, { attempt: 2, delayMs: 300, error: failure('asset "raw_orders" failed: not there yet\n  at ...') }),
    ]);
    const [waiting] = await tracker.stepsOf(run);
    assert.equal(waiting!.attempts, 2);
    assert.deepEqual(waiting!.attemptList, [
      { attempt: 1, status: "FAILURE", startedAt: at(0), endedAt: at(40), error: 'asset "raw_orders" failed: not there yet' },
      { attempt: 2, status: "RUNNING", startedAt: at(340), endedAt: null },
    ]);

    await storage.appendEvents([stepEvent(run.runId, "STEP_SUCCESS", "raw_orders", 400, { durationMs: 400 }), event(run.runId, "RUN_SUCCESS")]);
    const [done] = await tracker.stepsOf(run);
    assert.equal(done!.status, "SUCCESS");
    assert.deepEqual(done!.attemptList.map((attempt) => [attempt.attempt, attempt.status, attempt.startedAt, attempt.endedAt]), [
      [1, "FAILURE", at(0), at(40)],
      [2, "SUCCESS", at(340), at(400)],
    ]);
  });

  it("ends the last attempt of a failed step with the step's error, and gives a step that never started no attempt", async () => {
    const run = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.appendEvents([
      stepEvent(run.runId, "STEP_START", "raw_orders", 0),
      stepEvent(run.runId, "STEP_FAILURE", "raw_orders", 25, { durationMs: 25, error: failure("boom") }),
      stepEvent(run.runId, "STEP_SKIPPED", "stg_orders", 26, { reason: "upstream raw_orders failed" }),
    ]);
    const [raw, stg] = await tracker.stepsOf(run);
    assert.deepEqual(raw!.attemptList, [{ attempt: 1, status: "FAILURE", startedAt: at(0), endedAt: at(25), error: "boom" }]);
    assert.equal(raw!.attempts, 1);
    assert.deepEqual(stg!.attemptList, []);
    assert.equal(stg!.attempts, 0);
  });

  it("drops the attempt a cancel came before: canceled while waiting out the retry's delay", async () => {
    const run = await storage.createRun(newRun({ status: "STARTED" }));
    await storage.appendEvents([
      stepEvent(run.runId, "STEP_START", "raw_orders", 0),
      stepEvent(run.runId, "STEP_RETRY", "raw_orders", 10, { attempt: 2, delayMs: 5000, error: failure("flaky") }),
      stepEvent(run.runId, "STEP_CANCELED", "raw_orders", 50, { reason: "the run was canceled" }),
    ]);
    const [step] = await tracker.stepsOf(run);
    assert.equal(step!.status, "CANCELED");
    assert.equal(step!.attempts, 1);
    assert.deepEqual(step!.attemptList.map((attempt) => attempt.status), ["FAILURE"]);
  });
});
