/**
 * The CLI's ways to use a selection without writing one out: `assets list --select SEL` shows what
 * it picks without running it, and `materialize --job NAME` runs a job's assets with its tags.
 */
import assert from "node:assert/strict";
import { tempProject } from "../loader/fixtures";
import { runMain } from "./helpers";

const PROJECT = `import { asset, defineAssetJob, definitions } from "tributary-ts";

export const rawOrders = asset({ key: "raw_orders", group: "raw" }, async () => [{ id: 1 }]);
export const stgOrders = asset({ key: "stg_orders", group: "staging", deps: [rawOrders], tags: { pii: "" } }, async ({ inputs }) => inputs.raw_orders);
export const report = asset({ key: "report", group: "reports", deps: [stgOrders] }, async ({ inputs }) => inputs.stg_orders.length);

export const nightly = defineAssetJob({ name: "nightly", selection: "+stg_orders", tags: { team: "data" } });

export default definitions({ assets: [rawOrders, stgOrders, report], jobs: [nightly] });
`;

describe("tributary assets list --select and materialize --job", function () {
  this.timeout(60_000);
  let project: { dir: string; cleanup: () => void };
  before(() => (project = tempProject({ "definitions.ts": PROJECT })));
  after(() => project.cleanup());

  const listed = async (selection: string): Promise<string[]> => {
    const outcome = await runMain(["assets", "list", "--select", selection, "--json"], project.dir);
    assert.equal(outcome.code, 0, outcome.stderr);
    return (JSON.parse(outcome.stdout) as { key: string }[]).map((asset) => asset.key);
  };

  it("lists only the assets a selection picks, job:NAME included, without running them", async () => {
    assert.deepEqual(await listed("+stg_orders"), ["raw_orders", "stg_orders"]);
    assert.deepEqual(await listed("job:nightly and not tag:pii"), ["raw_orders"]);
    assert.deepEqual(await listed('group:"*s"'), ["report"]);
    const table = await runMain(["assets", "list", "-s", "sinks(*)"], project.dir);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ASSET +GROUP/);
    assert.match(table.stdout, /\nreport +reports +never/);
    assert.doesNotMatch(table.stdout, /raw_orders|stg_orders  /);
    const runs = JSON.parse((await runMain(["runs", "list", "--json"], project.dir)).stdout) as unknown[];
    assert.deepEqual(runs, [], "listing ran nothing");
  });

  it("points a tag that matches no asset at `assets list`, whose table and JSON show the tags", async () => {
    const outcome = await runMain(["materialize", "--select", "tag:confidential", "--in-process"], project.dir);
    assert.equal(outcome.code, 2, outcome.stderr);
    assert.match(outcome.stderr, /matches no asset\nhint: `tributary assets list` shows the keys, groups and tags there are/);
    const table = await runMain(["assets", "list"], project.dir);
    assert.match(table.stdout, /^ASSET +GROUP +LAST MATERIALIZED +CHECKS +FRESHNESS +TAGS +DEPS\n/);
    assert.match(table.stdout, /\nstg_orders +staging +never +- +- +pii +raw_orders\n/);
    const json = JSON.parse((await runMain(["assets", "list", "--json"], project.dir)).stdout) as { key: string; tags: Record<string, string> }[];
    assert.deepEqual(json.find((asset) => asset.key === "stg_orders")?.tags, { pii: "" });
  });

  it("warns on stderr, with the closest names, when the selection picks nothing, and still prints JSON", async () => {
    const outcome = await runMain(["assets", "list", "--select", "group:stagng or job:nighty", "--json"], project.dir);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(JSON.parse(outcome.stdout), []);
    assert.equal(outcome.stderr, [
      'warning: the selection "group:stagng or job:nighty" selects no asset',
      "  group:stagng matches nothing (did you mean group:staging?)",
      "  job:nighty matches nothing (did you mean job:nightly?)",
      "",
    ].join("\n"));
  });

  it("exits 2 for a selection that does not parse, with a caret, before loading the project", async () => {
    const outcome = await runMain(["assets", "list", "--select", "raw_orders and (stg"], project.dir);
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /^error: invalid selection: unclosed "\(" at position 16/);
    assert.match(outcome.stderr, /\n  raw_orders and \(stg\n {17}\^\n/);
  });

  it("materializes a job's assets with --job, and gives the run the job's tags", async () => {
    const outcome = await runMain(["materialize", "--job", "nightly", "--json", "--in-process"], project.dir);
    assert.equal(outcome.code, 0, outcome.stderr);
    const result = JSON.parse(outcome.stdout) as { runId: string; status: string; steps: { key: string; status: string }[] };
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(result.steps.map((step) => step.key), ["raw_orders", "stg_orders"]);
    const runs = JSON.parse((await runMain(["runs", "list", "--json"], project.dir)).stdout) as { runId: string; selection: string; tags: Record<string, string> }[];
    const run = runs.find((candidate) => candidate.runId === result.runId)!;
    assert.equal(run.selection, "job:nightly");
    assert.deepEqual(run.tags, { team: "data" });
  });

  it("exits 2 for --job naming no job, with the closest name, and for --job with --select", async () => {
    const unknown = await runMain(["materialize", "--job", "nighty", "--in-process"], project.dir);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /^error: the selection "job:nighty" matches no asset: there is no job named "nighty"\nhint: Did you mean "job:nightly"\?/);
    const both = await runMain(["materialize", "--job", "nightly", "--select", "report"], project.dir);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^error: materialize: --select and --job cannot be used together/);
    const neither = await runMain(["materialize"], project.dir);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /^error: materialize: --select or --job is required\nhint: .*--job nightly/);
  });
});
