/**
 * The asset graphs of Dagster's selection tests, rebuilt as Tributary assets so that the translated
 * cases (dagsterCases.ts) run against the same shapes. Each graph names the Dagster test that
 * defines it. Source assets (Dagster's `SourceAsset`) have no Tributary counterpart; they are left
 * out, which changes no expected answer, since Dagster leaves them out of selections by default.
 */
import type { SelectableAsset, SelectableJob } from "../../runtime/src/selection";
import { asset } from "./fixtures";

/** A graph of a Dagster test: its assets and the jobs `job:` can name. */
export interface DagsterGraph {
  assets: SelectableAsset[];
  jobs?: SelectableJob[];
}

export const dagsterGraphs = {
  /**
   * test_antlr_asset_selection.py, test_antlr_visit_basic: a -> b -> c, `a` tagged foo=bar and
   * owned by team:billing, `b` of kinds python and snowflake, `c` in group my_group.
   */
  abc: {
    assets: [
      asset("a", { tags: { foo: "bar" }, owners: ["team:billing"] }),
      asset("b", { kinds: ["python", "snowflake"], deps: ["a"] }),
      asset("c", { group: "my_group", deps: ["b"] }),
    ],
  },
  /**
   * test_asset_selection.py, all_assets: earth (a source asset) -> alice -> bob, candace;
   * candace -> danny -> edgar, fiona; bob, fiona -> george; the multi-assets robots (rosie, r2d2,
   * walle) and aliens (zorg, zapp, zort); animals/zebra. Plus a job for `job:` (the visitor's
   * JobAssetSelection): "ladies_job" selects group:ladies, "downstream_job" names it.
   */
  people: {
    assets: [
      asset("alice", { group: "ladies" }),
      asset("bob", { group: "gentlemen", deps: ["alice"] }),
      asset("candace", { group: "ladies", deps: ["alice"] }),
      asset("danny", { group: "gentlemen", deps: ["candace"] }),
      asset("edgar", { group: "gentlemen", deps: ["danny"] }),
      asset("fiona", { group: "ladies", deps: ["danny"] }),
      asset("george", { group: "gentlemen", deps: ["bob", "fiona"] }),
      asset("rosie", { group: "robots" }),
      asset("r2d2", { group: "robots" }),
      asset("walle", { group: "robots" }),
      asset("zorg", { group: "aliens" }),
      asset("zapp", { group: "aliens" }),
      asset("zort", { group: "aliens" }),
      asset("animals/zebra"),
    ],
    jobs: [
      { name: "ladies_job", selection: "group:ladies" },
      { name: "downstream_job", selection: "job:ladies_job+1" },
    ],
  },
  /** test_asset_selection.py, test_roots and test_sources: a -> b -> c. */
  chain: {
    assets: [asset("a"), asset("b", { deps: ["a"] }), asset("c", { deps: ["b"] })],
  },
  /** test_asset_selection.py, test_self_dep: a partitioned asset that reads its own earlier partitions. */
  selfDep: {
    assets: [asset("a", { deps: ["a"] })],
  },
  /** test_asset_selection.py, test_tag and test_tag_string. */
  tags: {
    assets: [
      asset("asset1", { tags: { foo: "fooval" } }),
      asset("asset2", { tags: { foo: "fooval2" } }),
      asset("asset3", { tags: { foo: "fooval", bar: "barval" } }),
      asset("asset4", { tags: { bar: "barval" } }),
      asset("asset5", { tags: { baz: "" } }),
      asset("asset6", { tags: { baz: "", bar: "barval" } }),
    ],
  },
  /** test_asset_selection.py, test_key_wildcard. */
  wildcards: {
    assets: ["asset1", "asset2", "asset3", "asset4", "prefix/asset1", "prefix/asset2", "prefix/asset3"].map((key) => asset(key)),
  },
  /** test_asset_selection.py, test_owner. */
  owners: {
    assets: [
      asset("asset1", { owners: ["owner1@owner.com"] }),
      asset("asset2", { owners: ["owner2@owner.com"] }),
      asset("asset3", { owners: ["owner1@owner.com"] }),
      asset("asset4", { owners: ["owner2@owner.com"] }),
    ],
  },
  /** test_asset_selection.py, test_kind: asset2's one kind is the empty string. */
  kinds: {
    assets: [asset("asset1", { kinds: ["my_kind"] }), asset("asset2", { kinds: [""] }), asset("asset3")],
  },
} satisfies Record<string, DagsterGraph>;

/** The name of one of {@link dagsterGraphs}. */
export type DagsterGraphName = keyof typeof dagsterGraphs;
