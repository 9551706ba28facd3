/** The details pane's note after a check's name: a passing check must not read as an error. */
import assert from "node:assert/strict";
import { checkResultNote } from "../../ui/src/panels/details";
import type { LineageCheckResult } from "../../ui/src/protocol";

const result = (passed: boolean, severity: LineageCheckResult["severity"]): LineageCheckResult => ({
  checkName: "not_empty",
  passed,
  severity,
  timestamp: "2025-01-01T00:00:00.000Z",
  runId: "r1",
});

describe("Check notes in the details pane", () => {
  it("says passed, without the severity, for a passing ERROR check", () => {
    const note = checkResultNote(result(true, "ERROR"));
    assert.match(note, /^passed · /);
    assert.doesNotMatch(note, /error/i);
  });

  it("gives a failure's severity as error or warning", () => {
    assert.match(checkResultNote(result(false, "ERROR")), /^failed: error · /);
    assert.match(checkResultNote(result(false, "WARN")), /^failed: warning · /);
  });

  it("says not run yet when there is no result", () => {
    assert.equal(checkResultNote(undefined), "not run yet");
  });
});
