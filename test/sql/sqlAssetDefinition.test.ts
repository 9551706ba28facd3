import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { definitions } from "../../runtime/src/definitions/definitions";
import { DefinitionError } from "../../runtime/src/errors";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { validateGraph } from "../../runtime/src/graph/validate";
import { staticPartitions } from "../../runtime/src/partitions/static";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { renderTemplate, sql, sqlPartition } from "../../runtime/src/sql/template";

describe("sqlAsset definitions", () => {
  const raw = asset({ key: "raw/orders" }, () => []);

  it("makes every interpolated asset a dep, once, and adds the sql kind", () => {
    const joined = sqlAsset({ key: "mart/orders", group: "mart", kinds: ["postgres"], deps: ["late"], query: sql`select * from ${raw} as a join ${raw} as b using (id)` });
    assert.deepEqual(joined.deps, ["raw/orders", "late"]);
    assert.deepEqual(joined.kinds, ["sql", "postgres"]);
    assert.equal(joined.group, "mart");
    assert.equal(joined.metadata["tributary/table"], "mart.orders");
    assert.equal(joined.resources[0], "warehouse");
  });

  it("renders assets as table names and every other value as a numbered parameter", () => {
    const template = sql`select * from ${raw} where day >= ${sqlPartition.start} and status = ${"x' or 1=1 --"}`;
    const rendered = renderTemplate(template, {
      tableOf: (key) => `"t"."${key.split("/").pop()}"`,
      placeholder: (index) => `$${index}`,
      partition: { key: "2024-01-02", start: "2024-01-02T00:00:00.000Z", end: "2024-01-03T00:00:00.000Z" },
    });
    assert.equal(rendered.text, `select * from "t"."orders" where day >= $1 and status = $2`);
    assert.deepEqual(rendered.params, ["2024-01-02T00:00:00.000Z", "x' or 1=1 --"]);
  });

  it("types a TypeScript asset's input from a SQL asset as its table, whose rows come on request", () => {
    const doubled = sqlAsset({ key: "doubled", query: sql`select 1 as d` });
    const total = asset({ key: "total", deps: [doubled] }, async ({ inputs }) => {
      const rows: Record<string, unknown>[] = await inputs.doubled.rows();
      const name: string = inputs.doubled.qualifiedName;
      return { rows, name };
    });
    assert.deepEqual(total.deps, ["doubled"]);
  });

  it("needs no warehouse resource: the embedded warehouse is built in", () => {
    const graph = new AssetGraph(definitions({ assets: [raw, sqlAsset({ key: "n", query: sql`select 1 as n` })] }));
    assert.deepEqual(validateGraph(graph).map((problem) => problem.code), []);
  });

  it("still requires a warehouse it names that definitions() does not provide", () => {
    const graph = new AssetGraph(definitions({ assets: [sqlAsset({ key: "n", warehouse: "analytics", query: sql`select 1 as n` })] }));
    assert.deepEqual(validateGraph(graph).map((problem) => problem.code), ["unknown-resource"]);
  });

  it("refuses an incremental asset without a unique key or partitions, a query not written with sql, a view with parameters, and a partitioned table", () => {
    assert.throws(() => sqlAsset({ key: "e", materialization: "incremental", query: sql`select 1 as id` }), (error: unknown) =>
      error instanceof DefinitionError && /needs a uniqueKey or partitions/.test(error.message) && /sqlAssetDefinition\.test\.ts:\d+/.test(error.message),
    );
    assert.throws(() => sqlAsset({ key: "e", query: "select 1" as never }), /query must be written with the sql tag/);
    assert.throws(() => sqlAsset({ key: "e", materialization: "snapshot" as never, query: sql`select 1` }), /"table", "view" or "incremental"/);
    assert.throws(() => sqlAsset({ key: "p", partitions: staticPartitions(["a"]), query: sql`select 1 as n` }), /a partitioned SQL asset must be materialized "incremental"/);
    assert.throws(() => sqlAsset({ key: "v", materialization: "view", query: sql`select * from ${raw} where n > ${1}` }), /a view cannot take bound parameters/);
  });
});
