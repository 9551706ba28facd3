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
