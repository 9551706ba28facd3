/**
 * Explanations: one sentence a person can act on, read off an evaluated condition tree: why an
 * asset was requested ("dep raw_orders was updated at 02:03 UTC and nothing is in progress"), or
 * the first reason it was not ("dep stg_orders is in progress; it waits until its run ends").
 */
import type { PartitionsDefinition } from "../../partitions/definition";
import type { EvaluatedNode } from "./evaluator";

/**
 * One sentence a person can act on, from the evaluated tree: why the asset was requested, or the
 * first reason it was not.
 */
export function explain(tree: EvaluatedNode, requested: readonly string[], asset: { key: string; partitions?: PartitionsDefinition | undefined }): string {
  const where = asset.partitions ? (requested.length === 1 ? `partition ${requested[0]} ` : requested.length > 1 ? `${requested.length} partitions ` : "") : "";
  if (requested.length > 0) {
    const because = whyTrue(tree).filter((part) => part !== "");
    return `requested ${where}because ${because.length > 0 ? joinAnd(because) : `${tree.name} is true`}`.replace(/\s+/g, " ").trim();
  }
  return `not requested: ${whyFalse(tree)}`;
}

export function whyTrue(node: EvaluatedNode): string[] {
  const label = node.name;
  if (label === "any_deps_updated") {
    const deps = node.matched ?? [];
    const at = findDetail(node);
    return [`${deps.length === 1 ? `dep ${deps[0]} was` : `deps ${deps.join(", ")} were`} updated${at ? ` at ${clock(at)}` : ""}`];
  }
  if (label === "newly_missing" || (node.kind === "newlyTrue" && node.children?.[0]?.kind === "missing")) return ["it became missing"];
  if (label.startsWith("all_deps_updated_since_cron")) return ["every dep was updated since the cron tick"];
  if (node.kind === "cronTickPassed") return [`the cron tick ${node.detail ? `at ${clock(node.detail)} ` : ""}passed`];
  if (node.kind === "since") {
    if (node.detail) return [node.detail];
    const trigger = node.children?.[0];
    if (trigger?.result) return whyTrue(trigger);
    return [`${trigger?.name ?? "its trigger"} became true on an earlier evaluation and was not handled since`];
  }
  if (label === "missing_since_last_handled") return ["it became missing and was not requested since"];
  if (node.kind === "and") {
    const parts = (node.children ?? []).flatMap((child) => whyTrue(child));
    const blockers = (node.children ?? []).filter((child) => child.kind === "not" && ["any_deps_in_progress", "in_progress"].includes(child.children?.[0]?.name ?? ""));
    if (blockers.length > 0) parts.push("nothing is in progress");
    return parts;
  }
  if (node.kind === "or") return (node.children ?? []).filter((child) => child.result).slice(0, 1).flatMap((child) => whyTrue(child));
  if (node.kind === "not" || node.kind === "inLatestTimeWindow") return [""];
  if (node.kind === "newlyUpdated") return [`it was updated${node.detail ? ` at ${clock(node.detail)}` : ""}`];
  if (node.kind === "codeVersionChanged") return ["its code version changed"];
  if (node.kind === "anyDeps" || node.kind === "allDeps") return [`${label} (${(node.matched ?? []).join(", ")})`];
  return [label];
}

function whyFalse(node: EvaluatedNode): string {
  const label = node.name;
  if (node.kind === "and") {
    const first = (node.children ?? []).find((child) => !child.result);
    return first ? whyFalse(first) : `${label} is false`;
  }
  if (node.kind === "not") {
    const inner = node.children?.[0];
    if (inner?.name === "any_deps_missing") return `${depList(inner.matched)} missing; it waits until ${plural(inner.matched) ? "they are" : "it is"} materialized`;
    if (inner?.name === "any_deps_in_progress") return `${depList(inner.matched)} in progress; it waits until ${plural(inner.matched) ? "their runs end" : "its run ends"}`;
    if (inner?.name === "in_progress") return "it is in progress already";
    return `${inner?.name ?? label} is true`;
  }
  if (label === "eager_since_last_handled" || label === "any_deps_updated" || /^\(newly_missing \| any_deps_updated\)/.test(label)) {
    return "no dep was updated (and it did not become missing) since it was last requested or materialized; materialize a dep to trigger it";
  }
  if (node.kind === "since" && node.children?.[0]?.kind === "or" && node.children[0].children?.some((child) => child.name === "any_deps_updated")) {
    return "no dep was updated (and it did not become missing) since it was last requested or materialized; materialize a dep to trigger it";
  }
  if (node.kind === "since" && node.children?.[0]?.kind === "cronTickPassed") {
    const params = /^cron_tick_passed\((.*), (.*)\)$/.exec(node.children[0].name);
    return `no tick of cron "${params?.[1] ?? "?"}" (${params?.[2] ?? "UTC"}) has passed since it was last requested or materialized`;
  }
  if (label === "missing_since_last_handled") return "it has not become missing since it was last requested or materialized (onMissing only fills partitions that appear after its first evaluation)";
  if (label.startsWith("all_deps_updated_since_cron")) {
    return `waiting for ${depList(node.unmatched, "to be")} updated since the latest cron tick`;
  }
  if (node.kind === "inLatestTimeWindow") return "the partition is not in the latest time window";
  if (node.kind === "missing") return "it is not missing";
  if (node.kind === "or") return `none of ${(node.children ?? []).map((child) => child.name).join(", ")} is true`;
  return `${label} is false`;
}

function findDetail(node: EvaluatedNode): string | undefined {
  let best = node.detail;
  for (const child of node.children ?? []) {
    const detail = findDetail(child);
    if (detail && (!best || detail > best)) best = detail;
  }
  return best;
}

function depList(deps: readonly string[] | undefined, verb?: string): string {
  const list = deps ?? [];
  if (list.length === 0) return verb ? `its deps ${verb}` : "a dep is";
  if (list.length === 1) return `dep ${list[0]} ${verb ?? "is"}`;
  return `deps ${list.join(", ")} ${verb ? verb.replace(/^to be$/, "to be") : "are"}`;
}

function plural(deps: readonly string[] | undefined): boolean {
  return (deps?.length ?? 0) > 1;
}

function joinAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** "02:03" (UTC) from an ISO instant; the full instant when it is not today's. */
function clock(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}
