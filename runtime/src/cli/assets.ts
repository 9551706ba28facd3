/** `tributary assets list`: the graph, with each asset's latest materialization and check status. */
import { relative } from "node:path";
import type { AssetNode } from "../graph/assetGraph";
import { loadProject } from "../loader/loadDefinitions";
import { findProjectConfig } from "../loader/config";
import { openStorage } from "../storage";
import type { CheckResultRecord, MaterializationRecord } from "../types";
import { assetFreshness } from "../services/freshness";
import type { AssetFreshnessJson } from "../wire/responses";
import { SelectionSyntaxError, quoteSelection } from "../errors";
import { parseSelection, resolveSelection, unmatchedTerms, type SelectableGraph, type SelectionAst } from "../selection";
import { parseCommandArgs, selectionUsageError } from "./args";
import { EXIT_OK, UsageError, stylesFor, type CliContext } from "./context";
import { formatTable, formatTime } from "./table";

export const ASSETS_HELP = `Usage: tributary assets list [--select SEL] [--json]

Lists the project's assets (this loads its code) with their latest materialization and the status
of their checks, read from storage. With --select, only the assets the selection picks: a way to
check a selection before \`tributary materialize --select SEL\` runs it.

Options:
  -s, --select SEL  A selection: raw_orders, +stg_orders, group:staging, job:nightly ... (docs/selection.md)
      --json        Print JSON (below) instead of a table

The table's TAGS column shows each asset's tags as name=value (a bare name when the value is empty),
the tags a \`tag:name=value\` selection matches. FRESHNESS is the asset's state against its freshness
policy (fresh, warn, stale, unknown: never materialized; - without a policy), docs/automation.md.

--json prints an array of {"key","group","deps","description","kinds","tags","file","line",
"latestMaterialization": null | {"runId","timestamp","metadata"},
"checkStatus": "PASSED"|"FAILED"|"WARNING"|"NOT_EVALUATED"|"NONE",
"checks": [{"name","severity","blocking","passed": true|false|null,"runId","timestamp"}],
"freshness": null | {"state": "FRESH"|"WARN"|"STALE"|"UNKNOWN","maxLag","warnAfter","lastMaterializedAt",
"partitionKey","warnSince","staleSince","staleAt"}} (freshness as in GET /api/assets).`;

/** Summary of an asset's checks: FAILED (an ERROR check failed), WARNING (a WARN one did), ... */
export type CheckStatus = "PASSED" | "FAILED" | "WARNING" | "NOT_EVALUATED" | "NONE";

/** Runs `assets <list>`. */
export async function assetsCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "list") {
    throw new UsageError(sub === undefined ? "assets: missing subcommand" : `assets: unknown subcommand "${sub}"`, {
      hint: "Use `tributary assets list`.",
    });
  }
  const { values } = parseCommandArgs("assets list", rest, { json: { type: "boolean" }, select: { type: "string", short: "s" } }, 0);
  const selection = values["select"];
  let ast: SelectionAst | undefined;
  if (selection !== undefined) {
    if (typeof selection !== "string" || selection.trim() === "") {
      throw new UsageError("assets list: --select needs a selection", { hint: 'e.g. --select "+stg_orders" or --select group:staging; leave it out to list every asset.' });
    }
    try {
      ast = parseSelection(selection);
    } catch (error) {
      if (error instanceof SelectionSyntaxError) throw selectionUsageError(error);
      throw error;
    }
  }
  const config = findProjectConfig(context.cwd, context.env);
  const project = await loadProject(config);
  const selected = ast === undefined ? undefined : resolveSelection(ast, project.graph);
  if (ast !== undefined && selected?.size === 0) warnSelectsNothing(ast, selection as string, project.graph, context);
  const storage = await openStorage(config.storage);
  let materializations: MaterializationRecord[];
  let checkResults: CheckResultRecord[];
  try {
    [materializations, checkResults] = await Promise.all([storage.getLatestMaterializations(), storage.getLatestCheckResults()]);
  } finally {
    await storage.close();
  }
  const latest = new Map(materializations.map((record) => [record.assetKey, record]));
  const nodes = [...project.graph.assets.values()].filter((node) => selected === undefined || selected.has(node.key));
  const now = (context.now ?? Date.now)();
  const assets = nodes.map((node) =>
    assetToJson(node, latest.get(node.key), checkResults.filter((result) => result.assetKey === node.key), config.projectDir, now),
  );

  if (values["json"] === true) {
    context.stdout.write(`${JSON.stringify(assets, null, 2)}\n`);
    return EXIT_OK;
  }
  const s = stylesFor(context.stdout, context.env);
  const paint: Record<CheckStatus, (text: string) => string> = {
    PASSED: s.green, FAILED: s.red, WARNING: s.yellow, NOT_EVALUATED: s.dim, NONE: s.dim,
  };
  const paintFreshness: Record<AssetFreshnessJson["state"], (text: string) => string> = { FRESH: s.green, WARN: s.yellow, STALE: s.red, UNKNOWN: s.dim };
  const rows = assets.map((asset) => {
    const checks = asset.checks;
    const passed = checks.filter((check) => check.passed === true).length;
    const checkText = asset.checkStatus === "NONE" ? "-" : `${asset.checkStatus.toLowerCase().replace("_", " ")} (${passed}/${checks.length})`;
    return [
      asset.key,
      asset.group,
      asset.latestMaterialization ? formatTime(asset.latestMaterialization.timestamp) : s.dim("never"),
      paint[asset.checkStatus](checkText),
      asset.freshness ? paintFreshness[asset.freshness.state](asset.freshness.state.toLowerCase()) : s.dim("-"),
      formatTags(asset.tags),
      asset.deps.join(", "),
    ];
  });
  context.stdout.write(formatTable(["ASSET", "GROUP", "LAST MATERIALIZED", "CHECKS", "FRESHNESS", "TAGS", "DEPS"], rows));
  return EXIT_OK;
}

/** On stderr, so that `--json` output stays an (empty) array: what selects nothing, and near misses. */
function warnSelectsNothing(ast: SelectionAst, selection: string, graph: SelectableGraph, context: CliContext): void {
  const s = stylesFor(context.stderr, context.env);
  context.stderr.write(`${s.yellow("warning:")} the selection ${quoteSelection(selection)} selects no asset\n`);
  for (const term of unmatchedTerms(ast, graph)) {
    const written = term.attribute === "key" ? term.value : `${term.attribute}:${term.value}`;
    const suggestion = term.suggestion === undefined ? "" : ` (did you mean ${term.attribute === "key" ? "" : `${term.attribute}:`}${term.suggestion}?)`;
    context.stderr.write(`  ${written} matches nothing${suggestion}\n`);
  }
}

function assetToJson(node: AssetNode, latest: MaterializationRecord | undefined, results: CheckResultRecord[], projectDir: string, now: number) {
  const byName = new Map(results.map((result) => [result.checkName, result]));
  const checks = node.checks.map((check) => {
    const result = byName.get(check.name);
    return {
      name: check.name,
      severity: check.severity,
      blocking: check.blocking,
      passed: result ? result.passed : null,
      runId: result?.runId ?? null,
      timestamp: result?.timestamp ?? null,
    };
  });
  return {
    key: node.key,
    group: node.group,
    deps: [...node.deps],
    description: node.description ?? null,
    kinds: [...node.kinds],
    tags: { ...node.tags },
    file: node.location ? relative(projectDir, node.location.file) : null,
    line: node.location?.line ?? null,
    latestMaterialization: latest ? { runId: latest.runId, timestamp: latest.timestamp, metadata: latest.metadata } : null,
    checkStatus: checkStatusOf(checks),
    checks,
    freshness: node.freshness ? assetFreshness(node.freshness, latest, now) : null,
  };
}

/** Tags as a selection writes them: `name=value`, or the bare `name` when the value is empty. */
function formatTags(tags: Record<string, string>): string {
  const written = Object.entries(tags).map(([name, value]) => (value === "" ? name : `${name}=${value}`));
  return written.length === 0 ? "-" : written.join(", ");
}

function checkStatusOf(checks: { severity: string; passed: boolean | null }[]): CheckStatus {
  if (checks.length === 0) return "NONE";
  if (checks.some((check) => check.passed === false && check.severity === "ERROR")) return "FAILED";
  if (checks.some((check) => check.passed === false)) return "WARNING";
  if (checks.some((check) => check.passed === null)) return "NOT_EVALUATED";
  return "PASSED";
}
