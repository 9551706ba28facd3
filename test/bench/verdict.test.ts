/** A bench's verdict on a goal follows the figure it judges, each figure with its own verdict. */
import assert from "node:assert/strict";
import { goalVerdict } from "../../bench/verdict";

describe("Bench goal verdicts", () => {
  it("judges the idle estimate on its own figure, not the measured one", () => {
    const line = goalVerdict("cold index <= 1500 ms", 1500, "ms", [{ label: "measured", value: 1400 }, { label: "idle estimate", value: 1605 }]);
    assert.equal(line, "cold index <= 1500 ms: measured 1400 ms, met; idle estimate 1605 ms, NOT met");
  });

  it("leaves out a figure that was not measured", () => {
    assert.equal(goalVerdict("RSS <= 300 MB", 300, "MB", [{ label: "peak", value: 301.4 }, undefined]), "RSS <= 300 MB: peak 301 MB, NOT met");
    assert.equal(goalVerdict("RSS <= 300 MB", 300, "MB", [{ label: "peak", value: Number.NaN }]), "RSS <= 300 MB: not measured");
  });
});
