/**
 * A partitioned selection sent without a partition: the HTTP answer's hint names the request's JSON
 * fields (`partition`, `allPartitions`), while the CLI's error keeps naming its flags.
 */
import assert from "node:assert/strict";
import { asset } from "../../../runtime/src/definitions/asset";
import { definitions } from "../../../runtime/src/definitions/definitions";
import { errorAnswer } from "../../../runtime/src/daemon/http/errors";
import { planRun } from "../../../runtime/src/execution/plan";
import { AssetGraph } from "../../../runtime/src/graph/assetGraph";
import { dailyPartitions } from "../../../runtime/src/partitions/timeWindowFactories";

const graph = new AssetGraph(
  definitions({
    assets: [
      asset({ key: "orders", partitions: dailyPartitions({ start: "2024-01-01" }) }, () => 1),
      asset({ key: "plain" }, () => 1),
    ],
  }),
);

function thrownBy(plan: () => unknown): unknown {
  try {
    plan();
  } catch (error) {
    return error;
  }
  assert.fail("planning did not throw");
}

describe("Partition hints over HTTP", () => {
  it("names the JSON fields partition and allPartitions when a partitioned selection has no partition", () => {
    const error = thrownBy(() => planRun(graph, "orders"));
    const answer = errorAnswer(error);
    assert.equal(answer.status, 400);
    assert.match(answer.body.error.message, /so a run needs a partition/);
    assert.match(answer.body.error.hint!, /"partition": "KEY"/);
    assert.match(answer.body.error.hint!, /"allPartitions": true/);
    assert.doesNotMatch(answer.body.error.hint!, /--/);
    assert.match((error as Error & { hint: string }).hint, /Pass --partition KEY/, "the CLI keeps its flags");
  });

  it("names the JSON field partition when one is sent for unpartitioned assets", () => {
    const answer = errorAnswer(thrownBy(() => planRun(graph, "plain", ["2024-01-02"])));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.hint, 'Leave out "partition", or select partitioned assets.');
  });
});

describe("Partition key errors from another copy of the package", () => {
  it("answers 400, not 500, for a key refused by the partitions of the project's own tributary-ts (the built copy here)", () => {
    // A project's definitions import their own copy of the package (here the built runtime/dist,
    // while this test runs the sources): its errors are not instances of this copy's classes.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const otherCopy = require("../../../runtime/dist/partitions/timeWindowFactories") as typeof import("../../../runtime/src/partitions/timeWindowFactories");
    const otherGraph = new AssetGraph(definitions({ assets: [asset({ key: "orders", partitions: otherCopy.dailyPartitions({ start: "2024-01-01" }) }, () => 1)] }));
    for (const key of ["2099-01-01", "2018-1-5", ""]) {
      const error = thrownBy(() => planRun(otherGraph, "orders", [key]));
      assert.equal((error as Error).name, "PartitionKeyError");
      const answer = errorAnswer(error);
      assert.equal(answer.status, 400, `${JSON.stringify(key)}: ${answer.body.error.message}`);
      assert.match(answer.body.error.message, new RegExp(`"${key}"`));
    }
  });
});
