/**
 * `job:NAME` in a project: planned against the jobs of `definitions()`, with the job's tags on a run
 * of exactly that job, and jobs whose selection cannot work reported when the definitions load.
 */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { defineAssetJob } from "../../runtime/src/definitions/job";
import { EmptySelectionError, planRun } from "../../runtime/src/execution/plan";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { validateGraph } from "../../runtime/src/graph/validate";

const raw = asset({ key: "raw", group: "raw" }, async () => 1);
const stg = asset({ key: "stg", group: "staging", deps: [raw] }, async () => 1);
const mart = asset({ key: "mart", group: "warehouse", deps: [stg] }, async () => 1);

function graphWith(jobs: ReturnType<typeof defineAssetJob>[]): AssetGraph {
  return new AssetGraph(definitions({ assets: [raw, stg, mart], jobs }));
}

describe("job selections", () => {
  it("plans job:NAME as the job's own selection, and gives a run of exactly the job its tags", () => {
    const graph = graphWith([
      defineAssetJob({ name: "nightly", selection: "+stg", tags: { team: "data" } }),
      defineAssetJob({ name: "all_but_raw", selection: "job:nightly+ and not group:raw" }),
    ]);
    assert.deepEqual(planRun(graph, "job:nightly").assetKeys, ["raw", "stg"]);
    assert.deepEqual(planRun(graph, "job:nightly").jobTags, { team: "data" });
    assert.deepEqual(planRun(graph, "job:all_but_raw").assetKeys, ["stg", "mart"]);
    assert.deepEqual(planRun(graph, "job:nightly or mart").jobTags, {}, "a selection that is more than the job is not a run of the job");
    assert.deepEqual(validateGraph(graph), []);
  });

  it("says there is no such job, with the closest name, when job:NAME names none", () => {
    const graph = graphWith([defineAssetJob({ name: "nightly", selection: "*" })]);
    assert.throws(() => planRun(graph, "job:nighty"), (error: unknown) => {
      assert.ok(error instanceof EmptySelectionError);
      assert.equal(error.message, 'the selection "job:nighty" matches no asset: there is no job named "nighty"');
      assert.equal(error.hint, 'Did you mean "job:nightly"?');
      return true;
    });
    assert.throws(() => planRun(graphWith([]), "job:nightly"), /there is no job named "nightly" \(the project defines no job\)/);
  });

  it("reports a job whose selection does not parse, and jobs that select themselves through job:", () => {
    const graph = graphWith([
      defineAssetJob({ name: "broken", selection: "group:(" }),
      defineAssetJob({ name: "a", selection: "job:b or raw" }),
      defineAssetJob({ name: "b", selection: "stg and job:a" }),
      defineAssetJob({ name: "self", selection: "job:self" }),
    ]);
    const problems = validateGraph(graph).map((problem) => [problem.code, problem.message]);
    assert.deepEqual(problems, [
      ["invalid-selection", 'job "broken": expected a value after "group:" at position 7 of "group:("'],
      ["cycle", 'job "a" selects itself through job: (a -> b -> a)'],
      ["cycle", 'job "self" selects itself through job: (self -> self)'],
    ]);
  });
});
